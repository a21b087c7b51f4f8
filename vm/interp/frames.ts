// Frames and Contexts: marrying a frame to a Context on demand, reading and writing married
// contexts through their frames, divorcing a whole page (its frames become ordinary Contexts),
// and resuming a Context (switching to its page when it is still married, or loading it into a
// fresh page when it is a single Context). A married Context holds its frame pointer,
// SmallInteger-tagged, in its sender slot; when the frame is gone (returned from, page freed)
// the Context is "widowed" and reads as dead (sender nil, pc nil).

import {
  oop, intOop, intValue, isSmallInt, isImmediate, fetchSlot, numSlotsOf, classIndexOfObj, slotAddr,
} from "./oops";
import {
  R, FR_SAVED_FP, FR_SAVED_IP, FR_METHOD, FR_FLAGS, FR_CONTEXT, FR_RECEIVER, FR_CLOSURE, FR_TEMPS,
  FLAG_BLOCK, FLAG_CHECK_RETURN, PAGE_BYTES, PAGE_HEADROOM, pageBase, pageOf, inZone, pageInUse, pageHeadFP,
  pageHeadSP, pageHeadIP, setPageHead, setPageInUse, pageStamp, frSavedFP, frSavedIP, frMethod,
  frNumArgs, frIsBlock, frContext, frReceiver, frClosure, frTempAddr,
} from "./registers";
import {
  CTX_SENDER, CTX_PC, CTX_STACKP, CTX_METHOD, CTX_CLOSURE, CTX_RECEIVER, CTX_TEMP0,
  LARGE_CONTEXT_SLOTS, CLOSURE_NUMARGS, hdrNumArgs, hdrNumLiterals, hdrLargeFrame, SMALL_FRAME,
} from "./layout";
import { nilOop, contextClassIndex, allocContext, storePtr, methodHeader, pushRemap, popRemap } from "./heap";
import { vmCrash } from "./crash";

/** Whether o is a Context (class index of special object 10). */
// @ts-ignore: decorator
@inline export function isContext(o: oop): bool {
  return !isImmediate(o) && classIndexOfObj(o) == contextClassIndex();
}

/** Publishes the registers into the active page's head record. */
export function saveRegisters(): void {
  if (R.page >= 0) setPageHead(R.page, R.fp, R.sp, R.ip);
}

/** Makes page p the active one with its recorded head frame. */
export function loadRegistersFromPage(p: i32): void {
  R.page = p;
  R.fp = pageHeadFP(p);
  R.sp = pageHeadSP(p);
  R.ip = pageHeadIP(p);
  R.method = frMethod(R.fp);
  R.mbase = <usize>R.method + 8;
  R.pageLimit = pageBase(p) + PAGE_BYTES - PAGE_HEADROOM;
}

// ---- walking the frames of a page (head first)

/** The frame directly above fp (its callee) on fp's page, or 0 when fp is the head. */
function calleeOf(fp: usize): usize {
  const p = pageOf(fp);
  let f = p == R.page ? R.fp : pageHeadFP(p);
  if (f == fp) return 0;
  while (f != 0) {
    const s = frSavedFP(f);
    if (s == fp) return f;
    f = s;
  }
  return 0;
}

/** Whether fp is a live frame on a page in use. */
export function isLiveFrame(fp: usize): bool {
  if (!inZone(fp) || (fp & 7) != 0) return false;
  const p = pageOf(fp);
  if (!pageInUse(p) && p != R.page) return false;
  let f = p == R.page ? R.fp : pageHeadFP(p);
  while (f != 0) {
    if (f == fp) return true;
    f = frSavedFP(f);
  }
  return false;
}

/** The ip (byte offset from the method's first slot) at which frame fp is suspended. */
export function frameIP(fp: usize): usize {
  if (fp == R.fp) return R.ip;
  const callee = calleeOf(fp);
  if (callee == 0) return pageHeadIP(pageOf(fp));
  return frSavedIP(callee);
}

/** The sp (address of its top element) of frame fp. */
export function frameSP(fp: usize): usize {
  if (fp == R.fp) return R.sp;
  const callee = calleeOf(fp);
  if (callee == 0) return pageHeadSP(pageOf(fp));
  return callee - ((frNumArgs(callee) + 2) << 3);
}

