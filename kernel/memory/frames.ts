// The pool of free guest frames: the pfns after the boot region, handed out once each, plus
// frames given back (the original backing of pages we re-mapped onto Xen's frames).
// Frames are identified by their machine frame number, which is what page tables and
// grants need.

import { pfnToMfn } from "./p2m";

const RETURNED_MAX: i32 = 4096;
const RETURNED: usize = memory.data(RETURNED_MAX * 8, 8);
let returnedCount: i32 = 0;

let nextPfn: u64 = 0;
let endPfn: u64 = 0;

/** The pfns from `firstFreePfn` to `nrPages` become the pool. Frames given back before this
 *  (a linear page re-mapped early in boot) stay in it. */
export function framesInit(firstFreePfn: u64, nrPages: u64): void {
  nextPfn = firstFreePfn;
  endPfn = nrPages;
}

/** A free machine frame, or u64.MAX_VALUE when there is none. */
export function frameAlloc(): u64 {
  if (returnedCount > 0) {
    returnedCount--;
    return load<u64>(RETURNED + <usize>returnedCount * 8);
  }
  while (nextPfn < endPfn) {
    const mfn = pfnToMfn(nextPfn++);
    if (mfn != u64.MAX_VALUE && mfn != 0xffff_ffff_ffff_fff && mfn != 0) return mfn; // skip invalid p2m entries
  }
  return u64.MAX_VALUE;
}

/** Gives a frame back; false (and the frame leaks) when the return list is full. */
export function frameFree(mfn: u64): bool {
  if (returnedCount >= RETURNED_MAX) return false;
  store<u64>(RETURNED + <usize>returnedCount * 8, mfn);
  returnedCount++;
  return true;
}

export function framesAvailable(): u64 {
  return (endPfn > nextPfn ? endPfn - nextPfn : 0) + <u64>returnedCount;
}
