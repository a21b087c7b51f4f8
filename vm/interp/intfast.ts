// SmallInteger primitives sent by name rather than by a special selector bytecode (quo: 13,
// bitAnd: 14, bitOr: 15, bitXor: 16: Richards' bitXor: and SOM's quo:-based /), run from the
// method cache (dispatch.ts K_INT_ARITH) as prims/arith.ts primSmallInt computes them; 0 when the
// primitive must run (and fail, into the method body): a non-SmallInteger operand, a zero
// divisor, a quotient with no SmallInteger form.

import { oop, intValue, intOop, isIntValue, areSmallInts } from "./oops";

/** Primitive index (13-16) on SmallIntegers a and b, or 0. */
export function intPrimFast(index: u32, a: oop, b: oop): oop {
  if (!areSmallInts(a, b)) return 0;
  switch (index) {
    case 13: {
      const y = intValue(b);
      if (y == 0) return 0;
      const q = intValue(a) / y;
      return isIntValue(q) ? intOop(q) : 0;
    }
    case 14: return a & b;         // the tags stay 1
    case 15: return a | b;
    case 16: return (a ^ b) | 1;   // the tags cancel: put one back
  }
  return 0;
}
