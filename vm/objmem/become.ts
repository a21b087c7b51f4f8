// become: and becomeForward:, and pinning. Same-sized pairs of a two-way become swap their
// contents in place; otherwise copies are made and the originals forwarded. Forwarders are then
// followed eagerly through the whole heap and the VM roots, so the interpreter never sees one.
// With copyHash the identity hash stays with the references (what hashed collections need).

import { oop, CLASS_INDEX_MASK, HASH_SHIFT, HASH_MASK, PINNED_BIT, REMEMBERED_BIT, MARKED_BIT, CI_LAST_PUN, FMT_INDEXABLE } from "./constants";
import {
  formatOf, numSlotsOf, fetchPointer, bytesInObject, startOfObject, forwardTo, rawHashOf, setRawHashOf,
  isImmutable, isPinned, setPinnedBit, isForwarded, numPointerSlotsOf, isRemembered, bytesForSlots,
  writeHeader, rawClassIndexOf,
} from "./header";
import { isYoung, noteMove } from "./state";
import { allocateSlots, allocateOldBytes } from "./allocator";
import { followForwardersEverywhere } from "./forwarding";
import { remember } from "./barrier";
import { pushRemappableOop, popRemappableOop } from "./roots";

export const BECOME_OK: i32 = 0;
export const PRIM_ERR_BAD_RECEIVER: i32 = 2;
export const PRIM_ERR_BAD_ARGUMENT: i32 = 3;
export const PRIM_ERR_INAPPROPRIATE: i32 = 6;
export const PRIM_ERR_NO_MODIFICATION: i32 = 8;
export const PRIM_ERR_NO_MEMORY: i32 = 9;

function isArrayLike(a: oop): bool { return (a & 7) == 0 && a != 0 && formatOf(a) == FMT_INDEXABLE; }

function checkBecomeable(o: oop): i32 {
  if ((o & 7) != 0 || o == 0) return PRIM_ERR_INAPPROPRIATE;
  if (rawClassIndexOf(o) <= CI_LAST_PUN) return PRIM_ERR_INAPPROPRIATE;
  if (isImmutable(o)) return PRIM_ERR_NO_MODIFICATION;
  return BECOME_OK;
}

/** A fresh copy of o (same header fields and body), or 0. */
function cloneObject(o: oop): oop {
  const n = numSlotsOf(o);
  const c = allocateSlots(n, formatOf(o), rawClassIndexOf(o));
  if (c == 0) return 0;
  memory.copy(<usize>c + 8, <usize>o + 8, <usize>(n == 0 ? 8 : n << 3));
  setRawHashOf(c, rawHashOf(o));
  return c;
}

function rememberIfNeeded(o: oop): void {
  if (isYoung(o) || isRemembered(o)) return;
  const n = <usize>numPointerSlotsOf(o);
  for (let i: usize = 0; i < n; i++) {
    if (isYoung(load<u64>(<usize>o + 8 + (i << 3)))) { remember(o); return; }
  }
}

/** One-way become: every reference to array1[i] becomes a reference to array2[i].
 *  With copyHash, array2[i] takes array1[i]'s identity hash. Answers BECOME_OK or an error. */
export function becomeForward(array1: oop, array2: oop, copyHash: bool): i32 {
  if (!isArrayLike(array1)) return PRIM_ERR_BAD_RECEIVER;
  if (!isArrayLike(array2) || numSlotsOf(array1) != numSlotsOf(array2)) return PRIM_ERR_BAD_ARGUMENT;
  const n = <i64>numSlotsOf(array1);
  for (let i: i64 = 0; i < n; i++) {
    const e = checkBecomeable(fetchPointer(array1, i));
    if (e != BECOME_OK) return e;
    const t = fetchPointer(array2, i);
    if (copyHash && ((t & 7) != 0 || isImmutable(t))) return PRIM_ERR_NO_MODIFICATION;
    for (let j: i64 = 0; j < i; j++) if (fetchPointer(array1, j) == fetchPointer(array1, i)) return PRIM_ERR_BAD_ARGUMENT;
  }
  let any = false;
  for (let i: i64 = 0; i < n; i++) {
    const a = fetchPointer(array1, i);
    const b = fetchPointer(array2, i);
    if (a == b) continue;
    if (copyHash) setRawHashOf(b, rawHashOf(a));
    forwardTo(a, b);
    any = true;
  }
  if (any) { followForwardersEverywhere(); noteMove(); }
  return BECOME_OK;
}

function swapInPlace(a: oop, b: oop, copyHash: bool): void {
  const bytes = bytesInObject(a);
  const sa = startOfObject(a); const sb = startOfObject(b);
  const ha = rawHashOf(a); const hb = rawHashOf(b);
  const keep = PINNED_BIT | REMEMBERED_BIT | MARKED_BIT;
  const fa = load<u64>(<usize>a) & keep; const fb = load<u64>(<usize>b) & keep;
  for (let off: usize = 0; off < bytes; off += 8) {
    const t = load<u64>(sa + off);
    store<u64>(sa + off, load<u64>(sb + off));
    store<u64>(sb + off, t);
  }
  // flags stay with the memory; hashes stay with the references when copyHash
  store<u64>(<usize>a, (load<u64>(<usize>a) & ~keep) | fa);
  store<u64>(<usize>b, (load<u64>(<usize>b) & ~keep) | fb);
  if (copyHash) { setRawHashOf(a, ha); setRawHashOf(b, hb); }
  rememberIfNeeded(a); rememberIfNeeded(b);
}

