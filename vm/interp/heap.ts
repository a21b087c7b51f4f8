// What the interpreter and the primitives take from the object memory (vm/objmem), under the
// names they use, plus a few interpreter-level helpers (the error object of a primitive failure
// code, names of classes and selectors for crash reports).

import {
  nilObj, falseObj, trueObj, gcEpoch, needGCFlag, splObj as omSplObj, classAtIndex as omClassAtIndex,
  storePointer, instantiateClass as omInstantiate, pushRemappableOop, popRemappableOop,
  ensureBehaviorHash, identityHashOf, SO_CLASS_METHOD_CONTEXT, SO_PRIM_ERR_TABLE, SO_SPECIAL_SELECTORS as OM_SO_SPECIAL_SELECTORS,
} from "../objmem/index";
import { newSpaceStart, newSpaceLimit, hiddenRootsObj, specialObjectsOop } from "../objmem/state";
import { remember } from "../objmem/barrier";
import { isRemembered } from "../objmem/header";
import { oop, isImmediate, fetchSlot, numSlotsOf, formatOf, intValue, isSmallInt, classIndexOf } from "./oops";
import { CLASS_NAME, METACLASS_THIS_CLASS, hdrNumLiterals, ASSOC_VALUE } from "./layout";

export {
  SO_SPECIAL_SELECTORS, SO_CLASS_ARRAY, SO_CLASS_MESSAGE, SO_CLASS_BLOCK_CLOSURE, SO_CLASS_FULL_BLOCK_CLOSURE,
  SO_SELECTOR_ABOUT_TO_RETURN, SO_SELECTOR_ATTEMPT_TO_ASSIGN, SO_SELECTOR_RUN_WITH_IN,
  SO_SELECTOR_UNKNOWN_BYTECODE, SO_SELECTOR_CANNOT_RETURN, SO_SELECTOR_MUST_BE_BOOLEAN,
  SO_SCHEDULER_ASSOCIATION, SO_TIMER_SEMAPHORE, SO_INTERRUPT_SEMAPHORE, SO_LOW_SPACE_SEMAPHORE,
  SO_THE_FINALIZATION_SEMAPHORE, SO_EXTERNAL_OBJECTS_ARRAY, SO_CLASS_SEMAPHORE, SO_CLASS_PROCESS,
  SO_CLASS_LARGE_POSITIVE_INTEGER, SO_CLASS_LARGE_NEGATIVE_INTEGER, SO_CLASS_FLOAT, SO_CLASS_POINT,
  SO_CLASS_BYTESTRING, SO_CLASS_BYTEARRAY, SO_CLASS_METHOD_CONTEXT, SO_CLASS_CHARACTER,
  SO_CLASS_SMALLINTEGER, SO_CLASS_COMPILED_METHOD, SO_PRIM_ERR_TABLE,
  SO_SELECTOR_DOES_NOT_UNDERSTAND as SO_SELECTOR_DNU,
} from "../objmem/index";

// @ts-ignore: decorator
@inline export function nilOop(): oop { return nilObj; }
// @ts-ignore: decorator
@inline export function falseOop(): oop { return falseObj; }
// @ts-ignore: decorator
@inline export function trueOop(): oop { return trueObj; }
// @ts-ignore: decorator
@inline export function boolOop(b: bool): oop { return b ? trueObj : falseObj; }
// @ts-ignore: decorator
@inline export function gcEpochNow(): i32 { return gcEpoch; }
// @ts-ignore: decorator
@inline export function gcNeeded(): bool { return needGCFlag; }
// @ts-ignore: decorator
@inline export function splObj(i: i32): oop { return omSplObj(i); }
/** Slot i of the special selectors array (selectors at even slots, argument counts at odd
 *  ones) for the interpreter's loop: two loads, without splObj's call and its tests for a heap
 *  not yet loaded (an image runs: its special objects array and selectors exist). */
// @ts-ignore: decorator
@inline export function specialSelectorSlot(i: usize): oop {
  const arr = load<u64>(<usize>specialObjectsOop + 8 + (<usize>OM_SO_SPECIAL_SELECTORS << 3));
  return load<u64>(<usize>arr + 8 + (i << 3));
}
/** The class at a class index, or nil when the entry is empty. */
export function classAtIndex(ci: u32): oop { const c = omClassAtIndex(ci); return c == 0 ? nilObj : c; }
/** Whether the class table holds cls at index ci (1..2^22-1): two loads, without the calls and
 *  range checks of classAtIndex, for the allocation fast path. A page not yet made is nil. */
