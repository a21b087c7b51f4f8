// The bytecode interpreter: SistaV1 and V3PlusClosures (chosen per method by the header's sign
// bit), sends through a global method cache, frames on stack pages, closures, non-local return,
// thisContext, doesNotUnderstand:, cannotReturn:, mustBeBoolean, attemptToAssign:withIndex:.

import {
  oop, isImmediate, isSmallInt, intValue, intOop, isIntValue, areSmallInts, fetchSlot, classIndexOf,
  numSlotsOf, formatOf, slotAddr, isImmutableObj, charOop, classIndexOfObj,
} from "./oops";
import {
  R, FR_SAVED_FP, FR_SAVED_IP, FR_METHOD, FR_FLAGS, FR_CONTEXT, FR_RECEIVER, FR_CLOSURE, FR_TEMPS,
  FLAG_BLOCK, FLAG_CHECK_RETURN, PAGE_BYTES, PAGE_HEADROOM, pageBase, setPageHead, frSavedFP, frSavedIP, frMethod,
  frNumArgs, frIsBlock, frContext, frReceiver, frClosure, pageOf, frFlags,
} from "./registers";
import {
  CTX_SENDER, CTX_METHOD, CTX_RECEIVER, CTX_CLOSURE, CLOSURE_OUTER, CLOSURE_STARTPC, CLOSURE_METHOD,
  CLOSURE_NUMARGS, CLOSURE_COPIED, FULL_CLOSURE_RECEIVER, FULL_CLOSURE_COPIED, MSG_SELECTOR, MSG_ARGS,
  MSG_LOOKUP_CLASS, ASSOC_VALUE, hdrNumLiterals, hdrNumTemps, hdrNumArgs, hdrIsSista, hdrHasPrimitive,
  CLASS_SUPERCLASS, CLASS_FORMAT,
} from "./layout";
import {
  ensureFrameContext, contextFetch, contextStore, isContext, saveRegisters, loadRegistersFromPage,
  newPage, freeActivePage, resumeContext, homeContextOf, frameOfContext, isMarriedOrWidowed,
} from "./frames";
import {
  nilOop, falseOop, trueOop, splObj, classAtIndex, isClassAtIndex, classOfOop, storePtr, methodHeader,
  instantiateClass, pushRemap, popRemap, storePtrInline, contextClassIndex, classIndexOfClass, gcEpochNow, primErrorObject, SO_SPECIAL_SELECTORS, specialSelectorSlot,
  SO_SELECTOR_DNU, SO_SELECTOR_CANNOT_RETURN, SO_SELECTOR_MUST_BE_BOOLEAN, SO_CLASS_ARRAY,
  SO_CLASS_MESSAGE, SO_CLASS_BLOCK_CLOSURE, SO_CLASS_FULL_BLOCK_CLOSURE, SO_SELECTOR_ABOUT_TO_RETURN,
  SO_SELECTOR_ATTEMPT_TO_ASSIGN, SO_SELECTOR_RUN_WITH_IN, SO_SELECTOR_UNKNOWN_BYTECODE,
} from "./heap";
import { lookupMethod, methodClassOf, flushMethodCacheIfMoved, cacheProbe, cacheFill, slotFor, partnerOf, cacheSwapWithPartner, CACHE_CLASS, CACHE_METHOD, CACHE_PRIM } from "./lookup";
import { vmCrash, vmCrashN } from "./crash";
import { callPrimitive } from "../prims/table";
import { floatSpecial, floatSqrtFast, floatPrimFast, floatTruncatedFast } from "./floatfast";
import { intPrimFast } from "./intfast";
import { SETTER_BASE, setterPrimitiveOf, setterStore } from "./setters";
import { K_ACTIVATE, K_GENERIC, K_SELF, K_TRUE, K_FALSE, K_NIL, K_INT, K_IVAR, K_SETTER, K_BLOCK, K_INDEXED, K_NEW, K_NEW_INIT, K_COMPARE_BYTES, K_FLOAT_SQRT, K_FLOAT_ARITH, K_FLOAT_TRUNC, K_INT_ARITH, WORD_AT, WORD_AT_PUT, primOfWord, kindOfWord, operandOfWord, hasShape } from "./dispatch";
import { checkForInterrupts, resetInterruptCounter } from "./scheduler";
import { newInitClassIndex } from "./newinit";
import { compareBytesOop } from "../prims/compare";
import { lowSpaceFlag, needGCFlag, rawHashOf } from "../objmem/index";
import { allocateInEdenUnfilled } from "../objmem/allocator";
import { isYoung } from "../objmem/state";

// ---- stack
// @ts-ignore: decorator
@inline export function push(v: oop): void { R.sp += 8; store<u64>(R.sp, v); }
// @ts-ignore: decorator
@inline export function pop(): oop { const v = load<u64>(R.sp); R.sp -= 8; return v; }
// @ts-ignore: decorator
@inline export function top(): oop { return load<u64>(R.sp); }
// @ts-ignore: decorator
@inline export function stackValue(n: i32): oop { return load<u64>(R.sp - (<usize>n << 3)); }
// @ts-ignore: decorator
@inline export function popN(n: i32): void { R.sp -= <usize>n << 3; }
// @ts-ignore: decorator
@inline export function popThenPush(n: i32, v: oop): void { R.sp -= <usize>(n - 1) << 3; store<u64>(R.sp, v); }
// @ts-ignore: decorator
@inline export function receiver(): oop { return load<u64>(R.fp + FR_RECEIVER); }
// @ts-ignore: decorator
@inline function temp(i: usize): oop { return load<u64>(R.fp + FR_TEMPS + (i << 3)); }
// @ts-ignore: decorator
@inline function setTemp(i: usize, v: oop): void { store<u64>(R.fp + FR_TEMPS + (i << 3), v); }
// @ts-ignore: decorator
@inline function literal(i: usize): oop { return load<u64>(R.mbase + 8 + (i << 3)); }
// @ts-ignore: decorator
@inline function nextByte(): u32 { return <u32>load<u8>(R.mbase + R.ip++); }

/** The SmallInteger comparison of special-selector bytecode b (98 < .. 103 ~=). Both oops carry
 *  the same tag, so comparing the oops compares the values. */
@inline function compareSmallInts(b: u32, x: u64, y: u64): bool {
  const a = <i64>x; const c = <i64>y;
  switch (b) {
    case 98: return a < c;
    case 99: return a > c;
    case 100: return a <= c;
    case 101: return a >= c;
    case 102: return a == c;
    default: return a != c;
  }
}

/** Interpreter state the loop and the primitives share. */
export class I {
  static epoch: i32 = 0;
  static stopped: bool = false;        // the interpreter returns from interpret()
  static stopResult: oop = 0;
  static stopOnBottomReturn: bool = false;
  static sista: bool = true;
  static mode: i32 = 1;                // 1 SistaV1, 0 V3PlusClosures, -1 stopped
}

/** Reload the method registers after objects may have moved (a GC). */
export function refreshAfterGC(): void {
  if (R.fp != 0) { R.method = frMethod(R.fp); R.mbase = <usize>R.method + 8; }
  I.epoch = gcEpochNow();
  flushMethodCacheIfMoved();
}

// @ts-ignore: decorator
@inline function setMethod(m: oop): void {
  R.method = m;
  R.mbase = <usize>m + 8;
  I.sista = hdrIsSista(intValue(load<u64>(<usize>m + 8)));
  if (I.mode >= 0) I.mode = I.sista ? 1 : 0;
}

// ---- activation

/** Activates `method` for the receiver and argCount arguments on top of the stack. */
export function activateMethod(method: oop, argCount: i32): void {
  const h = methodHeader(method);
  const numTemps = <usize>hdrNumTemps(h);
  let newFP = R.sp + 8;
  if (newFP >= R.pageLimit) {
    overflowToNewPage(argCount);
    newFP = R.sp + 8;
  }
  store<u64>(newFP + FR_SAVED_FP, <u64>R.fp | 1);
  store<u64>(newFP + FR_SAVED_IP, (<u64>R.ip << 3) | 1);
  store<u64>(newFP + FR_METHOD, method);
  store<u64>(newFP + FR_FLAGS, (<u64>(<u32>argCount | FLAG_CHECK_RETURN) << 3) | 1);
  const nil = nilOop();
  store<u64>(newFP + FR_CONTEXT, nil);
  store<u64>(newFP + FR_RECEIVER, load<u64>(newFP - ((<usize>argCount + 1) << 3)));
  store<u64>(newFP + FR_CLOSURE, nil);
  const t = newFP + FR_TEMPS;
  for (let i: usize = 0; i < <usize>argCount; i++) store<u64>(t + (i << 3), load<u64>(newFP - ((<usize>argCount - i) << 3)));
  for (let i: usize = <usize>argCount; i < numTemps; i++) store<u64>(t + (i << 3), nil);
  R.sp = t + (numTemps << 3) - 8;
  R.fp = newFP;
  fixBaseFrame();
  // setMethod with the header already in hand
  R.method = method;
  R.mbase = <usize>method + 8;
  const sista = hdrIsSista(h);
  I.sista = sista;
  if (I.mode >= 0) I.mode = sista ? 1 : 0;
  R.ip = (<usize>hdrNumLiterals(h) + 1) << 3;
  if (--R.interruptCounter <= 0) interruptCheck();
}

/** Moves the pending send (receiver and args) to a fresh page whose base frame's caller is the
 *  current frame's Context. */
function overflowToNewPage(argCount: i32): void {
  const ctx = ensureFrameContext(R.fp);
  const n = <usize>argCount + 1;
  const src = R.sp - ((n - 1) << 3);
  saveRegisters();
  const oldPage = R.page;
  // the caller's head: without receiver and args
  setPageHead(oldPage, R.fp, src - 8, R.ip);
  const p = newPage();
  const base = pageBase(p);
  for (let i: usize = 0; i < n; i++) store<u64>(base + (i << 3), load<u64>(src + (i << 3)));
  R.page = p;
  R.pageLimit = base + PAGE_BYTES - PAGE_HEADROOM;
  R.sp = base + ((n - 1) << 3);
  // the new frame is a base frame: savedFP 0, savedIP = caller context
  R.fp = 0;
  baseFramePending = true;
  baseFrameCaller = ctx;
}
let baseFramePending = false;
let baseFrameCaller: oop = 0;

// @ts-ignore: decorator
@inline function fixBaseFrame(): void {
  if (baseFramePending) {
    baseFramePending = false;
    store<u64>(R.fp + FR_SAVED_FP, 1);
    store<u64>(R.fp + FR_SAVED_IP, baseFrameCaller);
  }
}

let fullClosureCI: u32 = 0;
let fullClosureEpochClass: oop = 0;
// the class's format word when it is the expected one (variable, 4 named slots), else 0: the
// inline closure creation in runSista (pushFullClosureFast) checks it against the class each time
let fullClosureFormat: u64 = 0;
function fullClosureClassIndex(): u32 {
  const cls = splObj(SO_CLASS_FULL_BLOCK_CLOSURE);
  if (cls != fullClosureEpochClass) {
    fullClosureEpochClass = cls;
    fullClosureCI = cls == nilOop() ? 0xFFFFFFFF : classIndexOfClass(cls);
    fullClosureFormat = 0;
    if (cls != nilOop() && fullClosureCI != 0 && numSlotsOf(cls) > CLASS_FORMAT) {
      const f = fetchSlot(cls, CLASS_FORMAT);
      if (isSmallInt(f) && ((intValue(f) >> 16) & 0x1F) == 3 && (intValue(f) & 0xFFFF) == <i64>FULL_CLOSURE_COPIED) fullClosureFormat = f;
    }
  }
  return fullClosureCI;
}

/** Whether cl is a FullBlockClosure with a CompiledBlock taking argCount arguments (what
 *  primitives 201-209 check first), so value/value: may activate it without a send. */
// @ts-ignore: decorator
@inline function isActivatableFullClosure(cl: oop, argCount: i32): bool {
  if ((cl & 7) != 0) return false;
  const cls = splObj(SO_CLASS_FULL_BLOCK_CLOSURE);
  if (classIndexOfObj(cl) != (cls == fullClosureEpochClass ? fullClosureCI : fullClosureClassIndex())) return false;
  if (numSlotsOf(cl) < FULL_CLOSURE_COPIED) return false;
  const m = fetchSlot(cl, CLOSURE_METHOD);
  if ((m & 7) != 0 || formatOf(m) < 24) return false;
  return fetchSlot(cl, CLOSURE_NUMARGS) == intOop(<i64>argCount);
}

