// The virtual address map of docs/xen-memory.md, as constants.

/** XEN_ELFNOTE_VIRT_BASE: pfn N of the boot region is at VA VIRT_BASE + N * 4096. */
export const VIRT_BASE: i64 = 0;
/** Linear memory plus its unmapped guard: 4 GiB addressable + 4 GiB of offsets. */
export const LINEAR_RESERVED_BYTES: i64 = 8 << 30;
/** The p2m list re-mapped read-only (L4 slot 1). */
export const P2M_WINDOW: i64 = 0x0000_0080_0000_0000;
/** The boot module (initrd: the Smalltalk image) re-mapped read-only. */
export const MODULE_WINDOW: i64 = 0x0000_0090_0000_0000;
/** The tail of linear memory's frame table (kernel/memory/linear.ts), mapped as it grows. */
export const FRAME_WINDOW: i64 = 0x0000_00a0_0000_0000;
/** Xen's machine-to-phys table, read-only for PV guests. */
export const M2P_VA: i64 = <i64>0xffff_8000_0000_0000;

export const WASM_PAGE: i64 = 65536;
export const MAX_WASM_PAGES: i32 = 65536;
export const PAGES_PER_WASM_PAGE: i32 = 16;
