// The full garbage collector for the whole heap: mark (from the VM roots, the special objects,
// class-table page 0, the classes of marked objects and the mourn queue; references to
// forwarders are followed on the way), with ephemerons scanned only once their key is reachable
// and fired (queued for finalisation, made non-ephemeral) when it is not; weak slots whose
// referents died are nilled; classes nothing refers to leave the class table; old space is
// swept into coalesced free chunks; new space is flushed into old space; sparsely used segments
// are evacuated (objects copied into free space elsewhere, references followed) and empty
// segments released; finally every segment is slid together (compactor.ts).

import {
  CI_LAST_PUN, CLASS_TABLE_ROOT_SLOTS, HIDDEN_ROOT_SLOTS, CLASS_TABLE_PAGE_SIZE,
  oop, CLASS_INDEX_MASK, MARKED_BIT, FMT_WEAK, FMT_EPHEMERON, FMT_FIXED, FORMAT_SHIFT, FORMAT_MASK,
  BRIDGE_SIZE, PINNED_BIT,
} from "./constants";
import {
  numPointerSlotsOf, numSlotsOf, bytesInObject, startOfObject, addressAfter, objectStartingAt, forwardTo, setFormatOf,
  followForwarded, isRemembered,
} from "./header";
import { remember } from "./barrier";
import {
  nilObj, falseObj, trueObj, freeListsObj, hiddenRootsObj, specialObjectsOop, markStack, weaklingList,
  ephemeronList, mournQueue, rememberedSet, edenStart, freeStart, pastStart, pastEnd, needGCFlag,
  setNeedGC, setLowSpace, lowSpaceFlag, addPendingFinalizations, noteFullGC, isYoung, setSpecialObjectsOop,
  isInAllocatedNewSpace,
} from "./state";
import { stackPush, stackPop, stackLength, stackAt, stackAtPut, stackSetLength, stackClear } from "./stacks";
import { resetFreeLists, addFreeChunk, freeBytes, allocateFromFreeLists } from "./freelists";
import {
  numSegments, segmentStart, segmentSize, segmentObjectsEnd, firstObjectOfSegment, nextObjectInSegment,
  releaseEmptySegments, growQuantum,
} from "./segments";
import { forEachRootCell } from "./roots";
import { scavenge, flushNewSpace } from "./scavenger";
import { followForwardersEverywhere } from "./forwarding";
import { classAtIndex, resetClassTableIndex } from "./classtable";
import { instSizeOfClass } from "./allocator";
import { isInOldSpace } from "./segments";
import { compactOldSpace } from "./compactor";
import { noteOldSpaceBaseline, oldSpaceGrowthWarrantsFullGC } from "./gcpolicy";

let markOverflow: bool = false;
/** Slide old space together on every full GC (Spur compacts on every full GC). */
export let compactionEnabled: bool = true;
export function setCompactionEnabled(b: bool): void { compactionEnabled = b; }
/** How many times marking had to rescan the heap because the mark stack could not grow. */
export let markOverflowCount: i32 = 0;

// @ts-ignore: decorator
@inline function markAndPush(v: oop): void {
  if ((v & 7) != 0 || v == 0) return;
  const h = load<u64>(<usize>v);
  if ((h & MARKED_BIT) != 0) return;
  store<u64>(<usize>v, h | MARKED_BIT);
  if (!stackPush(markStack, v)) markOverflow = true;
}

function markRootCell(cell: usize): void {
  let v = load<u64>(cell);
  if ((v & 7) != 0 || v == 0 || v > 0xFFFFFFFF) return;
  if (isInAllocatedNewSpace(v) || isInOldSpace(v)) {
    if ((load<u64>(<usize>v) & CLASS_INDEX_MASK) == 8) { v = followForwarded(v); store<u64>(cell, v); }
    markAndPush(v);
  }
}

/** Mark the referents of slots [from, to) of o. References to forwarders (left by become or
 *  found in an image) are replaced by their targets on the way, as Spur's marker does, so
 *  forwarders are never marked and the sweep frees them. */
function scanSlots(o: oop, from: usize, to: usize): void {
  const base = <usize>o + 8;
  for (let i = from; i < to; i++) {
    let v = load<u64>(base + (i << 3));
    if ((v & 7) != 0 || v == 0) continue;
    if ((load<u64>(<usize>v) & CLASS_INDEX_MASK) == 8) {
      v = followForwarded(v);
      store<u64>(base + (i << 3), v);
      if (isYoung(v) && !isYoung(o) && !isRemembered(o)) remember(o);
    }
    markAndPush(v);
  }
}

