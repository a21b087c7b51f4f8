// Test fixture: the xen kernel with a program that recurses without end, to see on real Xen
// that wasm code gets the native stack down to the runtime's reserve and then stops with the
// crash report (not a fault in the guard page or a silent death of the domain).
export { xen_boot, xen_exit, xen_trap, xen_failsafe, xen_event_upcall, xen_memory_size, xen_memory_grow } from "../../../kernel/exports";
import { console_write } from "platform";

let calls: i32 = 0;

function deeper(n: i32): i32 {
  calls++;
  // not a tail call: the frame is live until the callee returns
  return deeper(n + 1) + n;
}

export function main(): i32 {
  const s = memory.data(8);
  store<u64>(s, 0x0a2e2e2e6f67); // "go...\n"
  console_write(s, 6);
  return deeper(calls);
}
