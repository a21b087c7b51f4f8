// The SmallFloat64 fast path of the arithmetic special selectors (+ - < > <= >= = ~= * /), tried by
// the interpreter after its SmallInteger path. Operands: two SmallFloat64s, or one SmallFloat64 and
// one SmallInteger small enough (|v| <= 2^53) to convert exactly, which is what primitives 41-50 /
// 541-550 and the image's Integer coercion (asFloat, then the Float primitive) both compute.
// Anything else answers 0 and the interpreter sends: boxed operands, results with no SmallFloat64
// form (the primitive boxes those, infinities and NaNs included) and division by zero (ZeroDivide).

import { oop, intValue, smallFloatValue, smallFloatOop } from "./oops";
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
