// The generation scavenger: a Cheney copy of the live objects of eden and the past survivor
// space into the future survivor space, tenuring into old space objects that already survived
// a scavenge (age by space) and anything that does not fit. Roots: the remembered set (old
// objects with young references), the VM's root cells, the special-objects array and the
// mourn queue. Originals become forwarders while it runs. Weak slots to young objects are
// followed or nilled afterwards; ephemerons with unreached young keys wait, and fire when
// nothing else reaches their keys (old keys are left to the full GC).

import { oop, CLASS_INDEX_MASK, REMEMBERED_BIT, MARKED_BIT, GREY_BIT, FORMAT_SHIFT, FORMAT_MASK, FMT_WEAK, FMT_EPHEMERON, FMT_FIXED } from "./constants";
import {
  numPointerSlotsOf, bytesInObject, startOfObject, forwardTo, isRemembered, setRemembered,
  addressAfter, objectStartingAt,
} from "./header";
import {
  newSpaceStart, newSpaceLimit, pastStart, pastEnd, futureStart, survivorBytes, edenStart, freeStart,
  setFreeStart, setPastEnd, swapSurvivors, rememberedSet, scratchStack, mournQueue, specialObjectsOop,
  setSpecialObjectsOop, setNeedGC, setLowSpace, noteScavenge, isYoung, weaklingList, nilObj, isInAllocatedNewSpace,
  ephemeronList,
  addPendingFinalizations,
} from "./state";
import { stackLength, stackAt, stackAtPut, stackSetLength, stackPush, stackPop, stackReserve, stackClear } from "./stacks";
import { allocateFromFreeLists, largestFreeChunk } from "./freelists";
import { growOldSpace, numSegments, segmentObjectsEnd, firstObjectOfSegment, nextObjectInSegment, segmentStart } from "./segments";
import { rememberedSetOverflowed, setRememberedSetOverflowed } from "./barrier";
import { forEachRootCell } from "./roots";
import { remember } from "./barrier";
import { classAtIndex } from "./classtable";
import { numSlotsOf, setFormatOf } from "./header";

let futureFill: usize = 0;
let tenureAll: bool = false;

// @ts-ignore: decorator
@inline function isForwarder(o: oop): bool { return (load<u64>(<usize>o) & CLASS_INDEX_MASK) == 8; }
// @ts-ignore: decorator
@inline function inFuture(o: oop): bool { return <usize>o >= futureStart && <usize>o < futureStart + survivorBytes; }

function copyAndForward(o: oop): oop {
  if (isForwarder(o)) {
    const f = load<u64>(<usize>o + 8);
    // a become forwarder may lead to another young object still to be copied
    if ((f & 7) == 0 && isYoung(f) && !inFuture(f)) return copyAndForward(f);
    return f;
  }
  const bytes = bytesInObject(o);
  const start = startOfObject(o);
  const offset = <usize>o - start;
  const inPast = <usize>o >= pastStart && <usize>o < pastStart + survivorBytes;
  let to: usize = 0;
  let tenured = false;
  if (!tenureAll && !inPast && futureFill + bytes <= futureStart + survivorBytes) {
    to = futureFill; futureFill += bytes;
  } else {
    to = allocateFromFreeLists(bytes);
    if (to == 0 && growOldSpace(bytes)) to = allocateFromFreeLists(bytes);
    if (to == 0) { // fragmented old space: keep it young if it fits
      if (futureFill + bytes > futureStart + survivorBytes) unreachable();
      to = futureFill; futureFill += bytes;
    } else tenured = true;
  }
  memory.copy(to, start, bytes);
  const n = <u64>(to + offset);
  store<u64>(<usize>n, load<u64>(<usize>n) & ~(REMEMBERED_BIT | MARKED_BIT | GREY_BIT));
  forwardTo(o, n);
  if (tenured) stackPush(scratchStack, n); // reserved beforehand
  return n;
}

/** Scan o's pointer slots, copying young referents; answers whether o still refers to a
 *  young object afterwards. */
/** Fixed (strong) fields of a weak object: its class's instSize; all slots when unknown. */
function strongSlotsOf(o: oop): usize {
  const cls = classAtIndex(<u32>(load<u64>(<usize>o) & CLASS_INDEX_MASK));
  const all = <usize>numSlotsOf(o);
  if (cls == 0) return all;
  const f = load<u64>(<usize>cls + 8 + 16);
  if ((f & 7) != 1) return all;
  const n = <usize>((<i64>f >> 3) & 0xFFFF);
  return n < all ? n : all;
}

