// Control primitives: perform: (83), perform:withArguments: (84), ...inSuperclass: (100),
// closure value (201-209, 221, 222), withArgs:executeMethod: (188), executeMethod (189),
// Context at:/at:put:/size (210-212). These activate frames themselves.

import { R } from "../interp/registers";
import { oop, isSmallInt, intValue, isImmediate, formatOf, numSlotsOf, fetchSlot, classIndexOf } from "../interp/oops";
import { nilOop, classOfOop, classAtIndex, methodHeader, splObj, SO_CLASS_FULL_BLOCK_CLOSURE, SO_CLASS_BLOCK_CLOSURE, classIndexOfClass } from "../interp/heap";
import { CLOSURE_NUMARGS, CLASS_SUPERCLASS, hdrNumArgs, CTX_TEMP0, CTX_STACKP, ERR_BAD_NUM_ARGS, ERR_BAD_INDEX } from "../interp/layout";
import { lookupMethod } from "../interp/lookup";
import { sendSelector, activateClosure, executeMethod, primitiveIndexOf } from "../interp/interpreter";
import { isContext, contextFetch, contextStore } from "../interp/frames";
import { resumeAfterDivorce } from "../interp/interpreter";
import { rcvr, arg, ret, retInt, fail, failReceiver, failArgument, failIndex } from "./support";

function methodNumArgs(m: oop): i32 {
  if (isImmediate(m) || formatOf(m) < 24) return -1;
  return hdrNumArgs(methodHeader(m));
}

/** 83 perform:(with:)* */
export function primPerform(): bool {
  const argc = R.argCount;
  if (argc < 1) return fail(ERR_BAD_NUM_ARGS);
  const sel = arg(0);
  const n = argc - 1;
  const m = lookupMethod(classOfOop(rcvr()), sel);
  if (m != 0) { const na = methodNumArgs(m); if (na >= 0 && na != n) return fail(ERR_BAD_NUM_ARGS); }
  // drop the selector: shift the arguments down one slot
  const selSlot = R.sp - (<usize>n << 3);
  for (let i: usize = 0; i < <usize>n; i++) store<u64>(selSlot + (i << 3), load<u64>(selSlot + ((i + 1) << 3)));
  R.sp -= 8;
  sendSelector(sel, n, 0);
  return true;
}

function isArray(o: oop): bool { return !isImmediate(o) && o != nilOop() && formatOf(o) == 2; }

/** 84 perform:withArguments:, 100 perform:withArguments:inSuperclass: */
export function primPerformWithArgs(inSuper: bool): bool {
  const sel = arg(0); const args = arg(1);
  if (!isArray(args)) return failArgument();
  const n = <i32>numSlotsOf(args);
  if (n > 64) return fail(ERR_BAD_NUM_ARGS);
  let lookupClass: oop = 0;
  if (inSuper) {
    const cls = arg(2);
    if (isImmediate(cls)) return failArgument();
    // the receiver's class must inherit from cls
    let c = classOfOop(rcvr()); let ok = false; let guard = 0;
    while (c != nilOop() && guard++ < 100000) { if (c == cls) { ok = true; break; } c = fetchSlot(c, CLASS_SUPERCLASS); }
    if (!ok) return failArgument();
    lookupClass = cls;
  }
  const m = lookupMethod(lookupClass != 0 ? lookupClass : classOfOop(rcvr()), sel);
  if (m != 0) { const na = methodNumArgs(m); if (na >= 0 && na != n) return fail(ERR_BAD_NUM_ARGS); }
  R.sp -= <usize>R.argCount << 3; // receiver stays
  for (let i: usize = 0; i < <usize>n; i++) { R.sp += 8; store<u64>(R.sp, fetchSlot(args, i)); }
  sendSelector(sel, n, lookupClass);
  return true;
}

/** A closure the interpreter can activate: a FullBlockClosure with a CompiledBlock, or a
 *  BlockClosure whose outer context is a Context (it supplies method and receiver). */
