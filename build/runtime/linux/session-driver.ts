// The native session's driver: a static Linux executable (machine code from our encoder) that
// runs a command loop on stdin/stdout, so a host can load separately compiled and linked
// modules into the running process at fixed addresses, instantiate them and call their
// exports, with traps recovered to the loop (the signal handler rewrites the interrupted
// context to resume at rt.trap_resume on a fresh stack).
//
// Protocol: every command is 4 little-endian u64 words [op, a1, a2, a3], every reply starts
// with a u64 status (0 ok, 1 trap: followed by the trap-table entry address, 2 failure).
//   1 LOAD   addr len prot  + len bytes   map [addr, addr+len) (MAP_FIXED_NOREPLACE), fill, protect
//   2 TRAPS  table count                  add a trap-site table (24-byte entries, see start.ts)
//   3 CALL   code vmctx nwords + nwords*8  call code (r15 = vmctx) with the words as its
//                                          argument/result area; reply: status, nwords*8 bytes
//   4 WRITE  addr value                   *(u64*)addr = value
//   5 READ   addr                         reply: status, *(u64*)addr
//   6 NEWMEM pages                        reserve a linear memory, commit `pages`; reply: status, base
//   7 EXIT
import { Alu, Cond, Reg, mem, type Assembler } from '../../aot/x64/encoder.ts';
import { MEMORY_RESERVATION, VM_MEMBASE } from '../../aot/abi.ts';
import { ProgramObject } from '../../aot/object.ts';
import { linkExecutable, type LinkedImage } from '../../link/linux/link.ts';
import { SYS } from './wasi.ts';
import {
  UC_RIP, UC_RSP, defineRuntimeData, emitMemoryGrow, emitTableGrow, emitProcessSetup, emitRestorer, emitWriteStderr,
} from './start.ts';

export const OP = { load: 1, traps: 2, call: 3, write: 4, read: 5, newmem: 6, exit: 7 } as const;
export const MAX_CALL_WORDS = 4096;
const MAX_TABLES = 8192;

const sys = (a: Assembler, nr: number) => {
  a.movRI(Reg.rax, nr);
  a.syscall();
};