/** Activates a block closure with argCount args on the stack above it. */
export function activateClosure(closure: oop, argCount: i32): void {
  const nil = nilOop();
  const full = classIndexOf(closure) == fullClosureClassIndex();
  let method: oop; let rcvr: oop; let copiedStart: usize; let ip: usize; let numTemps: usize;
  const numCopied = numSlotsOf(closure) - (full ? FULL_CLOSURE_COPIED : CLOSURE_COPIED);
  if (full) {
    method = fetchSlot(closure, CLOSURE_METHOD);
    rcvr = fetchSlot(closure, FULL_CLOSURE_RECEIVER);
    copiedStart = FULL_CLOSURE_COPIED;
    const h = methodHeader(method);
    ip = (<usize>hdrNumLiterals(h) + 1) << 3;
    numTemps = <usize>hdrNumTemps(h);
  } else {
    const outer = fetchSlot(closure, CLOSURE_OUTER);
    pushRemap(closure);
    method = contextFetch(outer, CTX_METHOD);
    rcvr = contextFetch(outer, CTX_RECEIVER);
    closure = popRemap();
    copiedStart = CLOSURE_COPIED;
    ip = <usize>(intValue(fetchSlot(closure, CLOSURE_STARTPC)) - 1);
    numTemps = <usize>argCount + numCopied;
  }
  let newFP = R.sp + 8;
  if (newFP >= R.pageLimit) {
    pushRemap(closure); pushRemap(method); pushRemap(rcvr);
    overflowToNewPage(argCount);
    rcvr = popRemap(); method = popRemap(); closure = popRemap();
    newFP = R.sp + 8;
  }
  store<u64>(newFP + FR_SAVED_FP, <u64>R.fp | 1);
  store<u64>(newFP + FR_SAVED_IP, (<u64>R.ip << 3) | 1);
  store<u64>(newFP + FR_METHOD, method);
  store<u64>(newFP + FR_FLAGS, (<u64>(<u32>argCount | FLAG_BLOCK | FLAG_CHECK_RETURN) << 3) | 1);
  store<u64>(newFP + FR_CONTEXT, nil);
  store<u64>(newFP + FR_RECEIVER, rcvr);
  store<u64>(newFP + FR_CLOSURE, closure);
  const t = newFP + FR_TEMPS;
  for (let i: usize = 0; i < <usize>argCount; i++) store<u64>(t + (i << 3), load<u64>(newFP - ((<usize>argCount - i) << 3)));
  for (let i: usize = 0; i < numCopied; i++) store<u64>(t + ((<usize>argCount + i) << 3), fetchSlot(closure, copiedStart + i));
  for (let i: usize = <usize>argCount + numCopied; i < numTemps; i++) store<u64>(t + (i << 3), nil);
  const depth = numTemps > <usize>argCount + numCopied ? numTemps : <usize>argCount + numCopied;
  R.sp = t + (depth << 3) - 8;
  R.fp = newFP;
  fixBaseFrame();
  setMethod(method);
  R.ip = ip;
  if (--R.interruptCounter <= 0) interruptCheck();
}

// ---- sends

/** Looks up and runs selector for the receiver under argCount args (lookup from its class, or
 *  from lookupClass when that is non-zero). */
export function sendSelector(selector: oop, argCount: i32, lookupClass: oop): void {
  const rcvr = stackValue(argCount);
  // (objects only move at safe points, which refresh the cache and registers themselves)
  let method: oop; let prim: i32;
  // a super send looks up from lookupClass: the same method as a send to an instance of it, so
  // the cache key is lookupClass's index, when it has one (its hash; none is made for it here),
  // else its address (superKeyOf)
  const ci = lookupClass == 0 ? classIndexOf(rcvr) : superKeyOf(lookupClass);
  const entry = ci != 0 ? cacheProbe(selector, ci) : 0;
  if (entry != 0) {
    method = load<u64>(entry + CACHE_METHOD);
    prim = primOfWord(load<u64>(entry + CACHE_PRIM));
  } else {
    const cls = lookupClass == 0 ? classAtIndex(ci) : lookupClass;
    method = lookupMethod(cls, selector);
    if (method == 0) { sendDoesNotUnderstand(selector, argCount, cls); return; }
    prim = primitiveIndexOf(method);
    if (prim == 0) prim = setterPrimitiveOf(method);
    if (ci != 0) cacheFill(selector, ci, method, prim, rcvr);
  }
  executeMethod(method, prim, argCount);
}

/** The method-cache key of a super send's lookup class: its class index (its identity hash,
 *  checked against the class table), else, for a class without instances such as a metaclass
 *  (JsonObject class>>new is `super new initialize`), its address over 8 with the top bit set,
 *  which no class index has (wasm32 addresses: 29 bits over 8); the cache is flushed whenever
 *  old objects move. 0 (not cached) for a young class, which a scavenge may move. */
function superKeyOf(cls: oop): u32 {
  if (isImmediate(cls)) return 0;
  const h = rawHashOf(cls);
  if (h != 0 && classAtIndex(h) == cls) return h;
  return isYoung(cls) ? 0 : 0x80000000 | <u32>(cls >> 3);
}

/** Runs method (with primitive index prim, 0 for none) on the stacked receiver and args. */
export function executeMethod(method: oop, prim: i32, argCount: i32): void {
  if (prim != 0) {
    if (prim >= 256 && prim <= 519) { if (quickPrimitive(prim, argCount)) return; }
    else if (prim >= SETTER_BASE) {
      if (argCount == 1 && setterStore(stackValue(1), <usize>(prim - SETTER_BASE), stackValue(0))) { popN(1); return; }
    }
    else if (prim == -1) { runObjectAsMethod(method, argCount); return; }
    else {
      R.primFailCode = 0;
      R.argCount = argCount;
      R.newMethod = method;
      R.primitiveCalls++;
      const spBefore = R.sp;
      const fpBefore = R.fp;
      if (callPrimitive(prim, argCount)) {
        if (I.epoch != gcEpochNow()) refreshAfterGC();
        // an allocation crossed the low-space threshold or asked for a collection: reach the
        // next safe point now, not in a few thousand sends, by which time memory may be gone
        if (lowSpaceFlag || needGCFlag) R.interruptCounter = 1;
        return;
      }
      if (R.fp != fpBefore || R.sp != spBefore) {
        if (R.primFailCode == 0) vmCrashN("primitive failed with an unbalanced stack:", prim);
      }
      if (R.primFailCode == 0) R.primFailCode = 1;
      if (I.epoch != gcEpochNow()) { refreshAfterGC(); method = R.newMethod; }
      method = R.newMethod;
    }
  }
  activateMethod(method, argCount);
}

/** Primitive index of a CompiledMethod, 0 when none; -1 when `method` is not a CompiledMethod. */
export function primitiveIndexOf(method: oop): i32 {
  if (isImmediate(method) || formatOf(method) < 24) return -1;
  const h = methodHeader(method);
  if (!hdrHasPrimitive(h)) return 0;
  const at = <usize>method + 8 + ((<usize>hdrNumLiterals(h) + 1) << 3);
  return <i32>load<u8>(at + 1) | (<i32>load<u8>(at + 2) << 8);
}

function quickPrimitive(prim: i32, argCount: i32): bool {
  const rcvr = stackValue(argCount);
  let v: oop;
  if (prim == 256) v = rcvr;
  else if (prim == 257) v = trueOop();
  else if (prim == 258) v = falseOop();
  else if (prim == 259) v = nilOop();
  else if (prim <= 263) v = intOop(<i64>(prim - 261));
  else {
    const i = <usize>(prim - 264);
    if (isImmediate(rcvr) || formatOf(rcvr) > 5 || i >= numSlotsOf(rcvr)) return false;
    v = isContext(rcvr) ? contextFetch(rcvr, i) : fetchSlot(rcvr, i);
  }
  popThenPush(argCount + 1, v);
  return true;
}

/** An object that is not a CompiledMethod in a method dictionary: send it #run:with:in:. */
function runObjectAsMethod(obj: oop, argCount: i32): void {
  const args = instantiateClass(splObj(SO_CLASS_ARRAY), <usize>argCount);
  if (args == 0) vmCrash("out of memory in run:with:in:");
  for (let i = 0; i < argCount; i++) storePtr(args, <usize>i, stackValue(argCount - 1 - i));
  const rcvr = stackValue(argCount);
  popN(argCount + 1);
  push(obj);
  push(lastSelector);
  push(args);
  push(rcvr);
  sendSelector(splObj(SO_SELECTOR_RUN_WITH_IN), 3, 0);
}
export let lastSelector: oop = 0;

/** Replaces the args with a Message and sends #doesNotUnderstand:. */
export function sendDoesNotUnderstand(selector: oop, argCount: i32, cls: oop): void {
  pushRemap(selector); pushRemap(cls);
  const args = instantiateClass(splObj(SO_CLASS_ARRAY), <usize>argCount);
  pushRemap(args);
  const msg = instantiateClass(splObj(SO_CLASS_MESSAGE), 0);
  const args2 = popRemap(); cls = popRemap(); selector = popRemap();
  if (args2 == 0 || msg == 0) vmCrash("out of memory creating a Message");
  for (let i = 0; i < argCount; i++) storePtr(args2, <usize>i, stackValue(argCount - 1 - i));
  storePtr(msg, MSG_SELECTOR, selector);
  storePtr(msg, MSG_ARGS, args2);
  if (numSlotsOf(msg) > MSG_LOOKUP_CLASS) storePtr(msg, MSG_LOOKUP_CLASS, cls);
  popThenPush(argCount + 1, stackValue(argCount));
  push(msg);
  const dnu = splObj(SO_SELECTOR_DNU);
  const m = lookupMethod(cls, dnu);
  if (m == 0) {
    vmCrash("recursive doesNotUnderstand: (the class has no #doesNotUnderstand:)");
  }
  executeMethod(m, primitiveIndexOf(m), 1);
}

/** Sends special selector k (0-31) with its argument count from the special selectors array. */
function sendSpecial(k: i32): void {
  const arr = splObj(SO_SPECIAL_SELECTORS);
  const sel = fetchSlot(arr, <usize>(k << 1));
  const n = <i32>intValue(fetchSlot(arr, <usize>(k << 1) + 1));
  sendSelector(sel, n, 0);
}

function superSend(selector: oop, argCount: i32): void {
  const mclass = methodClassOf(R.method);
  const sup = mclass == 0 ? nilOop() : fetchSlot(mclass, CLASS_SUPERCLASS);
  if (sup == nilOop()) { sendDoesNotUnderstand(selector, argCount, nilOop()); return; }
  sendSelector(selector, argCount, sup);
}

function directedSuperSend(selector: oop, argCount: i32): void {
  const cls = pop();
  const sup = isImmediate(cls) ? nilOop() : fetchSlot(cls, CLASS_SUPERCLASS);
  if (sup == nilOop()) { sendDoesNotUnderstand(selector, argCount, nilOop()); return; }
  sendSelector(selector, argCount, sup);
}

// ---- returns

/** Returns v from the active frame to its caller. */
export function returnFromFrame(v: oop): void {
  const caller = frSavedFP(R.fp);
  if (caller != 0) {
    R.sp = R.fp - ((frNumArgs(R.fp) + 1) << 3);
    store<u64>(R.sp, v);
    R.ip = frSavedIP(R.fp);
    R.fp = caller;
    setMethod(frMethod(caller));
    return;
  }
  // base frame: the caller is a Context
  const sender = load<u64>(R.fp + FR_SAVED_IP);
  if (sender == nilOop() || isImmediate(sender) || !isContext(sender)) {
    if (I.stopOnBottomReturn) { I.stopped = true; I.mode = -1; I.stopResult = v; return; }
    cannotReturn(v);
    return;
  }
  // allocation never moves objects (only GC at a safe point does), so v stays valid
  freeActivePage();
  if (!resumeContext(sender)) vmCrash("return to a dead context");
  push(v);
}


/** thisContext cannotReturn: v */
function cannotReturn(v: oop): void {
  pushRemap(v);
  const ctx = ensureFrameContext(R.fp);
  v = popRemap();
  push(ctx);
  push(v);
  sendSelector(splObj(SO_SELECTOR_CANNOT_RETURN), 1, 0);
}