/** Number of temp + stack slots in use in frame fp (a Context's stackp). */
export function frameStackp(fp: usize): usize {
  return ((frameSP(fp) + 8) - (fp + FR_TEMPS)) >> 3;
}

// ---- marriage

/** The Context of frame fp, creating (marrying) it if needed. May allocate (and so move
 *  objects): callers refetch any oop they hold. */
export function ensureFrameContext(fp: usize): oop {
  const existing = frContext(fp);
  if (existing != nilOop()) return existing;
  // sized as Squeak sizes contexts: 16 or 56 temp/stack slots by the method's largeFrame bit
  const ctx = allocContext(hdrLargeFrame(methodHeader(frMethod(fp))) || frameStackp(fp) > SMALL_FRAME - 2 ? LARGE_CONTEXT_SLOTS : CTX_TEMP0 + SMALL_FRAME);
  if (ctx == 0) vmCrash("out of memory allocating a Context");
  // sender and pc hold the frame pointer (SmallInteger-tagged) while married
  store<u64>(slotAddr(ctx, CTX_SENDER), <u64>fp | 1);
  store<u64>(slotAddr(ctx, CTX_PC), <u64>fp | 1);
  store<u64>(slotAddr(ctx, CTX_STACKP), intOop(0));
  storePtr(ctx, CTX_METHOD, frMethod(fp));
  storePtr(ctx, CTX_CLOSURE, frClosure(fp));
  storePtr(ctx, CTX_RECEIVER, frReceiver(fp));
  store<u64>(fp + FR_CONTEXT, ctx);
  return ctx;
}

// @ts-ignore: decorator
@inline export function isMarriedOrWidowed(ctx: oop): bool {
  return isSmallInt(fetchSlot(ctx, CTX_SENDER));
}

/** The frame of a married context, or 0 when it is single or widowed. */
export function frameOfContext(ctx: oop): usize {
  const s = fetchSlot(ctx, CTX_SENDER);
  if (!isSmallInt(s)) return 0;
  const fp = <usize>(s & ~(<u64>7));
  if (isLiveFrame(fp) && frContext(fp) == ctx) return fp;
  return 0;
}

/** A widowed context (its frame is gone) becomes an ordinary dead context. */
function markWidowDead(ctx: oop): void {
  const nil = nilOop();
  store<u64>(slotAddr(ctx, CTX_SENDER), nil);
  store<u64>(slotAddr(ctx, CTX_PC), nil);
  store<u64>(slotAddr(ctx, CTX_STACKP), intOop(0));
}

/** The sender of frame fp as a Context (marrying the caller frame if it has none). */
export function frameSenderContext(fp: usize): oop {
  const caller = frSavedFP(fp);
  if (caller == 0) return load<u64>(fp + FR_SAVED_IP);
  return ensureFrameContext(caller);
}

/** Field i of a Context, reading through its frame when married. May allocate. */
export function contextFetch(ctx: oop, i: usize): oop {
  if (!isMarriedOrWidowed(ctx)) return fetchSlot(ctx, i);
  const fp = frameOfContext(ctx);
  if (fp == 0) { markWidowDead(ctx); return fetchSlot(ctx, i); }
  if (i == CTX_SENDER) return frameSenderContext(fp);
  if (i == CTX_PC) return intOop(<i64>frameIP(fp) + 1);
  if (i == CTX_STACKP) return intOop(<i64>frameStackp(fp));
  if (i == CTX_METHOD) return frMethod(fp);
  if (i == CTX_CLOSURE) return frClosure(fp);
  if (i == CTX_RECEIVER) return frReceiver(fp);
  const k = i - CTX_TEMP0;
  if (k < frameStackp(fp)) return load<u64>(frTempAddr(fp, k));
  return nilOop();
}

/** Stores field i of a Context. Writing sender, pc or stackp of a married context divorces its
 *  page first (all its frames become single contexts). Answers true when the active frame was
 *  divorced: the caller must then resume the active context again (resumeActiveAfterDivorce). */
