// Object access primitives: at:/at:put:/size (60-64), objectAt: (68/69), basicNew(:) (70/71),
// instVarAt:(put:) (73/74, 173/174), identityHash (75), ==/~~/class (110/169/111), become
// (72/128/248/249), replaceFrom:to:with:startingAt: (105), constantFill: (145), shallowCopy
// (148), Character value: / asInteger (170/171). Heap enumeration (77/78, 138/139, 177/178) is
// in enumeration.ts.

import {
  oop, isSmallInt, intValue, intOop, isImmediate, isCharacter, charValue, charOop, formatOf, numSlotsOf,
  fetchSlot, classIndexOf, classIndexOfObj, isImmutableObj, byteSizeOf, isSmallFloat,
} from "../interp/oops";
import {
  nilOop, splObj, classAtIndex, classOfOop, storePtr, instantiateClass, hashOf, classIndexOfClass, methodHeader,
  SO_CLASS_LARGE_POSITIVE_INTEGER,
} from "../interp/heap";
import { CLASS_FORMAT, hdrNumLiterals, ERR_BAD_INDEX, ERR_NO_MODIFICATION, ERR_INAPPROPRIATE, ERR_BAD_ARGUMENT, ERR_NO_MEMORY } from "../interp/layout";
import { isContext, contextFetch, contextStore, frameOfContext, isMarriedOrWidowed } from "../interp/frames";
import { resumeAfterDivorce } from "../interp/interpreter";
import { rcvr, arg, ret, retBool, retInt, fail, failReceiver, failArgument, failIndex, failMemory } from "./support";
import {
  allocateSlots, noteStoresInto, becomeForward, becomeTwoWay, BECOME_OK, MAX_OBJECT_BYTES,
  instSizeOfClass, storeLong64, fetchLong64,
} from "../objmem/index";
import { publishStackRoots, fullCollect } from "../interp/scheduler";
import { packResult, isIntegerObject, loadOne, Big, regA } from "./bignum";

/** Number of fixed (named) slots of o according to its class. */
export function fixedFieldsOf(o: oop): usize {
  const f = formatOf(o);
  if (f == 0 || f == 2 || f >= 9) return f == 0 ? 0 : (f == 2 ? 0 : 0);
  if (f == 1 || f == 5) return numSlotsOf(o);
  // 3 and 4: from the class format
  const cls = classOfOop(o);
  if (cls == nilOop()) return 0;
  const n = instSizeOfClass(cls);
  return n < 0 ? 0 : <usize>n;
}

/** Indexable element count (bytes, shorts, words, longs, slots after the fixed part). */
export function indexableCount(o: oop): usize {
  const f = formatOf(o);
  const n = numSlotsOf(o);
  if (f <= 5) return f == 2 ? n : (f == 3 || f == 4) ? n - fixedFieldsOf(o) : 0;
  if (f == 9) return n;
  if (f <= 11) return (n << 1) - <usize>(f & 1);
  if (f <= 15) return (n << 2) - <usize>(f & 3);
  return (n << 3) - <usize>(f & 7);
}

function firstByteIndexOfMethod(m: oop): usize { return (<usize>hdrNumLiterals(methodHeader(m)) + 1) << 3; }

/** Element i (0-based, indexable part) of o as an oop; 0 when out of range. */
function elementAt(o: oop, i: usize, asChar: bool): oop {
  const f = formatOf(o);
  if (f <= 5) {
    if (i >= indexableCount(o)) return 0;
    return fetchSlot(o, fixedFieldsOf(o) + i);
  }
  if (i >= indexableCount(o)) return 0;
  const a = <usize>o + 8;
  if (f >= 24) {
    if (i < firstByteIndexOfMethod(o)) return 0;
    return intOop(<i64>load<u8>(a + i));
  }
  if (f >= 16) { const b = <u32>load<u8>(a + i); return asChar ? charOop(b) : intOop(<i64>b); }
  if (f >= 12) return intOop(<i64>load<u16>(a + (i << 1)));
  if (f >= 10) { const w = load<u32>(a + (i << 2)); return asChar ? charOop(w) : intOop(<i64>w); }
  // 64-bit
  const v = load<u64>(a + (i << 3));
  if (v < (<u64>1 << 60)) return intOop(<i64>v);
  // unsigned 64-bit value as a LargePositiveInteger
  const scratch = memory.data(16);
  store<u64>(scratch, v); store<u64>(scratch, 0, 8);
  return packResult(false, scratch, 2);
}