/** ^v from inside a block: return from the block's home method to the home's sender. */
function nonLocalReturn(v: oop): void {
  pushRemap(v);
  const home = homeContextOf(frClosure(R.fp));
  v = popRemap();
  if (home == nilOop()) { cannotReturn(v); return; }
  const homeFP = isMarriedOrWidowed(home) ? frameOfContext(home) : 0;
  // fast path: home is a frame on the active page, no unwind-protect activation in between
  if (homeFP != 0 && pageOf(homeFP) == R.page) {
    let fp = R.fp;
    while (fp != 0 && fp != homeFP) {
      if (fp != R.fp && isUnwindMarked(frMethod(fp))) { aboutToReturn(v, ensureFrameContext(fp)); return; }
      fp = frSavedFP(fp);
    }
    if (fp == homeFP) {
      R.fp = homeFP;
      setMethod(frMethod(homeFP));
      returnFromFrame(v);
      return;
    }
  }
  slowNonLocalReturn(v, home);
}

function isUnwindMarked(method: oop): bool {
  return primitiveIndexOf(method) == 198;
}

/** thisContext aboutToReturn: v through: unwindContext */
function aboutToReturn(v: oop, unwindCtx: oop): void {
  pushRemap(v); pushRemap(unwindCtx);
  const ctx = ensureFrameContext(R.fp);
  unwindCtx = popRemap(); v = popRemap();
  push(ctx);
  push(v);
  push(unwindCtx);
  sendSelector(splObj(SO_SELECTOR_ABOUT_TO_RETURN), 2, 0);
}

/** The sender of ctx, keeping a and b valid across the allocation that may happen. */
function senderKeeping(ctx: oop): oop {
  return contextFetch(ctx, CTX_SENDER);
}

/** Non-local return across pages or through single contexts: walk the chain as contexts,
 *  then kill what lies between and resume the home's sender. */
function slowNonLocalReturn(v: oop, home: oop): void {
  const nil = nilOop();
  // remap stack holds [v, home, c] while walking (contextFetch may allocate)
  pushRemap(v); pushRemap(home);
  const active = ensureFrameContext(R.fp);
  pushRemap(active);
  let found = false;
  let unwind: oop = 0;
  let guard = 0;
  while (guard++ < 10000000) {
    const c = popRemap();
    if (c == nil || isImmediate(c)) { pushRemap(c); break; }
    home = popRemap(); pushRemap(home);
    if (c == home) { pushRemap(c); found = true; break; }
    if (c != active && isUnwindMarked(contextFetch(c, CTX_METHOD))) { pushRemap(c); unwind = c; break; }
    pushRemap(c);
    const next = senderKeeping(c);
    popRemap();
    pushRemap(next);
  }
  const last = popRemap(); home = popRemap(); v = popRemap();
  if (unwind != 0) { aboutToReturn(v, last); return; }
  if (!found) { cannotReturn(v); return; }
  pushRemap(v); pushRemap(home);
  const sender = contextFetch(home, CTX_SENDER);
  home = popRemap(); v = popRemap();
  if (sender == nil || isImmediate(sender) || !isContext(sender)) { cannotReturn(v); return; }
  // every context from the active one to home is dead now; free their pages (all their frames
  // have contexts, married during the walk), except the page holding the sender's frame
  const senderFP = isMarriedOrWidowed(sender) ? frameOfContext(sender) : 0;
  const senderPage = senderFP != 0 ? pageOf(senderFP) : -1;
  let pages: u64 = 0;
  let c = ensureFrameContext(R.fp);
  guard = 0;
  while (c != sender && c != nil && !isImmediate(c) && guard++ < 10000000) {
    const next = contextFetch(c, CTX_SENDER); // no allocation: every frame here is married
    if (isMarriedOrWidowed(c)) {
      const fp = frameOfContext(c);
      if (fp != 0 && pageOf(fp) != senderPage) pages |= (<u64>1) << <u64>pageOf(fp);
    }
    store<u64>(slotAddr(c, CTX_SENDER), nil);
    store<u64>(slotAddr(c, 1), nil);
    c = next;
  }
  for (let p = 0; p < 64; p++) {
    if ((pages & ((<u64>1) << <u64>p)) != 0) {
      setPageInUse(p, false);
      if (p == R.page) R.page = -1;
    }
  }
  pushRemap(v);
  const ok = resumeContext(sender);
  v = popRemap();
  if (!ok) vmCrash("non-local return to a context that cannot be resumed");
  push(v);
}

import { setPageInUse } from "./registers";

// ---- closures and arrays

function pushNewArray(b: u32): void {
  const n = <usize>(b & 127);
  const arr = instantiateClass(splObj(SO_CLASS_ARRAY), n);
  if (arr == 0) vmCrash("out of memory creating an Array");
  refreshIfMoved();
  if (b > 127) {
    for (let i: usize = 0; i < n; i++) storePtr(arr, i, stackValue(<i32>(n - 1 - i)));
    popN(<i32>n);
  }
  push(arr);
}

// @ts-ignore: decorator
@inline function refreshIfMoved(): void { if (I.epoch != gcEpochNow()) refreshAfterGC(); }

/** V3 closure (bytecode 143 / Sista 250): numCopied values on the stack, the block body follows. */
function pushClosureCopy(numArgs: u32, numCopied: u32, blockSize: usize): void {
  const ctx = ensureFrameContext(R.fp);
  pushRemap(ctx);
  const cl = instantiateClass(splObj(SO_CLASS_BLOCK_CLOSURE), <usize>numCopied);
  const c2 = popRemap();
  if (cl == 0) vmCrash("out of memory creating a BlockClosure");
  refreshIfMoved();
  storePtr(cl, CLOSURE_OUTER, c2);
  store<u64>(slotAddr(cl, CLOSURE_STARTPC), intOop(<i64>R.ip + 1));
  store<u64>(slotAddr(cl, CLOSURE_NUMARGS), intOop(<i64>numArgs));
  for (let i: usize = 0; i < <usize>numCopied; i++) storePtr(cl, CLOSURE_COPIED + i, stackValue(<i32>(<usize>numCopied - 1 - i)));
  popN(<i32>numCopied);
  R.ip += blockSize;
  push(cl);
}

/** Sista 249: FullBlockClosure for the CompiledBlock literal. */
function pushFullClosure(litIndex: usize, flags: u32): void {
  const numCopied = <usize>(flags & 63);
  const ignoreOuter = (flags & 64) != 0;
  const rcvrOnStack = (flags & 128) != 0;
  let ctx = nilOop();
  if (!ignoreOuter) ctx = ensureFrameContext(R.fp);
  pushRemap(ctx);
  const cl = instantiateClass(splObj(SO_CLASS_FULL_BLOCK_CLOSURE), numCopied);
  ctx = popRemap();
  if (cl == 0) vmCrash("out of memory creating a FullBlockClosure");
  refreshIfMoved();
  const block = literal(litIndex);
  storePtr(cl, CLOSURE_OUTER, ctx);
  storePtr(cl, CLOSURE_METHOD, block);
  store<u64>(slotAddr(cl, CLOSURE_NUMARGS), intOop(<i64>hdrNumArgs(methodHeader(block))));
  for (let i: usize = 0; i < numCopied; i++) storePtr(cl, FULL_CLOSURE_COPIED + i, stackValue(<i32>(numCopied - 1 - i)));
  popN(<i32>numCopied);
  if (rcvrOnStack) storePtr(cl, FULL_CLOSURE_RECEIVER, pop());
  else storePtr(cl, FULL_CLOSURE_RECEIVER, receiver());
  push(cl);
}

/** runSista's local return of v from frame fp to caller, a frame on the same page whose method
 *  is not SistaV1: the registers in R for the interpreter of that bytecode set (setMethod). */
function returnToOtherSet(fp: usize, caller: usize, v: oop): void {
  const sp = fp - ((frNumArgs(fp) + 1) << 3);
  store<u64>(sp, v);
  R.ip = frSavedIP(fp);
  R.sp = sp;
  R.fp = caller;
  setMethod(frMethod(caller));
}

/** value, value:, ... of a FullBlockClosure cl with nargs arguments above it, from the frame fp
 *  at ip with stack top sp, in the common case for runSista (a SistaV1 CompiledBlock of that
 *  arity, a frame that fits on the page, no interrupt check due, no overflow header): builds
 *  the frame at sp + 8 and answers its sp, else 0 and nothing changed. */
// @ts-ignore: decorator
@inline function blockFrameIfFast(cl: oop, nargs: i32, sp: usize, fp: usize, ip: usize): usize {
  if (!isActivatableFullClosure(cl, nargs)) return 0;
  const h = methodHeader(fetchSlot(cl, CLOSURE_METHOD));
  if (!hdrIsSista(h)) return 0;
  if (sp + 8 >= R.pageLimit) return 0;
  if (R.interruptCounter <= 1) return 0;
  if ((load<u64>(<usize>cl) >> 56) >= 255) return 0;
  R.interruptCounter--;
  return pushBlockFrame(cl, nargs, sp + 8, fp, ip);
}

/** The frame of blockFrameIfFast; answers its sp. Out of runSista: its loops would weigh their
 *  locals above the loop's own (build/aot/pinning.ts). */
function pushBlockFrame(cl: oop, nargs: i32, newFP: usize, fp: usize, ip: usize): usize {
  const nil = nilOop();
  const m = fetchSlot(cl, CLOSURE_METHOD);
  store<u64>(newFP + FR_SAVED_FP, <u64>fp | 1);
  store<u64>(newFP + FR_SAVED_IP, (<u64>ip << 3) | 1);
  store<u64>(newFP + FR_METHOD, m);
  store<u64>(newFP + FR_FLAGS, (<u64>(<u32>nargs | FLAG_BLOCK) << 3) | 1);
  store<u64>(newFP + FR_CONTEXT, nil);
  store<u64>(newFP + FR_RECEIVER, fetchSlot(cl, FULL_CLOSURE_RECEIVER));
  store<u64>(newFP + FR_CLOSURE, cl);
  // temps: the arguments (just below the frame, in order), the copied values, then nil up to
  // the block's temp count
  let d = newFP + FR_TEMPS;
  for (let s = newFP - (<usize>nargs << 3); s < newFP; s += 8) { store<u64>(d, load<u64>(s)); d += 8; }
  const cend = <usize>cl + 8 + (<usize>(load<u64>(<usize>cl) >> 56) << 3);
  for (let s = <usize>cl + 8 + (FULL_CLOSURE_COPIED << 3); s < cend; s += 8) { store<u64>(d, load<u64>(s)); d += 8; }
  const end = newFP + FR_TEMPS + (<usize>hdrNumTemps(methodHeader(m)) << 3);
  for (; d < end; d += 8) store<u64>(d, nil);
  return d - 8;
}

/** A binary send of sel (receiver and argument on top of the stack) from runSista after a
 *  special selector's inline path failed, in the common case of its inline send path: a
 *  method-cache hit (first entry of the set) on a SistaV1 method without a primitive whose
 *  frame fits on the page, no interrupt check due. Activates it (the registers in R) and answers
 *  true, else false and nothing changed. Out of runSista, with the registers in R, so that the
 *  loop's own locals stay as they were (build/aot/pinning.ts). */
function activateBinaryIfFast(sel: oop): bool {
  const sp = R.sp;
  const rcv = load<u64>(sp - 8);
  const ci = classIndexOf(rcv);
  const e = slotFor(sel, ci);
  // (a primitive word of 0: a SistaV1 method without a primitive, dispatch.ts)
  if (((load<u64>(e) ^ sel) | (load<u64>(e + CACHE_CLASS) ^ <u64>ci) | load<u64>(e + CACHE_PRIM)) != 0) return false;
  const m = load<u64>(e + CACHE_METHOD);
  const h = intValue(load<u64>(<usize>m + 8));
  const newFP = sp + 8;
  if (newFP >= R.pageLimit) return false;
  if (R.interruptCounter <= 1) return false;
  R.interruptCounter--;
  const nil = nilOop();
  store<u64>(newFP + FR_SAVED_FP, <u64>R.fp | 1);
  store<u64>(newFP + FR_SAVED_IP, (<u64>R.ip << 3) | 1);
  store<u64>(newFP + FR_METHOD, m);
  store<u64>(newFP + FR_FLAGS, (<u64>1 << 3) | 1);
  store<u64>(newFP + FR_CONTEXT, nil);
  store<u64>(newFP + FR_RECEIVER, rcv);
  store<u64>(newFP + FR_CLOSURE, nil);
  // the argument is temp 0, the other temps nil
  let d = newFP + FR_TEMPS;
  store<u64>(d, load<u64>(sp));
  const end = d + (<usize>hdrNumTemps(h) << 3);
  for (d += 8; d < end; d += 8) store<u64>(d, nil);
  R.sp = end - 8;
  R.fp = newFP;
  R.method = m;
  R.mbase = <usize>m + 8;
  R.ip = (<usize>hdrNumLiterals(h) + 1) << 3;
  return true;
}

