// Copying from a virtual address outside linear memory (the embedded image in .rodata, the
// boot module's window) into linear memory: 8 bytes a step, the tail byte by byte. The boot
// image is read this way at start-up, where a byte loop cost ~8 times the steps.

import { va_load_u8, va_load_u64 } from "../xen/intrinsics";

/** Copies `n` bytes from `va` to linear-memory address `dst`. */
export function copyFromVa(dst: usize, va: i64, n: i64): void {
  let i: i64 = 0;
  for (; i + 8 <= n; i += 8) store<u64>(dst + <usize>i, <u64>va_load_u64(va + i));
  for (; i < n; i++) store<u8>(dst + <usize>i, <u8>va_load_u8(va + i));
}
