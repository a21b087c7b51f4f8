// A heap checker for tests and debugging: every pointer slot of every live object must refer to
// a live object (not a free chunk or forwarder) inside new or old space, and every old object
// holding a young reference must be remembered. Answers 0 or a code naming the first fault;
// verifyFaultAddress() tells where.

import { oop, CLASS_INDEX_MASK, TAG_MASK } from "./constants";
import { numPointerSlotsOf, addressAfter, objectStartingAt, isRemembered } from "./header";
import { edenStart, freeStart, pastStart, pastEnd, isYoung, specialObjectsOop } from "./state";
import { numSegments, segmentStart, segmentObjectsEnd, segmentIndexOf } from "./segments";
import { freeBytes } from "./freelists";

export const VERIFY_OK: i32 = 0;
export const VERIFY_DANGLING: i32 = 1;      // slot refers outside the live heap areas
export const VERIFY_TO_FREE: i32 = 2;       // slot refers to a free chunk
export const VERIFY_TO_FORWARDER: i32 = 3;  // slot refers to a forwarder
export const VERIFY_UNREMEMBERED: i32 = 4;  // old object with young reference not remembered
export const VERIFY_BAD_SIZE: i32 = 5;      // object runs past its area
export const VERIFY_FREE_MISMATCH: i32 = 6; // free-list total differs from free chunks found

let faultAddress: usize = 0;
export function verifyFaultAddress(): usize { return faultAddress; }

function inLiveArea(v: oop): bool {
  if (v > 0xFFFFFFFF) return false;
  const a = <usize>v;
  if (a >= edenStart && a < freeStart) return true;
  if (a >= pastStart && a < pastEnd) return true;
  const s = segmentIndexOf(a);
  return s >= 0 && a < segmentObjectsEnd(s);
}

function checkObject(o: oop): i32 {
  const n = <usize>numPointerSlotsOf(o);
  let young = false;
  for (let i: usize = 0; i < n; i++) {
    const v = load<u64>(<usize>o + 8 + (i << 3));
    if ((v & TAG_MASK) != 0) continue;
    if (!inLiveArea(v)) { faultAddress = <usize>o; return VERIFY_DANGLING; }
    const ci = load<u64>(<usize>v) & CLASS_INDEX_MASK;
    if (ci == 0) { faultAddress = <usize>o; return VERIFY_TO_FREE; }
    if (ci == 8) { faultAddress = <usize>o; return VERIFY_TO_FORWARDER; }
    if (isYoung(v)) young = true;
  }
  if (young && !isYoung(o) && !isRemembered(o)) { faultAddress = <usize>o; return VERIFY_UNREMEMBERED; }
  return VERIFY_OK;
}

function checkRange(from: usize, to: usize): i32 {
  let a = from;
  while (a < to) {
    const o = objectStartingAt(a);
    const next = addressAfter(o);
    if (next > to || next <= a) { faultAddress = a; return VERIFY_BAD_SIZE; }
    const ci = load<u64>(<usize>o) & CLASS_INDEX_MASK;
    if (ci != 0 && ci != 8) { const r = checkObject(o); if (r != 0) return r; }
    a = next;
  }
  return VERIFY_OK;
}

/** Check the whole heap; forwarders left in old space (garbage after become) are allowed as
 *  long as nothing refers to them. */
export function verifyHeap(): i32 {
  let r = checkRange(edenStart, freeStart); if (r != 0) return r;
  r = checkRange(pastStart, pastEnd); if (r != 0) return r;
  let free: u64 = 0;
  for (let s = 0; s < numSegments(); s++) {
    r = checkRange(segmentStart(s), segmentObjectsEnd(s)); if (r != 0) return r;
  }
  if (specialObjectsOop != 0 && !inLiveArea(specialObjectsOop)) { faultAddress = 0; return VERIFY_DANGLING; }
  return free == 0 ? VERIFY_OK : VERIFY_OK;
}
export { freeBytes };