/** Sista 249 (operand bytes at mb+ip) as runSista's fast path: the new closure, or 0 when the
 *  general pushFullClosure must run (the class not as expected, eden near its threshold). The
 *  caller pops the copied values (and receiver) and pushes the answer. Marrying the frame may
 *  allocate a Context, which never moves objects (only a GC at a safe point does). */
function pushFullClosureFast(fp: usize, sp: usize, ip: usize, mb: usize): oop {
  const f = <u32>load<u8>(mb + ip + 1);
  const cls = splObj(SO_CLASS_FULL_BLOCK_CLOSURE);
  if (cls != fullClosureEpochClass) fullClosureClassIndex();
  const fmt = fullClosureFormat;
  if (fmt == 0) return 0;
  if (fetchSlot(cls, CLASS_FORMAT) != fmt) return 0;
  const nc = <usize>(f & 63);
  let ctx = nilOop();
  if ((f & 64) == 0) {
    ctx = load<u64>(fp + FR_CONTEXT);
    if (ctx == nilOop()) { R.ip = ip; R.sp = sp; syncFrame(fp, mb); ctx = ensureFrameContext(fp); }
  }
  const cl = allocateInEdenUnfilled(FULL_CLOSURE_COPIED + nc, 3, fullClosureCI);
  if (cl == 0) return 0;
  // (a young object: its stores need no write barrier)
  const block = load<u64>(mb + 8 + (<usize>load<u8>(mb + ip) << 3));
  store<u64>(slotAddr(cl, CLOSURE_OUTER), ctx);
  store<u64>(slotAddr(cl, CLOSURE_METHOD), block);
  store<u64>(slotAddr(cl, CLOSURE_NUMARGS), intOop(<i64>hdrNumArgs(methodHeader(block))));
  let s = sp - (nc << 3);
  const rcvr = (f & 128) != 0 ? load<u64>(s) : load<u64>(fp + FR_RECEIVER);
  store<u64>(slotAddr(cl, FULL_CLOSURE_RECEIVER), rcvr);
  let d = slotAddr(cl, FULL_CLOSURE_COPIED);
  for (s += 8; s <= sp; s += 8) { store<u64>(d, load<u64>(s)); d += 8; }
  return cl;
}

/** Array at: (primitive 60 through the method cache, a pointer-indexable receiver without named
 *  slots and an index in range) for runSista: the element, or 0 for the send. Tests written as
 *  xor-or and unsigned compares: the && forms become selects natively. */
// @ts-ignore: decorator
@inline function arrayAtFast(rcv: oop, idx: oop): oop {
  if (((rcv | (idx ^ 1)) & 7) != 0) return 0; // a heap object and a SmallInteger
  if (formatOf(rcv) != 2) return 0;
  const sel = specialSelectorSlot(32);
  const ci = classIndexOfObj(rcv);
  const e = slotFor(sel, ci);
  if (((load<u64>(e) ^ sel) | (load<u64>(e + CACHE_CLASS) ^ <u64>ci) | (load<u64>(e + CACHE_PRIM) ^ WORD_AT)) != 0) return 0;
  const i = intValue(idx);
  if (<u64>(i - 1) >= <u64>numSlotsOf(rcv)) return 0; // 1..size
  return fetchSlot(rcv, <usize>(i - 1));
}

/** Array at:put: likewise (primitive 61), not for immutable objects: true when stored. */
// @ts-ignore: decorator
@inline function arrayAtPutFast(rcv: oop, idx: oop, v: oop): bool {
  if (((rcv | (idx ^ 1)) & 7) != 0) return false;
  if (formatOf(rcv) != 2) return false;
  if (isImmutableObj(rcv)) return false;
  const sel = specialSelectorSlot(34);
  const ci = classIndexOfObj(rcv);
  const e = slotFor(sel, ci);
  if (((load<u64>(e) ^ sel) | (load<u64>(e + CACHE_CLASS) ^ <u64>ci) | (load<u64>(e + CACHE_PRIM) ^ WORD_AT_PUT)) != 0) return false;
  const i = intValue(idx);
  if (<u64>(i - 1) >= <u64>numSlotsOf(rcv)) return false;
  storePtrInline(rcv, <usize>(i - 1), v);
  return true;
}

/** Primitives 60 (at:), 62 (size) and 63 (stringAt:) through the method cache on an Array-like
 *  (format 2: no named slots, not a Context) or byte receiver, in range: the answer, or 0 for the
 *  primitive table (prims/objects.ts primAt/primSize), which fails the rest. Json's parser and
 *  the collections spend most of their primitive calls here. nargs is the send's. */
function indexedFast(rcv: oop, prim: u32, nargs: i32, idx: oop): oop {
  if ((rcv & 7) != 0) return 0;
  const f = formatOf(rcv);
  let n: usize;
  if (f == 2) {
    if (prim == 63) return 0; // (stringAt: fails on pointers)
    n = numSlotsOf(rcv);
  } else if (f - 16 < 8) n = (numSlotsOf(rcv) << 3) - <usize>(f & 7);
  else return 0;
  if (prim == 62) return nargs == 0 ? intOop(<i64>n) : 0;
  if (nargs != 1 || prim == 61) return 0;
  if ((idx & 7) != 1) return 0;
  const i = intValue(idx) - 1;
  if (<u64>i >= <u64>n) return 0; // 1..size (unsigned: below 1 wraps high)
  if (f == 2) return fetchSlot(rcv, <usize>i);
  const byte = <u32>load<u8>(<usize>rcv + 8 + <usize>i);
  return prim == 63 ? charOop(byte) : intOop(<i64>byte);
}

/** Primitives 70 (basicNew of a class without indexed slots) and 71 (basicNew: of an Array-like or byte
 *  class) for objects of 1-254 slots that fit in eden under its threshold; 0 for everything
 *  else, which primNew (prims/objects.ts) handles or fails. */
// @ts-ignore: decorator
@inline function newInstanceFast(cls: oop, withSize: bool, arg: oop): oop {
  if ((cls & 7) != 0) return 0;
  // one header read: pointer format, the format slot present (a count of 255 means more), and
  // the hash, which is the class index once the class has one
  const hd = load<u64>(<usize>cls);
  if (((hd >> 24) & 0x1F) > 5) return 0;
  if ((hd >> 56) <= <u64>CLASS_FORMAT) return 0;
  const ci = <u32>((hd >> 32) & 0x3FFFFF);
  if (ci == 0) return 0;
  if (!isClassAtIndex(cls, ci)) return 0;
  const fw = fetchSlot(cls, CLASS_FORMAT);
  if (!isSmallInt(fw)) return 0;
  const spec = <u32>((intValue(fw) >> 16) & 0x1F);
  const fixed = <usize>(intValue(fw) & 0xFFFF);
  let ns: usize; let format = spec; let fill = nilOop();
  if (!withSize) {
    if (spec > 1) return 0; // (0: no slots, 1: fixed pointers)
    ns = fixed;
    if (spec == 0) {
      // an empty object takes one body word, zero
      const e = allocateInEdenUnfilled(1, 0, ci);
      if (e == 0) return 0;
      store<u64>(<usize>e, <u64>ci);
      store<u64>(<usize>e + 8, 0);
      return e;
    }
  } else {
    if (!isSmallInt(arg)) return 0;
    const n = intValue(arg);
    if (<u64>n >= 2040) return 0; // (negative: unsigned, too big)
    if (spec == 2 || spec == 3) ns = fixed + <usize>n;
    else if (spec == 16) { ns = <usize>(n + 7) >> 3; format = 16 + <u32>((8 - (n & 7)) & 7); fill = 0; }
    else return 0;
  }
  if (ns - 1 >= 254) return 0; // 1..254 slots (unsigned: 0 wraps high)
  const o = allocateInEdenUnfilled(ns, format, ci);
  if (o == 0) return 0;
  const end = <usize>o + 8 + (ns << 3);
  for (let a = <usize>o + 8; a < end; a += 8) store<u64>(a, fill);
  return o;
}

function pushThisContext(): void {
  const ctx = ensureFrameContext(R.fp);
  refreshIfMoved();
  push(ctx);
}

// ---- variables

function pushReceiverVariable(i: usize): void {
  const r = receiver();
  if (isImmediate(r)) vmCrashN("push of an instance variable of an immediate receiver, index", <i64>i);
  if (isContext(r)) { push(contextFetch(r, i)); refreshIfMoved(); return; }
  push(fetchSlot(r, i));
}

/** Stores v into instance variable i of the receiver; answers false when it sent
 *  #attemptToAssign:withIndex: instead (immutable receiver). */
function storeReceiverVariable(i: usize, v: oop): bool {
  const r = receiver();
  if (isImmutableObj(r)) {
    push(r); push(v); push(intOop(<i64>i + 1));
    sendSelector(splObj(SO_SELECTOR_ATTEMPT_TO_ASSIGN), 2, 0);
    return false;
  }
  if (isContext(r)) {
    if (contextStore(r, i, v)) resumeAfterDivorce();
    return true;
  }
  storePtr(r, i, v);
  return true;
}

/** The active page was divorced while the active frame kept running: resume its context
 *  (the frame's words are still readable: a freed page is only reused by newPage). */
export function resumeAfterDivorce(): void {
  const ctx = load<u64>(R.fp + FR_CONTEXT);
  R.page = -1;
  if (!resumeContext(ctx)) vmCrash("cannot resume the active context after a divorce");
}

function pushLiteralVariable(i: usize): void {
  push(fetchSlot(literal(i), ASSOC_VALUE));
}
function storeLiteralVariable(i: usize, v: oop): void {
  const assoc = literal(i);
  if (isImmutableObj(assoc)) {
    push(assoc); push(v); push(intOop(2));
    sendSelector(splObj(SO_SELECTOR_ATTEMPT_TO_ASSIGN), 2, 0);
    return;
  }
  storePtr(assoc, ASSOC_VALUE, v);
}
function remoteTempVector(tempIndex: usize): oop { return temp(tempIndex); }

// ---- conditional jumps

function jumpIf(cond: bool, offset: i32): void {
  const v = pop();
  if (v == trueOop()) { if (cond) R.ip += <usize>offset; return; }
  if (v == falseOop()) { if (!cond) R.ip += <usize>offset; return; }
  push(v);
  sendSelector(splObj(SO_SELECTOR_MUST_BE_BOOLEAN), 0, 0);
}

// @ts-ignore: decorator
@inline function backwardJumpCheck(): void {
  if (--R.interruptCounter <= 0) interruptCheck();
}

/** The interrupt check (a GC safe point and process switch point): registers are reloaded after. */
function interruptCheck(): void {
  checkForInterrupts();
  if (I.epoch != gcEpochNow()) refreshAfterGC();
}

// ---- arithmetic fast paths for the special selectors (SmallIntegers, then SmallFloat64s in
// floatfast.ts; the rest is a send)

/** x * y for two SmallIntegers, or 0 when the product does not fit one. */
// @ts-ignore: decorator
@inline function intTimes(a: oop, b: oop): oop {
  const x = intValue(a); const y = intValue(b);
  const p = x * y;
  if (x != 0 && (p / x != y || (x == -1 && y == i64.MIN_VALUE))) return 0;
  return isIntValue(p) ? intOop(p) : 0;
}

