// Whole 4 KiB pages of linear memory for sharing with a backend (rings, I/O buffers): page
// aligned, never handed out twice, and identified to Xen by machine frame.

import { linearMfn } from "./linear";

const MAX: i32 = 1024;
const RAW: usize = memory.data(MAX * 8, 8); // [aligned u32, raw u32] per live page
let live: i32 = 0;

/** A zeroed page-aligned 4 KiB page, or 0 when memory is exhausted. */
export function sharedPageAlloc(): usize {
  if (live >= MAX) return 0;
  const raw = heap.alloc(8192);
  if (raw == 0) return 0;
  const page = (raw + 4095) & ~(<usize>4095);
  memory.fill(page, 0, 4096);
  store<u32>(RAW + <usize>live * 8, <u32>page);
  store<u32>(RAW + <usize>live * 8 + 4, <u32>raw);
  live++;
  return page;
}

/** Frees a page from sharedPageAlloc (the caller has ended every grant on it). */
export function sharedPageFree(page: usize): bool {
  for (let i = 0; i < live; i++) {
    if (<usize>load<u32>(RAW + <usize>i * 8) == page) {
      heap.free(<usize>load<u32>(RAW + <usize>i * 8 + 4));
      live--;
      store<u64>(RAW + <usize>i * 8, load<u64>(RAW + <usize>live * 8));
      return true;
    }
  }
  return false;
}

export function sharedPageMfn(page: usize): u64 {
  return linearMfn(page);
}
