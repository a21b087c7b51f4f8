// Allocation: eden bump allocation with old-space fallback, old-space allocation from the free
// lists (growing by a segment when they cannot serve), and instantiateClass over Squeak's
// Behavior format word (instSpec bits 16-20, instSize bits 0-15). Allocation never moves
// objects: a full eden sets needGCFlag for the interpreter to scavenge at its next safe point.
// Failure answers 0 (and raises lowSpaceFlag), so a primitive can fail.

import {
  oop, FMT_ZERO_SIZED, FMT_FIXED, FMT_INDEXABLE, FMT_FIXED_INDEXABLE, FMT_WEAK, FMT_EPHEMERON,
  FMT_64BIT, FMT_32BIT, FMT_16BIT, FMT_8BIT, FMT_COMPILED_METHOD, CLASS_FORMAT,
} from "./constants";
import { bytesForSlots, writeHeader, fetchPointer } from "./header";
import { freeStart, edenLimit, scavengeThreshold, setFreeStart, setNeedGC, setLowSpace, nilObj } from "./state";
import { allocateFromFreeLists, freeBytes } from "./freelists";
import { growOldSpace } from "./segments";
import { memoryBudget, bytesInUse } from "./pages";
import { ensureBehaviorHash } from "./classtable";
import { oldSpaceGrowthWarrantsFullGC } from "./gcpolicy";

/** Objects at least this big go straight to old space. */
export const LARGE_OBJECT_BYTES: usize = 64 * 1024;
/** Largest object body accepted (bytes). */
export const MAX_OBJECT_BYTES: u64 = 1 << 30;
/** lowSpaceFlag rises when free old space plus what may still be grown falls below this. */
export let lowSpaceThreshold: u64 = 1 << 20;
export function setLowSpaceThreshold(b: u64): void { lowSpaceThreshold = b; }

/** Low space: what is free plus what may still be grown is under the threshold; or old space
 *  just had to grow with less than the threshold left to grow by (free space can be plentiful
 *  but in pieces too small for the objects the image is making, so the free total alone would
 *  signal only once memory is gone). */
function checkLowSpace(grew: bool): void {
  const budget = memoryBudget(); const used = bytesInUse();
  const growable: u64 = budget > used ? budget - used : 0;
  if (freeBytes() + growable < lowSpaceThreshold || (grew && growable < lowSpaceThreshold)) setLowSpace(true);
}

/** Start address of `bytes` of old space, growing it if needed; 0 when memory is exhausted. */
export function allocateOldBytes(bytes: usize): usize {
  let a = allocateFromFreeLists(bytes);
  const grew = a == 0;
  if (grew) {
    if (!growOldSpace(bytes)) { setLowSpace(true); return 0; }
    a = allocateFromFreeLists(bytes);
    if (a == 0) { setLowSpace(true); return 0; }
  }
  checkLowSpace(grew);
  // old space grew: ask for a collection at the next safe point if it has grown enough
  if (grew && oldSpaceGrowthWarrantsFullGC()) setNeedGC(true);
  return a;
}

function fillBody(o: oop, numSlots: u64, format: u32): void {
  const body = <usize>o + 8;
  if (format <= FMT_EPHEMERON) {
    const n = <usize>numSlots;
    for (let i: usize = 0; i < n; i++) store<u64>(body + (i << 3), nilObj);
    if (n == 0) store<u64>(body, 0);
  } else {
    memory.fill(body, 0, <usize>(numSlots == 0 ? 8 : numSlots << 3));
  }
}

/** An old-space object (body: nil for pointers, zero otherwise), or 0. */
export function allocateOldObject(numSlots: u64, format: u32, classIndex: u32): oop {
  if (numSlots > (MAX_OBJECT_BYTES >> 3)) return 0;
  const bytes = bytesForSlots(<usize>numSlots);
  const a = allocateOldBytes(bytes);
  if (a == 0) return 0;
  const o = writeHeader(a, numSlots, format, classIndex, 0);
  fillBody(o, numSlots, format);
  return o;
}