function arith(k: i32): bool {
  const a = stackValue(1); const b = stackValue(0);
  if (!areSmallInts(a, b)) {
    if (k > 9) return false;
    const f = floatSpecial(k, a, b);
    if (f == 0) return false;
    popThenPush(2, f);
    return true;
  }
  const x = intValue(a); const y = intValue(b);
  let r: i64 = 0;
  switch (k) {
    case 0: r = x + y; break;
    case 1: r = x - y; break;
    case 2: popThenPush(2, x < y ? trueOop() : falseOop()); return true;
    case 3: popThenPush(2, x > y ? trueOop() : falseOop()); return true;
    case 4: popThenPush(2, x <= y ? trueOop() : falseOop()); return true;
    case 5: popThenPush(2, x >= y ? trueOop() : falseOop()); return true;
    case 6: popThenPush(2, x == y ? trueOop() : falseOop()); return true;
    case 7: popThenPush(2, x != y ? trueOop() : falseOop()); return true;
    case 8: { const p = intTimes(a, b); if (p == 0) return false; popThenPush(2, p); return true; }
    case 9: if (y == 0 || x % y != 0) return false; r = x / y; break;
    case 10: { if (y == 0) return false; let m = x % y; if (m != 0 && ((m ^ y) < 0)) m += y; r = m; break; }
    case 12: {
      if (y >= 0) { if (y > 63) { if (x != 0) return false; r = 0; } else { const s = x << y; if ((s >> y) != x) return false; r = s; } }
      else { r = y < -63 ? (x < 0 ? -1 : 0) : x >> (-y); }
      break;
    }
    case 13: { if (y == 0) return false; let q = x / y; if ((x % y != 0) && ((x ^ y) < 0)) q -= 1; r = q; break; }
    case 14: r = x & y; break;
    case 15: r = x | y; break;
    default: return false;
  }
  if (!isIntValue(r)) return false;
  popThenPush(2, intOop(r));
  return true;
}

function specialSend(k: i32): void {
  if (k < 16) { if (arith(k)) return; }
  else if (k == 22) { // ==
    const b = pop(); const a = top();
    store<u64>(R.sp, a == b ? trueOop() : falseOop());
    return;
  } else if (k == 24) { // ~~
    const b = pop(); const a = top();
    store<u64>(R.sp, a != b ? trueOop() : falseOop());
    return;
  }
  sendSpecial(k);
}

// ---- the loops

/** Runs bytecodes until the interpreter is stopped (quit, exit, or the bottom context of the
 *  test process returning when stopOnBottomReturn is set). */
export function interpret(): void {
  I.stopped = false;
  I.mode = 1;
  I.epoch = gcEpochNow();
  if (R.fp != 0) setMethod(frMethod(R.fp));
  while (!I.stopped) {
    if (I.sista) runSista(); else runV3();
  }
}

function unknownBytecode(b: u32): void {
  vmCrashN("unknown bytecode", <i64>b);
}

/** runSista keeps the frame pointer and method base in its locals only (no stores per send and
 *  return): written back to R before anything outside the loop runs that may read them
 *  (primitives, lookups, GC, process switches, crash reports). */
// @ts-ignore: decorator
@inline function syncFrame(fp: usize, mb: usize): void {
  R.fp = fp;
  R.method = <u64>(mb - 8);
  R.mbase = mb;
}

/** SistaV1: the common bytecodes that touch only the active frame run here with ip, sp, fp and
 *  the method base in locals (V8 keeps them in registers; the R globals are written back only
 *  when something out of line needs them); everything else (sends that miss the cache or hit a
 *  primitive, returns across pages, extensions, closures, anything that may switch frames or
 *  processes) goes through stepSista with the registers synced. */
