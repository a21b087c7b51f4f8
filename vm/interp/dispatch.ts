// How runSista runs a method-cache hit, decided once when the entry is filled (lookup.ts
// cacheFill) instead of on every send. The entry's primitive word holds:
//   bits 0-7   the dispatch kind (K_ below)       bits 8-15  its operand (an instance variable)
//   bits 24-28 and 56-63: for K_IVAR and K_SETTER, the format and slot count field of a receiver
//              header that has the variable (a shape; bit 23, immutable, expected clear)
//   bits 32-55 the primitive index (24-bit two's complement: -1 runs an object as a method)
//   bits 16-31 and 56-61: for K_NEW_INIT, the class index of the instances (newinit.ts)
// The hit path switches on the kind once (a dense switch: one jump table) instead of testing
// primitive ranges in turn, and what the class index fixes is not tested again per send: the
// instance-variable kinds are only given to a heap class that is not Context (its receivers
// are never immediates nor Contexts, whose slots live in their frames). A class's instances
// may still differ in shape (indexable ones, or after their class's format changed), so the
// receiver's header is compared with the shape, one masked compare (SHAPE_MASK).
//
// The word is 0 for a SistaV1 method without a primitive, which runSista activates in its own
// registers (a zero test of the word), except a K_NEW_INIT one, which falls back to
// executeMethod (primitive 0: an activation) when its allocation cannot be done directly.

import { oop } from "./oops";
import { hdrIsSista, hdrNumArgs } from "./layout";
import { methodHeader, contextClassIndex } from "./heap";
import { SETTER_BASE, SETTER_LIMIT } from "./setters";
import { newInitWord } from "./newinit";

export const K_ACTIVATE: u32 = 0; // a SistaV1 method without a primitive (the word is 0)
export const K_GENERIC: u32 = 1;  // executeMethod with the primitive index
export const K_SELF: u32 = 2;     // ^self (256)
export const K_TRUE: u32 = 3;     // ^true (257)
export const K_FALSE: u32 = 4;    // ^false (258)
export const K_NIL: u32 = 5;      // ^nil (259)
export const K_INT: u32 = 6;      // ^-1, 0, 1, 2 (260-263): intOop(prim - 261)
export const K_IVAR: u32 = 7;     // ^instVar (264-519) of a heap, non-Context class; operand: the index
export const K_SETTER: u32 = 8;   // a setter (setters.ts); operand: the index
export const K_BLOCK: u32 = 9;    // FullBlockClosure value.. (201-205, 207)
export const K_INDEXED: u32 = 10; // at:, at:put:, size, stringAt: (60-63)
export const K_NEW: u32 = 11;     // basicNew, basicNew: (70, 71)
export const K_NEW_INIT: u32 = 12; // `^ self basicNew initialize` and the like (newinit.ts): bits 16-31, 56-61 a class index
export const K_COMPARE_BYTES: u32 = 13; // compareWith: (158) with one argument: prims/compare.ts
export const K_FLOAT_SQRT: u32 = 14; // Float sqrt (55, 555) without arguments: floatfast.ts
export const K_FLOAT_ARITH: u32 = 15; // Float + - < > <= >= = ~= * / (41-50, 541-550) with one argument; operand: index - 41
export const K_FLOAT_TRUNC: u32 = 16; // Float truncated (51, 551) without arguments: floatfast.ts
export const K_INT_ARITH: u32 = 17; // SmallInteger quo: bitAnd: bitOr: bitXor: (13-16) with one argument: intfast.ts

/** The highest class index of an immediate (the tag itself); heap objects have larger ones. */
const LAST_IMMEDIATE_CLASS_INDEX: u32 = 7;

/** The header bits a shape fixes: slot count field, format, and the immutable bit. */
export const SHAPE_MASK: u64 = 0xFF00_0000_1F80_0000;

// @ts-ignore: decorator
@inline function word(prim: i32, kind: u32, operand: u32): u64 {
  return <u64>kind | (<u64>(operand & 0xFF) << 8) | ((<u64>(<u32>prim) & 0xFFFFFF) << 32);
}

/** The shape bits of receiver header hd for instance variable iv: its format and slot count
 *  (immutable clear), or 0 when such a header has no iv (not pointers, too few slots). */
