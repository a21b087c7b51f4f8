// System primitives: quit (113), snapshot (97), cache flushes (89, 116, 119), the special objects
// array (129), garbage collection
// (130, 131), VM/image info (121, 142, 149 getAttribute), and the named primitives (117): the
// Xenolith console, MiscPrimitivePlugin's string compare/hash/search, LargeIntegers gcd.

import { exit, console_write, console_read, console_input_signal, args_size, args_read } from "platform";
import { R } from "../interp/registers";
import { oop, isSmallInt, intValue, isImmediate, formatOf, numSlotsOf, fetchSlot, byteSizeOf, charOop } from "../interp/oops";
import { nilOop, trueOop, falseOop, splObj, instantiateClass, SO_CLASS_BYTESTRING, SO_CLASS_ARRAY, storePtr } from "../interp/heap";
import { flushMethodCache } from "../interp/lookup";
import { fullCollect, publishStackRoots, activeProcess, setInputSignalled } from "../interp/scheduler";
import { rcvr, arg, ret, retInt, retBool, fail, failReceiver, failArgument, failMemory } from "./support";
import { ERR_NOT_FOUND, ERR_INAPPROPRIATE, ERR_OS_ERROR, PROC_SUSPENDED_CONTEXT } from "../interp/layout";
import { freeBytes, collectIfNeeded, scavenge, specialObjectsOop } from "../objmem/index";
import { saveImage } from "../image/index";
import { ensureFrameContext, saveRegisters, divorcePage, resumeContext } from "../interp/frames";
import { NUM_PAGES, pageInUse } from "../interp/registers";
import { vmCrash } from "../interp/crash";
import { primGcd, primHighBit } from "./arith";
import { compareBytesOop, byteCountOrMinus1 } from "./compare";

/** 113 quit, quit: status */
export function primQuit(): bool {
  let status: i32 = 0;
  if (R.argCount >= 1) {
    const s = arg(0);
    if (!isSmallInt(s)) return failArgument();
    status = <i32>(intValue(s) & 255);
  }
  exit(status);
  return true;
}

export function primFlushCache(): bool { flushMethodCache(); return ret(rcvr()); }

/** 129 specialObjectsOop: the special objects array (the image registers external semaphores
 *  in its ExternalObjectsArray, slot 39, whose 1-based indices drivers signal). */
export function primSpecialObjectsOop(): bool { return ret(specialObjectsOop); }

/** 130 fullGC: answers the free bytes */
export function primFullGC(): bool {
  ret(rcvr());
  fullCollect();
  return retAfter(<i64>freeBytes());
}
export function primIncrementalGC(): bool {
  ret(rcvr());
  publishStackRoots();
  // As Spur's: a scavenge (young garbage goes, weak slots to it clear, ephemerons fire); a full
  // GC when the scavenge cannot tenure, then whatever the GC policy asks for.
  if (!scavenge()) fullCollect();
  collectIfNeeded();
  return retAfter(<i64>freeBytes());
}
function retAfter(v: i64): bool { store<u64>(R.sp, ((<u64>v) << 3) | 1); return true; }

/** 97 snapshot: all frames become contexts, the active process's context is saved with true on
 *  its stack (what the resumed image sees), the image is written, then this run sees false. */
export function primSnapshot(): bool {
  ret(trueOop());
  const ctx = ensureFrameContext(R.fp);
  saveRegisters();
  storePtr(activeProcess(), PROC_SUSPENDED_CONTEXT, ctx);
  for (let p = 0; p < NUM_PAGES; p++) if (pageInUse(p) || p == R.page) divorcePage(p);
  R.page = -1;
  publishStackRoots();
  const ok = saveImage();
  const proc = activeProcess();
  const c = fetchSlot(proc, PROC_SUSPENDED_CONTEXT);
  storePtr(proc, PROC_SUSPENDED_CONTEXT, nilOop());
  if (!resumeContext(c)) vmCrash("cannot resume after a snapshot");
  store<u64>(R.sp, ok ? falseOop() : nilOop());
  return true;
}

// ---- strings

function isBytes(o: oop): bool { return !isImmediate(o) && formatOf(o) >= 16 && formatOf(o) < 24; }

/** A new ByteString with n bytes copied from src, or 0. */
export function newByteString(src: usize, n: i32): oop {
  const s = instantiateClass(splObj(SO_CLASS_BYTESTRING), <usize>n);
  if (s == 0) return 0;
  memory.copy(<usize>s + 8, src, <usize>n);
  return s;
}

/** 158 compareWith: -1, 0, 1 by unsigned bytes then length */
export function primCompareWith(): bool {
  const a = rcvr(); const b = arg(0);
  const r = compareBytesOop(a, b);
  if (r != 0) return ret(r);
  return byteCountOrMinus1(a) < 0 ? failReceiver() : failArgument();
}