/** A new object in eden (old space if eden is full or it is large), or 0. */
export function allocateSlots(numSlots: u64, format: u32, classIndex: u32): oop {
  if (numSlots > (MAX_OBJECT_BYTES >> 3)) return 0;
  const bytes = bytesForSlots(<usize>numSlots);
  const p = freeStart;
  if (bytes < LARGE_OBJECT_BYTES && p + bytes <= edenLimit) {
    setFreeStart(p + bytes);
    if (p + bytes >= scavengeThreshold) setNeedGC(true);
    const o = writeHeader(p, numSlots, format, classIndex, 0);
    fillBody(o, numSlots, format);
    return o;
  }
  if (p + bytes > edenLimit) setNeedGC(true);
  return allocateOldObject(numSlots, format, classIndex);
}

/** instSpec (format bits 16-20) and instSize (bits 0-15) of a class, or -1 if unreadable. */
export function instSpecOfClass(cls: oop): i32 {
  const f = fetchPointer(cls, CLASS_FORMAT);
  if ((f & 7) != 1) return -1;
  return <i32>((<i64>f >> 3 >> 16) & 0x1F);
}
export function instSizeOfClass(cls: oop): i32 {
  const f = fetchPointer(cls, CLASS_FORMAT);
  if ((f & 7) != 1) return -1;
  return <i32>((<i64>f >> 3) & 0xFFFF);
}

/** A new instance of cls with `indexableSize` indexable elements (bytes, shorts, words, longs
 *  or slots as the class's format says); 0 when the class or size is invalid or memory ran out. */
export function instantiateClass(cls: oop, indexableSize: i64): oop {
  if ((cls & 7) != 0 || cls == 0 || indexableSize < 0) return 0;
  const spec = instSpecOfClass(cls);
  if (spec < 0) return 0;
  const fixed = <u64>instSizeOfClass(cls);
  const n = <u64>indexableSize;
  let numSlots: u64; let format: u32 = <u32>spec;
  switch (spec) {
    case FMT_ZERO_SIZED: if (n != 0) return 0; numSlots = 0; break;
    case FMT_FIXED: case FMT_EPHEMERON: if (n != 0) return 0; numSlots = fixed; break;
    case FMT_INDEXABLE: case FMT_FIXED_INDEXABLE: case FMT_WEAK: numSlots = fixed + n; break;
    case FMT_64BIT: numSlots = n; break;
    case FMT_32BIT: case FMT_32BIT + 1:
      numSlots = (n + 1) >> 1; format = FMT_32BIT + <u32>(n & 1); break;
    case FMT_16BIT: case FMT_16BIT + 1: case FMT_16BIT + 2: case FMT_16BIT + 3:
      numSlots = (n + 3) >> 2; format = FMT_16BIT + <u32>((4 - (n & 3)) & 3); break;
    default:
      if (spec >= <i32>FMT_8BIT && spec < <i32>FMT_COMPILED_METHOD) {
        numSlots = (n + 7) >> 3; format = FMT_8BIT + <u32>((8 - (n & 7)) & 7);
      } else if (spec >= <i32>FMT_COMPILED_METHOD) {
        numSlots = (n + 7) >> 3; format = FMT_COMPILED_METHOD + <u32>((8 - (n & 7)) & 7);
      } else return 0;
  }
  if (n > MAX_OBJECT_BYTES) return 0;
  const ci = ensureBehaviorHash(cls);
  if (ci == 0) return 0;
  return allocateSlots(numSlots, format, ci);
}

/** The interpreter's inline allocation: an object of 1..254 slots bumped from eden while that
 *  stays under the scavenge threshold, its header written and its body NOT filled (the caller
 *  stores every slot before anything else runs); 0 when it does not fit, and then the caller
 *  takes the general path (allocateSlots), which sets needGCFlag or goes to old space. */
// @ts-ignore: decorator
@inline export function allocateInEdenUnfilled(numSlots: usize, format: u32, classIndex: u32): oop {
  const p = freeStart;
  const end = p + 8 + (numSlots << 3);
  if (end >= scavengeThreshold) return 0;
  setFreeStart(end);
  store<u64>(p, (<u64>numSlots << 56) | (<u64>format << 24) | <u64>classIndex);
  return <u64>p;
}
