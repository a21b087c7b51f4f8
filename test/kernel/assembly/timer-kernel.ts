// Test fixture: the xen kernel with a program that sleeps 50 ms through wait_event (one-shot
// timer, SCHEDOP_block, VIRQ_TIMER through the upcall stub) and reports the clocks.
export { xen_boot, xen_exit, xen_trap, xen_failsafe, xen_event_upcall, xen_memory_size, xen_memory_grow } from "../../../kernel/exports";
import { clock_monotonic_ns, clock_wall_ns, wait_event } from "platform";
import { put, putDec, putByte } from "../../../kernel/log";
import { idleBlocks } from "../../../kernel/sched/idle";
import { timerFired } from "../../../kernel/time/timer";

export function main(): i32 {
  const start = clock_monotonic_ns();
  const deadline = start + 50_000_000;
  let now = start;
  while (now < deadline) {
    wait_event(deadline);
    now = clock_monotonic_ns();
  }
  put("slept ");
  putDec((now - start) / 1000);
  put(" us, blocks ");
  putDec(<i64>idleBlocks());
  put(", timer events ");
  putDec(<i64>timerFired());
  put(", wall clock ");
  putDec(clock_wall_ns() / 1_000_000_000);
  putByte(10);
  return 7;
}