/** MiscPrimitivePlugin compare: s1 with: s2 collated: order (ByteArray of 256 or nil) → 1, 2, 3 */
function primCompareString(): bool {
  const s1 = arg(0); const s2 = arg(1); const order = arg(2);
  if (!isBytes(s1) || !isBytes(s2)) return failArgument();
  const hasOrder = isBytes(order) && byteSizeOf(order) >= 256;
  const n1 = byteSizeOf(s1); const n2 = byteSizeOf(s2);
  const n = n1 < n2 ? n1 : n2;
  for (let i: usize = 0; i < n; i++) {
    let x = <u32>load<u8>(<usize>s1 + 8 + i); let y = <u32>load<u8>(<usize>s2 + 8 + i);
    if (hasOrder) { x = load<u8>(<usize>order + 8 + x); y = load<u8>(<usize>order + 8 + y); }
    if (x != y) return retInt(x < y ? 1 : 3);
  }
  return retInt(n1 == n2 ? 2 : n1 < n2 ? 1 : 3);
}

/** MiscPrimitivePlugin stringHash: aString initialHash: speciesHash (Squeak's algorithm) */
function primStringHash(): bool {
  const s = arg(0); const h0 = arg(1);
  if (!isBytes(s) || !isSmallInt(h0)) return failArgument();
  let hash: u32 = <u32>(intValue(h0) & 0xFFFFFFF);
  const n = byteSizeOf(s);
  for (let i: usize = 0; i < n; i++) {
    hash += <u32>load<u8>(<usize>s + 8 + i);
    let low = hash & 16383;
    hash = (0x260D * low + ((0x260D * (hash >> 14) + (0x0065 * low) & 16383) * 16384)) & 0x0FFFFFFF;
  }
  return retInt(<i64>hash);
}

/** MiscPrimitivePlugin indexOfAscii: c inString: s startingAt: start → index or 0 */
function primIndexOfAscii(): bool {
  const c = arg(0); const s = arg(1); const st = arg(2);
  if (!isSmallInt(c) || !isBytes(s) || !isSmallInt(st)) return failArgument();
  const n = <i64>byteSizeOf(s); const ch = intValue(c);
  for (let i = intValue(st); i <= n; i++) if (i >= 1 && <i64>load<u8>(<usize>s + 8 + <usize>(i - 1)) == ch) return retInt(i);
  return retInt(0);
}

/** MiscPrimitivePlugin findSubstring: key in: body startingAt: start matchTable: map */
function primFindSubstring(): bool {
  const key = arg(0); const body = arg(1); const st = arg(2); const map = arg(3);
  if (!isBytes(key) || !isBytes(body) || !isSmallInt(st) || !isBytes(map) || byteSizeOf(map) < 256) return failArgument();
  const nk = <i64>byteSizeOf(key); const nb = <i64>byteSizeOf(body);
  if (nk == 0) return retInt(0);
  let start = intValue(st); if (start < 1) start = 1;
  for (let i = start; i <= nb - nk + 1; i++) {
    let j: i64 = 0;
    while (j < nk) {
      const x = load<u8>(<usize>map + 8 + load<u8>(<usize>body + 8 + <usize>(i - 1 + j)));
      const y = load<u8>(<usize>map + 8 + load<u8>(<usize>key + 8 + <usize>j));
      if (x != y) break;
      j++;
    }
    if (j == nk) return retInt(i);
  }
  return retInt(0);
}

/** Xenolith primitiveConsoleWrite(Error): the argument's bytes to the console. */
function primConsoleWrite(): bool {
  const s = arg(0);
  if (!isBytes(s)) return failArgument();
  console_write(<usize>s + 8, <i32>byteSizeOf(s));
  return ret(rcvr());
}

/** Xenolith primitiveConsoleRead: buffer → bytes read (0 none yet, -1 end of input) */
function primConsoleRead(): bool {
  const b = arg(0);
  if (!isBytes(b)) return failArgument();
  return retInt(<i64>console_read(<usize>b + 8, <i32>byteSizeOf(b)));
}

/** Xenolith primitiveConsoleInputSemaphore: index (an ExternalObjectsArray index, 0 stops) →
 *  the platform signals that semaphore whenever console input is waiting; fails (inappropriate)
 *  where input can only be polled. */
function primConsoleInputSemaphore(): bool {
  const i = arg(0);
  if (!isSmallInt(i) || intValue(i) < 0 || intValue(i) > 0x7fffffff) return failArgument();
  if (console_input_signal(<i32>intValue(i)) < 0) return fail(ERR_INAPPROPRIATE);
  setInputSignalled(intValue(i) > 0);
  return ret(rcvr());
}