/** Two-way become: references to array1[i] and array2[i] are exchanged. Answers BECOME_OK or
 *  an error code (nothing changed on error). */
export function becomeTwoWay(array1: oop, array2: oop, copyHash: bool): i32 {
  if (!isArrayLike(array1)) return PRIM_ERR_BAD_RECEIVER;
  if (!isArrayLike(array2) || numSlotsOf(array1) != numSlotsOf(array2)) return PRIM_ERR_BAD_ARGUMENT;
  const n = <i64>numSlotsOf(array1);
  for (let i: i64 = 0; i < n; i++) {
    let e = checkBecomeable(fetchPointer(array1, i));
    if (e == BECOME_OK) e = checkBecomeable(fetchPointer(array2, i));
    if (e != BECOME_OK) return e;
    for (let j: i64 = 0; j < i; j++) {
      const x = fetchPointer(array1, j); const y = fetchPointer(array2, j);
      const a = fetchPointer(array1, i); const b = fetchPointer(array2, i);
      if (x == a || x == b || y == a || y == b) return PRIM_ERR_BAD_ARGUMENT;
    }
  }
  // first the clones for pairs that cannot swap in place (all allocated before any change)
  pushRemappableOop(array1); pushRemappableOop(array2);
  let needClones = false;
  for (let i: i64 = 0; i < n; i++) {
    const a = fetchPointer(array1, i); const b = fetchPointer(array2, i);
    if (a == b) continue;
    if (bytesInObject(a) != bytesInObject(b) || isPinned(a) || isPinned(b)) needClones = true;
  }
  let clones: oop = 0;
  if (needClones) {
    clones = allocateSlots(<u64>(n * 2), FMT_INDEXABLE, 16);
    if (clones == 0) { popRemappableOop(); popRemappableOop(); return PRIM_ERR_NO_MEMORY; }
    for (let i: i64 = 0; i < n; i++) {
      const a = fetchPointer(array1, i); const b = fetchPointer(array2, i);
      store<u64>(<usize>clones + 8 + (<usize>(2 * i) << 3), 0);
      store<u64>(<usize>clones + 8 + (<usize>(2 * i + 1) << 3), 0);
      if (a == b || (bytesInObject(a) == bytesInObject(b) && !isPinned(a) && !isPinned(b))) continue;
      const ca = cloneObject(a); if (ca == 0) { popRemappableOop(); popRemappableOop(); return PRIM_ERR_NO_MEMORY; }
      store<u64>(<usize>clones + 8 + (<usize>(2 * i) << 3), ca);
      const cb = cloneObject(b); if (cb == 0) { popRemappableOop(); popRemappableOop(); return PRIM_ERR_NO_MEMORY; }
      store<u64>(<usize>clones + 8 + (<usize>(2 * i + 1) << 3), cb);
    }
  }
  popRemappableOop(); popRemappableOop();
  let forwarded = false;
  for (let i: i64 = 0; i < n; i++) {
    const a = fetchPointer(array1, i); const b = fetchPointer(array2, i);
    if (a == b) continue;
    const ca = clones == 0 ? 0 : load<u64>(<usize>clones + 8 + (<usize>(2 * i) << 3));
    if (ca == 0) { swapInPlace(a, b, copyHash); continue; }
    const cb = load<u64>(<usize>clones + 8 + (<usize>(2 * i + 1) << 3));
    if (copyHash) { const h = rawHashOf(ca); setRawHashOf(ca, rawHashOf(cb)); setRawHashOf(cb, h); }
    forwardTo(a, cb);
    forwardTo(b, ca);
    forwarded = true;
  }
  if (clones != 0) store<u64>(<usize>clones, (load<u64>(<usize>clones) & ~CLASS_INDEX_MASK) | 0); // the clone list is now a free-able husk
  if (forwarded) followForwardersEverywhere();
  noteMove(); // contents changed places: cached addresses must be rederived
  return BECOME_OK;
}

/** Pin o so it never moves (young objects are first moved to old space); answers the object
 *  (possibly at a new address), or 0 when memory ran out. */
export function pinObject(o: oop): oop {
  if ((o & 7) != 0 || o == 0) return 0;
  if (!isYoung(o)) { setPinnedBit(o, true); return o; }
  const n = numSlotsOf(o);
  const bytes = bytesForSlots(<usize>n);
  const to = allocateOldBytes(bytes);
  if (to == 0) return 0;
  const start = startOfObject(o);
  memory.copy(to, start, bytes);
  const c = <u64>(to + (<usize>o - start));
  store<u64>(<usize>c, load<u64>(<usize>c) & ~(REMEMBERED_BIT | MARKED_BIT));
  forwardTo(o, c);
  followForwardersEverywhere();
  noteMove();
  setPinnedBit(c, true);
  rememberIfNeeded(c);
  return c;
}
export function unpinObject(o: oop): void { if ((o & 7) == 0 && o != 0) setPinnedBit(o, false); }
export { isForwarded, writeHeader, HASH_SHIFT, HASH_MASK };
