// Arbitrary-precision integer arithmetic for the LargeInteger primitives. Operands are unpacked
// from SmallIntegers or LargePositive/NegativeIntegers (magnitude bytes, least significant
// first) into 32-bit limbs in scratch memory; results are packed back into a SmallInteger when
// they fit, else into a normalized Large*Integer (no high zero bytes), as Squeak stores them.

import { allocPages } from "../objmem/pages";
import { oop, isSmallInt, intValue, intOop, isIntValue, isImmediate, formatOf, byteSizeOf, classIndexOfObj } from "../interp/oops";
import { splObj, instantiateClass, classIndexOfClass, SO_CLASS_LARGE_POSITIVE_INTEGER, SO_CLASS_LARGE_NEGATIVE_INTEGER, nilOop } from "../interp/heap";

// Scratch regions, in limbs: A and B operands, Q quotient/result, T work, U dividend copy.
let capLimbs: i32 = 0;
let regA: usize = 0; let regB: usize = 0; let regQ: usize = 0; let regT: usize = 0; let regU: usize = 0;

function ensureCapacity(limbs: i32): bool {
  if (limbs + 4 <= capLimbs) return true;
  let cap = capLimbs == 0 ? 4096 : capLimbs;
  while (cap < limbs + 4) cap <<= 1;
  const bytes = <usize>cap << 2;
  const base = allocPages(bytes * 5);
  if (base == 0) return false;
  regA = base; regB = base + bytes; regQ = base + 2 * bytes; regT = base + 3 * bytes; regU = base + 4 * bytes;
  capLimbs = cap;
  return true;
}

