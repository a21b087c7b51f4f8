// Segmented old space. Each segment is a run of whole pages; its last 16 bytes are a pinned
// bridge (class index 3, format 9) whose overflow slot count spans the gap to the next segment
// (a short 0-slot bridge when adjacent; the last segment's bridge terminates). Segments are
// kept sorted by address so a heap walk can follow the bridges. New segments come from
// allocPages (memory.grow or released pages); empty trailing segments can be given back.

import {
  oop, BRIDGE_SIZE, NUM_SLOTS_SHIFT, OVERFLOW_SLOTS, PINNED_BIT, MARKED_BIT, FORMAT_SHIFT,
  FMT_64BIT, CI_BRIDGE,
} from "./constants";
import { allocPages, freePages } from "./pages";
import { addFreeChunk, detachFreeChunk, isFreeChunk } from "./freelists";
import { addressAfter, objectStartingAt, bytesInObject } from "./header";

const MAX_SEGMENTS: i32 = 256;
const segTable = memory.data(MAX_SEGMENTS * 16); // [start: u64, size: u64]
let numSegs: i32 = 0;
export let growQuantum: usize = 4 << 20;
export function setGrowQuantum(b: usize): void { growQuantum = b; }

export function numSegments(): i32 { return numSegs; }
export function segmentStart(i: i32): usize { return <usize>load<u64>(segTable + (<usize>i << 4)); }
export function segmentSize(i: i32): usize { return <usize>load<u64>(segTable + (<usize>i << 4) + 8); }
/** End of the objects of segment i (where its bridge begins). */
export function segmentObjectsEnd(i: i32): usize { return segmentStart(i) + segmentSize(i) - BRIDGE_SIZE; }
function setSeg(i: i32, start: usize, size: usize): void {
  store<u64>(segTable + (<usize>i << 4), <u64>start);
  store<u64>(segTable + (<usize>i << 4) + 8, <u64>size);
}
export function clearSegments(): void { numSegs = 0; }

/** Write segment i's bridge so that it reaches segment i+1 (or terminates). */
export function writeBridge(i: i32): void {
  const at = segmentObjectsEnd(i);
  const limit = at + BRIDGE_SIZE;
  const next = i + 1 < numSegs ? segmentStart(i + 1) : limit;
  writeBridgeAt(at, <u64>(next - limit));
}
/** A bridge at `at` whose body spans gapBytes past its 16 bytes. */
export function writeBridgeAt(at: usize, gapBytes: u64): void {
  const hdr = (<u64>1 << 30) | MARKED_BIT | (<u64>FMT_64BIT << FORMAT_SHIFT) | CI_BRIDGE;
  const slots = gapBytes >> 3;
  if (slots == 0) {
    store<u64>(at, hdr | PINNED_BIT);
    store<u64>(at + 8, 0);
  } else {
    store<u64>(at, slots | (OVERFLOW_SLOTS << NUM_SLOTS_SHIFT));
    store<u64>(at + 8, hdr | PINNED_BIT | (OVERFLOW_SLOTS << NUM_SLOTS_SHIFT));
  }
}

/** Register [start, start+size) as a segment (size includes the bridge); answers its index. */
export function insertSegment(start: usize, size: usize): i32 {
  if (numSegs == MAX_SEGMENTS) return -1;
  let i = numSegs;
  while (i > 0 && segmentStart(i - 1) > start) { setSeg(i, segmentStart(i - 1), segmentSize(i - 1)); i--; }
  setSeg(i, start, size);
  numSegs++;
  writeBridge(i);
  if (i > 0) writeBridge(i - 1);
  return i;
}

function removeSegmentAt(i: i32): void {
  for (let j = i; j < numSegs - 1; j++) setSeg(j, segmentStart(j + 1), segmentSize(j + 1));
  numSegs--;
  if (i > 0) writeBridge(i - 1);
}

/** Add a segment of at least minBytes of usable space (free chunk); false when no memory. */
export function growOldSpace(minBytes: usize): bool {
  const least = (minBytes + BRIDGE_SIZE + 65535) & ~<usize>65535;
  let size = least < growQuantum ? (growQuantum + 65535) & ~<usize>65535 : least;
  let start = allocPages(size);
  // near the memory cap a whole quantum may not fit where the request still does
  if (start == 0 && size > least) { size = least; start = allocPages(size); }
  if (start == 0) return false;
  if (insertSegment(start, size) < 0) { freePages(start, size); return false; }
  addFreeChunk(start, size - BRIDGE_SIZE);
  return true;
}

/** The segment containing address a, or -1. */
export function segmentIndexOf(a: usize): i32 {
  for (let i = numSegs - 1; i >= 0; i--) {
    const s = segmentStart(i);
    if (a >= s) return a < s + segmentSize(i) ? i : -1;
  }
  return -1;
}

export function isInOldSpace(o: oop): bool {
  if ((o & 7) != 0 || o > 0xFFFFFFFF) return false;
  return segmentIndexOf(<usize>o) >= 0;
}

/** First object of segment i. */
export function firstObjectOfSegment(i: i32): oop { return objectStartingAt(segmentStart(i)); }
/** Next object after o, or 0 at the segment's bridge. */
export function nextObjectInSegment(o: oop, segEnd: usize): oop {
  const a = addressAfter(o);
  return a >= segEnd ? 0 : objectStartingAt(a);
}

/** Give back segments (never the first) that hold nothing but one free chunk, keeping
 *  keepFreeBytes of free space in the others. Answers the bytes released. */
export function releaseEmptySegments(keepFreeBytes: u64, currentFree: u64): u64 {
  let released: u64 = 0;
  for (let i = numSegs - 1; i >= 1; i--) {
    const start = segmentStart(i);
    const size = segmentSize(i);
    const o = objectStartingAt(start);
    if (!isFreeChunk(o) || bytesInObject(o) != size - BRIDGE_SIZE) continue;
    if (currentFree - <u64>(size - BRIDGE_SIZE) < keepFreeBytes) continue;
    if (!detachFreeChunk(o)) continue;
    currentFree -= <u64>(size - BRIDGE_SIZE);
    removeSegmentAt(i);
    freePages(start, size);
    released += <u64>size;
  }
  return released;
}

/** Bytes held by all segments, bridges included. */
export function totalSegmentBytes(): u64 {
  let t: u64 = 0;
  for (let i = 0; i < numSegs; i++) t += <u64>segmentSize(i);
  return t;
}
