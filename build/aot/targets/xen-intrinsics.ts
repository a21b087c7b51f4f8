// The `xen` target's intrinsics: imports from wasm module "xen" that build/aot compiles inline.
// The prose contract (rules on barriers, red zone, frame pointers, trap sites, exports the
// runtime calls) is docs/xen-intrinsics.md; this table is its machine-readable form, and the
// AssemblyScript declarations are kernel/xen/intrinsics.ts. A test (test/kernel/intrinsics.test.ts)
// checks that the three agree. At the end of this file: the machine code of each intrinsic,
// registered with build/aot/intrinsics.ts for target `xen` (test/kernel/xen-intrinsic-code.test.ts
// disassembles it).

import { registerIntrinsics, lookupIntrinsic, type IntrinsicContext } from '../intrinsics.ts';
import { Reg, Cond, Alu, Shift, mem, type Assembler } from '../x64/encoder.ts';

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
  undefinedElement: 10,
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
    code: 'link-time constants: 0 end of text, 1 end of rodata, 2 stack guard page VA, 3 embedded boot image VA, 4 its length (0: none); 0 otherwise',
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

// ---- Emitters: the machine code of each intrinsic, registered for target `xen` -------------
// Calling convention of an emitter (build/aot/intrinsics.ts): integer arguments in rdi, rsi,
// rdx, rcx, r8, r9 (i32 zero-extended); result in rax; any allocatable register may be
// clobbered; r14 (linear-memory base), r15 (vmctx), rbp, rsp preserved; rsp 16-aligned.


export const XEN_TARGET = 'xen';

/** Symbols the xen runtime and linker define (build/runtime/xen, build/link/xen). */
export const XEN_SYMBOLS = {
  /** The page-aligned hypercall page in text (XEN_ELFNOTE_HYPERCALL_PAGE). */
  hypercallPage: 'xen.hypercall_page',
  /** u64: rsi at entry (start_info's virtual address), stored by the entry stub. */
  startInfoSlot: 'xen.start_info_slot',
  /** u32: the module's declared initial memory pages, stored by the linker. */
  linearInitialPages: 'xen.linear_initial_pages',
  /** The scratch page (its own 4 KiB page in data). */
  scratch: 'xen.scratch',
  stackLo: 'xen.stack_lo',
  stackHi: 'xen.stack_hi',
  imageEnd: 'xen.image_end',
  /** 34 u64: runtime_entry_va(0..33), 0 where there is no stub. */
  entryTable: 'xen.entry_table',
  /** 5 u64: image_layout_va(0..4). */
  layoutTable: 'xen.layout_table',
  /** Runtime routines (System V args/result): code_func_index(rip), code_func_name(index, dst, max). */
  codeFuncIndex: 'xen.code_func_index',
  codeFuncName: 'xen.code_func_name',
} as const;

/** dst = r14 + zero-extended 32-bit linear address in `r`. */
function linearAddress(asm: Assembler, r: Reg): void {
  asm.movRR(4, r, r); // zero-extend (the convention already does; cheap insurance)
  asm.aluRR(Alu.add, 8, r, Reg.r14);
}

/** REX.W (+B when the base register is r8-r15) for a [base] operand with reg field `reg`. */
function rexW(reg: Reg, base: Reg): number {
  return 0x48 | (reg & 8 ? 4 : 0) | (base & 8 ? 1 : 0);
}

/** ModRM for [base] (no displacement; base is never rsp/rbp/r12/r13 here). */
function modrmMem(reg: Reg, base: Reg): number {
  return ((reg & 7) << 3) | (base & 7);
}