function shapeFor(hd: u64, iv: u32): u64 {
  if (((hd >> 24) & 0x1F) > 5) return 0;
  if (<u64>iv >= (hd >> 56)) return 0; // (a field of 255 stands for 255 slots or more; iv <= 255)
  return hd & SHAPE_MASK & ~(<u64>1 << 23);
}

/** The primitive word of a cache entry for method (primitive index prim, 0 for none) sent to
 *  rcvr under class index ci (a super send's key is its lookup class's, see superKeyOf:
 *  runSista only reads entries keyed by the receiver's own class index, and a shape says only
 *  what a header has). */
export function dispatchWordFor(method: oop, prim: i32, ci: u32, rcvr: oop): u64 {
  if (prim == 0) {
    const h = methodHeader(method);
    if (!hdrIsSista(h)) return word(0, K_GENERIC, 0);
    return newInitWord(method, rcvr, hdrNumArgs(h), K_NEW_INIT);
  }
  if (prim == 256) return word(prim, K_SELF, 0);
  if (prim == 257) return word(prim, K_TRUE, 0);
  if (prim == 258) return word(prim, K_FALSE, 0);
  if (prim == 259) return word(prim, K_NIL, 0);
  if (prim >= 260 && prim <= 263) return word(prim, K_INT, 0);
  const ivar = prim >= 264 && prim <= 519;
  const setter = prim >= SETTER_BASE && prim < SETTER_LIMIT;
  if (ivar || setter) {
    const iv = <u32>(ivar ? prim - 264 : prim - SETTER_BASE);
    const heapClass = ci > LAST_IMMEDIATE_CLASS_INDEX && (ci & 0x80000000) == 0 && ci != contextClassIndex();
    const shape = heapClass && (rcvr & 7) == 0 ? shapeFor(load<u64>(<usize>rcvr), iv) : 0;
    if (shape == 0) return word(prim, K_GENERIC, 0);
    return word(prim, ivar ? K_IVAR : K_SETTER, iv) | shape;
  }
  if (prim >= 201 && prim <= 207 && prim != 206) return word(prim, K_BLOCK, 0);
  if (prim >= 60 && prim <= 63) return word(prim, K_INDEXED, 0);
  if (prim == 70 || prim == 71) return word(prim, K_NEW, 0);
  if (prim == 158 && hdrNumArgs(methodHeader(method)) == 1) return word(prim, K_COMPARE_BYTES, 0);
  if ((prim == 55 || prim == 555) && hdrNumArgs(methodHeader(method)) == 0) return word(prim, K_FLOAT_SQRT, 0);
  const fi = prim >= 541 ? prim - 500 : prim; // the Float primitive index
  if (fi >= 41 && fi <= 50 && prim <= 550 && hdrNumArgs(methodHeader(method)) == 1) return word(prim, K_FLOAT_ARITH, <u32>(fi - 41));
  if ((prim == 51 || prim == 551) && hdrNumArgs(methodHeader(method)) == 0) return word(prim, K_FLOAT_TRUNC, 0);
  if (prim >= 13 && prim <= 16 && hdrNumArgs(methodHeader(method)) == 1) return word(prim, K_INT_ARITH, 0);
  return word(prim, K_GENERIC, 0);
}

/** The primitive index of a primitive word. */
// @ts-ignore: decorator
@inline export function primOfWord(w: u64): i32 { return <i32>(<i64>(w << 8) >> 40); }
/** The dispatch kind of a primitive word. */
// @ts-ignore: decorator
@inline export function kindOfWord(w: u64): u32 { return <u32>w & 0xFF; }
/** The operand of a primitive word. */
// @ts-ignore: decorator
@inline export function operandOfWord(w: u64): usize { return <usize>((w >> 8) & 0xFF); }
/** Whether receiver header hd has the shape in primitive word w (K_IVAR, K_SETTER). */
// @ts-ignore: decorator
@inline export function hasShape(hd: u64, w: u64): bool { return ((hd ^ w) & SHAPE_MASK) == 0; }

/** The primitive words of Array at: (60) and at:put: (61), which runSista's inline at: and
 *  at:put: compare whole. */
export const WORD_AT: u64 = (<u64>60 << 32) | <u64>K_INDEXED;
export const WORD_AT_PUT: u64 = (<u64>61 << 32) | <u64>K_INDEXED;