/** Is v a young object the scavenge has not reached (not yet copied)? */
// @ts-ignore: decorator
@inline function isUnreachedYoung(v: oop): bool {
  return (v & 7) == 0 && v >= <u64>newSpaceStart && v < <u64>newSpaceLimit && !isForwarder(v) && !inFuture(v);
}

function scanObject(o: oop): bool {
  // an ephemeron whose key has not been reached waits: it is scanned once the key is reached,
  // or fired when nothing else reaches it (as Spur's scavenger does)
  if (<u32>((load<u64>(<usize>o) >> FORMAT_SHIFT) & FORMAT_MASK) == FMT_EPHEMERON
      && isUnreachedYoung(load<u64>(<usize>o + 8)) && stackPush(ephemeronList, o)) return false;
  return scanSlots(o);
}

function scanSlots(o: oop): bool {
  let n = <usize>numPointerSlotsOf(o);
  // weak slots are not traced: the weakling is revisited once the live young objects are known
  if (<u32>((load<u64>(<usize>o) >> FORMAT_SHIFT) & FORMAT_MASK) == FMT_WEAK && stackPush(weaklingList, o)) n = strongSlotsOf(o);
  let young = false;
  const base = <usize>o + 8;
  for (let i: usize = 0; i < n; i++) {
    const cell = base + (i << 3);
    const v = load<u64>(cell);
    if ((v & 7) == 0 && v >= <u64>newSpaceStart && v < <u64>newSpaceLimit) {
      const nv = copyAndForward(v);
      store<u64>(cell, nv);
      if (isYoung(nv)) young = true;
    }
  }
  return young;
}

/** A VM root word: only words pointing into the allocated part of new space are young oops. */
function rootCell(cell: usize): void {
  if (isInAllocatedNewSpace(load<u64>(cell))) store<u64>(cell, copyAndForward(load<u64>(cell)));
}

function scanDeferred(e: oop): void {
  if (scanSlots(e) && !isYoung(e) && !isRemembered(e)) remember(e);
}

/** Make sure old space can take every survivor should all be tenured. */
function ensureTenuringRoom(): bool {
  const need = <u64>((freeStart - edenStart) + (pastEnd - pastStart));
  if (!stackReserve(scratchStack, <i32>(need >> 4) + 1)) return false;
  // One chunk of need + 16 bytes guarantees that every tenuring allocation succeeds, however the
  // best-fit allocator splits it (what remains of it always covers what remains to tenure).
  if (<u64>largestFreeChunk() >= need + 16) return true;
  return growOldSpace(<usize>need + 16);
}

function scanOldSpaceForYoungRefs(): void {
  stackClear(rememberedSet);
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    if (segmentStart(s) >= end) continue;
    let o = firstObjectOfSegment(s);
    while (o != 0) {
      const ci = <u32>(load<u64>(<usize>o) & CLASS_INDEX_MASK);
      if (ci != 0 && ci != 3) {
        if (scanObject(o)) { setRemembered(o, true); stackPush(rememberedSet, o); }
        else setRemembered(o, false);
      }
      o = nextObjectInSegment(o, end);
    }
  }
}