export function contextStore(ctx: oop, i: usize, v: oop): bool {
  if (isMarriedOrWidowed(ctx)) {
    const fp = frameOfContext(ctx);
    if (fp == 0) {
      markWidowDead(ctx);
    } else if (i >= CTX_TEMP0) {
      const k = i - CTX_TEMP0;
      if (k < frameStackp(fp)) { store<u64>(frTempAddr(fp, k), v); return false; }
      // beyond the frame's stack: divorce, then store into the context
      return divorceThenStore(fp, ctx, i, v);
    } else if (i == CTX_RECEIVER) {
      store<u64>(fp + FR_RECEIVER, v);
      storePtr(ctx, i, v);
      return false;
    } else {
      return divorceThenStore(fp, ctx, i, v);
    }
  }
  storePtr(ctx, i, v);
  return false;
}

function divorceThenStore(fp: usize, ctx: oop, i: usize, v: oop): bool {
  pushRemap(ctx); pushRemap(v);
  const active = divorcePage(pageOf(fp));
  v = popRemap(); ctx = popRemap();
  storePtr(ctx, i, v);
  return active;
}

/** Turns every frame of page p into a single Context and frees the page. Answers whether p was
 *  the active page (the registers are then stale: see resumeActiveAfterDivorce). */
export function divorcePage(p: i32): bool {
  saveRegisters();
  const wasActive = p == R.page;
  // marry every frame first (allocation may run a GC, which only moves objects, not frames)
  let f = pageHeadFP(p);
  while (f != 0) { ensureFrameContext(f); f = frSavedFP(f); }
  f = pageHeadFP(p);
  let sp = pageHeadSP(p);
  let ip = pageHeadIP(p);
  const nil = nilOop();
  while (f != 0) {
    const ctx = frContext(f);
    const caller = frSavedFP(f);
    const sender = caller == 0 ? load<u64>(f + FR_SAVED_IP) : frContext(caller);
    const stackp = ((sp + 8) - (f + FR_TEMPS)) >> 3;
    if (CTX_TEMP0 + stackp > numSlotsOf(ctx)) vmCrash("divorce: a frame is deeper than its context");
    storePtr(ctx, CTX_SENDER, sender);
    store<u64>(slotAddr(ctx, CTX_PC), intOop(<i64>ip + 1));
    store<u64>(slotAddr(ctx, CTX_STACKP), intOop(<i64>stackp));
    for (let k: usize = 0; k < stackp; k++) storePtr(ctx, CTX_TEMP0 + k, load<u64>(frTempAddr(f, k)));
    for (let k: usize = CTX_TEMP0 + stackp; k < numSlotsOf(ctx); k++) store<u64>(slotAddr(ctx, k), nil);
    // the caller's state is what this frame saved
    ip = frSavedIP(f);
    sp = f - ((frNumArgs(f) + 2) << 3);
    f = caller;
  }
  setPageInUse(p, false);
  return wasActive;
}

/** After the active page was divorced: the Context that was active, to be resumed. */
export let divorcedActiveContext: oop = 0;

// ---- pages

/** A free page (divorcing the least recently used one when all are taken). */
export function newPage(): i32 {
  for (let p = 0; p < R.numPages; p++) {
    if (!pageInUse(p) && p != R.page) { setPageInUse(p, true); return p; }
  }
  let victim = -1; let oldest: u32 = 0xFFFFFFFF;
  for (let p = 0; p < R.numPages; p++) {
    if (p == R.page) continue;
    const s = pageStamp(p);
    if (s < oldest) { oldest = s; victim = p; }
  }
  if (victim < 0) vmCrash("no stack page to evict");
  divorcePage(victim);
  setPageInUse(victim, true);
  return victim;
}

/** Frees the active page (its frames are all dead). */
export function freeActivePage(): void {
  setPageInUse(R.page, false);
  R.page = -1;
}

function canLoad(ctx: oop): bool {
  const pcOop = fetchSlot(ctx, CTX_PC);
  const spOop = fetchSlot(ctx, CTX_STACKP);
  const method = fetchSlot(ctx, CTX_METHOD);
  if (!isSmallInt(pcOop) || !isSmallInt(spOop) || isImmediate(method)) return false;
  const stackp = intValue(spOop);
  return stackp >= 0 && <usize>stackp + CTX_TEMP0 <= numSlotsOf(ctx) && stackp <= 200;
}

/** Builds a base frame for single Context ctx on a new page and makes it active. Answers false
 *  (doing nothing) when ctx cannot be resumed (dead, or malformed). May allocate. */
