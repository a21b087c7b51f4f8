// The xen runtime's machine-code stubs (docs/xen-intrinsics.md, "Runtime stubs"): the ELF
// entry point, one exception entry per vector, the event upcall entry and the failsafe
// entry. They are described here as short lists of x86-64 operations, to be lowered to bytes
// with build/aot/x64's encoder once it exists (the lowering is not written yet). Everything
// Xen-specific (frame layouts, which vectors carry an error code, the iret protocol) is
// decided here. test/kernel/xen-upcall-probe.test.ts lowers them with a test-only encoder and
// runs the upcall stub on real Xen.
//
// Frame Xen pushes on the guest kernel stack for an exception or event (x86-64 PV,
// xen/arch/x86/x86_64/entry.S create_bounce_frame), lowest address first:
//   rcx, r11, [error code], rip, cs, rflags, rsp, ss
// The failsafe callback additionally has ds, es, fs, gs after r11.

export type Reg =
  | 'rax' | 'rbx' | 'rcx' | 'rdx' | 'rsi' | 'rdi' | 'rbp' | 'rsp'
  | 'r8' | 'r9' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15';

export type Operand =
  | { kind: 'reg'; reg: Reg }
  | { kind: 'mem'; base: Reg; disp: number } // qword [base + disp]
  | { kind: 'imm'; value: bigint }
  | { kind: 'symbol'; name: RuntimeSymbol }; // address of a runtime symbol (rip-relative lea)

/** Addresses the linker resolves (build/link/xen/pv-layout.ts). */
export type RuntimeSymbol = 'start_info_slot' | 'native_stack_hi' | 'hypercall_page';

export type StubOp =
  | { op: 'mov'; dst: Operand; src: Operand } // 64-bit move (one side a register)
  | { op: 'lea'; dst: Reg; src: Operand }
  | { op: 'add'; dst: Reg; value: number }
  | { op: 'and'; dst: Reg; value: number }
  | { op: 'xor32'; dst: Reg; src: Reg }
  | { op: 'push'; src: Operand }
  | { op: 'pop'; dst: Reg }
  /** Calls a function of the guest module with the compiler's calling convention: the
   *  lowering moves `args` into the compiler's argument locations as a parallel move (the
   *  stubs keep sources out of the System V argument registers, but another convention may
   *  overlap them). The runtime only calls exports listed in XEN_RUNTIME_EXPORTS. Requires
   *  rsp 16-byte aligned. With build/aot's ABI (build/aot/abi.md) that means: arguments in
   *  an outgoing area at [rsp+8i], r15 = vmctx and r14 = memory base (set once by
   *  compilerSetup, preserved by compiled code), the result read back from [rsp] into
   *  `result`. */
  | { op: 'callExport'; name: string; args: Operand[]; result?: Reg }
  /** Calls the module's start function (if it has one), same convention. */
  | { op: 'callStart' }
  /** Whatever the compiler needs set once before any compiled code runs (pinned registers
   *  such as a linear-memory base or a context pointer); nothing if it needs nothing. */
  | { op: 'compilerSetup' }
  /** The trap path may use the stack's reserve: r15 and r14 set again as compilerSetup sets
   *  them (the trap may come from anywhere) and the compiler's stack limit dropped to the
   *  bottom of the native stack, so that xen_trap runs after a call stack exhausted trap
   *  instead of trapping again in its own prologue. Traps never return: nothing is restored. */
  | { op: 'trapStackLimit' }
  | { op: 'jmpHypercall'; nr: number } // jmp hypercall_page + nr * 32
  | { op: 'ud2' };

export interface Stub {
  name: string;
  /** runtime_entry_va index (0..31 vectors, 32 upcall, 33 failsafe), or -1 for the ELF entry. */
  which: number;
  ops: StubOp[];
}

const reg = (r: Reg): Operand => ({ kind: 'reg', reg: r });
const mem = (base: Reg, disp: number): Operand => ({ kind: 'mem', base, disp });
const imm = (value: number | bigint): Operand => ({ kind: 'imm', value: BigInt(value) });

export const HYPERVISOR_iret = 23;

/** Vectors for which the CPU (and so Xen's bounce frame) carries an error code. */
export const VECTORS_WITH_ERROR_CODE: ReadonlySet<number> = new Set([8, 10, 11, 12, 13, 14, 17]);

/** Vectors given a trap-table entry: the architectural exceptions except NMI (PV NMIs come
 *  through callback_op) and the reserved 9 and 15. */
export const TRAP_VECTORS: readonly number[] = [0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 18, 19];

export function entryStub(): Stub {
  return {
    name: 'xen_entry',
    which: -1,
    ops: [
      // rsi = start_info (Xen's PV entry convention); keep it for start_info_va().
      { op: 'lea', dst: 'rax', src: { kind: 'symbol', name: 'start_info_slot' } },
      { op: 'mov', dst: mem('rax', 0), src: reg('rsi') },
      { op: 'lea', dst: 'rsp', src: { kind: 'symbol', name: 'native_stack_hi' } },
      { op: 'xor32', dst: 'rbp', src: 'rbp' }, // ends the frame-pointer chain
      { op: 'compilerSetup' },
      { op: 'callStart' },
      { op: 'callExport', name: 'xen_boot', args: [] },
      { op: 'callExport', name: 'main', args: [], result: 'rax' },
      { op: 'callExport', name: 'xen_exit', args: [reg('rax')] },
      { op: 'ud2' },
    ],
  };
}

