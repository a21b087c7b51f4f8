// Ending the domain: poweroff (with the exit status printed, since Xen keeps none), crash,
// reboot. SCHEDOP_shutdown {u32 reason}; it does not return, but if it ever did we would
// spin on it rather than fall back into guest code.

import { sched_op, SCHEDOP_shutdown } from "./xen/hypercall";
import { put, putDec, putByte, flush } from "./log";
import { printStatsIfRequested } from "./stats";

export const SHUTDOWN_poweroff: u32 = 0;
export const SHUTDOWN_reboot: u32 = 1;
export const SHUTDOWN_suspend: u32 = 2;
export const SHUTDOWN_crash: u32 = 3;
export const SHUTDOWN_watchdog: u32 = 4;

export type FlushHook = () => void;

const ARG: usize = memory.data(8, 8);
let flushIndex: u32 = 0;

/** The console driver registers how to drain its ring before the domain goes away. */
export function setShutdownFlush(hook: FlushHook): void {
  flushIndex = hook.index + 1;
}

function drainConsole(): void {
  flush();
  if (flushIndex != 0) {
    const i = flushIndex;
    flushIndex = 0; // never re-enter from a failing flush
    call_indirect<void>(i - 1);
  }
}

export function shutdown(reason: u32): void {
  drainConsole();
  store<u32>(ARG, reason);
  for (;;) sched_op(SCHEDOP_shutdown, ARG);
}

/** Normal end: prints the status (the test host reads it from the console log). */
export function poweroff(status: i32): void {
  printStatsIfRequested();
  put("xenolith: exit status ");
  putDec(status);
  putByte(10);
  shutdown(SHUTDOWN_poweroff);
}

export function reboot(): void {
  put("xenolith: reboot");
  putByte(10);
  shutdown(SHUTDOWN_reboot);
}

/** Abnormal end: the caller has printed the report. */
export function crashDomain(): void {
  shutdown(SHUTDOWN_crash);
}
