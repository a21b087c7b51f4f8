// Instance creation without its two frames of sends: `new` and `new:` are nearly always the
// library's `^ self basicNew initialize` and `^ (self basicNew: n) initialize`, and the
// initialize they send is nearly always ProtoObject's `^ self`. A method-cache entry for such a
// method gets the dispatch kind K_NEW_INIT (dispatch.ts) when, at fill time, its bytecodes have
// exactly that shape, the receiver's basicNew(:) is primitive 70 (71) and its instances'
// initialize is a quick ^ self. runSista then allocates directly — no frame for `new`, no send
// of basicNew nor of initialize — for that receiver; a method installed later (a redefined
// initialize or basicNew) flushes the cache, and the refill decides again.

import { oop, fetchSlot, isSmallInt, intValue } from "./oops";
import { hdrIsSista, hdrHasPrimitive, hdrNumLiterals } from "./layout";
import { classOfOop, isClassAtIndex } from "./heap";
import { lookupMethod } from "./lookup";
import { primitiveIndexOf } from "./interpreter";

/** The K_NEW_INIT word for SistaV1 method m (no primitive, nargs 0 or 1) found for a send to
 *  class rcvr, or 0 when m is not `^ self basicNew initialize` (nargs 0) or
 *  `^ (self basicNew: arg) initialize` (nargs 1) with those meanings for rcvr today, or rcvr is
 *  not a class in the class table. The word keeps rcvr's class index (newInitClassIndex):
 *  another instance of its metaclass, whose initialize may differ, is activated as usual. */
export function newInitWord(m: oop, rcvr: oop, nargs: i32, kind: u32): u64 {
  if ((rcvr & 7) != 0 || nargs > 1) return 0;
  const ici = <u32>((load<u64>(<usize>rcvr) >> 32) & 0x3FFFFF);
  // a class (in the class table under its hash), so that initialize can be looked up in it
  if (ici == 0 || !isClassAtIndex(rcvr, ici)) return 0;
  const hv = fetchSlot(m, 0);
  if (!isSmallInt(hv)) return 0;
  const h = intValue(hv);
  if (!hdrIsSista(h) || hdrHasPrimitive(h)) return 0;
  const nl = <usize>hdrNumLiterals(h);
  const bc = <usize>m + 8 + ((nl + 1) << 3);
  // push self, [push temp 0], send basicNew(:) (short form), send initialize, return top
  if (load<u8>(bc) != 76) return 0;
  let at = bc + 1;
  if (nargs == 1) { if (load<u8>(at) != 64) return 0; at++; }
  const s1 = <u32>load<u8>(at) - (nargs == 1 ? 144 : 128);
  const s2 = <u32>load<u8>(at + 1) - 128;
  if (s1 >= 16 || s2 >= 16 || load<u8>(at + 2) != 92) return 0;
  if (<usize>s1 >= nl || <usize>s2 >= nl) return 0;
  // what those sends reach now (a method installed later flushes the cache): basicNew(:) from
  // the receiver's class, initialize from the receiver itself (the class of the instances)
  const basicNew = lookupMethod(classOfOop(rcvr), fetchSlot(m, 1 + <usize>s1));
  if (basicNew == 0 || primitiveIndexOf(basicNew) != (nargs == 1 ? 71 : 70)) return 0;
  const init = lookupMethod(rcvr, fetchSlot(m, 1 + <usize>s2));
  if (init == 0 || primitiveIndexOf(init) != 256) return 0;
  // bits 0-7 the kind, 16-31 and 56-61 the class index (the primitive field, 32-55, stays 0)
  return <u64>kind | (<u64>(ici & 0xFFFF) << 16) | (<u64>(ici >> 16) << 56);
}

/** The class index of the instances a K_NEW_INIT word was filled for. */
// @ts-ignore: decorator
@inline export function newInitClassIndex(w: u64): u32 { return <u32>((w >> 16) & 0xFFFF) | (<u32>(w >> 56) << 16); }
