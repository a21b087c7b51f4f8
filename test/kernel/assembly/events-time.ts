// Test fixture: event dispatch and time conversion over a fake shared_info page.
import { eventsInit, bindHandler, dispatchEvents, maskPort, unmaskPort, unbindHandler, eventsUnhandled } from "../../../kernel/events/dispatch";
import { scaleTscDelta, systemTimeAt, monotonicNs, wallclockNs } from "../../../kernel/time/clock";
import { SHARED_INFO_PAGE } from "../../../kernel/memory/special-pages";

const FIRED: usize = memory.data(4 * 256, 4);
let firedCount: i32 = 0;

function record(port: u32): void {
  if (firedCount < 256) store<u32>(FIRED + <usize>firedCount * 4, port);
  firedCount++;
}
function recordTwice(port: u32): void {
  record(port);
  record(port);
}

export function sharedInfo(): usize { return SHARED_INFO_PAGE; }
export function init(): void { eventsInit(SHARED_INFO_PAGE); firedCount = 0; }
export function bind(port: u32, twice: bool): void { bindHandler(port, twice ? recordTwice : record); }
export function unbind(port: u32): void { unbindHandler(port); }
export function mask(port: u32): void { maskPort(port); }
export function unmask(port: u32): void { unmaskPort(port); }
export function dispatch(): i32 { return dispatchEvents(); }
export function fired(): usize { return FIRED; }
export function firedN(): i32 { return firedCount; }
export function unhandled(): u64 { return eventsUnhandled(); }

export function scale(delta: u64, mul: u32, shift: i32): u64 { return scaleTscDelta(delta, mul, shift); }
export function systemAt(tsc: u64): u64 { return systemTimeAt(SHARED_INFO_PAGE + 32, tsc); }
export function monotonic(): u64 { return monotonicNs(SHARED_INFO_PAGE); }
export function wall(): u64 { return wallclockNs(SHARED_INFO_PAGE); }

import { bindVirq, allocUnbound, bindInterdomain, notify, close } from "../../../kernel/events/channel-ops";
export function opBindVirq(virq: u32): i64 { return bindVirq(virq, 0); }
export function opAllocUnbound(remote: u32): i64 { return allocUnbound(remote); }
export function opBindInterdomain(remote: u32, port: u32): i64 { return bindInterdomain(remote, port); }
export function opNotify(port: u32): i64 { return notify(port); }
export function opClose(port: u32): i64 { return close(port); }
