// A VM crash: an internal invariant is broken. Prints the message and the Smalltalk stack of the
// active process (selector and class of each frame, then of the context chain below the
// pages) and calls platform crash, which never returns.

import { crash, console_write } from "platform";
import { R, frSavedFP, frMethod, frReceiver, frIsBlock, FR_SAVED_IP, inZone } from "./registers";
import { oop, isImmediate, fetchSlot, numSlotsOf, formatOf, byteSizeOf, firstByteAddr, isSmallInt } from "./oops";
import { CTX_SENDER, CTX_METHOD, CTX_RECEIVER, CTX_CLOSURE, hdrNumLiterals } from "./layout";
import { nilOop, classOfOop, classNameInto, methodSelectorOf } from "./heap";

const buf = memory.data(8192);
let len: i32 = 0;
let crashing = false;

function put(s: string): void {
  for (let i = 0; i < s.length && len < 8190; i++) {
    const c = s.charCodeAt(i);
    store<u8>(buf + len++, <u8>(c < 128 ? c : 63));
  }
}
function putBytes(o: oop): void {
  if (isImmediate(o) || formatOf(o) < 16) { put("?"); return; }
  const n = byteSizeOf(o);
  const a = firstByteAddr(o);
  for (let i: usize = 0; i < n && len < 8190 && i < 80; i++) store<u8>(buf + len++, load<u8>(a + i));
}
function putInt(v: i64): void {
  if (v < 0) { put("-"); v = -v; }
  const start = len;
  do { store<u8>(buf + len++, <u8>(48 + <i32>(v % 10))); v /= 10; } while (v > 0 && len < 8190);
  // reverse the digits
  let i = start; let j = len - 1;
  while (i < j) { const t = load<u8>(buf + i); store<u8>(buf + i, load<u8>(buf + j)); store<u8>(buf + j, t); i++; j--; }
}

function putFrameLine(method: oop, receiver: oop, isBlock: bool): void {
  put("  ");
  if (isBlock) put("[] in ");
  putBytes(classNameInto(classOfOop(receiver)));
  put(">>");
  putBytes(methodSelectorOf(method));
  put("\n");
}

/** Appends the Smalltalk stack of the active process to the report. */
export function describeStack(): void {
  put("Smalltalk stack (innermost first):\n");
  let fp = R.fp;
  let count = 0;
  let ctx: oop = 0;
  while (fp != 0 && count < 60 && inZone(fp)) {
    putFrameLine(frMethod(fp), frReceiver(fp), frIsBlock(fp));
    count++;
    const caller = frSavedFP(fp);
    if (caller == 0) { ctx = load<u64>(fp + FR_SAVED_IP); break; }
    fp = caller;
  }
  const nil = nilOop();
  while (ctx != 0 && ctx != nil && !isImmediate(ctx) && count < 60 && numSlotsOf(ctx) > CTX_RECEIVER) {
    putFrameLine(fetchSlot(ctx, CTX_METHOD), fetchSlot(ctx, CTX_RECEIVER), fetchSlot(ctx, CTX_CLOSURE) != nil);
    count++;
    const s = fetchSlot(ctx, CTX_SENDER);
    if (isSmallInt(s)) {
      // married to a frame on another page: continue from there
      fp = <usize>(s & ~(<u64>7));
      ctx = 0;
      while (fp != 0 && count < 60 && inZone(fp)) {
        const caller = frSavedFP(fp);
        if (caller == 0) { ctx = load<u64>(fp + FR_SAVED_IP); break; }
        fp = caller;
        putFrameLine(frMethod(fp), frReceiver(fp), frIsBlock(fp));
        count++;
      }
    } else ctx = s;
  }
  if (count >= 60) put("  ...\n");
}

/** Reports a broken invariant with the Smalltalk stack and stops the VM. Never returns. */
export function vmCrash(msg: string): void {
  if (crashing) { len = 0; put("VM crash while reporting a crash: "); put(msg); crash(buf, len); unreachable(); }
  crashing = true;
  len = 0;
  put(msg);
  put("\n");
  if (R.fp != 0 && R.page >= 0) describeStack();
  crash(buf, len);
  unreachable();
}

/** Like vmCrash with a number appended (no string concatenation in a stub runtime). */
export function vmCrashN(msg: string, n: i64): void {
  if (crashing) vmCrash(msg);
  crashing = true;
  len = 0;
  put(msg); put(" "); putInt(n); put("\n");
  if (R.fp != 0 && R.page >= 0) describeStack();
  crash(buf, len);
  unreachable();
}

/** Debug aid: writes a line to the console. */
export function debugLine(s: string, n: i64): void {
  const save = len;
  len = 0; put(s); put(" "); putInt(n); put("\n");
  console_write(buf, len);
  len = save;
}

export { hdrNumLiterals };
