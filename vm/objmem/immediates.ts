// Immediate objects of 64-bit Spur: SmallInteger (tag 1, 61 bits), Character (tag 2) and
// SmallFloat64 (tag 4: [8 exp][52 mantissa][1 sign][3 tag], exponent offset 896, ±0 special).

import {
  oop, TAG_MASK, SMALLINT_TAG, CHARACTER_TAG, SMALLFLOAT_TAG, SMALLINT_MIN, SMALLINT_MAX,
  CHARACTER_MAX, SMALLFLOAT_EXPONENT_OFFSET, SMALLFLOAT_MANTISSA_BITS,
} from "./constants";

// @ts-ignore: decorator
@inline export function isImmediate(o: oop): bool { return (o & TAG_MASK) != 0; }
// @ts-ignore: decorator
@inline export function isNonImmediate(o: oop): bool { return (o & TAG_MASK) == 0; }
// @ts-ignore: decorator
@inline export function isSmallInteger(o: oop): bool { return (o & TAG_MASK) == SMALLINT_TAG; }
// @ts-ignore: decorator
@inline export function isCharacter(o: oop): bool { return (o & TAG_MASK) == CHARACTER_TAG; }
// @ts-ignore: decorator
@inline export function isSmallFloat(o: oop): bool { return (o & TAG_MASK) == SMALLFLOAT_TAG; }

/** True when v fits a SmallInteger (-2^60 .. 2^60-1). */
// @ts-ignore: decorator
@inline export function isIntegerValue(v: i64): bool { return v >= SMALLINT_MIN && v <= SMALLINT_MAX; }
/** Encode v; the caller checks isIntegerValue first (out-of-range values lose their top bits). */
// @ts-ignore: decorator
@inline export function smallIntegerOop(v: i64): oop { return (<u64>v << 3) | SMALLINT_TAG; }
/** Encode v, or answer 0 when it is out of range. */
export function smallIntegerOopChecked(v: i64): oop { return isIntegerValue(v) ? (<u64>v << 3) | SMALLINT_TAG : 0; }
// @ts-ignore: decorator
@inline export function smallIntegerValue(o: oop): i64 { return <i64>o >> 3; }

// @ts-ignore: decorator
@inline export function isCharacterValue(v: i64): bool { return v >= 0 && v <= <i64>CHARACTER_MAX; }
// @ts-ignore: decorator
@inline export function characterOop(code: u32): oop { return (<u64>code << 3) | CHARACTER_TAG; }
// @ts-ignore: decorator
@inline export function characterValue(o: oop): u32 { return <u32>(o >> 3); }

/** True when f has a SmallFloat64 encoding: ±0, or a biased exponent in 897..1151 (this
 *  excludes denormals, infinities, NaNs and very large or small magnitudes, which are boxed). */
export function isSmallFloatValue(f: f64): bool {
  const raw = reinterpret<u64>(f);
  const exponent = (raw >> SMALLFLOAT_MANTISSA_BITS) & 0x7FF;
  if (exponent > SMALLFLOAT_EXPONENT_OFFSET) return exponent <= 255 + SMALLFLOAT_EXPONENT_OFFSET;
  if ((raw & ((<u64>1 << SMALLFLOAT_MANTISSA_BITS) - 1)) == 0) return exponent == 0;
  return exponent == SMALLFLOAT_EXPONENT_OFFSET;
}

/** Encode f (caller checks isSmallFloatValue). */
export function smallFloatOop(f: f64): oop {
  let rot = rotl<u64>(reinterpret<u64>(f), 1);
  if (rot > 1) rot -= SMALLFLOAT_EXPONENT_OFFSET << (SMALLFLOAT_MANTISSA_BITS + 1);
  return (rot << 3) | SMALLFLOAT_TAG;
}
/** Encode f, or answer 0 when it has no SmallFloat64 form. */
export function smallFloatOopChecked(f: f64): oop { return isSmallFloatValue(f) ? smallFloatOop(f) : 0; }

export function smallFloatValue(o: oop): f64 {
  let rot = o >> 3;
  if (rot > 1) rot += SMALLFLOAT_EXPONENT_OFFSET << (SMALLFLOAT_MANTISSA_BITS + 1);
  return reinterpret<f64>(rotr<u64>(rot, 1));
}
