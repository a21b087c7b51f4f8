// Numeric primitives: SmallInteger 1-17, Integer (full precision, any mix of SmallInteger and
// LargeInteger operands) 20-37, Float 38-59 (BoxedFloat64, SmallFloat64 receivers alike) and the
// SmallFloat64 set 541-559, gcd, highBit.

import { R } from "../interp/registers";
import {
  oop, isSmallInt, intValue, intOop, isIntValue, isImmediate, isSmallFloat, smallFloatValue,
  smallFloatOop, classIndexOfObj, formatOf, numSlotsOf,
} from "../interp/oops";
import { splObj, instantiateClass, classIndexOfClass, SO_CLASS_FLOAT, SO_CLASS_POINT, nilOop, storePtr } from "../interp/heap";
import { rcvr, arg, ret, retBool, retInt, fail, failReceiver, failArgument, failMemory } from "./support";
import { ERR_BAD_ARGUMENT, ERR_BAD_RECEIVER, ERR_INAPPROPRIATE, POINT_X, POINT_Y } from "../interp/layout";
import {
  isIntegerObject, loadOperands, loadOne, bigAdd, bigSub, bigMul, bigCompare, bigDivide, exactFailed,
  bigGcd, bigShift, bigBitOp, bigToFloat, bigIsZeroB, integerFromFloat, Big,
} from "./bignum";

// ---- SmallInteger (1-17): both operands SmallIntegers, result a SmallInteger, else fail

export function floorDiv(x: i64, y: i64): i64 { let q = x / y; if ((x % y != 0) && ((x ^ y) < 0)) q -= 1; return q; }
export function floorMod(x: i64, y: i64): i64 { let m = x % y; if (m != 0 && ((m ^ y) < 0)) m += y; return m; }

export function primSmallInt(index: i32): bool {
  const a = rcvr(); const b = arg(0);
  if (!isSmallInt(a)) return failReceiver();
  if (!isSmallInt(b)) return failArgument();
  const x = intValue(a); const y = intValue(b);
  let r: i64 = 0;
  switch (index) {
    case 1: r = x + y; break;
    case 2: r = x - y; break;
    case 3: return retBool(x < y);
    case 4: return retBool(x > y);
    case 5: return retBool(x <= y);
    case 6: return retBool(x >= y);
    case 7: return retBool(x == y);
    case 8: return retBool(x != y);
    case 9: {
      const p = x * y;
      if (x != 0 && p / x != y) return fail(ERR_INAPPROPRIATE);
      r = p; break;
    }
    case 10: if (y == 0 || x % y != 0) return fail(ERR_INAPPROPRIATE); r = x / y; break;
    case 11: if (y == 0) return fail(ERR_INAPPROPRIATE); r = floorMod(x, y); break;
    case 12: if (y == 0) return fail(ERR_INAPPROPRIATE); r = floorDiv(x, y); break;
    case 13: if (y == 0) return fail(ERR_INAPPROPRIATE); r = x / y; break;
    case 14: r = x & y; break;
    case 15: r = x | y; break;
    case 16: r = x ^ y; break;
    case 17: {
      if (y >= 0) {
        if (y > 62) { if (x != 0) return fail(ERR_INAPPROPRIATE); r = 0; }
        else { r = x << y; if ((r >> y) != x) return fail(ERR_INAPPROPRIATE); }
      } else r = y < -63 ? (x < 0 ? -1 : 0) : x >> (-y);
      break;
    }
    default: return fail(ERR_INAPPROPRIATE);
  }
  if (!isIntValue(r)) return fail(ERR_INAPPROPRIATE);
  return retInt(r);
}

/** 18: x @ y */
export function primMakePoint(): bool {
  const cls = splObj(SO_CLASS_POINT);
  if (cls == nilOop()) return fail(ERR_INAPPROPRIATE);
  const p = instantiateClass(cls, 0);
  if (p == 0) return failMemory();
  storePtr(p, POINT_X, rcvr());
  storePtr(p, POINT_Y, arg(0));
  return ret(p);
}

// ---- Integers of any size (20-37)

function retOrMemory(r: oop): bool { return r == 0 ? failMemory() : ret(r); }

