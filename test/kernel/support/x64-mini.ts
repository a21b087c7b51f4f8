// A test-only x86-64 encoder, just big enough to lower build/runtime/xen's stub operations
// and to write the few hand routines the real-Xen probes need. The product will lower the
// stubs with build/aot/x64; this exists so the stubs can run on Xen before that is there.

import type { Operand, Reg, Stub } from '../../../build/runtime/xen/stubs.ts';

const NUM: Record<Reg, number> = {
  rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7,
  r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15,
};

interface Fixup { at: number; label: string; kind: 'rel32' }

export class MiniAsm {
  bytes: number[] = [];
  labels = new Map<string, number>();
  fixups: Fixup[] = [];

  constructor(readonly base: bigint) {}

  get here(): number { return this.bytes.length; }
  label(name: string): void {
    if (this.labels.has(name)) throw new Error(`label ${name} twice`);
    this.labels.set(name, this.here);
  }
  /** Defines a label at an absolute VA (outside the emitted code). */
  absolute(name: string, va: bigint): void { this.labels.set(name, Number(va - this.base)); }

  private emit(...b: number[]): void { this.bytes.push(...b.map((x) => x & 255)); }
  private imm32(v: number | bigint): void {
    const n = Number(BigInt.asIntN(32, BigInt(v)));
    this.emit(n, n >> 8, n >> 16, n >> 24);
  }
  private rel(label: string): void { this.fixups.push({ at: this.here, label, kind: 'rel32' }); this.emit(0, 0, 0, 0); }
  private rex(w: boolean, r: number, b: number, force = false): void {
    const v = 0x40 | (w ? 8 : 0) | ((r >> 3) << 2) | (b >> 3);
    if (v !== 0x40 || force) this.emit(v);
  }
  /** ModRM (+SIB) for [base + disp32]. */
  private memOperand(reg: number, base: number, disp: number): void {
    this.emit(0x80 | ((reg & 7) << 3) | (base & 7));
    if ((base & 7) === 4) this.emit(0x24);
    this.imm32(disp);
  }
  /** ModRM for [rip + label]. */
  private ripOperand(reg: number, label: string): void {
    this.emit(((reg & 7) << 3) | 5);
    this.rel(label);
  }

  movRegMem(dst: Reg, base: Reg, disp: number): void { this.rex(true, NUM[dst], NUM[base]); this.emit(0x8b); this.memOperand(NUM[dst], NUM[base], disp); }
  movMemReg(base: Reg, disp: number, src: Reg): void { this.rex(true, NUM[src], NUM[base]); this.emit(0x89); this.memOperand(NUM[src], NUM[base], disp); }
  movMemImm(base: Reg, disp: number, v: number): void { this.rex(true, 0, NUM[base]); this.emit(0xc7); this.memOperand(0, NUM[base], disp); this.imm32(v); }
  movRegReg(dst: Reg, src: Reg): void { this.rex(true, NUM[src], NUM[dst]); this.emit(0x89, 0xc0 | ((NUM[src] & 7) << 3) | (NUM[dst] & 7)); }
  movRegImm(dst: Reg, v: bigint): void {
    this.rex(true, 0, NUM[dst]); this.emit(0xb8 + (NUM[dst] & 7));
    const x = BigInt.asUintN(64, v);
    for (let i = 0n; i < 8n; i++) this.emit(Number((x >> (8n * i)) & 255n));
  }
  leaRip(dst: Reg, label: string): void { this.rex(true, NUM[dst], 0); this.emit(0x8d); this.ripOperand(NUM[dst], label); }
  movRegRip(dst: Reg, label: string): void { this.rex(true, NUM[dst], 0); this.emit(0x8b); this.ripOperand(NUM[dst], label); }
  movRipReg(label: string, src: Reg): void { this.rex(true, NUM[src], 0); this.emit(0x89); this.ripOperand(NUM[src], label); }
  addImm(dst: Reg, v: number): void { this.rex(true, 0, NUM[dst]); this.emit(0x81, 0xc0 | (NUM[dst] & 7)); this.imm32(v); }
  andImm(dst: Reg, v: number): void { this.rex(true, 0, NUM[dst]); this.emit(0x81, 0xe0 | (NUM[dst] & 7)); this.imm32(v); }
  xor32(dst: Reg, src: Reg): void { this.rex(false, NUM[src], NUM[dst]); this.emit(0x31, 0xc0 | ((NUM[src] & 7) << 3) | (NUM[dst] & 7)); }
  cmpRegReg(a: Reg, b: Reg): void { this.rex(true, NUM[b], NUM[a]); this.emit(0x39, 0xc0 | ((NUM[b] & 7) << 3) | (NUM[a] & 7)); }
  incRip(label: string): void { this.emit(0x48, 0xff); this.ripOperand(0, label); }
  /** lock btr qword [base], reg (bit string offset in reg). */
  lockBtr(base: Reg, bit: Reg): void { this.emit(0xf0); this.rex(true, NUM[bit], NUM[base], true); this.emit(0x0f, 0xb3); this.memOperand(NUM[bit], NUM[base], 0); }
  push(r: Reg): void { this.rex(false, 0, NUM[r]); this.emit(0x50 + (NUM[r] & 7)); }
  pushImm(v: number): void { this.emit(0x68); this.imm32(v); }
  pop(r: Reg): void { this.rex(false, 0, NUM[r]); this.emit(0x58 + (NUM[r] & 7)); }
  call(label: string): void { this.emit(0xe8); this.rel(label); }
  jmp(label: string): void { this.emit(0xe9); this.rel(label); }
  jne(label: string): void { this.emit(0x0f, 0x85); this.rel(label); }
  ret(): void { this.emit(0xc3); }
  ud2(): void { this.emit(0x0f, 0x0b); }