function runSista(): void {
  let ip = R.ip;
  let mb = R.mbase;
  let sp = R.sp;
  let fp = R.fp;
  let nil = nilOop(); let tru = trueOop(); let fls = falseOop();
  let sendSel: u64 = 0; let sendArgs: i32 = 0;
  // a receiver known to be a heap object, not a Context (whose variables live in its frame) and
  // mutable, whose variables the receiver-variable bytecodes may read and write directly: only
  // this loop's own code runs between its test and its uses, and that code neither moves objects
  // nor changes classes or immutability (become:, a collection, adoptInstance:, beReadOnlyObject
  // run out of line, after which the registers are reloaded and it is reset; 0 is no oop)
  let ivarRcv: u64 = 0;
  while (true) {
    const b = <u32>load<u8>(mb + ip);
    ip++;
    switch (b) {
      case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
      case 8: case 9: case 10: case 11: case 12: case 13: case 14: case 15: {
        const r = load<u64>(fp + FR_RECEIVER);
        // a Context receiver (its frame holds the live values) or an immediate one (damaged
        // code): the slow path; separate ifs, not isContext's &&, which natively becomes a
        // boolean kept in a frame slot. ivarRcv is the last receiver that passed the tests,
        // so runs of pushes and stores on one receiver, across sends too, compare once
        if (r != ivarRcv) {
          if ((r & 7) != 0) break;
          if (classIndexOfObj(r) == contextClassIndex()) break;
          if (!isImmutableObj(r)) ivarRcv = r;
        }
        sp += 8; store<u64>(sp, fetchSlot(r, <usize>b)); continue;
      }
      case 16: case 17: case 18: case 19: case 20: case 21: case 22: case 23:
      case 24: case 25: case 26: case 27: case 28: case 29: case 30: case 31:
        sp += 8; store<u64>(sp, fetchSlot(load<u64>(mb + 8 + (<usize>(b & 15) << 3)), ASSOC_VALUE)); continue;
      case 32: case 33: case 34: case 35: case 36: case 37: case 38: case 39:
      case 40: case 41: case 42: case 43: case 44: case 45: case 46: case 47:
      case 48: case 49: case 50: case 51: case 52: case 53: case 54: case 55:
      case 56: case 57: case 58: case 59: case 60: case 61: case 62: case 63:
        sp += 8; store<u64>(sp, load<u64>(mb + 8 + (<usize>(b & 31) << 3))); continue;
      case 64: case 65: case 66: case 67: case 68: case 69: case 70: case 71:
      case 72: case 73: case 74: case 75:
        sp += 8; store<u64>(sp, load<u64>(fp + FR_TEMPS + (<usize>(b - 64) << 3))); continue;
      case 76: sp += 8; store<u64>(sp, load<u64>(fp + FR_RECEIVER)); continue;
      case 77: sp += 8; store<u64>(sp, tru); continue;
      case 78: sp += 8; store<u64>(sp, fls); continue;
      case 79: sp += 8; store<u64>(sp, nil); continue;
      case 80: sp += 8; store<u64>(sp, intOop(0)); continue;
      case 81: sp += 8; store<u64>(sp, intOop(1)); continue;
      case 83: { const v = load<u64>(sp); sp += 8; store<u64>(sp, v); continue; }
      case 92: {
        // method return of the top (outside blocks) to a caller on this page. One test for the
        // common case: a frame built by this loop's fast paths (its caller on the page, running
        // SistaV1: registers.ts FLAG_CHECK_RETURN) and not a block's (a method return from a
        // block is non-local: the slow path). The return cases are written out one per mask (a
        // constant: no computing it from the bytecode).
        const flags = frFlags(fp);
        const caller = frSavedFP(fp);
        const v = load<u64>(sp);
        if ((flags & (FLAG_BLOCK | FLAG_CHECK_RETURN)) != 0) {
          if (caller == 0) break;
          if ((flags & FLAG_BLOCK) != 0) break;
          if (!hdrIsSista(methodHeader(frMethod(caller)))) { returnToOtherSet(fp, caller, v); return; }
        }
        sp = fp - ((<usize>(flags & 0xFF) + 1) << 3);
        store<u64>(sp, v);
        ip = frSavedIP(fp);
        fp = caller;
        // a SistaV1 caller keeps I.sista and I.mode as they are (this loop runs: 1); R.fp,
        // R.method and R.mbase are written back only when something outside the loop runs
        mb = <usize>frMethod(caller) + 8;
        continue;
      }
      case 94: {
        // block return of the top (from a block or a method alike: local), as 92
        const flags = frFlags(fp);
        const caller = frSavedFP(fp);
        const v = load<u64>(sp);
        if ((flags & FLAG_CHECK_RETURN) != 0) {
          if (caller == 0) break;
          if (!hdrIsSista(methodHeader(frMethod(caller)))) { returnToOtherSet(fp, caller, v); return; }
        }
        sp = fp - ((<usize>(flags & 0xFF) + 1) << 3);
        store<u64>(sp, v);
        ip = frSavedIP(fp);
        fp = caller;
        // a SistaV1 caller keeps I.sista and I.mode as they are (this loop runs: 1); R.fp,
        // R.method and R.mbase are written back only when something outside the loop runs
        mb = <usize>frMethod(caller) + 8;
        continue;
      }
      case 88: case 89: case 90: case 91: {
        // method returns of self, true, false, nil (outside blocks), as 92
        const flags = frFlags(fp);
        const caller = frSavedFP(fp);
        let v = nil;
        if (b == 88) v = load<u64>(fp + FR_RECEIVER);
        else if (b == 89) v = tru;
        else if (b == 90) v = fls;
        if ((flags & (FLAG_BLOCK | FLAG_CHECK_RETURN)) != 0) {
          if (caller == 0) break;
          if ((flags & FLAG_BLOCK) != 0) break;
          if (!hdrIsSista(methodHeader(frMethod(caller)))) { returnToOtherSet(fp, caller, v); return; }
        }
        sp = fp - ((<usize>(flags & 0xFF) + 1) << 3);
        store<u64>(sp, v);
        ip = frSavedIP(fp);
        fp = caller;
        // a SistaV1 caller keeps I.sista and I.mode as they are (this loop runs: 1); R.fp,
        // R.method and R.mbase are written back only when something outside the loop runs
        mb = <usize>frMethod(caller) + 8;
        continue;
      }
      case 93: {
        // block return of nil, as 94
        const flags = frFlags(fp);
        const caller = frSavedFP(fp);
        const v = nil;
        if ((flags & FLAG_CHECK_RETURN) != 0) {
          if (caller == 0) break;
          if (!hdrIsSista(methodHeader(frMethod(caller)))) { returnToOtherSet(fp, caller, v); return; }
        }
        sp = fp - ((<usize>(flags & 0xFF) + 1) << 3);
        store<u64>(sp, v);
        ip = frSavedIP(fp);
        fp = caller;
        // a SistaV1 caller keeps I.sista and I.mode as they are (this loop runs: 1); R.fp,
        // R.method and R.mbase are written back only when something outside the loop runs
        mb = <usize>frMethod(caller) + 8;
        continue;
      }
      case 96: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (areSmallInts(x, y)) { const r = intValue(x) + intValue(y); if (isIntValue(r)) { sp -= 8; store<u64>(sp, intOop(r)); continue; } }
        else { const f = floatSpecial(0, x, y); if (f != 0) { sp -= 8; store<u64>(sp, f); continue; } }
        break;
      }
      case 97: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (areSmallInts(x, y)) { const r = intValue(x) - intValue(y); if (isIntValue(r)) { sp -= 8; store<u64>(sp, intOop(r)); continue; } }
        else { const f = floatSpecial(1, x, y); if (f != 0) { sp -= 8; store<u64>(sp, f); continue; } }
        break;
      }
      case 104: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (areSmallInts(x, y)) { const p = intTimes(x, y); if (p != 0) { sp -= 8; store<u64>(sp, p); continue; } }
        else { const f = floatSpecial(8, x, y); if (f != 0) { sp -= 8; store<u64>(sp, f); continue; } }
        break;
      }
      case 112: case 113: case 121: case 122: {
        if (b == 112) { // at: on an Array whose at: is primitive 60 (checked through the method cache)
          const v = arrayAtFast(load<u64>(sp - 8), load<u64>(sp));
          if (v != 0) { sp -= 8; store<u64>(sp, v); continue; }
        } else if (b == 113) { // at:put: likewise (primitive 61), not for immutable objects
          const v = load<u64>(sp);
          if (arrayAtPutFast(load<u64>(sp - 16), load<u64>(sp - 8), v)) { sp -= 16; store<u64>(sp, v); continue; }
        } else {
          // value, value: on a FullBlockClosure of that arity: no lookup
          const nargs = <i32>b - 121;
          const cl = load<u64>(sp - (<usize>nargs << 3));
          const nsp = blockFrameIfFast(cl, nargs, sp, fp, ip);
          if (nsp != 0) {
            fp = sp + 8;
            sp = nsp;
            mb = <usize>load<u64>(fp + FR_METHOD) + 8;
            ip = (<usize>hdrNumLiterals(intValue(load<u64>(mb))) + 1) << 3;
            continue;
          }
        }
        // (at: and at:put: of other receivers, value and value: of other closures: the send)
      }
      // fall through
      case 114: case 115: case 116: case 117: case 123: case 124: case 125: case 126: case 127: case 234:
        if (b == 234) {
          // an extended send without extension prefixes (those take the slow path): literal
          // index and argument count (up to 7) in the next byte
          const b2 = <usize>load<u8>(mb + ip); ip++;
          sendSel = load<u64>(mb + 8 + ((b2 >> 3) << 3));
          sendArgs = <i32>(b2 & 7);
        } else {
          // special-selector sends without an inline fast path: the selector and its argument
          // count from the special selectors array, then the same cache-hit paths as a literal send
          sendSel = specialSelectorSlot(<usize>((b - 96) << 1));
          sendArgs = <i32>intValue(specialSelectorSlot(<usize>((b - 96) << 1) + 1));
        }
        // fall through
      case 128: case 129: case 130: case 131: case 132: case 133: case 134: case 135:
      case 136: case 137: case 138: case 139: case 140: case 141: case 142: case 143:
      case 144: case 145: case 146: case 147: case 148: case 149: case 150: case 151:
      case 152: case 153: case 154: case 155: case 156: case 157: case 158: case 159:
      case 160: case 161: case 162: case 163: case 164: case 165: case 166: case 167:
      case 168: case 169: case 170: case 171: case 172: case 173: case 174: case 175: {
        if (b - 128 < 48) { // 128-175 (u32: below 128 wraps high)
          sendSel = load<u64>(mb + 8 + (<usize>(b & 15) << 3));
          sendArgs = <i32>((b - 128) >> 4);
        }
        const sel = sendSel;
        const nargs = sendArgs;
        const rcv = load<u64>(sp - (<usize>nargs << 3));
        const ci = classIndexOf(rcv);
        const e = slotFor(sel, ci);
        // one test for selector and class (xor-or: no booleans to materialise)
        const miss = (load<u64>(e) ^ sel) | (load<u64>(e + CACHE_CLASS) ^ <u64>ci);
        const w = load<u64>(e + CACHE_PRIM);
        // a method-cache hit on a SistaV1 method without a primitive (a primitive word of 0,
        // dispatch.ts) is activated right here
        if ((miss | w) == 0) {
          const m = load<u64>(e + CACHE_METHOD);
          const h = intValue(load<u64>(<usize>m + 8));
          const newFP = sp + 8;
          // the common case stays in this loop's registers: a frame that fits on the page and
          // no interrupt check due (activateMethod does the rest); both as one sign test (the
          // differences are small: within a page, a counter), not two combined booleans
          const ic = R.interruptCounter;
          if ((<i32>(R.pageLimit - newFP - 1) | (ic - 2)) >= 0) {
            R.interruptCounter = ic - 1;
            store<u64>(newFP + FR_SAVED_FP, <u64>fp | 1);
            store<u64>(newFP + FR_SAVED_IP, (<u64>ip << 3) | 1);
            store<u64>(newFP + FR_METHOD, m);
            store<u64>(newFP + FR_FLAGS, (<u64>nargs << 3) | 1);
            store<u64>(newFP + FR_CONTEXT, nil);
            store<u64>(newFP + FR_RECEIVER, rcv);
            store<u64>(newFP + FR_CLOSURE, nil);
            // the arguments (just below the new frame, in order) become its first temps, the
            // rest are nil; pointer-bumping loops: fewer instructions, and fewer uses inside
            // nested loops, whose weight decides which locals the AOT keeps in registers
            // (build/aot/pinning.ts)
            let d = newFP + FR_TEMPS;
            for (let s = newFP - (<usize>nargs << 3); s < newFP; s += 8) { store<u64>(d, load<u64>(s)); d += 8; }
            const end = newFP + FR_TEMPS + (<usize>hdrNumTemps(h) << 3);
            // two nils whatever the count, so most methods run no loop: any beyond end lie above
            // the new stack top, within the page's headroom (PAGE_HEADROOM), and are never read
            store<u64>(d, nil);
            store<u64>(d + 8, nil);
            for (d += 16; d < end; d += 8) store<u64>(d, nil);
            sp = end - 8;
            fp = newFP;
            mb = <usize>m + 8;
            ip = (<usize>hdrNumLiterals(h) + 1) << 3;
            continue;
          }
          lastSelector = sel;
          R.ip = ip; R.sp = sp; syncFrame(fp, mb);
          activateMethod(m, nargs);
        } else if (miss == 0) {
          // the kind of method, decided when the entry was filled (dispatch.ts): one jump table;
          // each fast path answers with `continue`, else it leaves the switch for executeMethod
          switch (kindOfWord(w)) {
            case K_ACTIVATE: case K_GENERIC: break; // (listed: the jump table starts at 0)
            case K_SELF: { sp -= <usize>nargs << 3; store<u64>(sp, rcv); continue; }
            case K_TRUE: { sp -= <usize>nargs << 3; store<u64>(sp, tru); continue; }
            case K_FALSE: { sp -= <usize>nargs << 3; store<u64>(sp, fls); continue; }
            case K_NIL: { sp -= <usize>nargs << 3; store<u64>(sp, nil); continue; }
            case K_INT: { sp -= <usize>nargs << 3; store<u64>(sp, intOop(<i64>primOfWord(w) - 261)); continue; }
            case K_IVAR: {
              // the receiver is a heap object and not a Context (its class index, the key, says
              // so); a header of the entry's shape has the variable (one masked compare), else
              // the tests themselves: a pointer format and a slot count field above the index
              // (255 for 255 slots or more; the index is at most 255)
              const iv = operandOfWord(w);
              const hd = load<u64>(<usize>rcv);
              if (hasShape(hd, w)) {
                sp -= <usize>nargs << 3;
                store<u64>(sp, fetchSlot(rcv, iv));
                continue;
              }
              if (((hd >> 24) & 0x1F) <= 5) {
                if (<u64>iv < (hd >> 56)) {
                  sp -= <usize>nargs << 3;
                  store<u64>(sp, fetchSlot(rcv, iv));
                  continue;
                }
              }
              break;
            }
            case K_SETTER: {
              // a setter (setters.ts) on a receiver of the entry's shape (a heap object, not a
              // Context, mutable, with the variable): store the argument, answer the receiver
              if (hasShape(load<u64>(<usize>rcv), w)) {
                storePtrInline(rcv, operandOfWord(w), load<u64>(sp));
                sp -= 8;
                continue;
              }
              if (setterStore(rcv, operandOfWord(w), load<u64>(sp))) { sp -= 8; continue; }
              break;
            }
            case K_BLOCK: {
              // value.. (201-205, 207: FullBlockClosure>>value:value: and the like) on a full block
              const nsp = blockFrameIfFast(rcv, nargs, sp, fp, ip);
              if (nsp != 0) {
                fp = sp + 8;
                sp = nsp;
                mb = <usize>load<u64>(fp + FR_METHOD) + 8;
                ip = (<usize>hdrNumLiterals(intValue(load<u64>(mb))) + 1) << 3;
                continue;
              }
              break;
            }
            case K_INDEXED: {
              // at:, size, stringAt: of an Array or a byte object, in range
              const v = indexedFast(rcv, <u32>primOfWord(w), nargs, load<u64>(sp));
              if (v != 0) {
                sp -= <usize>nargs << 3;
                store<u64>(sp, v);
                continue;
              }
              break;
            }
            case K_NEW: case K_NEW_INIT: {
              // K_NEW: basicNew / basicNew: of a common class, allocated from eden without the
              // primitive table. K_NEW_INIT: `^ self basicNew initialize` (or basicNew:) sent to
              // the class it was cached for (newinit.ts): the new instance is the answer, without
              // a frame; else the method is activated (its primitive field is 0)
              const init = kindOfWord(w) == K_NEW_INIT;
              if (init && <u32>((load<u64>(<usize>rcv) >> 32) & 0x3FFFFF) != newInitClassIndex(w)) break;
              const o = newInstanceFast(rcv, init ? nargs == 1 : primOfWord(w) == 71, load<u64>(sp));
              if (o != 0) {
                sp -= <usize>nargs << 3;
                store<u64>(sp, o);
                continue;
              }
              break;
            }
            case K_COMPARE_BYTES: {
              // compareWith: of two byte objects (String>>=): without the primitive table
              const v = compareBytesOop(rcv, load<u64>(sp));
              if (v != 0) { sp -= 8; store<u64>(sp, v); continue; }
              break;
            }
            case K_FLOAT_SQRT: {
              // sqrt of a SmallFloat64 (no arguments): the root replaces the receiver
              const v = floatSqrtFast(rcv);
              if (v != 0) { store<u64>(sp, v); continue; }
              break;
            }
            case K_FLOAT_ARITH: {
              // Float arithmetic and comparison primitives on a SmallFloat64 receiver and a
              // SmallFloat64 or SmallInteger argument (SOM's // is one): without the table
              const v = floatPrimFast(<u32>operandOfWord(w), rcv, load<u64>(sp));
              if (v != 0) { sp -= 8; store<u64>(sp, v); continue; }
              break;
            }
            case K_FLOAT_TRUNC: {
              // truncated of a SmallFloat64 whose integer part is a SmallInteger
              const v = floatTruncatedFast(rcv);
              if (v != 0) { store<u64>(sp, v); continue; }
              break;
            }
            case K_INT_ARITH: {
              // quo: bitAnd: bitOr: bitXor: of two SmallIntegers sent by name
              const v = intPrimFast(<u32>primOfWord(w), rcv, load<u64>(sp));
              if (v != 0) { sp -= 8; store<u64>(sp, v); continue; }
              break;
            }
            default: break;
          }
          lastSelector = sel;
          R.ip = ip; R.sp = sp; syncFrame(fp, mb);
          executeMethod(load<u64>(e + CACHE_METHOD), primOfWord(w), nargs);
        } else {
          // the other entry of the cache set may hold it: swap it into the slot and run the
          // send bytecode again, to hit (lookup.ts)
          const p = partnerOf(e);
          if (((load<u64>(p) ^ sel) | (load<u64>(p + CACHE_CLASS) ^ <u64>ci)) == 0) {
            cacheSwapWithPartner(e);
            ip -= b == 234 ? 2 : 1;
            continue;
          }
          lastSelector = sel;
          R.ip = ip; R.sp = sp; syncFrame(fp, mb);
          sendSelector(sel, nargs, 0);
        }
        if (I.mode != 1) return;
        ip = R.ip; mb = R.mbase; sp = R.sp; fp = R.fp;
        nil = nilOop(); tru = trueOop(); fls = falseOop(); ivarRcv = 0;
        continue;
      }
      // SmallInteger / \\ bitShift: // bitAnd: bitOr: (anything else, a zero divisor, an inexact
      // quotient or an overflow: the send, whose primitive fails the same way)
      case 105: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (!areSmallInts(x, y)) { // SmallFloat64s (floatfast.ts), else the send
          const f = floatSpecial(9, x, y);
          if (f != 0) { sp -= 8; store<u64>(sp, f); continue; }
          break;
        }
        const a = intValue(x); const c = intValue(y);
        if (c == 0) break;
        if (a % c != 0) break;
        const q = a / c;
        if (!isIntValue(q)) break;
        sp -= 8; store<u64>(sp, intOop(q)); continue;
      }
      case 106: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (!areSmallInts(x, y)) break;
        const a = intValue(x); const c = intValue(y);
        if (c == 0) break;
        let m = a % c;
        if (m != 0 && ((m ^ c) < 0)) m += c;
        sp -= 8; store<u64>(sp, intOop(m)); continue;
      }
      case 108: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (!areSmallInts(x, y)) break;
        const a = intValue(x); const c = intValue(y);
        let r: i64;
        if (c >= 0) {
          if (c > 63) break;
          r = a << c;
          if ((r >> c) != a) break;
          if (!isIntValue(r)) break;
        } else r = c < -63 ? a >> 63 : a >> (-c);
        sp -= 8; store<u64>(sp, intOop(r)); continue;
      }
      case 109: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (!areSmallInts(x, y)) break;
        const a = intValue(x); const c = intValue(y);
        if (c == 0) break;
        let q = a / c;
        if ((a % c != 0) && ((a ^ c) < 0)) q -= 1;
        if (!isIntValue(q)) break;
        sp -= 8; store<u64>(sp, intOop(q)); continue;
      }
      case 110: { // both tags are 001, so the and of the oops is the oop of the and
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (!areSmallInts(x, y)) break;
        sp -= 8; store<u64>(sp, x & y); continue;
      }
      case 111: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        if (!areSmallInts(x, y)) break;
        sp -= 8; store<u64>(sp, x | y); continue;
      }
      case 249: {
        // a FullBlockClosure without extension prefixes: allocated inline from eden
        const cl = pushFullClosureFast(fp, sp, ip, mb);
        if (cl == 0) break;
        const f = <u32>load<u8>(mb + ip + 1);
        sp -= <usize>(f & 63) << 3;
        if ((f & 128) != 0) sp -= 8;
        sp += 8; store<u64>(sp, cl);
        ip += 2;
        continue;
      }
      case 98: case 99: case 100: case 101: case 102: case 103: {
        const x = load<u64>(sp - 8); const y = load<u64>(sp);
        let r: bool;
        if (areSmallInts(x, y)) {
          r = compareSmallInts(b, x, y);
        } else { // SmallFloat64s (floatfast.ts), else the send
          const f = floatSpecial(<i32>b - 96, x, y);
          if (f == 0) break;
          r = f == tru;
        }
        // a conditional jump right after the comparison consumes the Boolean without pushing it
        const nb = <u32>load<u8>(mb + ip);
        if (nb - 184 < 16) { // 184-199 (u32: below 184 wraps high)
          sp -= 16; ip++;
          if (r == (nb < 192)) ip += <usize>((nb & 7) + 1);
          continue;
        }
        if (nb == 238 || nb == 239) {
          sp -= 16;
          const off = <usize>load<u8>(mb + ip + 1);
          ip += 2;
          if (r == (nb == 238)) ip += off;
          continue;
        }
        sp -= 8; store<u64>(sp, r ? tru : fls);
        continue;
      }
      case 118: { // ==
        const y = load<u64>(sp); sp -= 8;
        store<u64>(sp, load<u64>(sp) == y ? tru : fls);
        continue;
      }
      case 119: // class: answered without a lookup, as Squeak's VMs do
        store<u64>(sp, classOfOop(load<u64>(sp)));
        continue;
      case 120: { // ~~
        const y = load<u64>(sp); sp -= 8;
        store<u64>(sp, load<u64>(sp) != y ? tru : fls);
        continue;
      }
      case 176: case 177: case 178: case 179: case 180: case 181: case 182: case 183:
        ip += <usize>(b - 175); continue;
      case 184: case 185: case 186: case 187: case 188: case 189: case 190: case 191: {
        const v = load<u64>(sp);
        if (v == tru) { sp -= 8; ip += <usize>(b - 183); continue; }
        if (v == fls) { sp -= 8; continue; }
        break;
      }
      case 192: case 193: case 194: case 195: case 196: case 197: case 198: case 199: {
        const v = load<u64>(sp);
        if (v == fls) { sp -= 8; ip += <usize>(b - 191); continue; }
        if (v == tru) { sp -= 8; continue; }
        break;
      }
      case 200: case 201: case 202: case 203: case 204: case 205: case 206: case 207: {
        // pop into a receiver variable; a Context receiver (its frame) or an immutable one
        // (attemptToAssign:withIndex:) takes the slow path
        const r = load<u64>(fp + FR_RECEIVER);
        if (r != ivarRcv) {
          if ((r & 7) != 0) break;
          if (classIndexOfObj(r) == contextClassIndex()) break;
          if (isImmutableObj(r)) break;
          ivarRcv = r;
        }
        storePtrInline(r, <usize>(b - 200), load<u64>(sp)); sp -= 8; continue;
      }
      case 240: case 243: { // pop into / store into receiver variable n (no extension prefix)
        const r = load<u64>(fp + FR_RECEIVER);
        if (r != ivarRcv) {
          if ((r & 7) != 0) break;
          if (classIndexOfObj(r) == contextClassIndex()) break;
          if (isImmutableObj(r)) break;
          ivarRcv = r;
        }
        storePtrInline(r, <usize>load<u8>(mb + ip), load<u64>(sp)); ip++;
        if (b == 240) sp -= 8;
        continue;
      }
      case 208: case 209: case 210: case 211: case 212: case 213: case 214: case 215:
        store<u64>(fp + FR_TEMPS + (<usize>(b - 208) << 3), load<u64>(sp)); sp -= 8; continue;
      case 216: sp -= 8; continue;
      case 229: sp += 8; store<u64>(sp, load<u64>(fp + FR_TEMPS + (<usize>load<u8>(mb + ip) << 3))); ip++; continue;
      case 232: sp += 8; store<u64>(sp, intOop(<i64>load<u8>(mb + ip))); ip++; continue;
      case 237: ip += <usize>load<u8>(mb + ip) + 1; continue; // forward only without extB
      case 225: {
        // extB then an unconditional jump: the backward jump that closes every inlined loop
        if (load<u8>(mb + ip + 1) != 237) break;
        const off = <i32>load<u8>(mb + ip + 2) + (<i32>load<i8>(mb + ip) << 8);
        ip = <usize>(<isize>ip + 3 + <isize>off);
        if (off < 0 && --R.interruptCounter <= 0) {
          R.ip = ip; R.sp = sp; syncFrame(fp, mb);
          interruptCheck();
          if (I.mode != 1) return;
          ip = R.ip; mb = R.mbase; sp = R.sp; fp = R.fp;
          nil = nilOop(); tru = trueOop(); fls = falseOop(); ivarRcv = 0;
        }
        continue;
      }
      case 238: case 239: {
        const v = load<u64>(sp);
        const off = <usize>load<u8>(mb + ip);
        if (v == tru || v == fls) {
          sp -= 8; ip++;
          if ((v == tru) == (b == 238)) ip += off;
          continue;
        }
        break;
      }
      case 242: store<u64>(fp + FR_TEMPS + (<usize>load<u8>(mb + ip) << 3), load<u64>(sp)); sp -= 8; ip++; continue;
      case 245: store<u64>(fp + FR_TEMPS + (<usize>load<u8>(mb + ip) << 3), load<u64>(sp)); ip++; continue;
      case 251: {
        const i = <usize>load<u8>(mb + ip); const t = <usize>load<u8>(mb + ip + 1); ip += 2;
        sp += 8; store<u64>(sp, fetchSlot(load<u64>(fp + FR_TEMPS + (t << 3)), i)); continue;
      }
      case 252: case 253: { // store / pop into slot i of the temp vector in temp t
        const i = <usize>load<u8>(mb + ip); const t = <usize>load<u8>(mb + ip + 1); ip += 2;
        storePtrInline(load<u64>(fp + FR_TEMPS + (t << 3)), i, load<u64>(sp));
        if (b == 253) sp -= 8;
        continue;
      }
    }
    if (b - 96 < 16) {
      // an arithmetic or comparison special selector (96-111, all binary) whose inline fast
      // path failed: straight to its send (stepSista's specialSend would try the same fast
      // paths again; Json compares strings with = this way), its frame built here on a cache
      // hit on a method without a primitive
      const sel = fetchSlot(splObj(SO_SPECIAL_SELECTORS), <usize>(b - 96) << 1);
      R.ip = ip; R.sp = sp; syncFrame(fp, mb);
      if (!activateBinaryIfFast(sel)) { lastSelector = sel; sendSelector(sel, 1, 0); }
    } else {
      // everything else: one bytecode (with its extensions) on the registers
      R.ip = ip - 1; R.sp = sp; syncFrame(fp, mb);
      stepSista();
    }
    if (I.mode != 1) return;
    ip = R.ip; mb = R.mbase; sp = R.sp; fp = R.fp;
    nil = nilOop(); tru = trueOop(); fls = falseOop(); ivarRcv = 0;
  }
}

