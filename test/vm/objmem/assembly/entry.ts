// Test entry: exports the object memory API plus the image reader/writer and a few test-only
// hooks, compiled by test/vm/objmem/harness.ts with asc and driven from Node.
export * from "../../../../vm/objmem/index";
export { loadImage, saveImage, imageErrorPtr, imageErrorLength } from "../../../../vm/image/index";
export { verifyHeap, verifyFaultAddress } from "../../../../vm/objmem/verify";
export { setClassIndexOf, setRawHashOf, setFormatOf, setPinnedBit } from "../../../../vm/objmem/header";
export { clearPendingFinalizations } from "../../../../vm/objmem/state";
export { rebuildFreeLists, markOverflowCount } from "../../../../vm/objmem/markcompact";
export { growOldSpace } from "../../../../vm/objmem/segments";
export { setMinGrowthForFullGC, oldSpaceBytesInUse } from "../../../../vm/objmem/gcpolicy";

import { allocPages, freePages, freePagesZeroed } from "../../../../vm/objmem/pages";
/** Zeroed memory for test root ranges and scratch (whole pages). */
export function testAlloc(bytes: i32): usize { return allocPages(<usize>bytes); }
export function testFreePages(start: usize, bytes: i32, zeroed: bool): void {
  if (zeroed) freePagesZeroed(start, <usize>bytes); else freePages(start, <usize>bytes);
}
export { forwardTo } from "../../../../vm/objmem/header";

import { instantiateClass, collectIfNeeded, storePointer, nilObj } from "../../../../vm/objmem/index";
/** Allocation workload for measurements: `count` instances of cls (2+ fixed slots), every
 *  keepEvery-th linked into a list whose head lives in root cell `cell`; collects at safe points. */
export function benchAllocate(cls: u64, count: i32, keepEvery: i32, cell: usize): i32 {
  for (let i = 0; i < count; i++) {
    const o = instantiateClass(cls, 0);
    if (o == 0) return i;
    if (keepEvery > 0 && i % keepEvery == 0) {
      storePointer(o, 0, load<u64>(cell));
      store<u64>(cell, o);
    }
    collectIfNeeded();
  }
  return count;
}
export function benchNil(): u64 { return nilObj; }

import { numSegments, segmentStart, segmentObjectsEnd } from "../../../../vm/objmem/segments";
import { addressAfter, objectStartingAt } from "../../../../vm/objmem/header";
/** Number of free chunks in old space (for fragmentation checks). */
export function countFreeChunks(): i32 {
  let n = 0;
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    let a = segmentStart(s);
    while (a < end) {
      const o = objectStartingAt(a);
      if ((load<u64>(<usize>o) & 0x3FFFFF) == 0) n++;
      a = addressAfter(o);
    }
  }
  return n;
}
