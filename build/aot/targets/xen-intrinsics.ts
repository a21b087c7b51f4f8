// The `xen` target's intrinsics: imports from wasm module "xen" that build/aot compiles inline.
// The prose contract (rules on barriers, red zone, frame pointers, trap sites, exports the
// runtime calls) is docs/xen-intrinsics.md; this table is its machine-readable form, and the
// AssemblyScript declarations are kernel/xen/intrinsics.ts. A test (test/kernel/intrinsics.test.ts)
// checks that the three agree.

export type IntrinsicType = 'i32' | 'i64';

export interface XenIntrinsic {
  name: string;
  params: IntrinsicType[];
  results: IntrinsicType[];
  /** What the compiled code must do (see docs/xen-intrinsics.md for the details). */
  code: string;
  /** Registers destroyed besides the result register (System V caller-saved ones included). */
  clobbers: string[];
}

export const XEN_IMPORT_MODULE = 'xen';

/** Byte offset of hypercall `nr` in the hypercall page. */
export const HYPERCALL_STRIDE = 32;

/** The ud2-then-code trap encoding (docs/xen-intrinsics.md, rule 5). */
export const TRAP_CODES = {
  unreachable: 0,
  integerDivideByZero: 1,
  integerOverflow: 2,
  invalidConversionToInteger: 3,
  outOfBoundsMemoryAccess: 4,
  indirectCallTypeMismatch: 5,
  uninitializedElement: 6,
  callStackExhausted: 7,
  outOfBoundsTableAccess: 8,
  nullReference: 9,
} as const;

/** Xen's forced-emulation prefix (ud2; "xen") put before `cpuid` in a PV guest. */
export const XEN_CPUID_PREFIX = Uint8Array.of(0x0f, 0x0b, 0x78, 0x65, 0x6e);

const va = (width: 8 | 16 | 32 | 64): XenIntrinsic[] => [
  {
    name: `va_load_u${width}`,
    params: ['i64'],
    results: [width === 64 ? 'i64' : 'i32'],
    code: `load ${width} bits (zero-extended) from the absolute virtual address`,
    clobbers: [],
  },
  {
    name: `va_store_u${width}`,
    params: ['i64', width === 64 ? 'i64' : 'i32'],
    results: [],
    code: `store the low ${width} bits at the absolute virtual address`,
    clobbers: [],
  },
];