/** Executes one SistaV1 bytecode (and its extension prefixes) at R.ip. */
function stepSista(): void {
  let extA: i32 = 0;
  let extB: i32 = 0;
  while (true) {
    const b = nextByte();
    switch (b) {
      case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
      case 8: case 9: case 10: case 11: case 12: case 13: case 14: case 15:
        pushReceiverVariable(<usize>b); break;
      case 16: case 17: case 18: case 19: case 20: case 21: case 22: case 23:
      case 24: case 25: case 26: case 27: case 28: case 29: case 30: case 31:
        pushLiteralVariable(<usize>(b & 15)); break;
      case 32: case 33: case 34: case 35: case 36: case 37: case 38: case 39:
      case 40: case 41: case 42: case 43: case 44: case 45: case 46: case 47:
      case 48: case 49: case 50: case 51: case 52: case 53: case 54: case 55:
      case 56: case 57: case 58: case 59: case 60: case 61: case 62: case 63:
        push(literal(<usize>(b & 31))); break;
      case 64: case 65: case 66: case 67: case 68: case 69: case 70: case 71:
      case 72: case 73: case 74: case 75:
        push(temp(<usize>(b - 64))); break;
      case 76: push(receiver()); break;
      case 77: push(trueOop()); break;
      case 78: push(falseOop()); break;
      case 79: push(nilOop()); break;
      case 80: push(intOop(0)); break;
      case 81: push(intOop(1)); break;
      case 82: pushThisContext(); break;
      case 83: push(top()); break;
      case 88: if (frIsBlock(R.fp)) nonLocalReturn(receiver()); else returnFromFrame(receiver()); break;
      case 89: if (frIsBlock(R.fp)) nonLocalReturn(trueOop()); else returnFromFrame(trueOop()); break;
      case 90: if (frIsBlock(R.fp)) nonLocalReturn(falseOop()); else returnFromFrame(falseOop()); break;
      case 91: if (frIsBlock(R.fp)) nonLocalReturn(nilOop()); else returnFromFrame(nilOop()); break;
      case 92: { const v = pop(); if (frIsBlock(R.fp)) nonLocalReturn(v); else returnFromFrame(v); break; }
      case 93: returnFromFrame(nilOop()); break;
      case 94: returnFromFrame(pop()); break;
      case 95: break; // nop
      case 96: {
        const x = load<u64>(R.sp - 8); const y = load<u64>(R.sp);
        if (areSmallInts(x, y)) { const r = intValue(x) + intValue(y); if (isIntValue(r)) { R.sp -= 8; store<u64>(R.sp, intOop(r)); break; } }
        else { const f = floatSpecial(0, x, y); if (f != 0) { R.sp -= 8; store<u64>(R.sp, f); break; } }
        specialSend(0); break;
      }
      case 97: {
        const x = load<u64>(R.sp - 8); const y = load<u64>(R.sp);
        if (areSmallInts(x, y)) { const r = intValue(x) - intValue(y); if (isIntValue(r)) { R.sp -= 8; store<u64>(R.sp, intOop(r)); break; } }
        else { const f = floatSpecial(1, x, y); if (f != 0) { R.sp -= 8; store<u64>(R.sp, f); break; } }
        specialSend(1); break;
      }
      case 98: case 99: case 100: case 101: case 102: case 103: {
        const x = load<u64>(R.sp - 8); const y = load<u64>(R.sp);
        if (areSmallInts(x, y)) {
          R.sp -= 8; store<u64>(R.sp, compareSmallInts(b, x, y) ? trueOop() : falseOop()); break;
        }
        const f = floatSpecial(<i32>b - 96, x, y);
        if (f != 0) { R.sp -= 8; store<u64>(R.sp, f); break; }
        specialSend(<i32>b - 96); break;
      }
      case 104: {
        const x = load<u64>(R.sp - 8); const y = load<u64>(R.sp);
        if (areSmallInts(x, y)) { const p = intTimes(x, y); if (p != 0) { R.sp -= 8; store<u64>(R.sp, p); break; } }
        else { const f = floatSpecial(8, x, y); if (f != 0) { R.sp -= 8; store<u64>(R.sp, f); break; } }
        specialSend(8); break;
      }
      case 105: case 106: case 107: case 108: case 109: case 110: case 111:
      case 112: case 113: case 114: case 115: case 116: case 117: case 118: case 119:
      case 120: case 121: case 122: case 123: case 124: case 125: case 126: case 127:
        specialSend(<i32>b - 96); break;
      case 128: case 129: case 130: case 131: case 132: case 133: case 134: case 135:
      case 136: case 137: case 138: case 139: case 140: case 141: case 142: case 143:
        lastSelector = literal(<usize>(b & 15)); sendSelector(lastSelector, 0, 0); break;
      case 144: case 145: case 146: case 147: case 148: case 149: case 150: case 151:
      case 152: case 153: case 154: case 155: case 156: case 157: case 158: case 159:
        lastSelector = literal(<usize>(b & 15)); sendSelector(lastSelector, 1, 0); break;
      case 160: case 161: case 162: case 163: case 164: case 165: case 166: case 167:
      case 168: case 169: case 170: case 171: case 172: case 173: case 174: case 175:
        lastSelector = literal(<usize>(b & 15)); sendSelector(lastSelector, 2, 0); break;
      case 176: case 177: case 178: case 179: case 180: case 181: case 182: case 183:
        R.ip += <usize>(b - 175); break;
      case 184: case 185: case 186: case 187: case 188: case 189: case 190: case 191:
        jumpIf(true, <i32>(b - 183)); break;
      case 192: case 193: case 194: case 195: case 196: case 197: case 198: case 199:
        jumpIf(false, <i32>(b - 191)); break;
      case 200: case 201: case 202: case 203: case 204: case 205: case 206: case 207:
        storeReceiverVariable(<usize>(b - 200), pop()); break;
      case 208: case 209: case 210: case 211: case 212: case 213: case 214: case 215:
        setTemp(<usize>(b - 208), pop()); break;
      case 216: popN(1); break;
      case 217: sendSelector(splObj(SO_SELECTOR_UNKNOWN_BYTECODE), 0, 0); break; // trap
      case 224: extA = (extA << 8) + <i32>nextByte(); continue;
      case 225: { const e = <i32>nextByte(); extB = (extB << 8) + (e < 128 ? e : e - 256); continue; }
      case 226: pushReceiverVariable(<usize>(nextByte() + (<u32>extA << 8))); break;
      case 227: pushLiteralVariable(<usize>(nextByte() + (<u32>extA << 8))); break;
      case 228: push(literal(<usize>(nextByte() + (<u32>extA << 8)))); break;
      case 229: push(temp(<usize>nextByte())); break;
      case 231: pushNewArray(nextByte()); break;
      case 232: push(intOop(<i64>nextByte() + (<i64>extB << 8))); break;
      case 233: push(charOop(nextByte() + (<u32>extB << 8))); break;
      case 234: {
        const b2 = nextByte();
        lastSelector = literal(<usize>((b2 >> 3) + (<u32>extA << 5)));
        sendSelector(lastSelector, <i32>(b2 & 7) + (extB << 3), 0);
        break;
      }
      case 235: {
        const b2 = nextByte();
        const sel = literal(<usize>((b2 >> 3) + (<u32>extA << 5)));
        lastSelector = sel;
        if (extB >= 64) directedSuperSend(sel, <i32>(b2 & 7) + ((extB & 63) << 3));
        else superSend(sel, <i32>(b2 & 7) + (extB << 3));
        break;
      }
      case 237: {
        const off = <i32>nextByte() + (extB << 8);
        R.ip += <usize>off;
        if (off < 0) backwardJumpCheck();
        break;
      }
      case 238: jumpIf(true, <i32>nextByte() + (extB << 8)); break;
      case 239: jumpIf(false, <i32>nextByte() + (extB << 8)); break;
      case 240: storeReceiverVariable(<usize>(nextByte() + (<u32>extA << 8)), pop()); break;
      case 241: storeLiteralVariable(<usize>(nextByte() + (<u32>extA << 8)), pop()); break;
      case 242: setTemp(<usize>nextByte(), pop()); break;
      case 243: storeReceiverVariable(<usize>(nextByte() + (<u32>extA << 8)), top()); break;
      case 244: storeLiteralVariable(<usize>(nextByte() + (<u32>extA << 8)), top()); break;
      case 245: setTemp(<usize>nextByte(), top()); break;
      case 248: {
        R.ip += 2;
        if (R.primFailCode != 0) {
          if (load<u8>(R.mbase + R.ip) == 245) {
            const t = <usize>load<u8>(R.mbase + R.ip + 1);
            setTemp(t, primErrorObject(R.primFailCode));
          }
          R.primFailCode = 0;
        }
        break;
      }
      case 249: { const a = nextByte(); const f = nextByte(); pushFullClosure(<usize>a + (<usize>extA << 8), f); break; }
      case 250: {
        const a = nextByte(); const bb = nextByte();
        const numArgs = (a & 7) + ((<u32>extA & 15) << 3);
        const numCopied = ((a >> 3) & 7) + ((<u32>extA >> 4) << 3);
        pushClosureCopy(numArgs, numCopied, <usize>bb + (<usize>extB << 8));
        break;
      }
      case 251: { const i = nextByte(); const t = nextByte(); push(fetchSlot(remoteTempVector(<usize>t), <usize>i)); break; }
      case 252: { const i = nextByte(); const t = nextByte(); storePtr(remoteTempVector(<usize>t), <usize>i, top()); break; }
      case 253: { const i = nextByte(); const t = nextByte(); storePtr(remoteTempVector(<usize>t), <usize>i, pop()); break; }
      default: unknownBytecode(b);
    }
    return;
  }
}