/** Strong slots of a weak object: its class's fixed fields (all slots if the class is unknown). */
function strongSlotsOfWeakling(o: oop): usize {
  const cls = classAtIndex(<u32>(load<u64>(<usize>o) & CLASS_INDEX_MASK));
  if (cls == 0) return <usize>numSlotsOf(o);
  const n = instSizeOfClass(cls);
  return n < 0 ? <usize>numSlotsOf(o) : <usize>n;
}

function scanObject(o: oop): void {
  const h = load<u64>(<usize>o);
  // classes are held weakly by the class table (pages 1 and up): keep those with instances
  const ci = <u32>(h & CLASS_INDEX_MASK);
  if (ci > CI_LAST_PUN) {
    const cls = classAtIndex(ci);
    if (cls != 0) markAndPush(cls);
  }
  const fmt = <u32>((h >> FORMAT_SHIFT) & FORMAT_MASK);
  if (fmt == FMT_WEAK) {
    const strong = strongSlotsOfWeakling(o);
    const n = <usize>numSlotsOf(o);
    // no memory to remember the weakling: treat it as strong this time (safe, just late)
    scanSlots(o, 0, stackPush(weaklingList, o) ? (strong < n ? strong : n) : n);
    return;
  }
  if (fmt == FMT_EPHEMERON) {
    let key = load<u64>(<usize>o + 8);
    if ((key & 7) == 0 && key != 0 && (load<u64>(<usize>key) & CLASS_INDEX_MASK) == 8) {
      key = followForwarded(key); store<u64>(<usize>o + 8, key);
    }
    if ((key & 7) == 0 && key != 0 && (load<u64>(<usize>key) & MARKED_BIT) == 0) {
      if (stackPush(ephemeronList, o)) return;
      // no memory to defer it: scan it as a strong object
    }
  }
  scanSlots(o, 0, <usize>numPointerSlotsOf(o));
}

function drain(): void {
  while (true) {
    while (stackLength(markStack) > 0) scanObject(stackPop(markStack));
    if (!markOverflow) return;
    // the mark stack could not grow: rescan marked objects for unmarked referents
    markOverflow = false;
    markOverflowCount++;
    rescanMarked();
  }
}

function rescanRange(from: usize, to: usize): void {
  let a = from;
  while (a < to) {
    const o = objectStartingAt(a);
    if ((load<u64>(<usize>o) & MARKED_BIT) != 0) scanObject(o);
    a = addressAfter(o);
  }
}
function rescanMarked(): void {
  for (let s = 0; s < numSegments(); s++) rescanRange(segmentStart(s), segmentObjectsEnd(s));
  rescanRange(pastStart, pastEnd);
  rescanRange(edenStart, freeStart);
}

function markPhase(): void {
  stackClear(markStack); stackClear(weaklingList); stackClear(ephemeronList);
  markOverflow = false;
  markAndPush(nilObj); markAndPush(falseObj); markAndPush(trueObj);
  markAndPush(freeListsObj);
  // hidden roots: page 0 of the class table is strong (puns and the VM's known classes); the
  // other pages are marked but not traced, so classes reachable only from the table die
  store<u64>(<usize>hiddenRootsObj, load<u64>(<usize>hiddenRootsObj) | MARKED_BIT);
  for (let i: u32 = 0; i < CLASS_TABLE_ROOT_SLOTS + HIDDEN_ROOT_SLOTS; i++) {
    const p = load<u64>(<usize>hiddenRootsObj + 8 + (<usize>i << 3));
    if (p == nilObj || (p & 7) != 0 || p == 0) continue;
    if (i == 0 || !classTableWeak || i >= CLASS_TABLE_ROOT_SLOTS) markAndPush(p);
    else store<u64>(<usize>p, load<u64>(<usize>p) | MARKED_BIT);
  }
  if (specialObjectsOop != 0) { setSpecialObjectsOop(followForwarded(specialObjectsOop)); markAndPush(specialObjectsOop); }
  for (let i = 0; i < stackLength(mournQueue); i++) {
    stackAtPut(mournQueue, i, followForwarded(stackAt(mournQueue, i)));
    markAndPush(stackAt(mournQueue, i));
  }
  forEachRootCell(markRootCell);
  while (true) {
    drain();
    // ephemerons whose keys became reachable are scanned now
    const n = stackLength(ephemeronList);
    if (n == 0) break;
    let k = 0; let progressed = false;
    for (let i = 0; i < n; i++) {
      const e = stackAt(ephemeronList, i);
      const key = load<u64>(<usize>e + 8);
      if ((load<u64>(<usize>key) & MARKED_BIT) != 0) {
        scanSlots(e, 0, <usize>numSlotsOf(e)); progressed = true;
      } else { stackAtPut(ephemeronList, k, e); k++; }
    }
    stackSetLength(ephemeronList, k);
    if (progressed) continue;
    // no progress: fire every remaining ephemeron (queue it, make it non-ephemeral, keep its
    // contents alive for the finaliser)
    let fired = 0;
    for (let i = 0; i < k; i++) {
      const e = stackAt(ephemeronList, i);
      // (a mark-stack overflow rescan can list an ephemeron twice: fire it once)
      if (<u32>((load<u64>(<usize>e) >> FORMAT_SHIFT) & FORMAT_MASK) != FMT_EPHEMERON) continue;
      // queue it if the queue can take it; otherwise it stays an ephemeron and fires later
      if (stackPush(mournQueue, e)) { setFormatOf(e, FMT_FIXED); fired++; }
      scanSlots(e, 0, <usize>numSlotsOf(e));
    }
    addPendingFinalizations(fired);
    stackSetLength(ephemeronList, 0);
  }
}

