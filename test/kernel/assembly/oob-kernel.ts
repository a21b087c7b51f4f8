// Test fixture: the xen kernel with a program that reads past the end of linear memory, to
// see the crash report of a guard-region page fault on real Xen.
export { xen_boot, xen_exit, xen_trap, xen_failsafe, xen_event_upcall, xen_memory_size, xen_memory_grow } from "../../../kernel/exports";
import { console_write } from "platform";

function readFar(address: usize): u32 {
  return load<u32>(address);
}

export function main(): i32 {
  const s = memory.data(8);
  store<u64>(s, 0x0a2e2e2e6f67); // "go...\n"
  console_write(s, 6);
  return <i32>readFar(<usize>0xfffffff0);
}
