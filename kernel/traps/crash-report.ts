// What happens when the kernel faults: a report on the console (the kind of fault, the
// faulting address, the wasm function it happened in, a backtrace along the rbp chain),
// then SCHEDOP_shutdown with reason crash. The runtime's exception stubs call xen_trap.

import {
  va_load_u8, va_load_u64, linear_base, code_func_index, code_func_name, native_stack_lo, native_stack_hi,
} from "../xen/intrinsics";
import { put, putByte, putHex64, putDec, putBytes } from "../log";
import { crashDomain } from "../shutdown";
import { VI_ARCH_CR2 } from "../abi/shared-info";
import { LINEAR_RESERVED_BYTES } from "../memory/layout";

const NAME: usize = memory.data(128, 8);
export const MAX_FRAMES: i32 = 32;

let sharedInfo: usize = 0;
let inCrash = false;

export function crashReportUse(sharedInfoPage: usize): void {
  sharedInfo = sharedInfoPage;
}

export function vectorName(v: i32): string {
  switch (v) {
    case 0: return "divide error";
    case 1: return "debug";
    case 2: return "non-maskable interrupt";
    case 3: return "breakpoint";
    case 4: return "overflow";
    case 5: return "bound range exceeded";
    case 6: return "invalid opcode";
    case 7: return "device not available";
    case 8: return "double fault";
    case 10: return "invalid TSS";
    case 11: return "segment not present";
    case 12: return "stack fault";
    case 13: return "general protection fault";
    case 14: return "page fault";
    case 16: return "x87 floating-point error";
    case 17: return "alignment check";
    case 18: return "machine check";
    case 19: return "SIMD floating-point error";
    default: return "unknown exception";
  }
}

/** The wasm trap codes of docs/xen-intrinsics.md rule 5. */
export function wasmTrapName(code: i32): string {
  switch (code) {
    case 0: return "unreachable";
    case 1: return "integer divide by zero";
    case 2: return "integer overflow";
    case 3: return "invalid conversion to integer";
    case 4: return "out of bounds memory access";
    case 5: return "indirect call type mismatch";
    case 6: return "uninitialized element";
    case 7: return "call stack exhausted";
    case 8: return "out of bounds table access";
    case 9: return "null reference";
    case 10: return "undefined element";
    default: return "unknown wasm trap";
  }
}

function putFunction(rip: i64): void {
  const f = code_func_index(rip);
  if (f < 0) {
    put("(runtime)");
    return;
  }
  const n = code_func_name(f, NAME, 128);
  if (n > 0) putBytes(NAME, n);
  else {
    put("func[");
    putDec(f);
    putByte(0x5d);
  }
}

function cr2(): i64 {
  return sharedInfo != 0 ? load<i64>(sharedInfo + VI_ARCH_CR2) : 0;
}

/** The trap's one-line kind: a wasm trap when the site says so. */
export function classify(vector: i32, rip: i64, faultAddress: i64): string {
  if (vector == 6 && code_func_index(rip) >= 0 &&
      va_load_u8(rip) == 0x0f && va_load_u8(rip + 1) == 0x0b) {
    return wasmTrapName(va_load_u8(rip + 2));
  }
  if (vector == 0 && code_func_index(rip) >= 0) return wasmTrapName(1);
  if (vector == 14) {
    const base = linear_base();
    if (faultAddress >= base && faultAddress - base < LINEAR_RESERVED_BYTES) return wasmTrapName(4);
    const lo = native_stack_lo();
    if (faultAddress < lo && lo - faultAddress <= 65536) return wasmTrapName(7);
  }
  return vectorName(vector);
}

function onStack(p: i64): bool {
  return p >= native_stack_lo() && p + 16 <= native_stack_hi() && (p & 7) == 0;
}

export function reportTrap(vector: i32, errorCode: i64, rip: i64, rsp: i64, rbp: i64): void {
  const fault = vector == 14 ? cr2() : 0;
  put("xenolith: crash: ");
  put(classify(vector, rip, fault));
  put(" (vector ");
  putDec(vector);
  put(", error code ");
  putHex64(<u64>errorCode);
  put(")\n");
  if (vector == 14) {
    put("  fault address ");
    putHex64(<u64>fault);
    if (fault >= linear_base() && fault - linear_base() < LINEAR_RESERVED_BYTES) {
      put(" (linear ");
      putHex64(<u64>(fault - linear_base()));
      putByte(0x29);
    }
    put((errorCode & 2) != 0 ? " on write" : " on read");
    put((errorCode & 1) != 0 ? ", protection" : ", not present");
    if ((errorCode & 16) != 0) put(", instruction fetch");
    putByte(10);
  }
  put("  at ");
  putHex64(<u64>rip);
  put(" in ");
  putFunction(rip);
  put("\n  rsp ");
  putHex64(<u64>rsp);
  put(" rbp ");
  putHex64(<u64>rbp);
  put("\n  backtrace:\n");
  let fp = rbp;
  let depth = 0;
  while (depth < MAX_FRAMES && onStack(fp)) {
    const ret = va_load_u64(fp + 8);
    const next = va_load_u64(fp);
    if (ret == 0) break;
    put("    #");
    putDec(depth);
    put(" ");
    putHex64(<u64>ret);
    put(" ");
    putFunction(ret);
    putByte(10);
    if (next <= fp) break; // the chain must go up the stack
    fp = next;
    depth++;
  }
  if (depth == MAX_FRAMES) put("    ...\n");
}

/** Called by the exception stubs; never returns. */
export function xen_trap(vector: i32, errorCode: i64, rip: i64, rsp: i64, rbp: i64): void {
  if (inCrash) {
    put("xenolith: fault while reporting a crash\n");
    crashDomain();
    return;
  }
  inCrash = true;
  reportTrap(vector, errorCode, rip, rsp, rbp);
  crashDomain();
}

export function xen_failsafe(): void {
  put("xenolith: crash: failsafe callback (Xen could not deliver an event or exception)\n");
  crashDomain();
}

/** A software crash (platform crash(), AssemblyScript abort): message, then shutdown crash. */
export function crashWithMessage(msg: usize, len: i32): void {
  put("xenolith: crash: ");
  putBytes(msg, len);
  putByte(10);
  crashDomain();
}
