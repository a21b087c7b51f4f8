// Setting up the object memory: new space, and (without an image) a bare old space holding
// nil, false, true, the free-lists object, the hidden-roots object and class-table page 0, laid
// out as Spur lays out the start of old space. Also a few object-level helpers.

import {
  oop, FMT_ZERO_SIZED, FMT_64BIT, FMT_INDEXABLE, CI_64BIT_PUN, CI_ARRAY_PUN, NUM_FREE_LISTS,
  CLASS_TABLE_ROOT_SLOTS, HIDDEN_ROOT_SLOTS, CLASS_TABLE_PAGE_SIZE, BRIDGE_SIZE,
} from "./constants";
import { writeHeader, fetchPointer, rawHashOf, setRawHashOf, storePointerUnchecked, classIndexOf, bytesForSlots } from "./header";
import {
  setNewSpace, setWellKnown, nilObj, specialObjectsOop, hiddenRootsObj, newObjectHash,
  setSpecialObjectsOop, rememberedSet, markStack, weaklingList, ephemeronList, mournQueue,
  remapStack, rootRanges, scratchStack, setNeedGC, setLowSpace,
} from "./state";
import { allocPages } from "./pages";
import { insertSegment, clearSegments, numSegments, segmentStart, segmentObjectsEnd, nextObjectInSegment, firstObjectOfSegment } from "./segments";
import { resetFreeLists, addFreeChunk } from "./freelists";
import { stackClear } from "./stacks";
import { classAtIndex, resetClassTableIndex } from "./classtable";
import { setRememberedSetOverflowed } from "./barrier";
import { noteOldSpaceBaseline } from "./gcpolicy";

/** Reserve new space: eden of edenBytes plus two survivor spaces of a fifth of eden each
 *  (sevenths 5:1:1). False when the memory cannot be had. Call once, before anything else. */
export function initializeObjectMemory(edenBytes: u32): bool {
  // Let asc's allocator (TLSF) initialise first: it claims all memory present when it starts,
  // which must not include our pages.
  heap.free(heap.alloc(16));
  let eden = <usize>(edenBytes < 65536 ? 65536 : edenBytes);
  let survivor = (eden / 5 + 7) & ~<usize>7;
  const total = (eden + 2 * survivor + 65535) & ~<usize>65535;
  const start = allocPages(total);
  if (start == 0) return false;
  setNewSpace(start, start + total, survivor);
  stackClear(rememberedSet); stackClear(markStack); stackClear(weaklingList);
  stackClear(ephemeronList); stackClear(mournQueue); stackClear(remapStack);
  stackClear(rootRanges); stackClear(scratchStack);
  setRememberedSetOverflowed(false); setNeedGC(false); setLowSpace(false);
  clearSegments(); resetClassTableIndex();
  return true;
}

/** An old space with only the fixed objects (nil, false, true, free lists, hidden roots and
 *  class-table page 0); their class indices are 0-free placeholders the caller may set.
 *  segmentBytes is the first segment's size. False when memory cannot be had. */
export function createBareHeap(segmentBytes: u32): bool {
  let size = (<usize>segmentBytes + 65535) & ~<usize>65535;
  const fixed: usize = <usize>48 + bytesForSlots(NUM_FREE_LISTS) + bytesForSlots(CLASS_TABLE_ROOT_SLOTS + HIDDEN_ROOT_SLOTS)
    + bytesForSlots(CLASS_TABLE_PAGE_SIZE) + BRIDGE_SIZE + 64;
  if (size < fixed) size = (fixed + 65535) & ~<usize>65535;
  const start = allocPages(size);
  if (start == 0) return false;
  clearSegments();
  insertSegment(start, size);
  let p = start;
  // nil, false, true: zero-slot objects with placeholder class indices 32, 33, 34
  const n = writeHeader(p, 0, FMT_ZERO_SIZED, 32, 0); store<u64>(p + 8, 0); p += 16;
  const f = writeHeader(p, 0, FMT_ZERO_SIZED, 33, 0); store<u64>(p + 8, 0); p += 16;
  const t = writeHeader(p, 0, FMT_ZERO_SIZED, 34, 0); store<u64>(p + 8, 0); p += 16;
  const fl = writeHeader(p, NUM_FREE_LISTS, FMT_64BIT, CI_64BIT_PUN, 0);
  p += bytesForSlots(NUM_FREE_LISTS);
  const hrSlots = CLASS_TABLE_ROOT_SLOTS + HIDDEN_ROOT_SLOTS;
  const hr = writeHeader(p, hrSlots, FMT_INDEXABLE, CI_ARRAY_PUN, 0);
  p += bytesForSlots(hrSlots);
  const page0 = writeHeader(p, CLASS_TABLE_PAGE_SIZE, FMT_INDEXABLE, CI_ARRAY_PUN, 0);
  p += bytesForSlots(CLASS_TABLE_PAGE_SIZE);
  setWellKnown(n, f, t, fl, hr);
  for (let i: i64 = 0; i < <i64>hrSlots; i++) storePointerUnchecked(hr, i, n);
  for (let i: i64 = 0; i < <i64>CLASS_TABLE_PAGE_SIZE; i++) storePointerUnchecked(page0, i, n);
  storePointerUnchecked(hr, 0, page0);
  resetFreeLists();
  addFreeChunk(p, start + size - BRIDGE_SIZE - p);
  setSpecialObjectsOop(n);
  noteOldSpaceBaseline();
  return true;
}

/** Special object i (see SO_* constants); nil when there is no such entry. */
export function splObj(i: i32): oop {
  const so = specialObjectsOop;
  if (so == nilObj || so == 0) return nilObj;
  return fetchPointer(so, <i64>i);
}

/** The class of any oop (immediates included), or 0 when its class index has no entry. */
export function fetchClassOf(o: oop): oop { return classAtIndex(classIndexOf(o)); }

/** The identity hash of a heap object, assigned on first request and stable for its life
 *  (across GC, become's copies and snapshots). Classes answer their class index. */
export function identityHashOf(o: oop): u32 {
  let h = rawHashOf(o);
  if (h == 0) { h = newObjectHash(); setRawHashOf(o, h); }
  return h;
}

/** Does o's class index equal ci? (immediates compare by tag class index) */
export function isKindOfClassIndex(o: oop, ci: u32): bool { return classIndexOf(o) == ci; }

/** Number of objects in old space (free chunks and bridges excluded); for tests and stats. */
export function oldSpaceObjectCount(): i32 {
  let count = 0;
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    if (segmentStart(s) >= end) continue;
    let o = firstObjectOfSegment(s);
    while (o != 0) {
      const ci = <u32>(load<u64>(<usize>o) & 0x3FFFFF);
      if (ci != 0 && ci != 8) count++;
      o = nextObjectInSegment(o, end);
    }
  }
  return count;
}
export { hiddenRootsObj };