/** Remove classes nothing refers to (no instances, no references) from class-table pages 1+. */
function expungeUnmarkedClasses(): void {
  if (!classTableWeak) return;
  let n = 0;
  for (let i: u32 = 1; i < CLASS_TABLE_ROOT_SLOTS; i++) {
    const p = load<u64>(<usize>hiddenRootsObj + 8 + (<usize>i << 3));
    if (p == nilObj || (p & 7) != 0 || p == 0) continue;
    for (let j: usize = 0; j < <usize>CLASS_TABLE_PAGE_SIZE; j++) {
      const cell = <usize>p + 8 + (j << 3);
      const c = load<u64>(cell);
      if (c == nilObj || (c & 7) != 0) continue;
      if ((load<u64>(<usize>c) & MARKED_BIT) == 0) { store<u64>(cell, nilObj); n++; }
    }
  }
  if (n > 0) { classesExpunged += n; resetClassTableIndex(); }
}
/** Classes removed from the class table by full GCs so far. */
export let classesExpunged: i32 = 0;
/** Whether the class table holds classes weakly (pages 1 and up), as Spur does. */
export let classTableWeak: bool = true;
export function setClassTableWeak(b: bool): void { classTableWeak = b; }

function nilUnmarkedWeakSlots(): void {
  const n = stackLength(weaklingList);
  for (let i = 0; i < n; i++) {
    const w = stackAt(weaklingList, i);
    const strong = strongSlotsOfWeakling(w);
    const slots = <usize>numSlotsOf(w);
    let cleared = false;
    for (let j = strong; j < slots; j++) {
      const cell = <usize>w + 8 + (j << 3);
      let v = load<u64>(cell);
      if ((v & 7) != 0 || v == 0) continue;
      if ((load<u64>(<usize>v) & CLASS_INDEX_MASK) == 8) {
        v = followForwarded(v); store<u64>(cell, v);
        if ((v & 7) != 0) continue;
      }
      if ((load<u64>(<usize>v) & MARKED_BIT) == 0) { store<u64>(cell, nilObj); cleared = true; }
      else if (isYoung(v) && !isYoung(w) && !isRemembered(w)) remember(w);
    }
    if (cleared) addPendingFinalizations(1);
  }
  stackClear(weaklingList);
}

function clearMarksInRange(from: usize, to: usize): void {
  let a = from;
  while (a < to) {
    const o = objectStartingAt(a);
    store<u64>(<usize>o, load<u64>(<usize>o) & ~MARKED_BIT);
    a = addressAfter(o);
  }
}

/** Sweep old space: unmarked objects and free chunks coalesce into free chunks; marks cleared. */
function sweep(): void {
  // drop dead objects from the remembered set first
  const rn = stackLength(rememberedSet);
  let k = 0;
  for (let i = 0; i < rn; i++) {
    const o = stackAt(rememberedSet, i);
    if (o != 0 && (load<u64>(<usize>o) & MARKED_BIT) != 0) { stackAtPut(rememberedSet, k, o); k++; }
  }
  stackSetLength(rememberedSet, k);
  resetFreeLists();
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    let a = segmentStart(s);
    let runStart: usize = 0;
    while (a < end) {
      const o = objectStartingAt(a);
      const h = load<u64>(<usize>o);
      const next = addressAfter(o);
      if ((h & MARKED_BIT) == 0 || (h & CLASS_INDEX_MASK) == 0) {
        if (runStart == 0) runStart = a;
      } else {
        store<u64>(<usize>o, h & ~MARKED_BIT);
        if (runStart != 0) { addFreeChunk(runStart, a - runStart); runStart = 0; }
      }
      a = next;
    }
    if (runStart != 0) addFreeChunk(runStart, end - runStart);
  }
}