/** One exception entry. Traps never return (xen_trap crashes the domain), so registers
 *  need no saving; rcx and r11 are restored from the frame only so the report is honest. */
export function exceptionStub(vector: number): Stub {
  if (!TRAP_VECTORS.includes(vector)) throw new RangeError(`no trap entry for vector ${vector}`);
  const hasError = VECTORS_WITH_ERROR_CODE.has(vector);
  // after popping rcx/r11: [rsp] = error code or rip
  const e = hasError ? 8 : 0;
  return {
    name: `xen_trap_${vector}`,
    which: vector,
    ops: [
      { op: 'mov', dst: reg('rcx'), src: mem('rsp', 0) },
      { op: 'mov', dst: reg('r11'), src: mem('rsp', 8) },
      { op: 'add', dst: 'rsp', value: 16 },
      { op: 'trapStackLimit' },
      { op: 'mov', dst: reg('rax'), src: mem('rsp', 0 + e) }, // rip
      { op: 'mov', dst: reg('r9'), src: mem('rsp', 24 + e) }, // interrupted rsp
      { op: 'mov', dst: reg('r10'), src: hasError ? mem('rsp', 0) : imm(0) }, // error code
      { op: 'and', dst: 'rsp', value: -16 },
      {
        op: 'callExport',
        name: 'xen_trap',
        args: [imm(vector), reg('r10'), reg('rax'), reg('r9'), reg('rbp')],
      },
      { op: 'ud2' },
    ],
  };
}

/** Registers the upcall saves: all of them but rsp. It interrupts code at an arbitrary point
 *  (inside SCHEDOP_block, in practice), and compiled code keeps only r14, r15, rbp across a
 *  call (build/aot/abi.md), so System V's callee-saved set is not enough. */
export const UPCALL_SAVED: readonly Reg[] = [
  'rax', 'rcx', 'rdx', 'rbx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
];

/** The event upcall: save, call xen_event_upcall, restore, return through HYPERVISOR_iret,
 *  which restores rax/r11/rcx (the hypercall page's iret entry pushes them) and the
 *  upcall mask from the saved rflags.IF, atomically. */
export function upcallStub(): Stub {
  const ops: StubOp[] = [
    { op: 'mov', dst: reg('rcx'), src: mem('rsp', 0) },
    { op: 'mov', dst: reg('r11'), src: mem('rsp', 8) },
    { op: 'add', dst: 'rsp', value: 16 }, // [rsp] = rip, cs, rflags, rsp, ss: the iret frame's tail
  ];
  for (const r of UPCALL_SAVED) ops.push({ op: 'push', src: reg(r) });
  ops.push(
    // rbp survives calls in every convention involved (System V and build/aot's): keep the
    // unaligned rsp there while the stack is aligned for the call.
    { op: 'mov', dst: reg('rbp'), src: reg('rsp') },
    { op: 'and', dst: 'rsp', value: -16 },
    { op: 'callExport', name: 'xen_event_upcall', args: [] },
    { op: 'mov', dst: reg('rsp'), src: reg('rbp') },
  );
  for (const r of [...UPCALL_SAVED].reverse()) ops.push({ op: 'pop', dst: r });
  // iret_context from the top: rax, r11, rcx (pushed by the page), flags, rip, cs, rflags, rsp, ss
  ops.push({ op: 'push', src: imm(0) }, { op: 'jmpHypercall', nr: HYPERVISOR_iret });
  return { name: 'xen_event_upcall_entry', which: 32, ops };
}

export function failsafeStub(): Stub {
  return {
    name: 'xen_failsafe_entry',
    which: 33,
    ops: [
      { op: 'trapStackLimit' },
      { op: 'and', dst: 'rsp', value: -16 },
      { op: 'callExport', name: 'xen_failsafe', args: [] },
      { op: 'ud2' },
    ],
  };
}

export function allStubs(): Stub[] {
  return [entryStub(), ...TRAP_VECTORS.map(exceptionStub), upcallStub(), failsafeStub()];
}

/** A readable listing, for review and for golden tests. */
export function formatStub(s: Stub): string {
  const o = (x: Operand): string => {
    switch (x.kind) {
      case 'reg': return x.reg;
      case 'mem': return `[${x.base}${x.disp ? (x.disp > 0 ? '+' : '') + x.disp : ''}]`;
      case 'imm': return x.value.toString();
      case 'symbol': return x.name;
    }
  };
  const lines = s.ops.map((op) => {
    switch (op.op) {
      case 'mov': return `mov ${o(op.dst)}, ${o(op.src)}`;
      case 'lea': return `lea ${op.dst}, ${o(op.src)}`;
      case 'add': return `add ${op.dst}, ${op.value}`;
      case 'and': return `and ${op.dst}, ${op.value}`;
      case 'xor32': return `xor ${op.dst}d, ${op.src}d`;
      case 'push': return `push ${o(op.src)}`;
      case 'pop': return `pop ${op.dst}`;
      case 'callExport': return `call ${op.name}(${op.args.map(o).join(', ')})`;
      case 'callStart': return 'call <start>';
      case 'compilerSetup': return '<compiler setup>';
      case 'trapStackLimit': return '<trap stack limit>';
      case 'jmpHypercall': return `jmp hypercall_page+${op.nr * 32}`;
      case 'ud2': return 'ud2';
    }
  });
  return `${s.name}:\n${lines.map((l) => '  ' + l).join('\n')}\n`;
}