export function loadContext(ctx: oop): bool {
  const nil = nilOop();
  if (!canLoad(ctx)) return false;
  pushRemap(ctx);
  const p = newPage();
  ctx = popRemap();
  const pcOop = fetchSlot(ctx, CTX_PC);
  const spOop = fetchSlot(ctx, CTX_STACKP);
  const method = fetchSlot(ctx, CTX_METHOD);
  const stackp = intValue(spOop);
  const closure = fetchSlot(ctx, CTX_CLOSURE);
  let numArgs: usize;
  if (closure != nil) {
    const na = fetchSlot(closure, CLOSURE_NUMARGS);
    numArgs = isSmallInt(na) ? <usize>intValue(na) : 0;
  } else {
    numArgs = <usize>hdrNumArgs(methodHeader(method));
  }
  if (numArgs > <usize>stackp) numArgs = <usize>stackp;
  const base = pageBase(p);
  // receiver slot and args (the caller's pushes), then the header
  store<u64>(base, closure != nil ? closure : fetchSlot(ctx, CTX_RECEIVER));
  for (let k: usize = 0; k < numArgs; k++) store<u64>(base + 8 + (k << 3), fetchSlot(ctx, CTX_TEMP0 + k));
  const fp = base + 8 + (numArgs << 3);
  store<u64>(fp + FR_SAVED_FP, 1);
  store<u64>(fp + FR_SAVED_IP, fetchSlot(ctx, CTX_SENDER));
  store<u64>(fp + FR_METHOD, method);
  store<u64>(fp + FR_FLAGS, (<u64>(<u32>numArgs | FLAG_CHECK_RETURN | (closure != nil ? FLAG_BLOCK : 0)) << 3) | 1);
  store<u64>(fp + FR_CONTEXT, ctx);
  store<u64>(fp + FR_RECEIVER, fetchSlot(ctx, CTX_RECEIVER));
  store<u64>(fp + FR_CLOSURE, closure);
  for (let k: usize = 0; k < <usize>stackp; k++) store<u64>(frTempAddr(fp, k), fetchSlot(ctx, CTX_TEMP0 + k));
  const sp = fp + FR_TEMPS + (<usize>stackp << 3) - 8;
  const ip = <usize>(intValue(pcOop) - 1);
  // ctx is now married to the frame
  store<u64>(slotAddr(ctx, CTX_SENDER), <u64>fp | 1);
  store<u64>(slotAddr(ctx, CTX_PC), <u64>fp | 1);
  setPageHead(p, fp, sp, ip);
  saveRegisters();
  loadRegistersFromPage(p);
  return true;
}

/** Makes ctx the active frame: its page when it is still married (frames above it on that page
 *  are discarded), else a new page. Answers false when ctx cannot be resumed. */
export function resumeContext(ctx: oop): bool {
  if (isImmediate(ctx) || !isContext(ctx)) return false;
  if (isMarriedOrWidowed(ctx)) {
    const fp = frameOfContext(ctx);
    if (fp == 0) { markWidowDead(ctx); return false; }
    const p = pageOf(fp);
    const ip = frameIP(fp);
    const sp = frameSP(fp);
    saveRegisters();
    setPageHead(p, fp, sp, ip);
    setPageInUse(p, true);
    loadRegistersFromPage(p);
    return true;
  }
  return loadContext(ctx);
}

/** The home (method) context of a block frame's closure, or nil when it has none. May allocate. */
export function homeContextOf(closure: oop): oop {
  const nil = nilOop();
  let ctx = fetchSlot(closure, 0);
  let guard = 0;
  while (ctx != nil && guard++ < 100000) {
    if (isImmediate(ctx) || !isContext(ctx)) return nil;
    const cl = contextFetch(ctx, CTX_CLOSURE);
    if (cl == nil) return ctx;
    ctx = fetchSlot(cl, 0);
  }
  return nil;
}

/** The method context a pc belongs to is readable again: the method header of ctx. */
export function contextMethodHeader(ctx: oop): i64 {
  return methodHeader(contextFetch(ctx, CTX_METHOD));
}

/** Initial ip of a method (offset of its first bytecode from the first slot). */
// @ts-ignore: decorator
@inline export function initialIP(method: oop): usize {
  return (<usize>hdrNumLiterals(methodHeader(method)) + 1) << 3;
}

export { frIsBlock, frSavedFP, frContext };