/** Stores element i; answers a failure code (0 on success). */
function elementAtPut(o: oop, i: usize, v: oop, asChar: bool): i32 {
  const f = formatOf(o);
  if (i >= indexableCount(o)) return ERR_BAD_INDEX;
  if (isImmutableObj(o)) return ERR_NO_MODIFICATION;
  if (f <= 5) { storePtr(o, fixedFieldsOf(o) + i, v); return 0; }
  const a = <usize>o + 8;
  let val: i64;
  if (asChar) { if (!isCharacter(v)) return ERR_BAD_ARGUMENT; val = <i64>charValue(v); }
  else if (isSmallInt(v)) val = intValue(v);
  else if (isCharacter(v) && f >= 10 && f < 12) val = <i64>charValue(v);
  else if (f == 9 && isIntegerObject(v)) {
    if (!loadOne(v) || Big.aNeg || Big.aLen > 2) return ERR_BAD_ARGUMENT;
    store<u64>(a + (i << 3), <u64>load<u32>(regA) | (Big.aLen > 1 ? <u64>load<u32>(regA + 4) << 32 : 0));
    return 0;
  }
  else return ERR_BAD_ARGUMENT;
  if (f >= 24) {
    if (i < firstByteIndexOfMethod(o)) return ERR_BAD_INDEX;
    if (val < 0 || val > 255) return ERR_BAD_ARGUMENT;
    store<u8>(a + i, <u8>val); return 0;
  }
  if (f >= 16) { if (val < 0 || val > 255) return ERR_BAD_ARGUMENT; store<u8>(a + i, <u8>val); return 0; }
  if (f >= 12) { if (val < 0 || val > 0xFFFF) return ERR_BAD_ARGUMENT; store<u16>(a + (i << 1), <u16>val); return 0; }
  if (f >= 10) { if (val < 0 || val > 0xFFFFFFFF) return ERR_BAD_ARGUMENT; store<u32>(a + (i << 2), <u32>val); return 0; }
  if (val < 0) return ERR_BAD_ARGUMENT;
  store<u64>(a + (i << 3), <u64>val);
  return 0;
}

/** 60/63 at:, 61/64 at:put: (asChar for the String variants). */
export function primAt(asChar: bool): bool {
  const o = rcvr(); const ix = arg(0);
  if (isImmediate(o) || isContext(o)) return failReceiver();
  if (!isSmallInt(ix)) return failArgument();
  const i = intValue(ix);
  if (i < 1) return failIndex();
  if (asChar && formatOf(o) < 10) return failReceiver();
  const v = elementAt(o, <usize>(i - 1), asChar);
  if (v == 0) return formatOf(o) == 9 && <usize>i <= indexableCount(o) ? failMemory() : failIndex();
  return ret(v);
}
export function primAtPut(asChar: bool): bool {
  const o = rcvr(); const ix = arg(0); const v = arg(1);
  if (isImmediate(o) || isContext(o)) return failReceiver();
  if (!isSmallInt(ix)) return failArgument();
  const i = intValue(ix);
  if (i < 1) return failIndex();
  if (asChar && formatOf(o) < 10) return failReceiver();
  const code = elementAtPut(o, <usize>(i - 1), v, asChar);
  if (code != 0) return fail(code);
  return ret(v);
}

/** 62 size */
export function primSize(): bool {
  const o = rcvr();
  if (isImmediate(o) || isContext(o)) return failReceiver();
  const f = formatOf(o);
  if (f == 1 || f == 0 || f == 5) return retInt(0);
  if (f >= 24) return retInt(<i64>indexableCount(o));
  return retInt(<i64>indexableCount(o));
}

/** 68 objectAt: / 69 objectAt:put: on CompiledMethods (1 = header). */
export function primObjectAt(put: bool): bool {
  const m = rcvr(); const ix = arg(0);
  if (isImmediate(m) || formatOf(m) < 24) return failReceiver();
  if (!isSmallInt(ix)) return failArgument();
  const i = intValue(ix);
  const n = <i64>hdrNumLiterals(methodHeader(m)) + 1;
  if (i < 1 || i > n) return failIndex();
  if (!put) return ret(fetchSlot(m, <usize>(i - 1)));
  const v = arg(1);
  if (i == 1 && !isSmallInt(v)) return failArgument();
  storePtr(m, <usize>(i - 1), v);
  return ret(v);
}