// @ts-ignore: decorator
@inline function limb(p: usize, i: i32): u32 { return load<u32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function setLimb(p: usize, i: i32, v: u32): void { store<u32>(p + (<usize>i << 2), v); }

function normLen(p: usize, n: i32): i32 { while (n > 0 && limb(p, n - 1) == 0) n--; return n; }

export class Big {
  static aNeg: bool = false; static aLen: i32 = 0;
  static bNeg: bool = false; static bLen: i32 = 0;
  static rNeg: bool = false; static rLen: i32 = 0;  // result in regQ
  static remLen: i32 = 0;                             // remainder in regT after divide
}

/** Whether o is a SmallInteger or a LargePositive/NegativeInteger. */
export function isIntegerObject(o: oop): bool {
  if (isSmallInt(o)) return true;
  if (isImmediate(o) || formatOf(o) < 16 || formatOf(o) >= 24) return false;
  const ci = classIndexOfObj(o);
  return ci == classIndexOfClass(splObj(SO_CLASS_LARGE_POSITIVE_INTEGER)) || ci == classIndexOfClass(splObj(SO_CLASS_LARGE_NEGATIVE_INTEGER));
}
export function isLargeNegative(o: oop): bool {
  return !isImmediate(o) && classIndexOfObj(o) == classIndexOfClass(splObj(SO_CLASS_LARGE_NEGATIVE_INTEGER));
}

function limbsNeeded(o: oop): i32 {
  if (isSmallInt(o)) return 2;
  return <i32>((byteSizeOf(o) + 3) >> 2);
}

/** Unpacks o into region p; answers its limb count (normalized); sets neg. */
function unpack(o: oop, p: usize): i32 {
  if (isSmallInt(o)) {
    const v = intValue(o);
    const m: u64 = v < 0 ? <u64>(-v) : <u64>v;
    setLimb(p, 0, <u32>m); setLimb(p, 1, <u32>(m >> 32));
    return normLen(p, 2);
  }
  const n = byteSizeOf(o);
  const nl = <i32>((n + 3) >> 2);
  setLimb(p, nl - 1, 0);
  memory.copy(p, <usize>o + 8, n);
  return normLen(p, nl);
}
function signOf(o: oop): bool { return isSmallInt(o) ? intValue(o) < 0 : isLargeNegative(o); }

/** Loads both operands (a into A, b into B); false when memory for the scratch is missing. */
export function loadOperands(a: oop, b: oop, extra: i32): bool {
  if (!ensureCapacity(limbsNeeded(a) + limbsNeeded(b) + extra + 4)) return false;
  Big.aNeg = signOf(a); Big.aLen = unpack(a, regA);
  Big.bNeg = signOf(b); Big.bLen = unpack(b, regB);
  return true;
}

/** Packs (neg, regQ[0..len)) into an Integer object; 0 when memory ran out. */
export function packResult(neg: bool, p: usize, len: i32): oop {
  len = normLen(p, len);
  if (len == 0) return intOop(0);
  if (len <= 2) {
    const m: u64 = <u64>limb(p, 0) | (len == 2 ? <u64>limb(p, 1) << 32 : 0);
    if (m <= <u64>(1 << 60)) {
      const v: i64 = neg ? -<i64>m : <i64>m;
      if (isIntValue(v)) return intOop(v);
    }
  }
  let bytes = <usize>len << 2;
  const top = limb(p, len - 1);
  if (top < 0x1000000) bytes--;
  if (top < 0x10000) bytes--;
  if (top < 0x100) bytes--;
  const cls = splObj(neg ? SO_CLASS_LARGE_NEGATIVE_INTEGER : SO_CLASS_LARGE_POSITIVE_INTEGER);
  if (cls == nilOop()) return 0;
  const r = instantiateClass(cls, bytes);
  if (r == 0) return 0;
  memory.copy(<usize>r + 8, p, bytes);
  return r;
}

// ---- magnitude operations

function cmpMag(a: usize, na: i32, b: usize, nb: i32): i32 {
  if (na != nb) return na < nb ? -1 : 1;
  for (let i = na - 1; i >= 0; i--) {
    const x = limb(a, i); const y = limb(b, i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/** r = a + b; answers length. r may alias a. */
function addMag(a: usize, na: i32, b: usize, nb: i32, r: usize): i32 {
  if (na < nb) { const t = a; a = b; b = t; const tn = na; na = nb; nb = tn; }
  let carry: u64 = 0;
  for (let i = 0; i < na; i++) {
    const s = <u64>limb(a, i) + (i < nb ? <u64>limb(b, i) : 0) + carry;
    setLimb(r, i, <u32>s); carry = s >> 32;
  }
  setLimb(r, na, <u32>carry);
  return normLen(r, na + 1);
}

/** r = a - b with a >= b; answers length. */
function subMag(a: usize, na: i32, b: usize, nb: i32, r: usize): i32 {
  let borrow: i64 = 0;
  for (let i = 0; i < na; i++) {
    const d = <i64>limb(a, i) - (i < nb ? <i64>limb(b, i) : 0) - borrow;
    setLimb(r, i, <u32>d); borrow = d < 0 ? 1 : 0;
  }
  return normLen(r, na);
}

function mulMag(a: usize, na: i32, b: usize, nb: i32, r: usize): i32 {
  const n = na + nb;
  for (let i = 0; i < n; i++) setLimb(r, i, 0);
  for (let i = 0; i < na; i++) {
    const x = <u64>limb(a, i);
    if (x == 0) continue;
    let carry: u64 = 0;
    for (let j = 0; j < nb; j++) {
      const t = x * <u64>limb(b, j) + <u64>limb(r, i + j) + carry;
      setLimb(r, i + j, <u32>t); carry = t >> 32;
    }
    let k = i + nb;
    while (carry != 0) { const t = <u64>limb(r, k) + carry; setLimb(r, k, <u32>t); carry = t >> 32; k++; }
  }
  return normLen(r, n);
}

/** Knuth D: q = u / v, rem = u mod v (magnitudes; v non-zero). q into regQ, remainder into regT.
 *  u in ua (length m), v in va (length n). Uses regU as the normalized dividend. */
function divMag(ua: usize, m: i32, va: usize, n: i32): void {
  if (cmpMag(ua, m, va, n) < 0) {
    Big.rLen = 0;
    for (let i = 0; i < m; i++) setLimb(regT, i, limb(ua, i));
    Big.remLen = m;
    return;
  }
  if (n == 1) {
    const d = <u64>limb(va, 0);
    let rem: u64 = 0;
    for (let i = m - 1; i >= 0; i--) {
      const cur = (rem << 32) | <u64>limb(ua, i);
      setLimb(regQ, i, <u32>(cur / d)); rem = cur % d;
    }
    Big.rLen = normLen(regQ, m);
    setLimb(regT, 0, <u32>rem);
    Big.remLen = normLen(regT, 1);
    return;
  }
  const s = <u32>clz<u32>(limb(va, n - 1));
  // vn: normalized divisor into regT (n limbs); un: normalized dividend into regU (m+1 limbs)
  const vn = regT; const un = regU;
  for (let i = n - 1; i > 0; i--) setLimb(vn, i, s == 0 ? limb(va, i) : (limb(va, i) << s) | (limb(va, i - 1) >> (32 - s)));
  setLimb(vn, 0, limb(va, 0) << s);
  setLimb(un, m, s == 0 ? 0 : limb(ua, m - 1) >> (32 - s));
  for (let i = m - 1; i > 0; i--) setLimb(un, i, s == 0 ? limb(ua, i) : (limb(ua, i) << s) | (limb(ua, i - 1) >> (32 - s)));
  setLimb(un, 0, limb(ua, 0) << s);
  const vTop = <u64>limb(vn, n - 1);
  const vNext = <u64>limb(vn, n - 2);
  for (let j = m - n; j >= 0; j--) {
    const num = (<u64>limb(un, j + n) << 32) | <u64>limb(un, j + n - 1);
    let qhat = num / vTop;
    let rhat = num % vTop;
    while (qhat >= 0x100000000 || qhat * vNext > ((rhat << 32) | <u64>limb(un, j + n - 2))) {
      qhat--; rhat += vTop;
      if (rhat >= 0x100000000) break;
    }
    let k: i64 = 0;
    for (let i = 0; i < n; i++) {
      const p = qhat * <u64>limb(vn, i);
      const t = <i64>limb(un, i + j) - k - <i64>(p & 0xFFFFFFFF);
      setLimb(un, i + j, <u32>t);
      k = <i64>(p >> 32) - (t >> 32);
    }
    const t = <i64>limb(un, j + n) - k;
    setLimb(un, j + n, <u32>t);
    if (t < 0) {
      qhat--;
      let c: u64 = 0;
      for (let i = 0; i < n; i++) {
        const s2 = <u64>limb(un, i + j) + <u64>limb(vn, i) + c;
        setLimb(un, i + j, <u32>s2); c = s2 >> 32;
      }
      setLimb(un, j + n, <u32>(<u64>limb(un, j + n) + c));
    }
    setLimb(regQ, j, <u32>qhat);
  }
  Big.rLen = normLen(regQ, m - n + 1);
  // remainder = un >> s (n limbs) into regT
  for (let i = 0; i < n; i++) {
    const lo = limb(un, i) >> s;
    const hi = s == 0 ? 0 : limb(un, i + 1) << (32 - s);
    setLimb(regT, i, lo | hi);
  }
  Big.remLen = normLen(regT, n);
}

// ---- signed operations on the loaded operands (A, B); results as Integer objects (0 = no memory)

export function bigAdd(): oop {
  if (Big.aNeg == Big.bNeg) return packResult(Big.aNeg, regQ, addMag(regA, Big.aLen, regB, Big.bLen, regQ));
  const c = cmpMag(regA, Big.aLen, regB, Big.bLen);
  if (c == 0) return intOop(0);
  if (c > 0) return packResult(Big.aNeg, regQ, subMag(regA, Big.aLen, regB, Big.bLen, regQ));
  return packResult(Big.bNeg, regQ, subMag(regB, Big.bLen, regA, Big.aLen, regQ));
}
export function bigSub(): oop { Big.bNeg = !Big.bNeg; return bigAdd(); }
export function bigMul(): oop {
  return packResult(Big.aNeg != Big.bNeg, regQ, mulMag(regA, Big.aLen, regB, Big.bLen, regQ));
}
/** -1, 0, 1 */
export function bigCompare(): i32 {
  const az = Big.aLen == 0; const bz = Big.bLen == 0;
  const an = Big.aNeg && !az; const bn = Big.bNeg && !bz;
  if (an != bn) return an ? -1 : 1;
  const c = cmpMag(regA, Big.aLen, regB, Big.bLen);
  return an ? -c : c;
}
export function bigIsZeroB(): bool { return Big.bLen == 0; }

/** Division flavours: 0 quo (truncate), 1 rem (truncate), 2 // (floor), 3 \\ (floor),
 *  4 / exact (answers 0 with exactFailed set when inexact). */
export let exactFailed = false;
export function bigDivide(kind: i32): oop {
  exactFailed = false;
  divMag(regA, Big.aLen, regB, Big.bLen);
  const qNeg = Big.aNeg != Big.bNeg;
  const remZero = Big.remLen == 0;
  if (kind == 4) {
    if (!remZero) { exactFailed = true; return 0; }
    return packResult(qNeg, regQ, Big.rLen);
  }
  if (kind == 0) return packResult(qNeg, regQ, Big.rLen);
  if (kind == 1) return packResult(Big.aNeg, regT, Big.remLen);
  if (kind == 2) {
    if (qNeg && !remZero) {
      // q = -(|q| + 1)
      setLimb(regQ, Big.rLen, 0);
      let i = 0; let c: u64 = 1;
      while (c != 0) { const s = <u64>limb(regQ, i) + c; setLimb(regQ, i, <u32>s); c = s >> 32; i++; }
      return packResult(true, regQ, Big.rLen + 1);
    }
    return packResult(qNeg, regQ, Big.rLen);
  }
  // floored modulo: sign of the divisor
  if (remZero) return intOop(0);
  if (qNeg) {
    // |b| - |rem| with the sign of b
    const n = subMag(regB, Big.bLen, regT, Big.remLen, regQ);
    return packResult(Big.bNeg, regQ, n);
  }
  return packResult(Big.bNeg, regT, Big.remLen);
}

/** gcd of |a| and |b| (Euclid on magnitudes). */
export function bigGcd(): oop {
  // keep x in A, y in B
  while (Big.bLen != 0) {
    divMag(regA, Big.aLen, regB, Big.bLen);
    // A <- B, B <- rem
    for (let i = 0; i < Big.bLen; i++) setLimb(regA, i, limb(regB, i));
    Big.aLen = Big.bLen;
    for (let i = 0; i < Big.remLen; i++) setLimb(regB, i, limb(regT, i));
    Big.bLen = Big.remLen;
  }
  return packResult(false, regA, Big.aLen);
}

/** a bitShift: k (k from the loaded B must be small; passed separately). */
export function bigShift(k: i64): oop {
  const na = Big.aLen;
  if (na == 0) return intOop(0);
  if (k >= 0) {
    const limbs = <i32>(k >> 5); const bits = <u32>(k & 31);
    if (!ensureCapacity(na + limbs + 2)) return 0;
    for (let i = 0; i < na + limbs + 1; i++) setLimb(regQ, i, 0);
    for (let i = 0; i < na; i++) {
      const v = <u64>limb(regA, i) << bits;
      setLimb(regQ, i + limbs, limb(regQ, i + limbs) | <u32>v);
      setLimb(regQ, i + limbs + 1, <u32>(v >> 32));
    }
    return packResult(Big.aNeg, regQ, na + limbs + 1);
  }
  const sh = -k;
  // floor semantics for negatives: -((|a| - 1) >> sh) - 1
  if (Big.aNeg) {
    setLimb(regT, 0, 1);
    Big.aLen = subMag(regA, na, regT, 1, regA);
  }
  const limbs = sh >> 5; const bits = <u32>(sh & 31);
  let n: i32 = 0;
  if (limbs < <i64>Big.aLen) {
    n = Big.aLen - <i32>limbs;
    for (let i = 0; i < n; i++) {
      const lo = limb(regA, i + <i32>limbs) >> bits;
      const hi = bits == 0 || i + <i32>limbs + 1 >= Big.aLen ? 0 : limb(regA, i + <i32>limbs + 1) << (32 - bits);
      setLimb(regQ, i, lo | hi);
    }
  }
  n = normLen(regQ, n);
  if (Big.aNeg) {
    setLimb(regT, 0, 1);
    setLimb(regQ, n, 0);
    n = addMag(regQ, n, regT, 1, regQ);
    return packResult(true, regQ, n);
  }
  return packResult(false, regQ, n);
}

/** Two's complement bitAnd/bitOr/bitXor (op 0, 1, 2). */
export function bigBitOp(op: i32): oop {
  const n = (Big.aLen > Big.bLen ? Big.aLen : Big.bLen) + 1;
  toTwos(regA, Big.aLen, Big.aNeg, n);
  toTwos(regB, Big.bLen, Big.bNeg, n);
  for (let i = 0; i < n; i++) {
    const x = limb(regA, i); const y = limb(regB, i);
    setLimb(regQ, i, op == 0 ? x & y : op == 1 ? x | y : x ^ y);
  }
  const neg = (limb(regQ, n - 1) >> 31) != 0;
  if (neg) {
    // magnitude = ~r + 1
    let c: u64 = 1;
    for (let i = 0; i < n; i++) { const s = <u64>(~limb(regQ, i)) + c; setLimb(regQ, i, <u32>s); c = s >> 32; }
  }
  return packResult(neg, regQ, n);
}

function toTwos(p: usize, len: i32, neg: bool, n: i32): void {
  for (let i = len; i < n; i++) setLimb(p, i, 0);
  if (!neg) return;
  let c: u64 = 1;
  for (let i = 0; i < n; i++) { const s = <u64>(~limb(p, i)) + c; setLimb(p, i, <u32>s); c = s >> 32; }
}

/** The Integer as a float (correctly rounded to nearest for up to 64 significant bits, then
 *  truncating: adequate for asFloat). */
export function bigToFloat(): f64 {
  let r: f64 = 0;
  for (let i = Big.aLen - 1; i >= 0; i--) r = r * 4294967296.0 + <f64>limb(regA, i);
  return Big.aNeg ? -r : r;
}

/** Loads just one operand into A. */
export function loadOne(a: oop): bool {
  if (!ensureCapacity(limbsNeeded(a) * 2 + 8)) return false;
  Big.aNeg = signOf(a); Big.aLen = unpack(a, regA);
  return true;
}

/** The Integer for a finite float's integer part (truncated), 0 when out of memory. */
export function integerFromFloat(f: f64): oop {
  const t = Math.trunc(f);
  if (t >= -1152921504606846976.0 && t < 1152921504606846976.0) return intOop(<i64>t);
  const neg = t < 0;
  let m = neg ? -t : t;
  const bits = reinterpret<u64>(m);
  const exp = <i32>((bits >> 52) & 0x7FF) - 1075;
  const mant = (bits & 0xFFFFFFFFFFFFF) | 0x10000000000000;
  // m = mant * 2^exp with exp > 0 here
  const limbs = (exp >> 5) + 3;
  if (!ensureCapacity(limbs + 4)) return 0;
  setLimb(regA, 0, <u32>mant); setLimb(regA, 1, <u32>(mant >> 32));
  Big.aLen = normLen(regA, 2); Big.aNeg = neg;
  return bigShift(<i64>exp);
}

export { regA, regB, regQ };
