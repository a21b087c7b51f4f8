// Reclaiming Xen's boot trailer (docs/xen-memory.md, boot step 6). Xen maps the image and
// after it the p2m list, start_info, the xenstore and console pages, the boot page tables,
// the boot stack and ≥512 KiB of padding, contiguously from VIRT_BASE. All of that lies in
// the VA range linear memory grows into, so: the padding is unmapped and pooled, the p2m list
// and the boot module are re-mapped read-only at their windows, then every page mapped beyond
// the initial linear memory is unmapped, leaving the guard region empty.

import { va_load_u64 } from "../xen/intrinsics";
import { mmuext_op, DOMID_SELF } from "../xen/hypercall";
import { tableLookup, queuePte, flushPtes, PT_OK } from "./page-tables";
import { pfnToMfn, mfnToPfn, p2mUse } from "./p2m";
import { PTE_P, PTE_KERNEL_RO, pteFor, ptIndex } from "./pte";
import { VIRT_BASE, P2M_WINDOW, MODULE_WINDOW } from "./layout";
import { framesInit, frameFree } from "./frames";

export const MMUEXT_TLB_FLUSH_LOCAL: i32 = 6;

const OP: usize = memory.data(24, 8);
const DONE: usize = memory.data(8, 8);

let moduleVa: i64 = 0;
let moduleLen: i64 = 0;

export function bootModuleAddress(): i64 { return moduleVa; }
export function bootModuleLength(): i64 { return moduleLen; }

function pfnOfVa(va: i64): u64 { return <u64>(va - VIRT_BASE) >> 12; }

/** Whether `va` is mapped in the boot page tables (read through the boot 1:1 region). */
export function bootMapped(va: i64): bool {
  const l1 = tableLookup(1, va);
  if (l1 == 0) return false;
  const tableVa = VIRT_BASE + <i64>(mfnToPfn(l1) << 12);
  return (va_load_u64(tableVa + <i64>ptIndex(va, 1) * 8) & PTE_P) != 0;
}

/** Maps `bytes` of the boot region from `va` read-only at `window`: PT_OK or an error. */
export function aliasReadOnly(va: i64, bytes: i64, window: i64): i32 {
  const pages = (bytes + 4095) >> 12;
  for (let i: i64 = 0; i < pages; i++) {
    const mfn = pfnToMfn(pfnOfVa(va + (i << 12)));
    if (mfn == u64.MAX_VALUE) return -5;
    const rc = queuePte(window + (i << 12), pteFor(mfn, PTE_KERNEL_RO));
    if (rc != PT_OK) return rc;
  }
  return flushPtes();
}

export function tlbFlush(): i64 {
  store<u32>(OP, MMUEXT_TLB_FLUSH_LOCAL);
  store<u32>(OP, 0, 4);
  store<u64>(OP, 0, 8);
  store<u64>(OP, 0, 16);
  return mmuext_op(OP, 1, DONE, DOMID_SELF);
}

/** Unmaps [from, to) (one batch, then a local TLB flush): PT_OK or an error. */
function unmapRange(from: i64, to: i64): i64 {
  for (let va = from; va < to; va += 4096) {
    const rc = queuePte(va, 0);
    if (rc != PT_OK) return rc;
  }
  const rc = flushPtes();
  if (rc != PT_OK) return rc;
  const f = tlbFlush();
  return f < 0 ? f : PT_OK;
}

/** Sets up the frame pool and empties the boot trailer: the padding (from `paddingPfn` to the
 *  end of the boot mapping) is unmapped first and its frames go to the pool, since in a small
 *  domain they are all the pool has and the windows below need page-table frames (Xen refuses
 *  a table frame that still has a writable mapping, so a frame is pooled only once unmapped).
 *  Then the p2m list (and the boot module, when there is one) is re-mapped read-only at its
 *  window and the rest of [from, end of the boot mapping) is unmapped. The pool also gets the
 *  pfns after the boot mapping. Returns the number of pages unmapped, or a negative error. */
export function reclaimBootTrailer(
  from: i64, paddingPfn: u64, p2mVa: i64, nrPages: u64, modVa: i64, modLen: i64,
): i64 {
  // The boot mapping is contiguous from VIRT_BASE: find its end while the boot L1 tables
  // (themselves in the trailer) are still readable.
  let end = from;
  while (bootMapped(end)) end += 4096;
  const endPfn = pfnOfVa(end);
  framesInit(endPfn, nrPages);
  let paddingVa = VIRT_BASE + <i64>(paddingPfn << 12);
  if (paddingVa < from) paddingVa = from;
  if (paddingVa > end) paddingVa = end;
  let rc = unmapRange(paddingVa, end);
  if (rc != PT_OK) return rc;
  for (let pfn = pfnOfVa(paddingVa); pfn < endPfn; pfn++) {
    const mfn = pfnToMfn(pfn);
    if (mfn != u64.MAX_VALUE) frameFree(mfn);
  }
  rc = aliasReadOnly(p2mVa, <i64>(nrPages << 3), P2M_WINDOW);
  if (rc != PT_OK) return rc;
  if (modLen > 0) {
    rc = aliasReadOnly(modVa & ~4095, (modVa & 4095) + modLen, MODULE_WINDOW);
    if (rc != PT_OK) return rc;
    moduleVa = MODULE_WINDOW + (modVa & 4095);
    moduleLen = modLen;
  }
  // From here the p2m is read at its window; the trailer's VAs can go.
  p2mUse(P2M_WINDOW, nrPages);
  rc = unmapRange(from, paddingVa);
  if (rc != PT_OK) return rc;
  return (end - from) >> 12;
}