/** Live bytes in segment s, or -1 if it holds a pinned object. */
function liveBytesOf(s: i32): i64 {
  const end = segmentObjectsEnd(s);
  let a = segmentStart(s); let live: i64 = 0;
  while (a < end) {
    const o = objectStartingAt(a);
    const h = load<u64>(<usize>o);
    if ((h & CLASS_INDEX_MASK) != 0) {
      if ((h & PINNED_BIT) != 0) return -1;
      live += <i64>bytesInObject(o);
    }
    a = addressAfter(o);
  }
  return live;
}

/** Rebuild the free lists from every segment except `skip`. */
function rebuildFreeListsExcept(skip: i32): void {
  resetFreeLists();
  for (let s = 0; s < numSegments(); s++) {
    if (s == skip) continue;
    const end = segmentObjectsEnd(s);
    let a = segmentStart(s);
    while (a < end) {
      const o = objectStartingAt(a);
      const next = addressAfter(o);
      if ((load<u64>(<usize>o) & CLASS_INDEX_MASK) == 0) addFreeChunk(a, next - a);
      a = next;
    }
  }
}

/** Copy the objects of sparsely used segments into free space elsewhere; answers whether
 *  anything moved (forwarders then need following). */
function evacuateSparseSegments(): bool {
  let moved = false;
  for (let s = numSegments() - 1; s >= 1; s--) {
    const live = liveBytesOf(s);
    if (live <= 0) continue;
    const size = <i64>segmentSize(s);
    if (live * 4 > size) continue;
    rebuildFreeListsExcept(s);
    if (<i64>freeBytes() < live + (live >> 2) + 4096) continue;
    const end = segmentObjectsEnd(s);
    let a = segmentStart(s);
    let all = true;
    while (a < end) {
      const o = objectStartingAt(a);
      const next = addressAfter(o);
      if ((load<u64>(<usize>o) & CLASS_INDEX_MASK) != 0) {
        const bytes = bytesInObject(o);
        const to = allocateFromFreeLists(bytes);
        if (to == 0) { all = false; break; }
        const start = startOfObject(o);
        memory.copy(to, start, bytes);
        forwardTo(o, <u64>(to + (<usize>o - start)));
        moved = true;
      }
      a = next;
    }
    if (!all) break;
  }
  return moved;
}

/** Turn forwarders left in old space into free space, coalescing (after all references were followed). */
function freeForwarders(): void {
  resetFreeLists();
  for (let s = 0; s < numSegments(); s++) {
    const end = segmentObjectsEnd(s);
    let a = segmentStart(s);
    let runStart: usize = 0;
    while (a < end) {
      const o = objectStartingAt(a);
      const ci = load<u64>(<usize>o) & CLASS_INDEX_MASK;
      const next = addressAfter(o);
      if (ci == 0 || ci == 8) { if (runStart == 0) runStart = a; }
      else if (runStart != 0) { addFreeChunk(runStart, a - runStart); runStart = 0; }
      a = next;
    }
    if (runStart != 0) addFreeChunk(runStart, end - runStart);
  }
}

/** Collect the whole heap. Afterwards new space is empty when old space could take its
 *  survivors. Raises lowSpaceFlag when free space stays short. */
export function fullGC(): void {
  markPhase();
  nilUnmarkedWeakSlots();
  expungeUnmarkedClasses();
  sweep();
  clearMarksInRange(pastStart, pastEnd);
  clearMarksInRange(edenStart, freeStart);
  if (!flushNewSpace()) scavenge();
  if (evacuateSparseSegments()) {
    followForwardersEverywhere();
    freeForwarders();
  }
  releaseEmptySegments(<u64>growQuantum, freeBytes());
  if (compactionEnabled) compactOldSpace();
  setNeedGC(false);
  noteFullGC();
  noteOldSpaceBaseline();
}

/** At a safe point: scavenge if eden filled up (or old space asked for a collection), then a
 *  full GC if the scavenge failed or old space has grown enough since the last one. */
export function collectIfNeeded(): void {
  if (!needGCFlag) return;
  if (!scavenge() || oldSpaceGrowthWarrantsFullGC()) fullGC();
}

/** The next fired ephemeron awaiting finalisation, or 0 (primitiveFetchMourner). */
export function dequeueMourner(): oop {
  const n = stackLength(mournQueue);
  if (n == 0) return 0;
  const e = stackAt(mournQueue, 0);
  for (let i = 1; i < n; i++) stackAtPut(mournQueue, i - 1, stackAt(mournQueue, i));
  stackSetLength(mournQueue, n - 1);
  return e;
}
export function mournQueueLength(): i32 { return stackLength(mournQueue); }
export { BRIDGE_SIZE, lowSpaceFlag, setLowSpace, forwardTo };

/** Rebuild the free lists from the free chunks of every segment. */
export function rebuildFreeLists(): void { rebuildFreeListsExcept(-1); }
