// The "xen" intrinsics: imports that build/aot compiles inline on the xen target
// (docs/xen-intrinsics.md; machine-readable list build/aot/targets/xen-intrinsics.ts).
// This is the only file that declares them. In the Node tests a fake "xen" import object
// supplies them (test/kernel/support/fake-xen.ts).

// Hypercall nr (0..127) through the hypercall page; a1..a5 in rdi, rsi, rdx, r10, r8.
// @ts-ignore: decorator
@external("xen", "hypercall")
export declare function hypercall(nr: i32, a1: i64, a2: i64, a3: i64, a4: i64, a5: i64): i64;

// Full memory barrier (mfence).
// @ts-ignore: decorator
@external("xen", "mb")
export declare function mb(): void;

// Read barrier (lfence).
// @ts-ignore: decorator
@external("xen", "rmb")
export declare function rmb(): void;

// Write barrier (sfence).
// @ts-ignore: decorator
@external("xen", "wmb")
export declare function wmb(): void;

// Spin-loop hint.
// @ts-ignore: decorator
@external("xen", "pause")
export declare function pause(): void;

// The time-stamp counter.
// @ts-ignore: decorator
@external("xen", "rdtsc")
export declare function rdtsc(): i64;

// CPUID through Xen (forced emulation): eax, ebx, ecx, edx as four u32 at out.
// @ts-ignore: decorator
@external("xen", "cpuid")
export declare function cpuid(leaf: i32, subleaf: i32, out: usize): void;

// Raw loads and stores at a virtual address outside linear memory.
// @ts-ignore: decorator
@external("xen", "va_load_u8")
export declare function va_load_u8(va: i64): i32;
// @ts-ignore: decorator
@external("xen", "va_load_u16")
export declare function va_load_u16(va: i64): i32;
// @ts-ignore: decorator
@external("xen", "va_load_u32")
export declare function va_load_u32(va: i64): i32;
// @ts-ignore: decorator
@external("xen", "va_load_u64")
export declare function va_load_u64(va: i64): i64;
// @ts-ignore: decorator
@external("xen", "va_store_u8")
export declare function va_store_u8(va: i64, v: i32): void;
// @ts-ignore: decorator
@external("xen", "va_store_u16")
export declare function va_store_u16(va: i64, v: i32): void;
// @ts-ignore: decorator
@external("xen", "va_store_u32")
export declare function va_store_u32(va: i64, v: i32): void;
// @ts-ignore: decorator
@external("xen", "va_store_u64")
export declare function va_store_u64(va: i64, v: i64): void;

// lock bts on the u64 at addr (bit & 63); the old bit.
// @ts-ignore: decorator
@external("xen", "atomic_test_and_set_bit")
export declare function atomic_test_and_set_bit(addr: usize, bit: i32): i32;

// lock btr on the u64 at addr (bit & 63); the old bit.
// @ts-ignore: decorator
@external("xen", "atomic_test_and_clear_bit")
export declare function atomic_test_and_clear_bit(addr: usize, bit: i32): i32;

// Atomic exchange; the old value.
// @ts-ignore: decorator
@external("xen", "atomic_xchg_u32")
export declare function atomic_xchg_u32(addr: usize, v: i32): i32;
// @ts-ignore: decorator
@external("xen", "atomic_xchg_u64")
export declare function atomic_xchg_u64(addr: usize, v: i64): i64;

// Compare-and-exchange; the old value (equal to expected on success).
// @ts-ignore: decorator
@external("xen", "atomic_cmpxchg_u16")
export declare function atomic_cmpxchg_u16(addr: usize, expected: i32, replacement: i32): i32;
// @ts-ignore: decorator
@external("xen", "atomic_cmpxchg_u32")
export declare function atomic_cmpxchg_u32(addr: usize, expected: i32, replacement: i32): i32;
// @ts-ignore: decorator
@external("xen", "atomic_cmpxchg_u64")
export declare function atomic_cmpxchg_u64(addr: usize, expected: i64, replacement: i64): i64;

// RDRAND: stores 8 random bytes at out and returns 1, or returns 0 (no RDRAND, or the
// hardware gave none after 10 tries).
// @ts-ignore: decorator
@external("xen", "rdrand_u64")
export declare function rdrand_u64(out: usize): i32;

// Virtual address of linear memory byte 0.
// @ts-ignore: decorator
@external("xen", "linear_base")
export declare function linear_base(): i64;

// Declared initial linear memory size in 64 KiB pages.
// @ts-ignore: decorator
@external("xen", "linear_initial_pages")
export declare function linear_initial_pages(): i32;

// Virtual address of start_info (rsi at entry).
// @ts-ignore: decorator
@external("xen", "start_info_va")
export declare function start_info_va(): i64;

// Virtual address of the 4 KiB scratch mapping window.
// @ts-ignore: decorator
@external("xen", "scratch_va")
export declare function scratch_va(): i64;

// Address of runtime stub: 0..31 exception vector, 32 upcall, 33 failsafe.
// @ts-ignore: decorator
@external("xen", "runtime_entry_va")
export declare function runtime_entry_va(which: i32): i64;

// Bounds of the native stack.
// @ts-ignore: decorator
@external("xen", "native_stack_lo")
export declare function native_stack_lo(): i64;
// @ts-ignore: decorator
@external("xen", "native_stack_hi")
export declare function native_stack_hi(): i64;

// Image layout addresses: 0 end of text (code, read-only executable), 1 end of read-only
// data, 2 the stack guard page; 0 if unknown.
// @ts-ignore: decorator
@external("xen", "image_layout_va")
export declare function image_layout_va(which: i32): i64;

// First virtual address after the loaded image.
// @ts-ignore: decorator
@external("xen", "image_end_va")
export declare function image_end_va(): i64;

// Wasm function index containing rip, or -1.
// @ts-ignore: decorator
@external("xen", "code_func_index")
export declare function code_func_index(rip: i64): i32;

// Copy a function name (UTF-8) to dst; its length.
// @ts-ignore: decorator
@external("xen", "code_func_name")
export declare function code_func_name(index: i32, dst: usize, max: i32): i32;
