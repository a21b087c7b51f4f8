// Page protections for the kernel image (docs/xen-memory.md, "Protections"): Xen maps the
// whole boot region read-write and executable; at boot the kernel makes code read-only
// and executable, read-only data read-only, everything else (data, stack, linear memory)
// non-executable, and unmaps the stack guard page.

import { cpuid, image_layout_va, linear_base, linear_initial_pages } from "../xen/intrinsics";
import { pfnToMfn } from "./p2m";
import { queuePte, flushPtes, PT_OK } from "./page-tables";
import { pteFor, PTE_KERNEL_RX, PTE_KERNEL_RO, PTE_KERNEL_RW } from "./pte";
import { linearMfn } from "./linear";
import { VIRT_BASE } from "./layout";

const CPUID_OUT: usize = memory.data(16, 8);

/** CPUID 0x80000001 EDX bit 20: NX. */
export function detectNx(): bool {
  cpuid(<i32>0x80000000, 0, CPUID_OUT);
  if (load<u32>(CPUID_OUT) < 0x80000001) return false;
  cpuid(<i32>0x80000001, 0, CPUID_OUT);
  return (load<u32>(CPUID_OUT, 12) & (1 << 20)) != 0;
}

/** Rewrites the PTEs of [VIRT_BASE, end of the initial linear memory). PT_OK or an error;
 *  skips everything when the image layout is unknown (0). Boot has called
 *  pteSetNxSupported(detectNx()) before any PTE was written. */
export function protectImage(): i32 {
  const textEnd = image_layout_va(0);
  const rodataEnd = image_layout_va(1);
  const guard = image_layout_va(2);
  if (textEnd == 0 || rodataEnd < textEnd) return PT_OK;
  const lin = linear_base();
  const linEnd = lin + (<i64>linear_initial_pages() << 16);
  for (let va = VIRT_BASE; va < linEnd; va += 4096) {
    let pte: i64;
    if (va == guard) {
      pte = 0;
    } else if (va >= lin) {
      pte = pteFor(linearMfn(<usize>(va - lin)), PTE_KERNEL_RW);
    } else {
      const mfn = pfnToMfn(<u64>(va - VIRT_BASE) >> 12);
      pte = pteFor(mfn, va < textEnd ? PTE_KERNEL_RX : va < rodataEnd ? PTE_KERNEL_RO : PTE_KERNEL_RW);
    }
    const rc = queuePte(va, pte);
    if (rc != PT_OK) return rc;
  }
  return flushPtes();
}
