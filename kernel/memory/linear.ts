// Linear memory on Xen: its size, its growth (wasm `memory.grow` reaches xen_memory_grow
// through the runtime's grow routine, docs/xen-intrinsics.md rule 7), and the machine frame
// behind each of its 4 KiB pages (needed to grant a page to a backend or to re-map it).

import { linear_base, linear_initial_pages, va_load_u32, va_store_u32, va_store_u64 } from "../xen/intrinsics";
import { pfnToMfn } from "./p2m";
import { frameAlloc, framesAvailable, frameFree } from "./frames";
import { queuePte, flushPtes, mapPage, PT_OK } from "./page-tables";
import { PTE_KERNEL_RW, pteFor, UVMF_INVLPG } from "./pte";
import { update_va_mapping } from "../xen/hypercall";
import { MAX_WASM_PAGES, PAGES_PER_WASM_PAGE, FRAME_WINDOW } from "./layout";

// The frame table: a u32 mfn per 4 KiB page of linear memory. Its head, for the first 16 MiB
// (the initial pages and then some), is static data; its tail lives at FRAME_WINDOW on frames
// from the pool, mapped 1024 entries (one frame) at a time as linear memory grows. A table for
// all of 4 GiB in static data would be 4 MiB of every domain's memory, however small.
const STATIC_FRAMES: usize = 4096;
const ENTRIES_PER_FRAME: usize = 1024;
const FRAME_OF: usize = memory.data(<i32>STATIC_FRAMES * 4, 8);
let tailFrames: usize = 0; // frames mapped at FRAME_WINDOW

let wasmPages: i32 = 0; // 0 until linearInit
let growFailures: i32 = 0;

function frameOf(page: usize): u64 {
  if (page < STATIC_FRAMES) return <u64>load<u32>(FRAME_OF + page * 4);
  return <u64><u32>va_load_u32(FRAME_WINDOW + <i64>((page - STATIC_FRAMES) * 4));
}

function setFrameOf(page: usize, mfn: u64): void {
  if (page < STATIC_FRAMES) store<u32>(FRAME_OF + page * 4, <u32>mfn);
  else va_store_u32(FRAME_WINDOW + <i64>((page - STATIC_FRAMES) * 4), <i32><u32>mfn);
}

/** Table frames still to map before entries exist for `pages` pages. */
function tailFramesNeeded(pages: usize): usize {
  if (pages <= STATIC_FRAMES) return 0;
  const want = (pages - STATIC_FRAMES + ENTRIES_PER_FRAME - 1) / ENTRIES_PER_FRAME;
  return want > tailFrames ? want - tailFrames : 0;
}

/** Maps (zeroed) table frames until entries exist for `pages` pages; false when out of frames. */
function ensureEntries(pages: usize): bool {
  for (let n = tailFramesNeeded(pages); n > 0; n--) {
    const mfn = frameAlloc();
    if (mfn == u64.MAX_VALUE) return false;
    const va = FRAME_WINDOW + <i64>(tailFrames * 4096);
    if (mapPage(va, mfn, PTE_KERNEL_RW) != PT_OK) { frameFree(mfn); return false; }
    for (let i: i64 = 0; i < 4096; i += 8) va_store_u64(va + i, 0);
    tailFrames++;
  }
  return true;
}

/** Records the frames of the initial pages, which the image maps 1:1 from `firstPfn`. */
export function linearInit(firstPfn: u64): void {
  const n = linear_initial_pages();
  for (let i = 0; i < n * PAGES_PER_WASM_PAGE; i++) {
    if (<usize>i >= STATIC_FRAMES) break; // never: the initial pages are far fewer (asserted at boot)
    store<u32>(FRAME_OF + <usize>i * 4, <u32>pfnToMfn(firstPfn + <u64>i));
  }
  wasmPages = n;
}

/** Whether the initial pages fit the static head of the frame table (the boot checks). */
export function linearInitialPagesFit(): bool {
  return <usize>linear_initial_pages() * <usize>PAGES_PER_WASM_PAGE <= STATIC_FRAMES;
}

export function linearReady(): bool { return wasmPages != 0; }

/** The machine frame behind the 4 KiB page holding linear address `addr`. */
export function linearMfn(addr: usize): u64 {
  return frameOf(addr >> 12);
}

/** Re-maps the linear page at `addr` onto machine frame `mfn` (shared_info, a ring, a grant
 *  frame); the page's own frame goes back to the pool. */
export function linearRemap(addr: usize, mfn: u64): i64 {
  const va = linear_base() + <i64>addr;
  const rc = update_va_mapping(va, pteFor(mfn, PTE_KERNEL_RW), UVMF_INVLPG);
  if (rc < 0) return rc;
  const old = linearMfn(addr);
  setFrameOf(addr >> 12, mfn);
  if (old != 0 && old != mfn) frameFree(old);
  return 0;
}

export function xen_memory_size(): i32 {
  return wasmPages != 0 ? wasmPages : linear_initial_pages();
}

export function xen_memory_grow(delta: i32): i32 {
  const old = xen_memory_size();
  if (delta < 0) return -1;
  if (delta == 0) return old;
  if (wasmPages == 0 || <i64>old + <i64>delta > <i64>MAX_WASM_PAGES) return -1;
  const frames = delta * PAGES_PER_WASM_PAGE;
  const first = old * PAGES_PER_WASM_PAGE;
  // Page-table frames too: at most one L1 per 512 pages, plus an L2/L3 now and then; and the
  // frame table's own frames.
  const tableFrames = tailFramesNeeded(<usize>(first + frames));
  if (framesAvailable() < <u64>(frames + frames / 512 + 4) + <u64>(tableFrames * 2)) {
    growFailures++;
    return -1;
  }
  if (!ensureEntries(<usize>(first + frames))) { growFailures++; return -1; }
  for (let i = 0; i < frames; i++) {
    const page = first + i;
    const mfn = frameAlloc();
    if (mfn == u64.MAX_VALUE) { growFailures++; return -1; }
    setFrameOf(<usize>page, mfn);
    if (queuePte(linear_base() + (<i64>page << 12), pteFor(mfn, PTE_KERNEL_RW)) != PT_OK) {
      growFailures++;
      return -1;
    }
  }
  if (flushPtes() != PT_OK) { growFailures++; return -1; }
  // Frames from the pool hold whatever the last owner left: wasm promises zeros. Plain
  // stores, not memory.fill: the compiled memory.fill checks its range against the size the
  // runtime records only after this returns (docs/xen-intrinsics.md rule 7).
  const end = (<usize>old + <usize>delta) << 16;
  for (let p = <usize>old << 16; p < end; p += 8) store<u64>(p, 0);
  wasmPages = old + delta;
  return old;
}

export function linearGrowFailures(): i32 { return growFailures; }