/** 70 basicNew, 71 basicNew: */
export function primNew(withSize: bool): bool {
  const cls = rcvr();
  if (isImmediate(cls) || formatOf(cls) > 5 || numSlotsOf(cls) <= CLASS_FORMAT || !isSmallInt(fetchSlot(cls, CLASS_FORMAT))) return failReceiver();
  let n: i64 = 0;
  if (withSize) {
    const a = arg(0);
    if (!isSmallInt(a) || intValue(a) < 0) return failArgument();
    n = intValue(a);
    const spec = (intValue(fetchSlot(cls, CLASS_FORMAT)) >> 16) & 0x1F;
    if (spec < 2 || spec == 5 || (spec > 4 && spec < 9)) return failReceiver();
  } else {
    const spec = (intValue(fetchSlot(cls, CLASS_FORMAT)) >> 16) & 0x1F;
    if (spec == 2 || spec == 3 || spec == 4 || spec >= 9) {
      // indexable class: basicNew makes an empty instance
    }
  }
  let o = instantiateClass(cls, <usize>n);
  if (o == 0 && <u64>n <= (MAX_OBJECT_BYTES >> 3)) {
    // the memory may be held by garbage in old space: collect everything once and try again
    fullCollect();
    o = instantiateClass(rcvr(), <usize>n);
  }
  if (o == 0) return failMemory();
  return ret(o);
}

/** 73 instVarAt:, 74 instVarAt:put:, 173 slotAt:, 174 slotAt:put: */
export function primInstVarAt(put: bool): bool {
  const o = rcvr(); const ix = arg(0);
  if (isImmediate(o)) return failReceiver();
  if (!isSmallInt(ix)) return failArgument();
  const i = intValue(ix);
  const f = formatOf(o);
  const fixed = <i64>fixedFieldsOf(o);
  if (i < 1) return failIndex();
  if (f <= 5) {
    if (i > <i64>numSlotsOf(o)) return failIndex();
    if (!put) return ret(isContext(o) ? contextFetch(o, <usize>(i - 1)) : fetchSlot(o, <usize>(i - 1)));
    const v = arg(1);
    if (isImmutableObj(o)) return fail(ERR_NO_MODIFICATION);
    ret(v);
    if (isContext(o)) { if (contextStore(o, <usize>(i - 1), v)) resumeAfterDivorce(); }
    else storePtr(o, <usize>(i - 1), v);
    return true;
  }
  // non-pointer objects: the indexable elements follow the (zero) fixed fields
  if (!put) {
    const v = elementAt(o, <usize>(i - 1 - fixed), false);
    return v == 0 ? failIndex() : ret(v);
  }
  const code = elementAtPut(o, <usize>(i - 1 - fixed), arg(1), false);
  return code != 0 ? fail(code) : ret(arg(1));
}

/** 75 identityHash (classes answer their class index), also for immediates. */
export function primIdentityHash(): bool {
  const o = rcvr();
  if (isSmallInt(o)) return ret(o);
  if (isCharacter(o)) return retInt(<i64>charValue(o));
  if (isSmallFloat(o)) return retInt(<i64>((o >> 3) & 0x3FFFFF));
  return retInt(<i64>hashOf(o));
}

/** 175 behaviorHash: a class's index. */
export function primBehaviorHash(): bool {
  const c = rcvr();
  if (isImmediate(c) || formatOf(c) > 5) return failReceiver();
  const ci = classIndexOfClass(c);
  return ci == 0 ? failMemory() : retInt(<i64>ci);
}

export function primIdentical(negate: bool): bool { return retBool((rcvr() == arg(0)) != negate); }
export function primClass(): bool {
  const o = R_argCountIsOne() ? arg(0) : rcvr();
  const c = classOfOop(o);
  return c == nilOop() ? failReceiver() : ret(c);
}
import { R } from "../interp/registers";
function R_argCountIsOne(): bool { return R.argCount == 1; }

/** 72 / 249 becomeForward:(copyHash:), 128 become:, 248 become: without hash copy. */
export function primBecome(twoWay: bool, copyHash: bool): bool {
  const a = rcvr(); let b = arg(0);
  let ch = copyHash;
  if (R.argCount == 2) { const c = arg(1); ch = c == trueOopV(); }
  publishStackRoots();
  const code = twoWay ? becomeTwoWay(a, b, ch) : becomeForward(a, b, ch);
  if (code != BECOME_OK) return fail(code);
  return ret(rcvr());
}
import { trueOop } from "../interp/heap";
function trueOopV(): oop { return trueOop(); }

