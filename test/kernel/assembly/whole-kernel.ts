// Test fixture: the whole xen kernel + platform compiles together as the build would
// (kernel/exports.ts entry + a program using "platform").
export { xen_boot, xen_exit, xen_trap, xen_failsafe, xen_event_upcall, xen_memory_size, xen_memory_grow } from "../../../kernel/exports";
import { console_write, clock_monotonic_ns, wait_event } from "platform";
export function main(): i32 {
  const s = memory.data(8);
  store<u64>(s, 0x0a6f6c6c6568);
  console_write(s, 6);
  wait_event(clock_monotonic_ns() + 1000);
  return 0;
}

// Extra exports for the boot tests.
export { sharedPageAlloc, sharedPageFree, sharedPageMfn } from "../../../kernel/memory/shared-pages";
