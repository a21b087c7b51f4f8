// Old-space free chunks (class index 0, slot 0 = next chunk). 64 list heads live in the
// free-lists object (format 9, class pun 19) as Spur keeps them: list i (1..63) holds chunks of
// exactly i*8 bytes, list 0 the chunks of 512 bytes or more, searched best-fit. A bit mask tells
// which lists are non-empty.

import { oop, NUM_SLOTS_SHIFT, OVERFLOW_SLOTS, CLASS_INDEX_MASK } from "./constants";
import { bytesInObject, startOfObject } from "./header";
import { freeListsObj } from "./state";

let freeListsMask: u64 = 0;
let totalFreeBytes: u64 = 0;

export function freeBytes(): u64 { return totalFreeBytes; }

// @ts-ignore: decorator
@inline function headAddr(i: u32): usize { return <usize>freeListsObj + 8 + (<usize>i << 3); }

export function resetFreeLists(): void {
  for (let i: u32 = 0; i < 64; i++) store<u64>(headAddr(i), 0);
  freeListsMask = 0; totalFreeBytes = 0;
}

/** Format [start, start+bytes) as a free chunk (bytes ≥ 16, multiple of 8); answers its oop. */
export function makeFreeChunk(start: usize, bytes: usize): oop {
  const units = <u64>(bytes >> 3);
  if (units - 1 >= OVERFLOW_SLOTS) {
    store<u64>(start, (units - 2) | (OVERFLOW_SLOTS << NUM_SLOTS_SHIFT));
    store<u64>(start + 8, OVERFLOW_SLOTS << NUM_SLOTS_SHIFT);
    return <u64>(start + 8);
  }
  store<u64>(start, (units - 1) << NUM_SLOTS_SHIFT);
  return <u64>start;
}

/** Make [start, start+bytes) free and put it on its list. */
export function addFreeChunk(start: usize, bytes: usize): void {
  const chunk = makeFreeChunk(start, bytes);
  const i: u32 = bytes < 512 ? <u32>(bytes >> 3) : 0;
  store<u64>(<usize>chunk + 8, load<u64>(headAddr(i)));
  store<u64>(headAddr(i), chunk);
  freeListsMask |= <u64>1 << i;
  totalFreeBytes += <u64>bytes;
}

function unlink(i: u32, prev: oop, chunk: oop): void {
  const next = load<u64>(<usize>chunk + 8);
  if (prev == 0) store<u64>(headAddr(i), next); else store<u64>(<usize>prev + 8, next);
  if (load<u64>(headAddr(i)) == 0) freeListsMask &= ~(<u64>1 << i);
  totalFreeBytes -= <u64>bytesInObject(chunk);
}

/** Remove a particular chunk from its list (false if it was not on one). */
export function detachFreeChunk(chunk: oop): bool {
  const bytes = bytesInObject(chunk);
  const i: u32 = bytes < 512 ? <u32>(bytes >> 3) : 0;
  let prev: oop = 0; let c = load<u64>(headAddr(i));
  while (c != 0) {
    if (c == chunk) { unlink(i, prev, c); return true; }
    prev = c; c = load<u64>(<usize>c + 8);
  }
  return false;
}

/** Start address of `bytes` (multiple of 8, ≥ 16) of old space, or 0. The remainder of a
 *  larger chunk is returned to the lists (never leaving an 8-byte sliver). */
export function allocateFromFreeLists(bytes: usize): usize {
  if (bytes < 512) {
    const i = <u32>(bytes >> 3);
    if ((freeListsMask & (<u64>1 << i)) != 0) {
      const c = load<u64>(headAddr(i));
      unlink(i, 0, c);
      return startOfObject(c);
    }
    // split a bigger small chunk (remainder ≥ 16 bytes)
    const m: u64 = i + 2 <= 63 ? freeListsMask & ~((<u64>1 << (i + 2)) - 1) & ~<u64>1 : 0;
    if (m != 0) {
      const j = <u32>ctz(m);
      const c = load<u64>(headAddr(j));
      unlink(j, 0, c);
      const start = startOfObject(c);
      addFreeChunk(start + bytes, (<usize>j << 3) - bytes);
      return start;
    }
  }
  // best fit among the big chunks
  if ((freeListsMask & 1) == 0) return 0;
  let best: oop = 0; let bestPrev: oop = 0; let bestSize: usize = 0;
  let prev: oop = 0; let c = load<u64>(headAddr(0));
  while (c != 0) {
    const s = bytesInObject(c);
    if ((s == bytes || s >= bytes + 16) && (best == 0 || s < bestSize)) {
      best = c; bestPrev = prev; bestSize = s;
      if (s == bytes) break;
    }
    prev = c; c = load<u64>(<usize>c + 8);
  }
  if (best == 0) return 0;
  unlink(0, bestPrev, best);
  const start = startOfObject(best);
  if (bestSize > bytes) addFreeChunk(start + bytes, bestSize - bytes);
  return start;
}

/** Size of the biggest free chunk (0 when there is none). */
export function largestFreeChunk(): usize {
  let best: usize = 0;
  let c = load<u64>(headAddr(0));
  while (c != 0) {
    const s = bytesInObject(c);
    if (s > best) best = s;
    c = load<u64>(<usize>c + 8);
  }
  if (best > 0) return best;
  const small = freeListsMask & ~<u64>1;
  return small == 0 ? 0 : <usize>(63 - clz(small)) << 3;
}

/** Is o a free chunk (class index 0)? */
// @ts-ignore: decorator
@inline export function isFreeChunk(o: oop): bool { return (load<u64>(<usize>o) & CLASS_INDEX_MASK) == 0; }
