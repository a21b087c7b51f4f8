// Linear memory on Xen: its size, its growth (wasm `memory.grow` reaches xen_memory_grow
// through the runtime's grow routine, docs/xen-intrinsics.md rule 7), and the machine frame
// behind each of its 4 KiB pages (needed to grant a page to a backend or to re-map it).

import { linear_base, linear_initial_pages } from "../xen/intrinsics";
import { pfnToMfn } from "./p2m";
import { frameAlloc, framesAvailable, frameFree } from "./frames";
import { queuePte, flushPtes, PT_OK } from "./page-tables";
import { PTE_KERNEL_RW, pteFor, UVMF_INVLPG } from "./pte";
import { update_va_mapping } from "../xen/hypercall";
import { MAX_WASM_PAGES, PAGES_PER_WASM_PAGE } from "./layout";

// u32 mfn per 4 KiB page of linear memory (4 GiB / 4 KiB = 1M entries).
const MAX_FRAMES: i32 = MAX_WASM_PAGES * PAGES_PER_WASM_PAGE;
const FRAME_OF: usize = memory.data(MAX_FRAMES * 4, 8);

let wasmPages: i32 = 0; // 0 until linearInit
let growFailures: i32 = 0;

/** Records the frames of the initial pages, which the image maps 1:1 from `firstPfn`. */
export function linearInit(firstPfn: u64): void {
  const n = linear_initial_pages();
  for (let i = 0; i < n * PAGES_PER_WASM_PAGE; i++) {
    store<u32>(FRAME_OF + <usize>i * 4, <u32>pfnToMfn(firstPfn + <u64>i));
  }
  wasmPages = n;
}

export function linearReady(): bool { return wasmPages != 0; }

/** The machine frame behind the 4 KiB page holding linear address `addr`. */
export function linearMfn(addr: usize): u64 {
  return <u64>load<u32>(FRAME_OF + (addr >> 12) * 4);
}

/** Re-maps the linear page at `addr` onto machine frame `mfn` (shared_info, a ring, a grant
 *  frame); the page's own frame goes back to the pool. */
export function linearRemap(addr: usize, mfn: u64): i64 {
  const va = linear_base() + <i64>addr;
  const rc = update_va_mapping(va, pteFor(mfn, PTE_KERNEL_RW), UVMF_INVLPG);
  if (rc < 0) return rc;
  const old = linearMfn(addr);
  store<u32>(FRAME_OF + (addr >> 12) * 4, <u32>mfn);
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
  // Page-table frames too: at most one L1 per 512 pages, plus an L2/L3 now and then.
  if (framesAvailable() < <u64>(frames + frames / 512 + 4)) {
    growFailures++;
    return -1;
  }
  const first = old * PAGES_PER_WASM_PAGE;
  for (let i = 0; i < frames; i++) {
    const page = first + i;
    const mfn = frameAlloc();
    if (mfn == u64.MAX_VALUE) { growFailures++; return -1; }
    store<u32>(FRAME_OF + <usize>page * 4, <u32>mfn);
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
