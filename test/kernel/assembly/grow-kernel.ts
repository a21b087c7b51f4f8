// Test fixture: the xen kernel with a program that grows linear memory across several L1
// tables (new page-table frames on real Xen), checks the new pages are zero and writable.
export { xen_boot, xen_exit, xen_trap, xen_failsafe, xen_event_upcall, xen_memory_size, xen_memory_grow } from "../../../kernel/exports";
import { put, putDec, putByte } from "../../../kernel/log";

export function main(): i32 {
  const before = memory.size();
  const old = memory.grow(100); // 6.25 MiB: several 2 MiB L1 ranges past the boot mapping
  const after = memory.size();
  let bad = 0;
  const start = <usize>before << 16;
  const end = <usize>after << 16;
  for (let p = start; p < end; p += 4096) {
    if (load<u64>(p) != 0) bad++;
    store<u64>(p, <u64>p);
  }
  for (let p = start; p < end; p += 4096) if (load<u64>(p) != <u64>p) bad++;
  put("grew ");
  putDec(old);
  put(" -> ");
  putDec(after);
  put(" pages, bad ");
  putDec(bad);
  putByte(10);
  return bad == 0 && old == before && after == before + 100 ? 0 : 1;
}
