// Eager forwarder removal: after become or compaction turns objects into forwarders, every
// reference in the heap and in the VM's roots is replaced by its forwardee, so the interpreter
// never meets a forwarder (no read barrier needed).

import { oop, CLASS_INDEX_MASK } from "./constants";
import { numPointerSlotsOf, addressAfter, objectStartingAt, followForwarded, isRemembered, setRemembered } from "./header";
import {
  edenStart, freeStart, pastStart, pastEnd, specialObjectsOop, setSpecialObjectsOop, mournQueue,
  rememberedSet, isYoung, isInAllocatedNewSpace,
} from "./state";
import { isInOldSpace, numSegments, segmentObjectsEnd, segmentStart, firstObjectOfSegment, nextObjectInSegment } from "./segments";
import { stackLength, stackAt, stackAtPut } from "./stacks";
import { forEachRootCell } from "./roots";
import { remember } from "./barrier";

// @ts-ignore: decorator
@inline function fixCell(cell: usize): bool {
  const v = load<u64>(cell);
  if ((v & 7) == 0 && v != 0 && (load<u64>(<usize>v) & CLASS_INDEX_MASK) == 8) {
    const f = followForwarded(v);
    store<u64>(cell, f);
    return true;
  }
  return false;
}

function fixObject(o: oop): void {
  const n = <usize>numPointerSlotsOf(o);
  const base = <usize>o + 8;
  let anyYoung = false;
  for (let i: usize = 0; i < n; i++) {
    const cell = base + (i << 3);
    fixCell(cell);
    if (isYoung(load<u64>(cell))) anyYoung = true;
  }
  if (anyYoung && !isYoung(o) && !isRemembered(o)) remember(o);
}

function fixRootCell(cell: usize): void {
  const v = load<u64>(cell);
  // only words that are heap objects: check forwarder-ness via header only for aligned,
  // in-heap words (root ranges may hold other data)
  if ((v & 7) != 0 || v == 0 || v > 0xFFFFFFFF) return;
  if (!isHeapAddress(<usize>v)) return;
  fixCell(cell);
}

function isHeapAddress(a: usize): bool { return isInAllocatedNewSpace(<u64>a) || isInOldSpace(<u64>a); }

function fixRange(from: usize, to: usize): void {
  let a = from;
  while (a < to) {
    const o = objectStartingAt(a);
    const ci = <u32>(load<u64>(<usize>o) & CLASS_INDEX_MASK);
    if (ci != 8 && ci != 0) fixObject(o);
    a = addressAfter(o);
  }
}

/** Replace every reference to a forwarder by its final forwardee. */
export function followForwardersEverywhere(): void {
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    if (segmentStart(s) >= end) continue;
    let o = firstObjectOfSegment(s);
    while (o != 0) {
      const ci = <u32>(load<u64>(<usize>o) & CLASS_INDEX_MASK);
      if (ci != 8 && ci != 0 && ci != 3) fixObject(o);
      o = nextObjectInSegment(o, end);
    }
  }
  fixRange(pastStart, pastEnd);
  fixRange(edenStart, freeStart);
  forEachRootCell(fixRootCell);
  const so = specialObjectsOop;
  if (so != 0) setSpecialObjectsOop(followForwarded(so));
  for (let i = 0; i < stackLength(mournQueue); i++) stackAtPut(mournQueue, i, followForwarded(stackAt(mournQueue, i)));
  // remembered-set entries that were themselves forwarded: drop them (their copies were
  // remembered by fixObject when they hold young references)
  const n = stackLength(rememberedSet);
  for (let i = 0; i < n; i++) {
    const o = stackAt(rememberedSet, i);
    if (o != 0 && (load<u64>(<usize>o) & CLASS_INDEX_MASK) == 8) stackAtPut(rememberedSet, i, 0);
  }
}
export { setRemembered };