function doScavenge(): void {
  futureFill = futureStart;
  stackClear(scratchStack);
  stackClear(weaklingList);
  stackClear(ephemeronList);
  // roots: remembered set (entries added while scanning go past n0 and are kept)
  if (rememberedSetOverflowed) {
    setRememberedSetOverflowed(false);
    scanOldSpaceForYoungRefs();
  } else {
    const n0 = stackLength(rememberedSet);
    for (let i = 0; i < n0; i++) {
      const o = stackAt(rememberedSet, i);
      if (o == 0) continue;
      if (!scanObject(o)) { setRemembered(o, false); stackAtPut(rememberedSet, i, 0); }
    }
  }
  forEachRootCell(rootCell);
  const so = specialObjectsOop;
  if (so != 0 && isYoung(so)) setSpecialObjectsOop(copyAndForward(so));
  const mq = stackLength(mournQueue);
  for (let i = 0; i < mq; i++) {
    const v = stackAt(mournQueue, i);
    if (isYoung(v)) stackAtPut(mournQueue, i, copyAndForward(v));
  }
  // Cheney scan of future space, interleaved with the tenured objects, then the ephemerons
  let scan = futureStart;
  while (true) {
    if (scan < futureFill) {
      const o = objectStartingAt(scan);
      scanObject(o);
      scan = addressAfter(o);
      continue;
    }
    if (stackLength(scratchStack) > 0) {
      const t = stackPop(scratchStack);
      if (scanObject(t) && !isRemembered(t)) {
        setRemembered(t, true);
        if (!stackPush(rememberedSet, t)) setRememberedSetOverflowed(true);
      }
      continue;
    }
    const ne = stackLength(ephemeronList);
    if (ne == 0) break;
    // ephemerons whose keys were reached meanwhile are scanned now
    let k = 0; let progressed = false;
    for (let i = 0; i < ne; i++) {
      const e = stackAt(ephemeronList, i);
      if (isUnreachedYoung(load<u64>(<usize>e + 8))) { stackAtPut(ephemeronList, k, e); k++; }
      else { scanDeferred(e); progressed = true; }
    }
    stackSetLength(ephemeronList, k);
    if (progressed) continue;
    // the rest have keys nothing else reaches: fire them (queue, make non-ephemeral) and keep
    // their contents alive for the finaliser
    let fired = 0;
    for (let i = 0; i < k; i++) {
      const e = stackAt(ephemeronList, i);
      if (<u32>((load<u64>(<usize>e) >> FORMAT_SHIFT) & FORMAT_MASK) != FMT_EPHEMERON) continue;
      if (stackPush(mournQueue, e)) { setFormatOf(e, FMT_FIXED); fired++; }
      scanDeferred(e);
    }
    stackSetLength(ephemeronList, 0);
    addPendingFinalizations(fired);
  }
  // weak slots: follow referents that survived, nil those that died
  const nw = stackLength(weaklingList);
  for (let i = 0; i < nw; i++) {
    const w = stackAt(weaklingList, i);
    const from = strongSlotsOf(w);
    const to = <usize>numSlotsOf(w);
    let young = false; let cleared = false;
    for (let j = from; j < to; j++) {
      const cell = <usize>w + 8 + (j << 3);
      const v = load<u64>(cell);
      if ((v & 7) != 0 || v < <u64>newSpaceStart || v >= <u64>newSpaceLimit) continue;
      if (isForwarder(v)) {
        const f = load<u64>(<usize>v + 8);
        store<u64>(cell, f);
        if (isYoung(f)) young = true;
      } else { store<u64>(cell, nilObj); cleared = true; }
    }
    if (cleared) addPendingFinalizations(1);
    if (young && !isYoung(w) && !isRemembered(w)) remember(w);
  }
  stackClear(weaklingList);
  // compact the remembered set (drop cleared entries; keep only those still holding young refs)
  const n = stackLength(rememberedSet);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const o = stackAt(rememberedSet, i);
    if (o != 0 && (load<u64>(<usize>o) & REMEMBERED_BIT) != 0) { stackAtPut(rememberedSet, k, o); k++; }
  }
  stackSetLength(rememberedSet, k);
  swapSurvivors();
  setPastEnd(futureFill);
  setFreeStart(edenStart);
  if (tenureAll && futureFill == futureStart) {
    // everything went old: no old object can refer to a young one
    for (let i = 0; i < k; i++) setRemembered(stackAt(rememberedSet, i), false);
    stackSetLength(rememberedSet, 0);
  }
  setNeedGC(false);
  noteScavenge();
}

/** Scavenge new space; false (and lowSpaceFlag) when old space could not be made big enough
 *  to receive the survivors, in which case nothing moved. */
export function scavenge(): bool {
  if (!ensureTenuringRoom()) { setLowSpace(true); return false; }
  tenureAll = false;
  doScavenge();
  return true;
}

/** Tenure every live young object into old space (new space is then empty). */
export function flushNewSpace(): bool {
  if (freeStart == edenStart && pastEnd == pastStart) return true;
  if (!ensureTenuringRoom()) { setLowSpace(true); return false; }
  tenureAll = true;
  doScavenge();
  tenureAll = false;
  return true;
}
