// x86-64 page-table entry bits and Xen's PV mmu constants (xen/include/public/xen.h).

export const PTE_P: i64 = 1;
export const PTE_RW: i64 = 2;
export const PTE_USER: i64 = 4;
export const PTE_A: i64 = 0x20;
export const PTE_D: i64 = 0x40;
export const PTE_NX: i64 = i64.MIN_VALUE; // bit 63
export const PTE_ADDR_MASK: i64 = 0x000f_ffff_ffff_f000;

/** Data pages: present, writable, accessed, dirty, not executable. */
export const PTE_KERNEL_RW: i64 = PTE_P | PTE_RW | PTE_A | PTE_D | PTE_NX;
/** Read-only data. */
export const PTE_KERNEL_RO: i64 = PTE_P | PTE_A | PTE_NX;
/** Code: read-only, executable. */
export const PTE_KERNEL_RX: i64 = PTE_P | PTE_A;
/** Intermediate tables (L4/L3/L2 entries): Xen requires the user bit for 64-bit PV kernels. */
export const PTE_TABLE: i64 = PTE_P | PTE_RW | PTE_USER | PTE_A;

export const UVMF_NONE: i64 = 0;
export const UVMF_TLB_FLUSH: i64 = 1;
export const UVMF_INVLPG: i64 = 2;
export const UVMF_LOCAL: i64 = 0;

export const MMU_NORMAL_PT_UPDATE: i64 = 0;
export const MMU_MACHPHYS_UPDATE: i64 = 1;

export const MMUEXT_PIN_L1_TABLE: i32 = 0;
export const MMUEXT_PIN_L2_TABLE: i32 = 1;
export const MMUEXT_PIN_L3_TABLE: i32 = 2;
export const MMUEXT_PIN_L4_TABLE: i32 = 3;
export const MMUEXT_UNPIN_TABLE: i32 = 4;

/** Index of `va` in the page table at `level` (1..4). */
// @ts-ignore: decorator
@inline export function ptIndex(va: i64, level: i32): i32 {
  return <i32>((<u64>va >> <u64>(12 + 9 * (level - 1))) & 511);
}

// Xen refuses PTEs with NX set when the CPU has no NX: pteFor strips it then.
let flagMask: i64 = -1;

/** Records whether the CPU has NX (CPUID 0x80000001 EDX bit 20). */
export function pteSetNxSupported(supported: bool): void {
  flagMask = supported ? -1 : ~PTE_NX;
}

export function pteFor(mfn: u64, flags: i64): i64 {
  return (<i64>(mfn << 12) & PTE_ADDR_MASK) | (flags & flagMask);
}

export function pteMfn(pte: i64): u64 {
  return <u64>(pte & PTE_ADDR_MASK) >> 12;
}