// @ts-ignore: decorator
@inline export function isClassAtIndex(cls: oop, ci: u32): bool {
  const page = load<u64>(<usize>hiddenRootsObj + 8 + (<usize>(ci >> 10) << 3));
  if (page == nilObj) return false;
  return load<u64>(<usize>page + 8 + (<usize>(ci & 1023) << 3)) == cls;
}
export function classOfOop(o: oop): oop { return classAtIndex(classIndexOf(o)); }
// @ts-ignore: decorator
@inline export function storePtr(o: oop, i: usize, v: oop): void { storePointer(o, <i64>i, v); }
/** storePtr for the interpreter's loop: the write barrier's common outcomes (an immediate or
 *  old value, a young receiver, one already remembered) decided inline, without the call to
 *  objmem's storePointer, whose register saves around it cost more than the check. Nested ifs:
 *  the && form becomes selects natively. */
// @ts-ignore: decorator
@inline export function storePtrInline(o: oop, i: usize, v: oop): void {
  store<u64>(<usize>o + 8 + (i << 3), v);
  if ((v & 7) == 0) {
    if (v >= <u64>newSpaceStart) {
      if (v < <u64>newSpaceLimit) {
        if (o < <u64>newSpaceStart || o >= <u64>newSpaceLimit) {
          if (!isRemembered(o)) remember(o);
        }
      }
    }
  }
}
/** A new instance (nil/zero filled) or 0 when the class or size is bad or memory ran out. */
export function instantiateClass(cls: oop, n: usize): oop { return omInstantiate(cls, <i64>n); }
// @ts-ignore: decorator
@inline export function pushRemap(o: oop): void { pushRemappableOop(o); }
// @ts-ignore: decorator
@inline export function popRemap(): oop { return popRemappableOop(); }
export function hashOf(o: oop): u32 { return identityHashOf(o); }
export function classIndexOfClass(cls: oop): u32 { return ensureBehaviorHash(cls); }

/** The method header as an integer value (the SmallInteger in slot 0). */
// @ts-ignore: decorator
@inline export function methodHeader(m: oop): i64 { return intValue(load<u64>(<usize>m + 8)); }

let ctxClassIndex: u32 = 0;
export function contextClassIndex(): u32 { return ctxClassIndex; }
export function setContextClassIndex(): void {
  const cls = omSplObj(SO_CLASS_METHOD_CONTEXT);
  ctxClassIndex = cls == nilObj ? 0xFFFFFFFF : ensureBehaviorHash(cls);
}

/** A Context with n slots in all (6 fixed + n-6 indexable), or 0. */
export function allocContext(n: usize): oop {
  return omInstantiate(omSplObj(SO_CLASS_METHOD_CONTEXT), <i64>(n - 6));
}

/** The error object for a primitive failure code: the entry of the primitive error table, or
 *  the code as a SmallInteger. */
export function primErrorObject(code: i32): oop {
  const table = omSplObj(SO_PRIM_ERR_TABLE);
  if (!isImmediate(table) && table != nilObj && formatOf(table) == 2 && code >= 1 && <usize>code <= numSlotsOf(table)) {
    const e = fetchSlot(table, <usize>(code - 1));
    if (e != nilObj) return e;
  }
  return ((<u64>code) << 3) | 1;
}

/** The name Symbol of a class (of the instance side for a metaclass), or nil. */
export function classNameInto(cls: oop): oop {
  if (isImmediate(cls) || cls == nilObj || formatOf(cls) > 5) return nilObj;
  const n = numSlotsOf(cls);
  if (n > CLASS_NAME) {
    const name = fetchSlot(cls, CLASS_NAME);
    if (!isImmediate(name) && formatOf(name) >= 16) return name;
  }
  if (n > METACLASS_THIS_CLASS) {
    const inst = fetchSlot(cls, METACLASS_THIS_CLASS);
    if (!isImmediate(inst) && inst != nilObj && formatOf(inst) <= 5 && numSlotsOf(inst) > CLASS_NAME) {
      return fetchSlot(inst, CLASS_NAME);
    }
  }
  return nilObj;
}

/** The selector of a method (second-to-last literal), following a CompiledBlock's outer code. */
export function methodSelectorOf(m: oop): oop {
  let guard = 0;
  while (guard++ < 64) {
    if (isImmediate(m) || formatOf(m) < 24) return nilObj;
    const hv = load<u64>(<usize>m + 8);
    if (!isSmallInt(hv)) return nilObj;
    const nl = <usize>hdrNumLiterals(intValue(hv));
    if (nl == 0) return nilObj;
    const last = fetchSlot(m, nl);
    if (!isImmediate(last) && formatOf(last) >= 24) { m = last; continue; } // CompiledBlock
    if (nl < 2) return nilObj;
    const sel = fetchSlot(m, nl - 1);
    if (!isImmediate(sel) && formatOf(sel) >= 16 && formatOf(sel) < 24) return sel;
    // AdditionalMethodState: its selector is slot 1
    if (!isImmediate(sel) && formatOf(sel) <= 5 && numSlotsOf(sel) > 1) return fetchSlot(sel, 1);
    return nilObj;
  }
  return nilObj;
}

export { ASSOC_VALUE };