export function primInteger(index: i32): bool {
  const a = rcvr(); const b = arg(0);
  if (!isIntegerObject(a)) return failReceiver();
  if (index == 37) {
    if (!isSmallInt(b)) return failArgument();
    const k = intValue(b);
    if (k > (1 << 24)) return fail(ERR_BAD_ARGUMENT);
    if (!loadOne(a)) return failMemory();
    return retOrMemory(bigShift(k));
  }
  if (!isIntegerObject(b)) return failArgument();
  if (!loadOperands(a, b, 2)) return failMemory();
  switch (index) {
    case 21: return retOrMemory(bigAdd());
    case 22: return retOrMemory(bigSub());
    case 23: return retBool(bigCompare() < 0);
    case 24: return retBool(bigCompare() > 0);
    case 25: return retBool(bigCompare() <= 0);
    case 26: return retBool(bigCompare() >= 0);
    case 27: return retBool(bigCompare() == 0);
    case 28: return retBool(bigCompare() != 0);
    case 29: return retOrMemory(bigMul());
    case 20: case 30: case 31: case 32: case 33: {
      if (bigIsZeroB()) return fail(ERR_INAPPROPRIATE);
      const kind = index == 33 ? 0 : index == 20 ? 1 : index == 32 ? 2 : index == 31 ? 3 : 4;
      const r = bigDivide(kind);
      if (r == 0) return exactFailed ? fail(ERR_INAPPROPRIATE) : failMemory();
      return ret(r);
    }
    case 34: return retOrMemory(bigBitOp(0));
    case 35: return retOrMemory(bigBitOp(1));
    case 36: return retOrMemory(bigBitOp(2));
  }
  return fail(ERR_INAPPROPRIATE);
}

/** gcd: of two Integers (Xenolith named primitive and LargeIntegers' primDigitGCD-like). */
export function primGcd(): bool {
  const a = rcvr(); const b = arg(0);
  if (!isIntegerObject(a)) return failReceiver();
  if (!isIntegerObject(b)) return failArgument();
  if (isSmallInt(a) && isSmallInt(b)) {
    let x = intValue(a); let y = intValue(b);
    if (x < 0) x = -x; if (y < 0) y = -y;
    while (y != 0) { const t = x % y; x = y; y = t; }
    if (isIntValue(x)) return retInt(x);
  }
  if (!loadOperands(a, b, 2)) return failMemory();
  return retOrMemory(bigGcd());
}

/** highBit of a positive Integer. */
export function primHighBit(): bool {
  const a = rcvr();
  if (isSmallInt(a)) {
    const v = intValue(a);
    if (v < 0) return failReceiver();
    return retInt(v == 0 ? 0 : 64 - <i64>clz<i64>(v));
  }
  if (!isIntegerObject(a)) return failReceiver();
  if (!loadOne(a)) return failMemory();
  if (Big.aNeg) return failReceiver();
  return retInt(<i64>bigHighBit());
}
import { regA } from "./bignum";
function bigHighBit(): i32 {
  if (Big.aLen == 0) return 0;
  const top = load<u32>(regA + (<usize>(Big.aLen - 1) << 2));
  return (Big.aLen - 1) * 32 + (32 - <i32>clz<u32>(top));
}

// ---- Floats

let floatClassIndex: u32 = 0;
export function initFloatPrims(): void {
  const cls = splObj(SO_CLASS_FLOAT);
  floatClassIndex = cls == nilOop() ? 0xFFFFFFFF : classIndexOfClass(cls);
}
export function isBoxedFloat(o: oop): bool { return !isImmediate(o) && classIndexOfObj(o) == floatClassIndex; }
export function isFloatObject(o: oop): bool { return isSmallFloat(o) || isBoxedFloat(o); }
export function floatValueOf(o: oop): f64 { return isSmallFloat(o) ? smallFloatValue(o) : load<f64>(<usize>o + 8); }

/** A Float object for f (immediate when possible), 0 when out of memory. */
export function floatObject(f: f64): oop {
  const s = smallFloatOop(f);
  if (s != 0) return s;
  const b = instantiateClass(splObj(SO_CLASS_FLOAT), 2);
  if (b == 0) return 0;
  store<f64>(<usize>b + 8, f);
  return b;
}

