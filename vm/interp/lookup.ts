// Method lookup through the class chain's MethodDictionaries (open addressing on the selector's
// identity hash, as Spur's lookupMethodInDictionary), and the global method cache keyed by
// (selector, receiver class index). The cache holds raw oops, so it is flushed whenever a GC
// may have moved objects it holds, and on the flush primitives (89, 116, 119). It holds only
// old objects (a young selector or method is looked up again each time until it is tenured),
// so a scavenge, which moves young objects only, leaves it valid: after a scavenge every send
// would otherwise miss once (Richards: 1% of sends, 4% of its instructions).

import { oop, isImmediate, fetchSlot, numSlotsOf, formatOf, isSmallInt, intValue } from "./oops";
import { CLASS_SUPERCLASS, CLASS_METHOD_DICT, MDICT_ARRAY, MDICT_SELECTORS, ASSOC_VALUE, hdrNumLiterals } from "./layout";
import { nilOop, hashOf, gcEpochNow, methodHeader } from "./heap";
import { scavengeCount, isYoung } from "../objmem/state";
import { dispatchWordFor } from "./dispatch";

export const CACHE_ENTRIES: usize = 4096;
export const CACHE_SELECTOR: usize = 0;
export const CACHE_CLASS: usize = 8;
export const CACHE_METHOD: usize = 16;
/** the primitive word: primitive index and dispatch kind (dispatch.ts) */
export const CACHE_PRIM: usize = 24;
const cache = memory.data(<i32>(CACHE_ENTRIES * 32));
let cacheEpoch: i32 = -1;

/** Counts the events that may move old objects (full GCs, compactions, become): the GC epoch
 *  less the scavenges, each of which bumps it by one. */
// @ts-ignore: decorator
@inline function oldSpaceEpoch(): i32 { return gcEpochNow() - scavengeCount; }

export function flushMethodCache(): void {
  memory.fill(cache, 0, CACHE_ENTRIES * 32);
  cacheEpoch = oldSpaceEpoch();
}
export function flushMethodCacheIfMoved(): void {
  if (cacheEpoch != oldSpaceEpoch()) flushMethodCache();
}

// The cache is two-way: entries 2k and 2k+1 form a set. A pair is looked for in its slot
// (slotFor, always the set's even entry), then in the other entry of the set (partnerOf); a
// fill moves the slot's entry to the partner, so two pairs that hash alike (Richards has such a
// pair, sent alternately) both stay cached. runSista probes the slot inline and, on a hit in the
// partner, swaps the two. (A slot may not be odd: two pairs whose slots were the two entries of
// one set overwrote each other on every fill; Json lost 8% of its instructions to one such.)

// @ts-ignore: decorator
@inline export function slotFor(selector: oop, ci: u32): usize {
  return cache + ((<usize>((<u32>(selector >> 3)) ^ (ci * 0x9E37)) & (CACHE_ENTRIES - 2)) << 5);
}

// @ts-ignore: decorator
@inline export function partnerOf(e: usize): usize { return e ^ 32; }

/** The cache entry for (selector, class index), or 0 on a miss. */
// @ts-ignore: decorator
@inline export function cacheProbe(selector: oop, ci: u32): usize {
  const e = slotFor(selector, ci);
  if (load<u64>(e) == selector && load<u64>(e, CACHE_CLASS) == <u64>ci) return e;
  const p = partnerOf(e);
  if (load<u64>(p) == selector && load<u64>(p, CACHE_CLASS) == <u64>ci) return p;
  return 0;
}

/** Swaps entry e with its partner (after a hit in the partner: the pair sent last goes first). */
export function cacheSwapWithPartner(e: usize): void {
  const p = partnerOf(e);
  for (let k: usize = 0; k < 32; k += 8) {
    const t = load<u64>(e + k);
    store<u64>(e + k, load<u64>(p + k));
    store<u64>(p + k, t);
  }
}

/** Caches method (primitive index prim) for selector under class index ci, as found for a send
 *  to rcvr (whose header the primitive word's shape is taken from, dispatch.ts). */
export function cacheFill(selector: oop, ci: u32, method: oop, prim: i32, rcvr: oop): void {
  flushMethodCacheIfMoved();
  if (isYoung(selector) || isYoung(method)) return;
  const e = slotFor(selector, ci);
  memory.copy(partnerOf(e), e, 32);
  store<u64>(e, selector);
  store<u64>(e, <u64>ci, CACHE_CLASS);
  store<u64>(e, method, CACHE_METHOD);
  store<u64>(e, dispatchWordFor(method, prim, ci, rcvr), CACHE_PRIM);
}

/** The method for selector in a MethodDictionary, or 0. */
export function lookupInDictionary(md: oop, selector: oop): oop {
  const nil = nilOop();
  if (isImmediate(md) || md == nil || formatOf(md) > 5) return 0;
  const n = numSlotsOf(md);
  if (n <= MDICT_SELECTORS) return 0;
  const cap = n - MDICT_SELECTORS;
  const array = fetchSlot(md, MDICT_ARRAY);
  if (isImmediate(array) || array == nil) return 0;
  // capacity is a power of two in Squeak; fall back to a modulo otherwise
  const pow2 = (cap & (cap - 1)) == 0;
  const h = isImmediate(selector) ? <usize>(selector >> 3) : <usize>hashOf(selector);
  let i = pow2 ? h & (cap - 1) : h % cap;
  for (let probes: usize = 0; probes < cap; probes++) {
    const k = fetchSlot(md, MDICT_SELECTORS + i);
    if (k == selector) return fetchSlot(array, i);
    if (k == nil) return 0;
    i = i + 1 == cap ? 0 : i + 1;
  }
  return 0;
}

/** The method for selector starting at cls and following superclasses, or 0. */
export function lookupMethod(cls: oop, selector: oop): oop {
  const nil = nilOop();
  let c = cls;
  let guard = 0;
  while (c != nil && c != 0 && !isImmediate(c) && guard++ < 100000) {
    const m = lookupInDictionary(fetchSlot(c, CLASS_METHOD_DICT), selector);
    if (m != 0) return m;
    c = fetchSlot(c, CLASS_SUPERCLASS);
  }
  return 0;
}

/** The class a method is installed in (value of its last literal), following a CompiledBlock's
 *  outer code; 0 when it cannot be found. */
export function methodClassOf(m: oop): oop {
  let guard = 0;
  while (guard++ < 64) {
    if (isImmediate(m) || formatOf(m) < 24) return 0;
    const nl = <usize>hdrNumLiterals(methodHeader(m));
    if (nl == 0) return 0;
    const last = fetchSlot(m, nl);
    if (isImmediate(last)) return 0;
    if (formatOf(last) >= 24) { m = last; continue; }
    if (formatOf(last) <= 5 && numSlotsOf(last) > ASSOC_VALUE) return fetchSlot(last, ASSOC_VALUE);
    return 0;
  }
  return 0;
}

export { isSmallInt, intValue };