/** 105 replaceFrom:to:with:startingAt: */
export function primReplace(): bool {
  const dst = rcvr(); const startO = arg(0); const stopO = arg(1); const src = arg(2); const repO = arg(3);
  if (isImmediate(dst) || isContext(dst)) return failReceiver();
  if (isImmediate(src) || isContext(src)) return failArgument();
  if (!isSmallInt(startO) || !isSmallInt(stopO) || !isSmallInt(repO)) return failArgument();
  const start = intValue(startO); const stop = intValue(stopO); const rep = intValue(repO);
  if (isImmutableObj(dst)) return fail(ERR_NO_MODIFICATION);
  const df = formatOf(dst); const sf = formatOf(src);
  const n = stop - start + 1;
  if (n < 0) return fail(ERR_BAD_INDEX);
  if (n == 0) return ret(dst);
  if (start < 1 || rep < 1) return fail(ERR_BAD_INDEX);
  if (<u64>stop > <u64>indexableCount(dst) || <u64>(rep + n - 1) > <u64>indexableCount(src)) return fail(ERR_BAD_INDEX);
  const dPtr = df <= 5; const sPtr = sf <= 5;
  if (dPtr != sPtr) return failArgument();
  if (dPtr) {
    const dOff = fixedFieldsOf(dst) + <usize>(start - 1);
    const sOff = fixedFieldsOf(src) + <usize>(rep - 1);
    memory.copy(<usize>dst + 8 + (dOff << 3), <usize>src + 8 + (sOff << 3), <usize>n << 3);
    noteStoresInto(dst);
    return ret(dst);
  }
  // bits: same element width required (bytes and methods' bytes are both 1)
  const dw = elemWidth(df); const sw = elemWidth(sf);
  if (dw != sw) return failArgument();
  if (df >= 24 && <usize>(start - 1) < firstByteIndexOfMethod(dst)) return fail(ERR_BAD_INDEX);
  memory.copy(<usize>dst + 8 + (<usize>(start - 1) * dw), <usize>src + 8 + (<usize>(rep - 1) * sw), <usize>n * dw);
  return ret(dst);
}
function elemWidth(f: u32): usize { return f >= 16 ? 1 : f >= 12 ? 2 : f >= 10 ? 4 : 8; }

/** 145 constantFill: */
export function primConstantFill(): bool {
  const o = rcvr(); const v = arg(0);
  if (isImmediate(o) || formatOf(o) < 9 || formatOf(o) >= 24) return failReceiver();
  if (!isSmallInt(v)) return failArgument();
  const val = intValue(v);
  const f = formatOf(o);
  const n = indexableCount(o);
  const a = <usize>o + 8;
  if (isImmutableObj(o)) return fail(ERR_NO_MODIFICATION);
  if (f >= 16) { if (val < 0 || val > 255) return failArgument(); memory.fill(a, <u8>val, n); }
  else if (f >= 12) { if (val < 0 || val > 0xFFFF) return failArgument(); for (let i: usize = 0; i < n; i++) store<u16>(a + (i << 1), <u16>val); }
  else if (f >= 10) { if (val < 0 || val > 0xFFFFFFFF) return failArgument(); for (let i: usize = 0; i < n; i++) store<u32>(a + (i << 2), <u32>val); }
  else { if (val < 0) return failArgument(); for (let i: usize = 0; i < n; i++) store<u64>(a + (i << 3), <u64>val); }
  return ret(o);
}

/** 148 shallowCopy (Contexts are copied through their accessors so a married one reads right). */
export function primShallowCopy(): bool {
  let o = rcvr();
  if (isImmediate(o)) return ret(o);
  const n = numSlotsOf(o);
  let c = allocateSlots(<u64>n, formatOf(o), classIndexOfObj(o));
  if (c == 0) {
    fullCollect(); // as in primNew: garbage may hold the memory
    o = rcvr();
    c = allocateSlots(<u64>n, formatOf(o), classIndexOfObj(o));
    if (c == 0) return failMemory();
  }
  if (isContext(o)) {
    for (let i: usize = 0; i < n; i++) storePtr(c, i, contextFetch(o, i));
    return ret(c);
  }
  memory.copy(<usize>c + 8, <usize>o + 8, n == 0 ? 8 : n << 3);
  if (formatOf(o) <= 5) noteStoresInto(c);
  return ret(c);
}

/** 170 Character value: / asCharacter, 171 asInteger (immediates). */
export function primCharacterValue(): bool {
  const v = R.argCount == 1 ? arg(0) : rcvr();
  if (!isSmallInt(v) || intValue(v) < 0 || intValue(v) > 0x3FFFFFFF) return failArgument();
  return ret(charOop(<u32>intValue(v)));
}
export function primImmediateAsInteger(): bool {
  const o = rcvr();
  if (isCharacter(o)) return retInt(<i64>charValue(o));
  if (isSmallInt(o)) return ret(o);
  if (isSmallFloat(o)) return retInt(<i64>(o >> 3));
  return failReceiver();
}

export { byteSizeOf, classIndexOf, classAtIndex, splObj, SO_CLASS_LARGE_POSITIVE_INTEGER, ERR_NO_MEMORY, storeLong64, fetchLong64, frameOfContext, isMarriedOrWidowed };
