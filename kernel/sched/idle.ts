// Waiting: when nothing is runnable, SCHEDOP_block (which re-enables event delivery and
// sleeps until an event is pending), then mask again and dispatch what arrived. Events are
// otherwise always masked at the vcpu level (docs/xen-intrinsics.md, event upcall entry).

import { sched_op, SCHEDOP_block, SCHEDOP_yield } from "../xen/hypercall";
import { mb } from "../xen/intrinsics";
import { VI_UPCALL_MASK, vcpuInfo } from "../abi/shared-info";
import { dispatchEvents, eventsPending } from "../events/dispatch";
import { timerSet } from "../time/timer";
import { monotonicNs } from "../time/clock";

let sharedInfo: usize = 0;
let blocks: u64 = 0;

export function idleUse(sharedInfoPage: usize): void {
  sharedInfo = sharedInfoPage;
  store<u8>(vcpuInfo(sharedInfo, 0) + VI_UPCALL_MASK, 1);
}

/** Delivers what is pending; if nothing was, blocks until an event or until the monotonic
 *  clock reaches `deadlineNs` (< 0: no deadline). Returns the events delivered. */
export function waitForEvents(deadlineNs: i64): i32 {
  let n = dispatchEvents();
  if (n > 0) return n;
  if (deadlineNs >= 0) {
    if (<i64>monotonicNs(sharedInfo) >= deadlineNs) return 0;
    timerSet(deadlineNs);
  }
  if (!eventsPending()) {
    blocks++;
    sched_op(SCHEDOP_block, 0);
    // Xen cleared upcall_mask to block; the upcall (if any) has run. Mask again.
    store<u8>(vcpuInfo(sharedInfo, 0) + VI_UPCALL_MASK, 1);
    mb();
  }
  n = dispatchEvents();
  if (deadlineNs >= 0) timerSet(0);
  return n;
}

export function yieldCpu(): void {
  sched_op(SCHEDOP_yield, 0);
}

export function idleBlocks(): u64 { return blocks; }

/** The event upcall (runtime stub → here): deliver, and return to the interrupted code. */
export function xen_event_upcall(): void {
  dispatchEvents();
}