export function buildSessionDriver(): LinkedImage {
  const obj = new ProgramObject();
  const a = obj.asm;
  defineRuntimeData(obj);
  obj.bss('rt.cmd', 32, 16);
  obj.bss('rt.reply', 16, 16);
  obj.bss('rt.args', 8 * MAX_CALL_WORDS, 16);
  obj.bss('rt.trap_tables', 16 * MAX_TABLES, 16);
  obj.bss('rt.ntables', 8, 8);
  obj.bss('rt.trap_entry', 8, 8);

  const start = a.pos;
  obj.here('_start');
  emitProcessSetup(obj, 'rt.session_signal');
  const loop = a.label('loop');
  const readExact = a.label('read_exact');
  const writeAll = a.label('write_all');
  const reply0 = a.label(), reply16 = a.label(), fail = a.label();
  const cmdWord = (i: number, r: Reg) => a.loadSym(8, r, 'rt.cmd', 8 * i);

  a.bind(loop);
  a.loadSym(8, Reg.rsp, 'rt.stack_top');
  a.cld();
  a.leaSym(Reg.rdi, 'rt.cmd');
  a.movRI(Reg.rsi, 32);
  a.call(readExact);
  cmdWord(0, Reg.rax);
  const ops = { load: a.label(), traps: a.label(), call: a.label(), write: a.label(), read: a.label(), newmem: a.label(), exit: a.label() };
  for (const [name, n] of Object.entries(OP)) {
    a.aluRI(Alu.cmp, 8, Reg.rax, n);
    a.jcc(Cond.E, ops[name as keyof typeof ops]);
  }
  a.jmp(fail);

  // LOAD
  a.bind(ops.load);
  cmdWord(1, Reg.rdi);
  cmdWord(2, Reg.rsi);
  a.movRI(Reg.rdx, 3);
  a.movRI(Reg.r10, 0x22 | 0x100000); // MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE
  a.movRI(Reg.r8, -1n);
  a.aluRR(Alu.xor, 4, Reg.r9, Reg.r9);
  sys(a, SYS.mmap);
  cmdWord(1, Reg.rdi);
  a.aluRR(Alu.cmp, 8, Reg.rax, Reg.rdi);
  a.jcc(Cond.NE, fail);
  cmdWord(2, Reg.rsi);
  a.call(readExact);
  cmdWord(1, Reg.rdi);
  cmdWord(2, Reg.rsi);
  cmdWord(3, Reg.rdx);
  sys(a, SYS.mprotect);
  a.testRR(8, Reg.rax, Reg.rax);
  a.jcc(Cond.NE, fail);
  a.jmp(reply0);

  // TRAPS
  a.bind(ops.traps);
  a.loadSym(8, Reg.rcx, 'rt.ntables');
  a.aluRI(Alu.cmp, 8, Reg.rcx, MAX_TABLES);
  a.jcc(Cond.AE, fail);
  a.leaSym(Reg.rdx, 'rt.trap_tables');
  a.movRR(8, Reg.rax, Reg.rcx);
  a.shiftI(4 /* shl */, 8, Reg.rax, 4);
  a.aluRR(Alu.add, 8, Reg.rdx, Reg.rax);
  cmdWord(1, Reg.rax);
  a.store(8, mem(Reg.rdx), Reg.rax);
  cmdWord(2, Reg.rax);
  a.store(8, mem(Reg.rdx, 8), Reg.rax);
  a.aluRI(Alu.add, 8, Reg.rcx, 1);
  a.storeSym(8, 'rt.ntables', Reg.rcx);
  a.jmp(reply0);

  // CALL
  a.bind(ops.call);
  cmdWord(3, Reg.rsi);
  a.aluRI(Alu.cmp, 8, Reg.rsi, MAX_CALL_WORDS);
  a.jcc(Cond.A, fail);
  a.shiftI(4, 8, Reg.rsi, 3);
  a.leaSym(Reg.rdi, 'rt.args');
  a.call(readExact);
  cmdWord(3, Reg.rcx);
  a.lea(8, Reg.rax, mem(Reg.rcx, 2, Reg.rcx)); // 2n+2 words: n rounded up to even, plus slack
  a.shiftI(4, 8, Reg.rax, 3);
  a.aluRI(Alu.and, 8, Reg.rax, -16);
  a.aluRR(Alu.sub, 8, Reg.rsp, Reg.rax);
  a.shiftI(4, 8, Reg.rcx, 3);
  a.leaSym(Reg.rsi, 'rt.args');
  a.movRR(8, Reg.rdi, Reg.rsp);
  a.repMovsb();
  cmdWord(2, Reg.r15);
  a.load(8, Reg.r14, mem(Reg.r15, VM_MEMBASE));
  cmdWord(1, Reg.rax);
  a.aluRR(Alu.xor, 4, Reg.rbp, Reg.rbp);
  a.callR(Reg.rax);
  cmdWord(3, Reg.rcx);
  a.shiftI(4, 8, Reg.rcx, 3);
  a.movRR(8, Reg.rsi, Reg.rsp);
  a.leaSym(Reg.rdi, 'rt.args');
  a.repMovsb();
  a.leaSym(Reg.rdi, 'rt.reply');
  a.storeImm(8, mem(Reg.rdi), 0);
  a.movRI(Reg.rsi, 8);
  a.call(writeAll);
  cmdWord(3, Reg.rsi);
  a.shiftI(4, 8, Reg.rsi, 3);
  a.leaSym(Reg.rdi, 'rt.args');
  a.call(writeAll);
  a.jmp(loop);

  // trap_resume: the signal handler resumes here on a fresh stack
  a.align(16);
  obj.here('rt.trap_resume');
  a.cld();
  a.leaSym(Reg.rdi, 'rt.reply');
  a.storeImm(8, mem(Reg.rdi), 1);
  a.loadSym(8, Reg.rax, 'rt.trap_entry');
  a.store(8, mem(Reg.rdi, 8), Reg.rax);
  a.movRI(Reg.rsi, 16);
  a.call(writeAll);
  a.jmp(loop);

  // WRITE
  a.bind(ops.write);
  cmdWord(1, Reg.rdi);
  cmdWord(2, Reg.rax);
  a.store(8, mem(Reg.rdi), Reg.rax);
  a.jmp(reply0);

  // READ
  a.bind(ops.read);
  cmdWord(1, Reg.rdi);
  a.load(8, Reg.rax, mem(Reg.rdi));
  a.jmp(reply16);

  // NEWMEM
  a.bind(ops.newmem);
  a.aluRR(Alu.xor, 4, Reg.rdi, Reg.rdi);
  a.movRI(Reg.rsi, MEMORY_RESERVATION);
  a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
  a.movRI(Reg.r10, 0x22 | 0x4000);
  a.movRI(Reg.r8, -1n);
  a.aluRR(Alu.xor, 4, Reg.r9, Reg.r9);
  sys(a, SYS.mmap);
  a.aluRI(Alu.cmp, 8, Reg.rax, -4096);
  a.jcc(Cond.AE, fail);
  a.movRR(8, Reg.r12, Reg.rax);
  cmdWord(1, Reg.rsi);
  a.shiftI(4, 8, Reg.rsi, 16);
  const noCommit = a.label();
  a.testRR(8, Reg.rsi, Reg.rsi);
  a.jcc(Cond.E, noCommit);
  a.movRR(8, Reg.rdi, Reg.r12);
  a.movRI(Reg.rdx, 3);
  sys(a, SYS.mprotect);
  a.testRR(8, Reg.rax, Reg.rax);
  a.jcc(Cond.NE, fail);
  a.bind(noCommit);
  a.movRR(8, Reg.rax, Reg.r12);
  a.jmp(reply16);

  // EXIT
  a.bind(ops.exit);
  a.aluRR(Alu.xor, 4, Reg.rdi, Reg.rdi);
  sys(a, SYS.exit_group);

  // replies
  a.bind(reply0);
  a.leaSym(Reg.rdi, 'rt.reply');
  a.storeImm(8, mem(Reg.rdi), 0);
  a.movRI(Reg.rsi, 8);
  a.call(writeAll);
  a.jmp(loop);
  a.bind(reply16); // value in rax
  a.leaSym(Reg.rdi, 'rt.reply');
  a.storeImm(8, mem(Reg.rdi), 0);
  a.store(8, mem(Reg.rdi, 8), Reg.rax);
  a.movRI(Reg.rsi, 16);
  a.call(writeAll);
  a.jmp(loop);
  a.bind(fail);
  a.leaSym(Reg.rdi, 'rt.reply');
  a.storeImm(8, mem(Reg.rdi), 2);
  a.storeImm(8, mem(Reg.rdi, 8), 0);
  a.movRI(Reg.rsi, 16);
  a.call(writeAll);
  a.jmp(loop);

  // read_exact(rdi buf, rsi len): exits quietly at end of input
  a.bind(readExact);
  {
    const again = a.label(), done = a.label(), eof = a.label();
    a.movRR(8, Reg.r12, Reg.rdi);
    a.movRR(8, Reg.r13, Reg.rsi);
    a.bind(again);
    a.testRR(8, Reg.r13, Reg.r13);
    a.jcc(Cond.E, done);
    a.aluRR(Alu.xor, 4, Reg.rdi, Reg.rdi);
    a.movRR(8, Reg.rsi, Reg.r12);
    a.movRR(8, Reg.rdx, Reg.r13);
    sys(a, SYS.read);
    a.aluRI(Alu.cmp, 8, Reg.rax, -4);
    a.jcc(Cond.E, again);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.LE, eof);
    a.aluRR(Alu.add, 8, Reg.r12, Reg.rax);
    a.aluRR(Alu.sub, 8, Reg.r13, Reg.rax);
    a.jmp(again);
    a.bind(done);
    a.ret();
    a.bind(eof);
    a.aluRR(Alu.xor, 4, Reg.rdi, Reg.rdi);
    sys(a, SYS.exit_group);
  }
  // write_all(rdi buf, rsi len)
  a.bind(writeAll);
  {
    const again = a.label(), done = a.label();
    a.movRR(8, Reg.r12, Reg.rdi);
    a.movRR(8, Reg.r13, Reg.rsi);
    a.bind(again);
    a.testRR(8, Reg.r13, Reg.r13);
    a.jcc(Cond.E, done);
    a.movRI(Reg.rdi, 1);
    a.movRR(8, Reg.rsi, Reg.r12);
    a.movRR(8, Reg.rdx, Reg.r13);
    sys(a, SYS.write);
    a.aluRI(Alu.cmp, 8, Reg.rax, -4);
    a.jcc(Cond.E, again);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.LE, done);
    a.aluRR(Alu.add, 8, Reg.r12, Reg.rax);
    a.aluRR(Alu.sub, 8, Reg.r13, Reg.rax);
    a.jmp(again);
    a.bind(done);
    a.ret();
  }
  obj.functions.push({ name: '_start', offset: start, size: a.pos - start });

  // signal handler: look the pc up in every loaded table
  a.align(16);
  const sigStart = a.pos;
  obj.here('rt.session_signal');
  {
    const outer = a.label(), inner = a.label(), nextTable = a.label(), notFound = a.label(), found = a.label();
    a.movRR(8, Reg.r12, Reg.rdi);
    a.movRR(8, Reg.r13, Reg.rdx);
    a.load(8, Reg.rbx, mem(Reg.rdx, UC_RIP));
    a.leaSym(Reg.r9, 'rt.trap_tables');
    a.loadSym(8, Reg.r10, 'rt.ntables');
    a.bind(outer);
    a.testRR(8, Reg.r10, Reg.r10);
    a.jcc(Cond.E, notFound);
    a.load(8, Reg.rcx, mem(Reg.r9));
    a.load(8, Reg.r8, mem(Reg.r9, 8));
    a.bind(inner);
    a.testRR(8, Reg.r8, Reg.r8);
    a.jcc(Cond.E, nextTable);
    a.aluRM(Alu.cmp, 8, Reg.rbx, mem(Reg.rcx));
    a.jcc(Cond.E, found);
    a.aluRI(Alu.add, 8, Reg.rcx, 24);
    a.aluRI(Alu.sub, 8, Reg.r8, 1);
    a.jmp(inner);
    a.bind(nextTable);
    a.aluRI(Alu.add, 8, Reg.r9, 16);
    a.aluRI(Alu.sub, 8, Reg.r10, 1);
    a.jmp(outer);
    a.bind(found);
    a.storeSym(8, 'rt.trap_entry', Reg.rcx);
    a.leaSym(Reg.rax, 'rt.trap_resume');
    a.store(8, mem(Reg.r13, UC_RIP), Reg.rax);
    a.loadSym(8, Reg.rax, 'rt.stack_top');
    a.store(8, mem(Reg.r13, UC_RSP), Reg.rax);
    a.ret();
    a.bind(notFound);
    emitWriteStderr(obj, 'xenolith session driver: fatal signal outside wasm code\n');
    a.lea(8, Reg.rdi, mem(Reg.r12, 128));
    sys(a, SYS.exit_group);
  }
  obj.functions.push({ name: 'rt.session_signal', offset: sigStart, size: a.pos - sigStart });
  emitRestorer(obj);
  emitMemoryGrow(obj);
  emitTableGrow(obj);
  return linkExecutable(obj, '_start');
}