/** The boot arguments, split as node-host encodes them (spaces; 'quoted' with '' for '). */
export function argumentsArray(): oop {
  const n = args_size();
  const buf = memory.data(65536);
  const len = args_read(buf, n < 65536 ? n : 65536);
  // count, then build
  const starts = memory.data(4096); const lens = memory.data(4096);
  const out = memory.data(65536);
  let count = 0; let i = 0; let o = 0;
  while (i < len && count < 1024) {
    while (i < len && load<u8>(buf + i) == 32) i++;
    if (i >= len) break;
    const start = o;
    if (load<u8>(buf + i) == 39) {
      i++;
      while (i < len) {
        const c = load<u8>(buf + i);
        if (c == 39) { if (i + 1 < len && load<u8>(buf + i + 1) == 39) { store<u8>(out + o++, 39); i += 2; continue; } i++; break; }
        store<u8>(out + o++, c); i++;
      }
    } else {
      while (i < len && load<u8>(buf + i) != 32) { store<u8>(out + o++, load<u8>(buf + i)); i++; }
    }
    store<i32>(starts + (count << 2), start); store<i32>(lens + (count << 2), o - start);
    count++;
  }
  const arr = instantiateClass(splObj(SO_CLASS_ARRAY), <usize>count);
  if (arr == 0) return 0;
  for (let k = 0; k < count; k++) {
    const s = newByteString(out + <usize>load<i32>(starts + (k << 2)), load<i32>(lens + (k << 2)));
    if (s == 0) return 0;
    storePtr(arr, <usize>k, s);
  }
  return arr;
}

function primArguments(): bool { const a = argumentsArray(); return a == 0 ? failMemory() : ret(a); }

/** 149 getAttribute: n — 0 the VM name, 1.. the boot arguments; nil past the end */
export function primGetAttribute(): bool {
  const ix = arg(0);
  if (!isSmallInt(ix)) return failArgument();
  const i = intValue(ix);
  if (i == 0) { const vmName = memory.data<u8>([120, 101, 110, 111, 108, 105, 116, 104]); const s = newByteString(vmName, 8); return s == 0 ? failMemory() : ret(s); }
  const arr = argumentsArray();
  if (arr == 0) return failMemory();
  if (i < 1 || <usize>i > numSlotsOf(arr)) return ret(nilOop());
  return ret(fetchSlot(arr, <usize>(i - 1)));
}

// ---- named primitives (117)

function nameIs(o: oop, s: string): bool {
  if (!isBytes(o)) return false;
  const n = byteSizeOf(o);
  if (n != <usize>s.length) return false;
  for (let i = 0; i < s.length; i++) if (<i32>load<u8>(<usize>o + 8 + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

/** Runs the named primitive of R.newMethod (first literal {module. name. 0. 0}). */
export function primNamed(): bool {
  const m = R.newMethod;
  const desc = fetchSlot(m, 1);
  if (isImmediate(desc) || formatOf(desc) != 2 || numSlotsOf(desc) < 2) return fail(ERR_NOT_FOUND);
  const mod = fetchSlot(desc, 0); const fn = fetchSlot(desc, 1);
  if (nameIs(mod, "Xenolith")) {
    if (nameIs(fn, "primitiveConsoleWrite") || nameIs(fn, "primitiveConsoleWriteError")) return primConsoleWrite();
    if (nameIs(fn, "primitiveConsoleRead")) return primConsoleRead();
    if (nameIs(fn, "primitiveConsoleInputSemaphore")) return primConsoleInputSemaphore();
    if (nameIs(fn, "primitiveArguments")) return primArguments();
    if (nameIs(fn, "primitiveGCD")) return primGcd();
    if (nameIs(fn, "primitiveHighBit")) return primHighBit();
    return fail(ERR_NOT_FOUND);
  }
  if (nameIs(mod, "MiscPrimitivePlugin")) {
    if (nameIs(fn, "primitiveCompareString")) return primCompareString();
    if (nameIs(fn, "primitiveStringHash")) return primStringHash();
    if (nameIs(fn, "primitiveIndexOfAsciiInString")) return primIndexOfAscii();
    if (nameIs(fn, "primitiveFindSubstring")) return primFindSubstring();
    return fail(ERR_NOT_FOUND);
  }
  if (nameIs(mod, "LargeIntegers")) {
    if (nameIs(fn, "primDigitGCD") || nameIs(fn, "primitiveGCD")) return primGcd();
    return fail(ERR_NOT_FOUND);
  }
  return fail(ERR_NOT_FOUND);
}

export { retBool, charOop, ERR_INAPPROPRIATE, ERR_OS_ERROR, trueOop };