let okFloat = true;
/** A float operand: Float or SmallInteger (mixed arithmetic), LargeInteger too. */
function floatArg(o: oop): f64 {
  if (isSmallFloat(o)) return smallFloatValue(o);
  if (isSmallInt(o)) return <f64>intValue(o);
  if (isBoxedFloat(o)) return load<f64>(<usize>o + 8);
  okFloat = false;
  return 0;
}

function retFloat(f: f64): bool { const o = floatObject(f); return o == 0 ? failMemory() : ret(o); }

/** 38 Float basicAt: (1 = most significant 32 bits), 39 basicAt:put: */
export function primFloatAt(put: bool): bool {
  const r = rcvr(); const i = arg(0);
  if (!isBoxedFloat(r)) return failReceiver();
  if (!isSmallInt(i) || intValue(i) < 1 || intValue(i) > 2) return fail(4);
  const off: usize = intValue(i) == 1 ? 4 : 0;
  if (!put) return retInt(<i64>load<u32>(<usize>r + 8 + off));
  const v = arg(1);
  if (!isSmallInt(v) || intValue(v) < 0 || intValue(v) > 0xFFFFFFFF) return failArgument();
  store<u32>(<usize>r + 8 + off, <u32>intValue(v));
  return ret(v);
}

/** 40 SmallInteger asFloat (and LargeInteger asFloat via the same number on Integer). */
export function primAsFloat(): bool {
  const a = rcvr();
  if (isSmallInt(a)) return retFloat(<f64>intValue(a));
  if (isIntegerObject(a)) { if (!loadOne(a)) return failMemory(); return retFloat(bigToFloat()); }
  return failReceiver();
}

/** 41-59 on Floats; also 541-559 (index - 500) for SmallFloat64 receivers. */
export function primFloat(index: i32): bool {
  const a = rcvr();
  if (!isFloatObject(a)) return failReceiver();
  const x = floatValueOf(a);
  if (index >= 41 && index <= 50) {
    okFloat = true;
    const y = floatArg(arg(0));
    if (!okFloat) return failArgument();
    switch (index) {
      case 41: return retFloat(x + y);
      case 42: return retFloat(x - y);
      case 43: return retBool(x < y);
      case 44: return retBool(x > y);
      case 45: return retBool(x <= y);
      case 46: return retBool(x >= y);
      case 47: return retBool(x == y);
      case 48: return retBool(x != y);
      case 49: return retFloat(x * y);
      case 50: if (y == 0) return fail(ERR_INAPPROPRIATE); return retFloat(x / y);
    }
  }
  switch (index) {
    case 51: {
      if (!isFinite(x)) return fail(ERR_INAPPROPRIATE);
      const r = integerFromFloat(x);
      return r == 0 ? failMemory() : ret(r);
    }
    case 52: { if (!isFinite(x)) return isNaN(x) ? retFloat(x) : retFloat(0); return retFloat(x - Math.trunc(x)); }
    case 53: {
      if (x == 0 || !isFinite(x)) return fail(ERR_INAPPROPRIATE);
      const bits = reinterpret<u64>(x);
      const e = <i32>((bits >> 52) & 0x7FF);
      if (e == 0) { // subnormal
        const m = bits & 0xFFFFFFFFFFFFF;
        return retInt(<i64>(-1011 - <i32>clz<u64>(m)));
      }
      return retInt(<i64>(e - 1023));
    }
    case 54: {
      const k = arg(0);
      if (!isSmallInt(k)) return failArgument();
      let n = intValue(k);
      if (n > 2100) n = 2100; if (n < -2100) n = -2100;
      let r = x;
      // scale in steps that stay representable
      while (n > 1000) { r *= reinterpret<f64>(<u64>(1023 + 1000) << 52); n -= 1000; }
      while (n < -1000) { r *= reinterpret<f64>(<u64>(1023 - 1000) << 52); n += 1000; }
      r *= reinterpret<f64>(<u64>(1023 + n) << 52);
      return retFloat(r);
    }
    case 55: return retFloat(Math.sqrt(x));
    case 56: return retFloat(Math.sin(x));
    case 57: return retFloat(Math.atan(x));
    case 58: return retFloat(Math.log(x));
    case 59: return retFloat(Math.exp(x));
  }
  return fail(ERR_INAPPROPRIATE);
}

export { R, numSlotsOf, formatOf, ERR_BAD_RECEIVER };
