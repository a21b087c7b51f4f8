// memmove of rcx bytes from rsi to rdi (native pointers), as used by memory.copy and table.copy.
// Forward `rep movsb` (fast-string microcode) whenever that is correct: dst below src, or the
// ranges disjoint. Only a true overlap with dst above src copies backwards, in 16-byte blocks
// from the end (`std; rep movsb` would run byte by byte on current CPUs). Clobbers rax, rcx,
// rsi, rdi and the two xmm scratch registers it is given. Up to 32 bytes, in either direction,
// take the loads-then-stores path of short-copy.ts instead.
import { Alu, Cond, Reg, mem, type Assembler } from './encoder.ts';
import { emitShortCopy } from './short-copy.ts';

export function emitMemmove(a: Assembler, xmmA: number, xmmB: number): void {
  const forward = a.label(), blocks = a.label(), bytes = a.label(), done = a.label();
  emitShortCopy(a, xmmA, xmmB, done);
  // dst - src as unsigned is >= len exactly when a forward copy never reads a byte it wrote
  a.movRR(8, Reg.rax, Reg.rdi);
  a.aluRR(Alu.sub, 8, Reg.rax, Reg.rsi);
  a.aluRR(Alu.cmp, 8, Reg.rax, Reg.rcx);
  a.jcc(Cond.AE, forward);
  a.aluRI(Alu.cmp, 8, Reg.rcx, 16);
  a.jcc(Cond.B, bytes);
  // the first block is loaded before any store (stores may overwrite it) and stored last; each
  // block from the end is loaded before the stores below it, which land above it as dst > src
  a.movupsLoad(xmmA, mem(Reg.rsi, 0));
  a.bind(blocks);
  a.aluRI(Alu.sub, 8, Reg.rcx, 16);
  a.movupsLoad(xmmB, mem(Reg.rsi, 0, Reg.rcx));
  a.movupsStore(mem(Reg.rdi, 0, Reg.rcx), xmmB);
  a.aluRI(Alu.cmp, 8, Reg.rcx, 16);
  a.jcc(Cond.A, blocks);
  a.movupsStore(mem(Reg.rdi, 0), xmmA);
  a.jmp(done);
  // fewer than 16 bytes (at least 1: a zero length took the forward path), last byte first
  a.bind(bytes);
  a.load(1, Reg.rax, mem(Reg.rsi, -1, Reg.rcx));
  a.store(1, mem(Reg.rdi, -1, Reg.rcx), Reg.rax);
  a.aluRI(Alu.sub, 8, Reg.rcx, 1);
  a.jcc(Cond.NE, bytes);
  a.jmp(done);
  a.bind(forward);
  a.repMovsb();
  a.bind(done);
}