function isClosure(o: oop): bool {
  if (isImmediate(o) || formatOf(o) != 3) return false;
  const ci = classIndexOf(o);
  const full = splObj(SO_CLASS_FULL_BLOCK_CLOSURE); const plain = splObj(SO_CLASS_BLOCK_CLOSURE);
  if (full != nilOop() && ci == classIndexOfClass(full)) {
    if (numSlotsOf(o) < 4) return false;
    const m = fetchSlot(o, 1);
    return !isImmediate(m) && formatOf(m) >= 24;
  }
  if (plain != nilOop() && ci == classIndexOfClass(plain)) {
    if (numSlotsOf(o) < 3 || !isSmallInt(fetchSlot(o, 1))) return false;
    return isContext(fetchSlot(o, 0));
  }
  return false;
}

/** 201-205, 207, 209, 221, 222: value, value:, ... */
export function primClosureValue(): bool {
  const cl = rcvr();
  if (!isClosure(cl)) return failReceiver();
  const na = fetchSlot(cl, CLOSURE_NUMARGS);
  if (!isSmallInt(na) || <i32>intValue(na) != R.argCount) return fail(ERR_BAD_NUM_ARGS);
  activateClosure(cl, R.argCount);
  return true;
}

/** 206, 208: valueWithArguments: */
export function primClosureValueWithArgs(): bool {
  const cl = rcvr(); const args = arg(0);
  if (!isClosure(cl)) return failReceiver();
  if (!isArray(args)) return failArgument();
  const n = <i32>numSlotsOf(args);
  const na = fetchSlot(cl, CLOSURE_NUMARGS);
  if (!isSmallInt(na) || <i32>intValue(na) != n) return fail(ERR_BAD_NUM_ARGS);
  R.sp -= 8;
  for (let i: usize = 0; i < <usize>n; i++) { R.sp += 8; store<u64>(R.sp, fetchSlot(args, i)); }
  activateClosure(cl, n);
  return true;
}

/** 188 withArgs: argArray executeMethod: method (receiver = the receiver) */
export function primWithArgsExecuteMethod(): bool {
  const args = arg(0); const m = arg(1);
  if (!isArray(args)) return failArgument();
  if (isImmediate(m) || formatOf(m) < 24) return failArgument();
  const n = <i32>numSlotsOf(args);
  if (methodNumArgs(m) != n) return fail(ERR_BAD_NUM_ARGS);
  R.sp -= 16;
  for (let i: usize = 0; i < <usize>n; i++) { R.sp += 8; store<u64>(R.sp, fetchSlot(args, i)); }
  executeMethod(m, primitiveIndexOf(m), n);
  return true;
}

/** 189 receiver executeMethod: (args before the method) */
export function primExecuteMethod(): bool {
  const m = arg(R.argCount - 1);
  if (isImmediate(m) || formatOf(m) < 24) return failArgument();
  const n = R.argCount - 1;
  if (methodNumArgs(m) != n) return fail(ERR_BAD_NUM_ARGS);
  R.sp -= 8;
  executeMethod(m, primitiveIndexOf(m), n);
  return true;
}

/** 210 Context at:, 211 at:put:, 212 size (over the stack: args, temps, then pushed values) */
export function primContextAt(put: bool): bool {
  const c = rcvr(); const ix = arg(0);
  if (!isContext(c)) return failReceiver();
  if (!isSmallInt(ix)) return failArgument();
  const i = intValue(ix);
  const sp = contextFetch(c, CTX_STACKP);
  const stackp = isSmallInt(sp) ? intValue(sp) : 0;
  if (i < 1 || i > stackp) return failIndex();
  if (!put) return ret(contextFetch(c, CTX_TEMP0 + <usize>(i - 1)));
  const v = arg(1);
  ret(v);
  if (contextStore(c, CTX_TEMP0 + <usize>(i - 1), v)) resumeAfterDivorce();
  return true;
}
export function primContextSize(): bool {
  const c = rcvr();
  if (!isContext(c)) return failReceiver();
  const sp = contextFetch(c, CTX_STACKP);
  return retInt(isSmallInt(sp) ? intValue(sp) : 0);
}

export { classAtIndex, ERR_BAD_INDEX };