const EMITTERS: Record<string, (ctx: IntrinsicContext) => void> = {
  hypercall: ({ asm }) => {
    // nr in edi; a1..a5 in rsi, rdx, rcx, r8, r9 -> Xen wants rdi, rsi, rdx, r10, r8.
    asm.movRR(4, Reg.rax, Reg.rdi);
    asm.movRR(8, Reg.rdi, Reg.rsi);
    asm.movRR(8, Reg.rsi, Reg.rdx);
    asm.movRR(8, Reg.rdx, Reg.rcx);
    asm.movRR(8, Reg.r10, Reg.r8);
    asm.movRR(8, Reg.r8, Reg.r9);
    asm.aluRI(Alu.and, 4, Reg.rax, 127);
    asm.shiftI(Shift.shl, 4, Reg.rax, 5);
    asm.leaSym(Reg.r11, XEN_SYMBOLS.hypercallPage);
    asm.aluRR(Alu.add, 8, Reg.rax, Reg.r11);
    asm.callR(Reg.rax);
  },
  mb: ({ asm }) => asm.bytes(0x0f, 0xae, 0xf0),
  rmb: ({ asm }) => asm.bytes(0x0f, 0xae, 0xe8),
  wmb: ({ asm }) => asm.bytes(0x0f, 0xae, 0xf8),
  pause: ({ asm }) => asm.bytes(0xf3, 0x90),
  rdtsc: ({ asm }) => {
    asm.bytes(0x0f, 0x31);
    asm.shiftI(Shift.shl, 8, Reg.rdx, 32);
    asm.aluRR(Alu.or, 8, Reg.rax, Reg.rdx);
  },
  cpuid: ({ asm }) => {
    asm.movRR(8, Reg.r8, Reg.rdx);
    linearAddress(asm, Reg.r8);
    asm.movRR(4, Reg.rax, Reg.rdi);
    asm.movRR(4, Reg.rcx, Reg.rsi);
    asm.raw(XEN_CPUID_PREFIX);
    asm.bytes(0x0f, 0xa2);
    asm.store(4, mem(Reg.r8, 0), Reg.rax);
    asm.store(4, mem(Reg.r8, 4), Reg.rbx);
    asm.store(4, mem(Reg.r8, 8), Reg.rcx);
    asm.store(4, mem(Reg.r8, 12), Reg.rdx);
  },
  rdrand_u64: ({ asm }) => {
    const retry = asm.label('rdrand.retry');
    const ok = asm.label('rdrand.ok');
    const done = asm.label('rdrand.done');
    asm.movRI(Reg.rcx, 10);
    asm.bind(retry);
    asm.bytes(0x48, 0x0f, 0xc7, 0xf0); // rdrand rax
    asm.jcc(Cond.B, ok); // CF=1: a value
    asm.aluRI(Alu.sub, 4, Reg.rcx, 1);
    asm.jcc(Cond.NE, retry);
    asm.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
    asm.jmp(done);
    asm.bind(ok);
    linearAddress(asm, Reg.rdi);
    asm.store(8, mem(Reg.rdi, 0), Reg.rax);
    asm.movRI(Reg.rax, 1);
    asm.bind(done);
  },
  va_load_u8: ({ asm }) => asm.load(1, Reg.rax, mem(Reg.rdi, 0)),
  va_load_u16: ({ asm }) => asm.load(2, Reg.rax, mem(Reg.rdi, 0)),
  va_load_u32: ({ asm }) => asm.load(4, Reg.rax, mem(Reg.rdi, 0)),
  va_load_u64: ({ asm }) => asm.load(8, Reg.rax, mem(Reg.rdi, 0), false, 8),
  va_store_u8: ({ asm }) => asm.store(1, mem(Reg.rdi, 0), Reg.rsi),
  va_store_u16: ({ asm }) => asm.store(2, mem(Reg.rdi, 0), Reg.rsi),
  va_store_u32: ({ asm }) => asm.store(4, mem(Reg.rdi, 0), Reg.rsi),
  va_store_u64: ({ asm }) => asm.store(8, mem(Reg.rdi, 0), Reg.rsi),
  atomic_test_and_set_bit: ({ asm }) => bitOp(asm, 0xab),
  atomic_test_and_clear_bit: ({ asm }) => bitOp(asm, 0xb3),
  atomic_xchg_u32: ({ asm }) => {
    linearAddress(asm, Reg.rdi);
    asm.bytes(0x87, modrmMem(Reg.rsi, Reg.rdi)); // xchg dword [rdi], esi
    asm.movRR(4, Reg.rax, Reg.rsi);
  },
  atomic_xchg_u64: ({ asm }) => {
    linearAddress(asm, Reg.rdi);
    asm.bytes(rexW(Reg.rsi, Reg.rdi), 0x87, modrmMem(Reg.rsi, Reg.rdi)); // xchg qword [rdi], rsi
    asm.movRR(8, Reg.rax, Reg.rsi);
  },
  atomic_cmpxchg_u16: ({ asm }) => {
    linearAddress(asm, Reg.rdi);
    asm.movRR(4, Reg.rax, Reg.rsi);
    asm.bytes(0x66, 0xf0, 0x0f, 0xb1, modrmMem(Reg.rdx, Reg.rdi)); // lock cmpxchg word [rdi], dx
    asm.bytes(0x0f, 0xb7, 0xc0); // movzx eax, ax
  },
  atomic_cmpxchg_u32: ({ asm }) => {
    linearAddress(asm, Reg.rdi);
    asm.movRR(4, Reg.rax, Reg.rsi);
    asm.bytes(0xf0, 0x0f, 0xb1, modrmMem(Reg.rdx, Reg.rdi)); // lock cmpxchg dword [rdi], edx
  },
  atomic_cmpxchg_u64: ({ asm }) => {
    linearAddress(asm, Reg.rdi);
    asm.movRR(8, Reg.rax, Reg.rsi);
    asm.bytes(0xf0, rexW(Reg.rdx, Reg.rdi), 0x0f, 0xb1, modrmMem(Reg.rdx, Reg.rdi)); // lock cmpxchg qword [rdi], rdx
  },
  linear_base: ({ asm }) => asm.movRR(8, Reg.rax, Reg.r14),
  linear_initial_pages: ({ asm }) => asm.loadSym(4, Reg.rax, XEN_SYMBOLS.linearInitialPages),
  start_info_va: ({ asm }) => asm.loadSym(8, Reg.rax, XEN_SYMBOLS.startInfoSlot),
  scratch_va: ({ asm }) => asm.leaSym(Reg.rax, XEN_SYMBOLS.scratch),
  runtime_entry_va: ({ asm }) => tableLookup(asm, XEN_SYMBOLS.entryTable, 34),
  native_stack_lo: ({ asm }) => asm.leaSym(Reg.rax, XEN_SYMBOLS.stackLo),
  native_stack_hi: ({ asm }) => asm.leaSym(Reg.rax, XEN_SYMBOLS.stackHi),
  image_layout_va: ({ asm }) => tableLookup(asm, XEN_SYMBOLS.layoutTable, 5),
  image_end_va: ({ asm }) => asm.leaSym(Reg.rax, XEN_SYMBOLS.imageEnd),
  code_func_index: ({ asm }) => asm.callSym(XEN_SYMBOLS.codeFuncIndex),
  code_func_name: ({ asm }) => {
    linearAddress(asm, Reg.rsi); // dst: a linear address -> a virtual one for the routine
    asm.callSym(XEN_SYMBOLS.codeFuncName);
  },
};

