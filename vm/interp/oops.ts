// Oop helpers the interpreter and the primitives use on every bytecode: immediates (SmallInteger,
// Character, SmallFloat64) and fast header reads of heap objects. Everything that allocates,
// stores with a write barrier or consults the class table goes through vm/objmem (heap.ts here
// re-exports what we use), so the GC's invariants stay in one place.

import { oop } from "../objmem/constants";
export { oop } from "../objmem/constants";

// ---- SmallInteger (tag 1, 61-bit two's complement)
export const MIN_SMALLINT: i64 = -(<i64>1 << 60);
export const MAX_SMALLINT: i64 = (<i64>1 << 60) - 1;

// @ts-ignore: decorator
@inline export function isImmediate(o: oop): bool { return (o & 7) != 0; }
// @ts-ignore: decorator
@inline export function isSmallInt(o: oop): bool { return (o & 7) == 1; }
// @ts-ignore: decorator
@inline export function intValue(o: oop): i64 { return (<i64>o) >> 3; }
// @ts-ignore: decorator
@inline export function intOop(v: i64): oop { return (<u64>v << 3) | 1; }
// @ts-ignore: decorator
@inline export function isIntValue(v: i64): bool { return (v << 3) >> 3 == v; } // fits 61 bits: one compare, no select
// @ts-ignore: decorator
@inline export function areSmallInts(a: oop, b: oop): bool { return (((a ^ 1) | (b ^ 1)) & 7) == 0; } // both tags 001

// ---- Character (tag 2)
// @ts-ignore: decorator
@inline export function isCharacter(o: oop): bool { return (o & 7) == 2; }
// @ts-ignore: decorator
@inline export function charValue(o: oop): u32 { return <u32>(o >> 3); }
// @ts-ignore: decorator
@inline export function charOop(v: u32): oop { return (<u64>v << 3) | 2; }

// ---- SmallFloat64 (tag 4): [8 exp][52 mantissa][1 sign][3 tag], exponent offset 896
// @ts-ignore: decorator
@inline export function isSmallFloat(o: oop): bool { return (o & 7) == 4; }

// @ts-ignore: decorator
@inline export function smallFloatValue(o: oop): f64 {
  let bits = o >> 3;                       // [exp 8][mantissa 52][sign 1]
  if (bits <= 1) {                          // +0.0 (0) or -0.0 (1)
    return reinterpret<f64>(bits << 63);
  }
  const sign = bits & 1;
  bits = (bits >> 1) + (<u64>896 << 52);
  return reinterpret<f64>(bits | (sign << 63));
}

/** The SmallFloat64 for f, or 0 when f is out of the immediate range (then box it). */
// @ts-ignore: decorator
@inline export function smallFloatOop(f: f64): oop {
  const raw = reinterpret<u64>(f);
  const sign = raw >> 63;
  const rest = raw & 0x7FFFFFFFFFFFFFFF;
  if (rest == 0) return (sign << 3) | 4;
  const exp = rest >> 52;
  if (exp <= 896 || exp >= 1152) return 0;
  const biased = rest - (<u64>896 << 52);
  return (((biased << 1) | sign) << 3) | 4;
}

// ---- heap object headers (oop = address of the base header word)
// @ts-ignore: decorator
@inline export function header(o: oop): u64 { return load<u64>(<usize>o); }
// @ts-ignore: decorator
@inline export function classIndexOfObj(o: oop): u32 { return <u32>(load<u64>(<usize>o) & 0x3FFFFF); }
// @ts-ignore: decorator
@inline export function formatOf(o: oop): u32 { return <u32>((load<u64>(<usize>o) >> 24) & 0x1F); }
// @ts-ignore: decorator
@inline export function isImmutableObj(o: oop): bool { return (load<u64>(<usize>o) & (1 << 23)) != 0; }

/** Slot count from the header (following the overflow word when numSlots is 255). */
// @ts-ignore: decorator
@inline export function numSlotsOf(o: oop): usize {
  const n = <usize>(load<u64>(<usize>o) >> 56);
  return n == 255 ? <usize>(load<u64>(<usize>o - 8) & 0x00FFFFFFFFFFFFFF) : n;
}
// @ts-ignore: decorator
@inline export function slotAddr(o: oop, i: usize): usize { return <usize>o + 8 + (i << 3); }
// @ts-ignore: decorator
@inline export function fetchSlot(o: oop, i: usize): oop { return load<u64>(<usize>o + 8 + (i << 3)); }
// @ts-ignore: decorator
@inline export function firstByteAddr(o: oop): usize { return <usize>o + 8; }

/** Class index of any oop, immediates included (1 SmallInteger, 2 Character, 4 SmallFloat64). */
// @ts-ignore: decorator
@inline export function classIndexOf(o: oop): u32 {
  const tag = <u32>(o & 7);
  return tag != 0 ? tag : classIndexOfObj(o);
}

// ---- formats
// @ts-ignore: decorator
@inline export function isPointersFormat(f: u32): bool { return f <= 5; }
// @ts-ignore: decorator
@inline export function isBytesFormat(f: u32): bool { return f >= 16; }
// @ts-ignore: decorator
@inline export function isCompiledMethodFormat(f: u32): bool { return f >= 24; }

/** Number of indexable elements (bytes, shorts, words, longs or pointers past the fixed part)
 *  of a non-immediate given its fixed slot count. */
export function indexableSize(o: oop, fixed: usize): usize {
  const f = formatOf(o);
  const n = numSlotsOf(o);
  if (f <= 5) return f == 2 || f == 3 || f == 4 ? n - fixed : 0;
  if (f == 9) return n;
  if (f >= 10 && f <= 11) return (n << 1) - (f - 10);
  if (f >= 12 && f <= 15) return (n << 2) - (f - 12);
  if (f >= 16) return (n << 3) - (f & 7);
  return 0;
}

/** Bytes of a byte object (format 16-31: strings, byte arrays, large integers, methods). */
// @ts-ignore: decorator
@inline export function byteSizeOf(o: oop): usize {
  return (numSlotsOf(o) << 3) - (formatOf(o) & 7);
}