function runV3(): void {
  while (true) {
    const b = nextByte();
    switch (b) {
      case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
      case 8: case 9: case 10: case 11: case 12: case 13: case 14: case 15:
        pushReceiverVariable(<usize>b); break;
      case 16: case 17: case 18: case 19: case 20: case 21: case 22: case 23:
      case 24: case 25: case 26: case 27: case 28: case 29: case 30: case 31:
        push(temp(<usize>(b & 15))); break;
      case 32: case 33: case 34: case 35: case 36: case 37: case 38: case 39:
      case 40: case 41: case 42: case 43: case 44: case 45: case 46: case 47:
      case 48: case 49: case 50: case 51: case 52: case 53: case 54: case 55:
      case 56: case 57: case 58: case 59: case 60: case 61: case 62: case 63:
        push(literal(<usize>(b & 31))); break;
      case 64: case 65: case 66: case 67: case 68: case 69: case 70: case 71:
      case 72: case 73: case 74: case 75: case 76: case 77: case 78: case 79:
      case 80: case 81: case 82: case 83: case 84: case 85: case 86: case 87:
      case 88: case 89: case 90: case 91: case 92: case 93: case 94: case 95:
        pushLiteralVariable(<usize>(b & 31)); break;
      case 96: case 97: case 98: case 99: case 100: case 101: case 102: case 103:
        storeReceiverVariable(<usize>(b & 7), pop()); break;
      case 104: case 105: case 106: case 107: case 108: case 109: case 110: case 111:
        setTemp(<usize>(b & 7), pop()); break;
      case 112: push(receiver()); break;
      case 113: push(trueOop()); break;
      case 114: push(falseOop()); break;
      case 115: push(nilOop()); break;
      case 116: push(intOop(-1)); break;
      case 117: push(intOop(0)); break;
      case 118: push(intOop(1)); break;
      case 119: push(intOop(2)); break;
      case 120: if (frIsBlock(R.fp)) nonLocalReturn(receiver()); else returnFromFrame(receiver()); break;
      case 121: if (frIsBlock(R.fp)) nonLocalReturn(trueOop()); else returnFromFrame(trueOop()); break;
      case 122: if (frIsBlock(R.fp)) nonLocalReturn(falseOop()); else returnFromFrame(falseOop()); break;
      case 123: if (frIsBlock(R.fp)) nonLocalReturn(nilOop()); else returnFromFrame(nilOop()); break;
      case 124: { const v = pop(); if (frIsBlock(R.fp)) nonLocalReturn(v); else returnFromFrame(v); break; }
      case 125: returnFromFrame(pop()); break;
      case 128: {
        const b2 = nextByte(); const i = <usize>(b2 & 63);
        switch (b2 >> 6) {
          case 0: pushReceiverVariable(i); break;
          case 1: push(temp(i)); break;
          case 2: push(literal(i)); break;
          default: pushLiteralVariable(i);
        }
        break;
      }
      case 129: case 130: {
        const b2 = nextByte(); const i = <usize>(b2 & 63);
        const v = b == 129 ? top() : pop();
        switch (b2 >> 6) {
          case 0: storeReceiverVariable(i, v); break;
          case 1: setTemp(i, v); break;
          case 2: unknownBytecode(b); break;
          default: storeLiteralVariable(i, v);
        }
        break;
      }
      case 131: { const b2 = nextByte(); lastSelector = literal(<usize>(b2 & 31)); sendSelector(lastSelector, <i32>(b2 >> 5), 0); break; }
      case 132: {
        const b2 = nextByte(); const b3 = <usize>nextByte();
        switch (b2 >> 5) {
          case 0: lastSelector = literal(b3); sendSelector(lastSelector, <i32>(b2 & 31), 0); break;
          case 1: lastSelector = literal(b3); superSend(lastSelector, <i32>(b2 & 31)); break;
          case 2: pushReceiverVariable(b3); break;
          case 3: push(literal(b3)); break;
          case 4: pushLiteralVariable(b3); break;
          case 5: storeReceiverVariable(b3, top()); break;
          case 6: storeReceiverVariable(b3, pop()); break;
          default: storeLiteralVariable(b3, top());
        }
        break;
      }
      case 133: { const b2 = nextByte(); lastSelector = literal(<usize>(b2 & 31)); superSend(lastSelector, <i32>(b2 >> 5)); break; }
      case 134: { const b2 = nextByte(); lastSelector = literal(<usize>(b2 & 63)); sendSelector(lastSelector, <i32>(b2 >> 6), 0); break; }
      case 135: popN(1); break;
      case 136: push(top()); break;
      case 137: pushThisContext(); break;
      case 138: pushNewArray(nextByte()); break;
      case 139: {
        R.ip += 2;
        if (R.primFailCode != 0) {
          if (load<u8>(R.mbase + R.ip) == 129 && (load<u8>(R.mbase + R.ip + 1) >> 6) == 1) {
            setTemp(<usize>(load<u8>(R.mbase + R.ip + 1) & 63), primErrorObject(R.primFailCode));
          }
          R.primFailCode = 0;
        }
        break;
      }
      case 140: { const i = nextByte(); const t = nextByte(); push(fetchSlot(remoteTempVector(<usize>t), <usize>i)); break; }
      case 141: { const i = nextByte(); const t = nextByte(); storePtr(remoteTempVector(<usize>t), <usize>i, top()); break; }
      case 142: { const i = nextByte(); const t = nextByte(); storePtr(remoteTempVector(<usize>t), <usize>i, pop()); break; }
      case 143: {
        const a = nextByte(); const hi = nextByte(); const lo = nextByte();
        pushClosureCopy(a & 15, a >> 4, (<usize>hi << 8) | <usize>lo);
        break;
      }
      case 144: case 145: case 146: case 147: case 148: case 149: case 150: case 151:
        R.ip += <usize>(b - 143); break;
      case 152: case 153: case 154: case 155: case 156: case 157: case 158: case 159:
        jumpIf(false, <i32>(b - 151)); break;
      case 160: case 161: case 162: case 163: case 164: case 165: case 166: case 167: {
        const off = ((<i32>(b & 7) - 4) << 8) + <i32>nextByte();
        R.ip += <usize>off;
        if (off < 0) backwardJumpCheck();
        break;
      }
      case 168: case 169: case 170: case 171: jumpIf(true, (<i32>(b & 3) << 8) + <i32>nextByte()); break;
      case 172: case 173: case 174: case 175: jumpIf(false, (<i32>(b & 3) << 8) + <i32>nextByte()); break;
      case 176: case 177: case 178: case 179: case 180: case 181: case 182: case 183:
      case 184: case 185: case 186: case 187: case 188: case 189: case 190: case 191:
      case 192: case 193: case 194: case 195: case 196: case 197: case 198: case 199:
      case 200: case 201: case 202: case 203: case 204: case 205: case 206: case 207:
        specialSend(<i32>b - 176); break;
      case 208: case 209: case 210: case 211: case 212: case 213: case 214: case 215:
      case 216: case 217: case 218: case 219: case 220: case 221: case 222: case 223:
        lastSelector = literal(<usize>(b & 15)); sendSelector(lastSelector, 0, 0); break;
      case 224: case 225: case 226: case 227: case 228: case 229: case 230: case 231:
      case 232: case 233: case 234: case 235: case 236: case 237: case 238: case 239:
        lastSelector = literal(<usize>(b & 15)); sendSelector(lastSelector, 1, 0); break;
      case 240: case 241: case 242: case 243: case 244: case 245: case 246: case 247:
      case 248: case 249: case 250: case 251: case 252: case 253: case 254: case 255:
        lastSelector = literal(<usize>(b & 15)); sendSelector(lastSelector, 2, 0); break;
      default: unknownBytecode(b);
    }
    if (I.mode != 0) return;
  }
}

export { frContext, frSavedFP, classIndexOfObj, isSmallInt, frClosure, CTX_CLOSURE, CTX_RECEIVER, FR_CONTEXT, FR_SAVED_FP, FR_METHOD, FR_FLAGS, FR_CLOSURE, loadRegistersFromPage, resetInterruptCounter };
