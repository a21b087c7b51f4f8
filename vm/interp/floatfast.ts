// The SmallFloat64 fast path of the arithmetic special selectors (+ - < > <= >= = ~= * /), tried by
// the interpreter after its SmallInteger path. Operands: two SmallFloat64s, or one SmallFloat64 and
// one SmallInteger small enough (|v| <= 2^53) to convert exactly, which is what primitives 41-50 /
// 541-550 and the image's Integer coercion (asFloat, then the Float primitive) both compute.
// Anything else answers 0 and the interpreter sends: boxed operands, results with no SmallFloat64
// form (the primitive boxes those, infinities and NaNs included) and division by zero (ZeroDivide).
// The same operations as primitives sent by name (SOM's //, truncated, sqrt) run from the method
// cache (dispatch.ts K_FLOAT_ARITH, K_FLOAT_TRUNC, K_FLOAT_SQRT) with the primitive's own rules.

import { oop, intValue, intOop, smallFloatValue, smallFloatOop } from "./oops";
import { trueOop, falseOop } from "./heap";

const EXACT_INT: i64 = <i64>1 << 53;

// @ts-ignore: decorator
@inline function isExactSmallInt(o: oop): bool {
  if ((o & 7) != 1) return false;
  const v = intValue(o);
  return v >= -EXACT_INT && v <= EXACT_INT;
}

// @ts-ignore: decorator
@inline function boolOop(c: bool): oop { return c ? trueOop() : falseOop(); }

/** Operation k (0 + 1 - 2 < 3 > 4 <= 5 >= 6 = 7 ~= 8 * 9 /) on two doubles, or 0 for a zero
 *  divisor (ZeroDivide is the image's to signal). Inlined: a constant k folds the switch. */
// @ts-ignore: decorator
@inline function floatResult(k: i32, x: f64, y: f64): oop {
  switch (k) {
    case 0: return smallFloatOop(x + y);
    case 1: return smallFloatOop(x - y);
    case 2: return boolOop(x < y);
    case 3: return boolOop(x > y);
    case 4: return boolOop(x <= y);
    case 5: return boolOop(x >= y);
    case 6: return boolOop(x == y);
    case 7: return boolOop(x != y);
    case 8: return smallFloatOop(x * y);
    case 9: return y == 0 ? 0 : smallFloatOop(x / y);
  }
  return 0;
}

/** The result of special selector k (0 + 1 - 2 < 3 > 4 <= 5 >= 6 = 7 ~= 8 * 9 /) on a and b, or 0
 *  when the send must run instead. Inlined: the bytecode cases pass a constant k. */
// @ts-ignore: decorator
@inline export function floatSpecial(k: i32, a: oop, b: oop): oop {
  let x: f64; let y: f64;
  if ((a & 7) == 4) {
    x = smallFloatValue(a);
    if ((b & 7) == 4) y = smallFloatValue(b);
    else if (isExactSmallInt(b)) y = <f64>intValue(b);
    else return 0;
  } else if ((b & 7) == 4 && isExactSmallInt(a)) {
    x = <f64>intValue(a); y = smallFloatValue(b);
  } else return 0;
  return floatResult(<i32>k, x, y);
}

/** sqrt (primitives 55, 555) of a SmallFloat64 whose root has a SmallFloat64 form (NaN, for a
 *  negative receiver, has none: the primitive boxes it), else 0 and the primitive runs. */
// @ts-ignore: decorator
@inline export function floatSqrtFast(a: oop): oop {
  if ((a & 7) != 4) return 0;
  return smallFloatOop(Math.sqrt(smallFloatValue(a)));
}

/** Float primitive k (0 + 1 - 2 < 3 > 4 <= 5 >= 6 = 7 ~= 8 * 9 /: primitives 41-50, 541-550) of a
 *  SmallFloat64 receiver a and argument b, as the primitive computes it (prims/arith.ts
 *  primFloat: a SmallInteger argument of any size converts to the nearest double), or 0 when the
 *  primitive must run: a boxed operand, a result with no SmallFloat64 form, a zero divisor. */
export function floatPrimFast(k: u32, a: oop, b: oop): oop {
  if ((a & 7) != 4) return 0;
  const x = smallFloatValue(a);
  let y: f64;
  if ((b & 7) == 4) y = smallFloatValue(b);
  else if ((b & 7) == 1) y = <f64>intValue(b);
  else return 0;
  return floatResult(<i32>k, x, y);
}

const SMALL_INT_LIMIT: f64 = 1152921504606846976.0; // 2^60

/** truncated (primitives 51, 551) of a SmallFloat64 (always finite) whose integer part is a
 *  SmallInteger, else 0 and the primitive runs (it answers a LargeInteger). */
export function floatTruncatedFast(a: oop): oop {
  if ((a & 7) != 4) return 0;
  const t = Math.trunc(smallFloatValue(a));
  if (t >= -SMALL_INT_LIMIT && t < SMALL_INT_LIMIT) return intOop(<i64>t);
  return 0;
}
