// Sliding compaction of old space, run by the full GC once every object left in old space is
// live (after the sweep and the flush of new space). Within each segment live objects slide
// down to the segment's start in address order; pinned objects stay and act as barriers (the
// free space before a pinned object stays where it is, and is always 0 or ≥ 16 bytes because
// it is exactly the free space that run held before). Three passes, as a planning compactor:
// plan (old → new address table, in address order), update every reference (binary search in
// the table), move (memory.copy downwards). The table lives in pages taken for the purpose;
// without memory for it the compaction is skipped.

import { oop, CLASS_INDEX_MASK, PINNED_BIT } from "./constants";
import { bytesInObject, startOfObject, addressAfter, objectStartingAt, numPointerSlotsOf } from "./header";
import {
  edenStart, freeStart, pastStart, pastEnd, specialObjectsOop, setSpecialObjectsOop, mournQueue,
  rememberedSet, isYoung, noteMove,
} from "./state";
import { numSegments, segmentStart, segmentObjectsEnd, isInOldSpace } from "./segments";
import { allocPages, freePages } from "./pages";
import { resetFreeLists, addFreeChunk } from "./freelists";
import { stackLength, stackAt, stackAtPut } from "./stacks";
import { forEachRootCell } from "./roots";

let table: usize = 0;   // pairs [oldOop, newOop], ascending by oldOop
let entries: i32 = 0;
let lowOld: u64 = 0;
let highOld: u64 = 0;

// @ts-ignore: decorator
@inline function isLive(o: oop): bool {
  const ci = load<u64>(<usize>o) & CLASS_INDEX_MASK;
  return ci != 0 && ci != 8;
}

/** Bytes that sliding would gain; -1 when there is nothing to move. */
function countMoving(): i32 {
  let n = 0;
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    let a = segmentStart(s); let dest = a;
    while (a < end) {
      const o = objectStartingAt(a);
      const next = addressAfter(o);
      if (isLive(o)) {
        if ((load<u64>(<usize>o) & PINNED_BIT) != 0) dest = next;
        else { if (dest != a) n++; dest += next - a; }
      }
      a = next;
    }
  }
  return n;
}

function plan(): void {
  entries = 0;
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    let a = segmentStart(s); let dest = a;
    while (a < end) {
      const o = objectStartingAt(a);
      const next = addressAfter(o);
      if (isLive(o)) {
        if ((load<u64>(<usize>o) & PINNED_BIT) != 0) dest = next;
        else {
          if (dest != a) {
            const e = table + (<usize>entries << 4);
            store<u64>(e, o);
            store<u64>(e + 8, <u64>(dest + (<usize>o - a)));
            entries++;
          }
          dest += next - a;
        }
      }
      a = next;
    }
  }
  lowOld = entries > 0 ? load<u64>(table) : 0;
  highOld = entries > 0 ? load<u64>(table + (<usize>(entries - 1) << 4)) : 0;
}

/** The new address of o, or o when it does not move. */
function mapped(o: oop): oop {
  if (o < lowOld || o > highOld || (o & 7) != 0) return o;
  let lo = 0; let hi = entries - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = load<u64>(table + (<usize>mid << 4));
    if (k == o) return load<u64>(table + (<usize>mid << 4) + 8);
    if (k < o) lo = mid + 1; else hi = mid - 1;
  }
  return o;
}

function updateObject(o: oop): void {
  const n = <usize>numPointerSlotsOf(o);
  const base = <usize>o + 8;
  for (let i: usize = 0; i < n; i++) {
    const cell = base + (i << 3);
    const v = load<u64>(cell);
    if ((v & 7) == 0 && v >= lowOld && v <= highOld) store<u64>(cell, mapped(v));
  }
}

function updateRange(from: usize, to: usize): void {
  let a = from;
  while (a < to) {
    const o = objectStartingAt(a);
    if (isLive(o)) updateObject(o);
    a = addressAfter(o);
  }
}

function updateRootCell(cell: usize): void {
  const v = load<u64>(cell);
  if ((v & 7) != 0 || v < lowOld || v > highOld) return;
  if (isInOldSpace(v)) store<u64>(cell, mapped(v));
}

function updateAll(): void {
  for (let s = 0; s < numSegments(); s++) updateRange(segmentStart(s), segmentObjectsEnd(s));
  updateRange(pastStart, pastEnd);
  updateRange(edenStart, freeStart);
  forEachRootCell(updateRootCell);
  setSpecialObjectsOop(mapped(specialObjectsOop));
  for (let i = 0; i < stackLength(mournQueue); i++) stackAtPut(mournQueue, i, mapped(stackAt(mournQueue, i)));
  for (let i = 0; i < stackLength(rememberedSet); i++) stackAtPut(rememberedSet, i, mapped(stackAt(rememberedSet, i)));
}

/** Slide objects down and rebuild the free lists from the gaps left at the end of each run. */
function move(): void {
  resetFreeLists();
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    let a = segmentStart(s); let dest = a;
    while (a < end) {
      const o = objectStartingAt(a);
      const next = addressAfter(o);
      if (isLive(o)) {
        if ((load<u64>(<usize>o) & PINNED_BIT) != 0) {
          if (dest < a) addFreeChunk(dest, a - dest);
          dest = next;
        } else {
          const bytes = next - a;
          if (dest != a) memory.copy(dest, a, bytes);
          dest += bytes;
        }
      }
      a = next;
    }
    if (dest < end) addFreeChunk(dest, end - dest);
  }
}

/** Compact old space; false when it was skipped (nothing to move, or no memory for the plan). */
export function compactOldSpace(): bool {
  const n = countMoving();
  if (n <= 0) return false;
  const bytes = <usize>n << 4;
  table = allocPages(bytes);
  if (table == 0) return false;
  plan();
  updateAll();
  move();
  freePages(table, bytes);
  table = 0; entries = 0; lowOld = 0; highOld = 0;
  noteMove();
  return true;
}
export { bytesInObject, startOfObject, isYoung };
