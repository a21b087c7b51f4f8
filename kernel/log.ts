// Kernel text output: bytes go to the console driver once it has registered itself as the
// sink, and before that (or as dom0) to Xen's console_io hypercall. Also small formatting
// helpers that write into a static line buffer, so that crash paths never allocate.

import { console_io, CONSOLEIO_write } from "./xen/hypercall";

export type ByteSink = (ptr: usize, len: i32) => void;

let sinkIndex: u32 = 0; // table index + 1

export function setLogSink(sink: ByteSink): void {
  sinkIndex = sink.index + 1;
}

export function clearLogSink(): void {
  sinkIndex = 0;
}

export function logBytes(ptr: usize, len: i32): void {
  if (len <= 0) return;
  if (sinkIndex != 0) {
    call_indirect<void>(sinkIndex - 1, ptr, len);
  } else {
    console_io(CONSOLEIO_write, len, ptr);
  }
}

const LINE: usize = memory.data(512, 8);
const LINE_MAX: i32 = 510;
let lineLen: i32 = 0;

/** Appends an ASCII string literal (non-ASCII becomes '?'). */
export function put(s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    putByte(c < 0x80 ? c : 0x3f);
  }
}

export function putByte(c: i32): void {
  if (lineLen >= LINE_MAX) flush();
  store<u8>(LINE + <usize>lineLen, <u8>c);
  lineLen++;
  if (c == 10) flush();
}

export function putBytes(ptr: usize, len: i32): void {
  for (let i = 0; i < len; i++) putByte(<i32>load<u8>(ptr + <usize>i));
}

export function putDec(v: i64): void {
  if (v < 0) {
    putByte(0x2d);
    if (v == i64.MIN_VALUE) {
      put("9223372036854775808");
      return;
    }
    v = -v;
  }
  putUdec(<u64>v);
}

export function putUdec(v: u64): void {
  const tmp: usize = memory.data(24);
  let n: i32 = 0;
  do {
    store<u8>(tmp + <usize>n, <u8>(0x30 + <i32>(v % 10)));
    v /= 10;
    n++;
  } while (v != 0);
  while (n > 0) {
    n--;
    putByte(<i32>load<u8>(tmp + <usize>n));
  }
}

/** 0x followed by 16 hex digits. */
export function putHex64(v: u64): void {
  put("0x");
  for (let shift: i32 = 60; shift >= 0; shift -= 4) {
    const d = <i32>((v >> <u64>shift) & 15);
    putByte(d < 10 ? 0x30 + d : 0x57 + d);
  }
}

export function flush(): void {
  if (lineLen == 0) return;
  const n = lineLen;
  lineLen = 0;
  logBytes(LINE, n);
}

export function log(s: string): void {
  put(s);
  putByte(10);
}
