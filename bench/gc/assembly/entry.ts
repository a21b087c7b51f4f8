// bench/gc's wasm entry: the object memory API the JS side needs to build a small world
// (test/vm/objmem/harness.ts), plus two workloads timed here with the platform clock, so each
// measured pause is one collector call and nothing else.

export * from "../../../vm/objmem/index";
export { setClassIndexOf, setRawHashOf } from "../../../vm/objmem/header";
export { verifyHeap, verifyFaultAddress } from "../../../vm/objmem/verify";

import { clock_monotonic_ns } from "platform";
import { allocPages } from "../../../vm/objmem/pages";
import {
  instantiateClass, collectIfNeeded, storePointer, fetchPointer, numSlotsOf, needGCFlag,
  scavengeCount, fullGCCount, fullGC,
} from "../../../vm/objmem/index";

/** Zeroed memory for root cells and the pause log (whole pages). */
export function testAlloc(bytes: i32): usize { return allocPages(<usize>bytes); }

/** Allocation churn: `count` objects of `cls` (4 pointer slots). Each goes into slot i mod W of
 *  the window Array held in root cell 1 (so it lives for W allocations: long enough to survive
 *  some scavenges and be tenured, then dies), and every keepEvery-th is linked into the list
 *  headed in root cell 0 forever. Every collector call is timed: log entries are
 *  [ns u32][kind u32] with kind 0 scavenge, 1 full GC (from the scavenger running out of room).
 *  Answers the number of entries written (at most maxLog). */
export function churn(cls: u64, count: i32, keepEvery: i32, cells: usize, log: usize, maxLog: i32): i32 {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const o = instantiateClass(cls, 0);
    if (o == 0) return -1 - n;
    storePointer(o, 1, <u64>((<u64>i << 3) | 1));
    const window = load<u64>(cells, 8);
    storePointer(window, <i64>(<u64>i % numSlotsOf(window)), o);
    if (keepEvery > 0 && i % keepEvery == 0) {
      storePointer(o, 0, load<u64>(cells));
      store<u64>(cells, o);
    }
    if (needGCFlag) {
      const s0 = scavengeCount; const f0 = fullGCCount;
      const t0 = clock_monotonic_ns();
      collectIfNeeded();
      const dt = clock_monotonic_ns() - t0;
      if (n < maxLog && (scavengeCount != s0 || fullGCCount != f0)) {
        store<u32>(log + (<usize>n << 3), <u32>min<i64>(dt, 0xFFFFFFFF));
        store<u32>(log + (<usize>n << 3), fullGCCount != f0 ? 1 : 0, 4);
        n++;
      }
    }
  }
  return n;
}

/** One full mark-compact collection, timed: nanoseconds. */
export function timedFullGC(): i64 {
  const t0 = clock_monotonic_ns();
  fullGC();
  return clock_monotonic_ns() - t0;
}

/** Length of the kept list (a check that the collector kept every survivor). */
export function listLength(cells: usize, nil: u64): i32 {
  let n = 0;
  let o = load<u64>(cells);
  while (o != nil && n < 100000000) { o = fetchPointer(o, 0); n++; }
  return n;
}