export const XEN_INTRINSICS: readonly XenIntrinsic[] = [
  {
    name: 'hypercall',
    params: ['i32', 'i64', 'i64', 'i64', 'i64', 'i64'],
    results: ['i64'],
    code: 'rdi,rsi,rdx,r10,r8 = a1..a5; call hypercall_page + (nr & 127) * 32; result rax',
    clobbers: ['rax', 'rcx', 'r11', 'rdi', 'rsi', 'rdx', 'r10', 'r8'],
  },
  { name: 'mb', params: [], results: [], code: 'mfence', clobbers: [] },
  { name: 'rmb', params: [], results: [], code: 'lfence', clobbers: [] },
  { name: 'wmb', params: [], results: [], code: 'sfence', clobbers: [] },
  { name: 'pause', params: [], results: [], code: 'pause (f3 90)', clobbers: [] },
  {
    name: 'rdtsc',
    params: [],
    results: ['i64'],
    code: 'rdtsc; shl rdx, 32; or rax, rdx',
    clobbers: ['rax', 'rdx'],
  },
  {
    name: 'cpuid',
    params: ['i32', 'i32', 'i32'],
    results: [],
    code: 'eax=leaf, ecx=subleaf; 0f 0b 78 65 6e 0f a2 (Xen forced-emulation cpuid); store eax,ebx,ecx,edx as u32 at linear out',
    clobbers: ['rax', 'rbx', 'rcx', 'rdx'],
  },
  ...va(8),
  ...va(16),
  ...va(32),
  ...va(64),
  {
    name: 'atomic_test_and_set_bit',
    params: ['i32', 'i32'],
    results: ['i32'],
    code: 'lock bts qword [base+addr], bit&63; result = CF',
    clobbers: [],
  },
  {
    name: 'atomic_test_and_clear_bit',
    params: ['i32', 'i32'],
    results: ['i32'],
    code: 'lock btr qword [base+addr], bit&63; result = CF',
    clobbers: [],
  },
  { name: 'atomic_xchg_u32', params: ['i32', 'i32'], results: ['i32'], code: 'xchg dword [base+addr], v', clobbers: [] },
  { name: 'atomic_xchg_u64', params: ['i32', 'i64'], results: ['i64'], code: 'xchg qword [base+addr], v', clobbers: [] },
  {
    name: 'atomic_cmpxchg_u16',
    params: ['i32', 'i32', 'i32'],
    results: ['i32'],
    code: 'ax=expected; lock cmpxchg word [base+addr], replacement; result = old value zero-extended',
    clobbers: ['rax'],
  },
  {
    name: 'atomic_cmpxchg_u32',
    params: ['i32', 'i32', 'i32'],
    results: ['i32'],
    code: 'eax=expected; lock cmpxchg dword [base+addr], replacement; result = old value',
    clobbers: ['rax'],
  },
  {
    name: 'atomic_cmpxchg_u64',
    params: ['i32', 'i64', 'i64'],
    results: ['i64'],
    code: 'rax=expected; lock cmpxchg qword [base+addr], replacement; result = old value',
    clobbers: ['rax'],
  },
  {
    name: 'rdrand_u64',
    params: ['i32'],
    results: ['i32'],
    code: 'up to 10 x (rdrand rax; jc ok); ok: store rax as u64 at linear out, result 1; else result 0',
    clobbers: ['rax'],
  },
  { name: 'linear_base', params: [], results: ['i64'], code: 'VA of linear memory byte 0 (link-time constant)', clobbers: [] },
  { name: 'linear_initial_pages', params: [], results: ['i32'], code: 'declared initial memory pages (constant)', clobbers: [] },
  { name: 'start_info_va', params: [], results: ['i64'], code: 'rsi at ELF entry, saved by the entry stub', clobbers: [] },
  { name: 'scratch_va', params: [], results: ['i64'], code: 'VA of the 4 KiB scratch mapping page in the image data', clobbers: [] },
  {
    name: 'runtime_entry_va',
    params: ['i32'],
    results: ['i64'],
    code: 'VA of runtime stub: 0..31 exception vector, 32 event upcall, 33 failsafe; 0 if none',
    clobbers: [],
  },
  { name: 'native_stack_lo', params: [], results: ['i64'], code: 'lowest VA of the native stack', clobbers: [] },
  { name: 'native_stack_hi', params: [], results: ['i64'], code: 'VA just above the native stack', clobbers: [] },
  {
    name: 'image_layout_va',
    params: ['i32'],
    results: ['i64'],
    code: 'link-time constants: 0 end of text, 1 end of rodata, 2 stack guard page VA; 0 otherwise',
    clobbers: [],
  },
  { name: 'image_end_va', params: [], results: ['i64'], code: 'first VA after the loaded ELF image', clobbers: [] },
  {
    name: 'code_func_index',
    params: ['i64'],
    results: ['i32'],
    code: 'function index containing rip (binary search in the linker table), or -1',
    clobbers: [],
  },
  {
    name: 'code_func_name',
    params: ['i32', 'i32', 'i32'],
    results: ['i32'],
    code: 'copy the UTF-8 name of function index to linear dst, at most max bytes; return length',
    clobbers: [],
  },
];

/** Exports of the guest module that the xen runtime calls, with their wasm signatures. */
export const XEN_RUNTIME_EXPORTS: readonly { name: string; params: IntrinsicType[]; results: IntrinsicType[] }[] = [
  { name: 'xen_boot', params: [], results: [] },
  { name: 'main', params: [], results: ['i32'] },
  { name: 'xen_exit', params: ['i32'], results: [] },
  { name: 'xen_trap', params: ['i32', 'i64', 'i64', 'i64', 'i64'], results: [] },
  { name: 'xen_event_upcall', params: [], results: [] },
  { name: 'xen_failsafe', params: [], results: [] },
  { name: 'xen_memory_size', params: [], results: ['i32'] },
  { name: 'xen_memory_grow', params: ['i32'], results: ['i32'] },
];

export function findXenIntrinsic(name: string): XenIntrinsic | undefined {
  return XEN_INTRINSICS.find((i) => i.name === name);
}
