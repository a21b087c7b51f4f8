// Lowers the xen runtime stubs (stubs.ts) to machine code with build/aot/x64's Assembler and
// build/aot's calling convention (build/aot/abi.md): exports are called with their arguments in
// an outgoing area at [rsp+8i] and their result read back from [rsp]; r15 = vmctx and
// r14 = linear-memory base, set once by compilerSetup.

import { Alu, Cond, Reg, mem, type Assembler, type Mem } from '../../aot/x64/encoder.ts';
import { VM_MEMBASE, VM_MEMDESC, VM_STACK_LIMIT, MEM_BASE } from '../../aot/abi.ts';
import { XEN_SYMBOLS } from '../../aot/targets/xen-intrinsics.ts';
import type { Operand, Reg as StubReg, RuntimeSymbol, Stub } from './stubs.ts';

/** Room left below the stack limit for the trap path (docs/xen-intrinsics.md rule 4). */
export const STACK_RESERVE = 64 * 1024;

/** The linear-memory base the linker places (build/link/xen/pv-layout.ts `linearBase`). */
export const LINEAR_BASE_SYMBOL = 'xen.linear_base';

export interface StubLinkage {
  /** Text symbol of the compiled function behind a guest export. */
  exportSymbol(name: string): string;
  /** The module's instantiation routine (data segments, start function), if any. */
  initSymbol?: string;
  vmctxSymbol: string;
}

const REG: Record<StubReg, Reg> = {
  rax: Reg.rax, rbx: Reg.rbx, rcx: Reg.rcx, rdx: Reg.rdx, rsi: Reg.rsi, rdi: Reg.rdi, rbp: Reg.rbp, rsp: Reg.rsp,
  r8: Reg.r8, r9: Reg.r9, r10: Reg.r10, r11: Reg.r11, r12: Reg.r12, r13: Reg.r13, r14: Reg.r14, r15: Reg.r15,
};

const SYMBOL: Record<RuntimeSymbol, string> = {
  start_info_slot: XEN_SYMBOLS.startInfoSlot,
  native_stack_hi: XEN_SYMBOLS.stackHi,
  hypercall_page: XEN_SYMBOLS.hypercallPage,
};

function isInt32(v: bigint): boolean {
  return v >= -0x8000_0000n && v <= 0x7fff_ffffn;
}

export function lowerStub(asm: Assembler, s: Stub, link: StubLinkage): void {
  const memOf = (o: Extract<Operand, { kind: 'mem' }>, rspShift = 0): Mem =>
    mem(REG[o.base], o.disp + (o.base === 'rsp' ? rspShift : 0));
  const load = (dst: Reg, o: Operand, rspShift = 0) => {
    switch (o.kind) {
      case 'reg': if (REG[o.reg] !== dst) asm.movRR(8, dst, REG[o.reg]); break;
      case 'mem': asm.load(8, dst, memOf(o, rspShift), false, 8); break;
      case 'imm': asm.movRI(dst, o.value); break;
      case 'symbol': asm.leaSym(dst, SYMBOL[o.name]); break;
    }
  };
  for (const op of s.ops) {
    switch (op.op) {
      case 'mov':
        if (op.dst.kind === 'reg') load(REG[op.dst.reg], op.src);
        else if (op.dst.kind === 'mem' && op.src.kind === 'reg') asm.store(8, memOf(op.dst), REG[op.src.reg]);
        else throw new Error(`${s.name}: unsupported mov`);
        break;
      case 'lea':
        if (op.src.kind !== 'symbol') throw new Error(`${s.name}: lea of a non-symbol`);
        asm.leaSym(REG[op.dst], SYMBOL[op.src.name]);
        break;
      case 'add': asm.aluRI(Alu.add, 8, REG[op.dst], op.value); break;
      case 'and': asm.aluRI(Alu.and, 8, REG[op.dst], op.value); break;
      case 'xor32': asm.aluRR(Alu.xor, 4, REG[op.dst], REG[op.src]); break;
      case 'push':
        if (op.src.kind === 'reg') asm.push(REG[op.src.reg]);
        else if (op.src.kind === 'imm' && isInt32(op.src.value)) { asm.byte(0x68); asm.u32(Number(op.src.value)); }
        else throw new Error(`${s.name}: unsupported push`);
        break;
      case 'pop': asm.pop(REG[op.dst]); break;
      case 'callExport': {
        const words = Math.max(op.args.length, op.result ? 1 : 0);
        const area = Math.ceil((words * 8) / 16) * 16;
        if (area) asm.aluRI(Alu.sub, 8, Reg.rsp, area);
        op.args.forEach((o, i) => {
          const slot = mem(Reg.rsp, 8 * i);
          if (o.kind === 'reg') asm.store(8, slot, REG[o.reg]);
          else if (o.kind === 'imm' && isInt32(o.value)) asm.storeImm(8, slot, Number(o.value));
          else {
            load(Reg.r11, o, area); // r11 is never an argument source in stubs.ts
            asm.store(8, slot, Reg.r11);
          }
        });
        asm.callSym(link.exportSymbol(op.name));
        if (op.result) asm.load(8, REG[op.result], mem(Reg.rsp, 0), false, 8);
        if (area) asm.aluRI(Alu.add, 8, Reg.rsp, area);
        break;
      }
      case 'callStart':
        if (link.initSymbol) asm.callSym(link.initSymbol);
        break;
      case 'compilerSetup':
        // r15 = vmctx; r14 = linear base, also written where compiled code reads it; stack limit.
        asm.leaSym(Reg.r15, link.vmctxSymbol);
        asm.leaSym(Reg.r14, LINEAR_BASE_SYMBOL);
        asm.store(8, mem(Reg.r15, VM_MEMBASE), Reg.r14);
        asm.load(8, Reg.rax, mem(Reg.r15, VM_MEMDESC), false, 8);
        asm.testRR(8, Reg.rax, Reg.rax);
        {
          const noMemory = asm.label('xen.setup.nomem');
          asm.jcc(Cond.E, noMemory);
          asm.store(8, mem(Reg.rax, MEM_BASE), Reg.r14);
          asm.bind(noMemory);
        }
        asm.leaSym(Reg.rax, XEN_SYMBOLS.stackLo, STACK_RESERVE);
        asm.store(8, mem(Reg.r15, VM_STACK_LIMIT), Reg.rax);
        break;
      case 'trapStackLimit':
        asm.leaSym(Reg.r15, link.vmctxSymbol);
        asm.leaSym(Reg.r14, LINEAR_BASE_SYMBOL);
        asm.leaSym(Reg.rax, XEN_SYMBOLS.stackLo);
        asm.store(8, mem(Reg.r15, VM_STACK_LIMIT), Reg.rax);
        break;
      case 'jmpHypercall':
        asm.byte(0xe9);
        asm.relocs.push({ offset: asm.pos, kind: 'pc32', symbol: XEN_SYMBOLS.hypercallPage, addend: op.nr * 32 - 4 });
        asm.u32(0);
        break;
      case 'ud2': asm.ud2(); break;
    }
  }
}