/** lock bts/btr qword [r14 + addr], bit & 63; result CF. */
function bitOp(asm: Assembler, opcode: 0xab | 0xb3): void {
  linearAddress(asm, Reg.rdi);
  asm.aluRI(Alu.and, 4, Reg.rsi, 63);
  asm.bytes(0xf0, rexW(Reg.rsi, Reg.rdi), 0x0f, opcode, modrmMem(Reg.rsi, Reg.rdi));
  asm.setcc(Cond.B, Reg.rax);
  asm.movzx8(Reg.rax, Reg.rax);
}

/** rax = which < n ? table[which] : 0 (which in edi). */
function tableLookup(asm: Assembler, symbol: string, n: number): void {
  const out = asm.label('xen.table.out');
  asm.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
  asm.aluRI(Alu.cmp, 4, Reg.rdi, n);
  asm.jcc(Cond.AE, out);
  asm.leaSym(Reg.rax, symbol);
  asm.load(8, Reg.rax, mem(Reg.rax, 0, Reg.rdi, 8), false, 8);
  asm.bind(out);
}

/** Registers every xen intrinsic with build/aot (idempotent). */
export function registerXenIntrinsics(): void {
  if (lookupIntrinsic(XEN_TARGET, XEN_IMPORT_MODULE, 'hypercall')) return;
  for (const i of XEN_INTRINSICS) {
    const emit = EMITTERS[i.name];
    if (!emit) throw new Error(`xen intrinsic ${i.name} has no emitter`);
    registerIntrinsics(XEN_TARGET, XEN_IMPORT_MODULE, i.name, { params: i.params, results: i.results, emit });
  }
}
registerXenIntrinsics();