  /** Lowers a stub; callExport uses System V argument registers and calls label `name`. */
  stub(s: Stub): void {
    this.label(s.name);
    const SYSV: Reg[] = ['rdi', 'rsi', 'rdx', 'rcx', 'r8'];
    const load = (dst: Reg, o: Operand) => {
      if (o.kind === 'reg') { if (o.reg !== dst) this.movRegReg(dst, o.reg); }
      else if (o.kind === 'mem') this.movRegMem(dst, o.base, o.disp);
      else if (o.kind === 'imm') this.movRegImm(dst, o.value);
      else this.leaRip(dst, o.name);
    };
    for (const op of s.ops) {
      switch (op.op) {
        case 'mov':
          if (op.dst.kind === 'reg') load(op.dst.reg, op.src);
          else if (op.dst.kind === 'mem' && op.src.kind === 'reg') this.movMemReg(op.dst.base, op.dst.disp, op.src.reg);
          else throw new Error('unsupported mov');
          break;
        case 'lea':
          if (op.src.kind !== 'symbol') throw new Error('lea of a non-symbol');
          this.leaRip(op.dst, op.src.name);
          break;
        case 'add': this.addImm(op.dst, op.value); break;
        case 'and': this.andImm(op.dst, op.value); break;
        case 'xor32': this.xor32(op.dst, op.src); break;
        case 'push':
          if (op.src.kind === 'reg') this.push(op.src.reg);
          else if (op.src.kind === 'imm') this.pushImm(Number(op.src.value));
          else throw new Error('unsupported push');
          break;
        case 'pop': this.pop(op.dst); break;
        case 'callExport':
          for (const o of op.args) if (o.kind === 'reg' && SYSV.includes(o.reg)) throw new Error(`${s.name}: argument source ${o.reg} is an argument register`);
          op.args.forEach((o, i) => load(SYSV[i], o));
          this.call(op.name);
          if (op.result && op.result !== 'rax') this.movRegReg(op.result, 'rax');
          break;
        case 'callStart': break; // the probes have no start function
        case 'compilerSetup': break;
        case 'trapStackLimit': break; // nor a compiler's stack limit
        case 'jmpHypercall': this.jmp(`hypercall_${op.nr}`); break;
        case 'ud2': this.ud2(); break;
      }
    }
  }

  /** Resolves fixups; `labels` must cover every reference. */
  finish(): Uint8Array {
    for (const f of this.fixups) {
      const t = this.labels.get(f.label);
      if (t === undefined) throw new Error(`undefined label ${f.label}`);
      const v = t - (f.at + 4);
      this.bytes[f.at] = v & 255; this.bytes[f.at + 1] = (v >> 8) & 255;
      this.bytes[f.at + 2] = (v >> 16) & 255; this.bytes[f.at + 3] = (v >> 24) & 255;
    }
    return new Uint8Array(this.bytes);
  }
}
