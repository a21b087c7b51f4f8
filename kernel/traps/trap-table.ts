// The trap table handed to Xen (set_trap_table): trap_info {u8 vector; u8 flags; u16 cs;
// u64 address}, 16 bytes each on x86-64, ended by an entry with address 0. Every vector
// points at its runtime entry stub, which calls xen_trap (kernel/traps/crash-report.ts).
// Also the event and failsafe callbacks.

import { runtime_entry_va } from "../xen/intrinsics";
import { set_trap_table, set_callbacks } from "../xen/hypercall";

export const FLAT_KERNEL_CS: u16 = 0xe033;
/** trap_info.flags: DPL in bits 0-1; bit 2 masks events on entry (an interrupt gate). */
export const TI_MASK_EVENTS: u8 = 4;
export const NR_VECTORS: i32 = 20;

const TABLE: usize = memory.data((NR_VECTORS + 1) * 16, 8);

export function buildTrapTable(): usize {
  let n = 0;
  for (let v = 0; v < NR_VECTORS; v++) {
    const entry = runtime_entry_va(v);
    if (entry == 0) continue;
    const e = TABLE + <usize>n * 16;
    store<u8>(e, <u8>v);
    // int3 and into may be raised by code at any privilege level; the rest kernel only.
    store<u8>(e, TI_MASK_EVENTS | (v == 3 || v == 4 ? 3 : 0), 1);
    store<u16>(e, FLAT_KERNEL_CS, 2);
    store<u32>(e, 0, 4);
    store<i64>(e, entry, 8);
    n++;
  }
  memory.fill(TABLE + <usize>n * 16, 0, 16);
  return TABLE;
}

export function trapsInit(): i64 {
  const rc = set_trap_table(buildTrapTable());
  if (rc < 0) return rc;
  return set_callbacks(runtime_entry_va(32), runtime_entry_va(33), 0);
}
