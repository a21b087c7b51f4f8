// The `linux` runtime, as machine code emitted with our encoder: the ELF entry point (_start),
// the native stack, linear memory (an 8 GiB + guard PROT_NONE reservation, committed with
// mprotect up to the current size), memory.grow, the signal handlers that turn SIGSEGV / SIGILL /
// SIGFPE / SIGBUS at a known trap site into "trap: <kind> in <function> at wasm offset 0x..", and
// the trap-site table they search.
import { Alu, Cond, Reg, Shift, mem, type Assembler } from '../../aot/x64/encoder.ts';
import { MEMORY_RESERVATION, MEM_BASE, MEM_MAX, MEM_PAGES, TBL_CAP, TBL_ELEMS, TBL_MAX, TBL_SIZE, VM_MEMBASE, VM_MEMDESC, VM_STACK_LIMIT } from '../../aot/abi.ts';
import type { ProgramObject } from '../../aot/object.ts';
import { SYS } from './wasi.ts';

/** Exit status of a process stopped by a wasm trap (as for an abort: 128 + SIGABRT). */
export const TRAP_EXIT_CODE = 134;
/** Native stack for wasm code, and the part kept free below the limit for the runtime. */
export const NATIVE_STACK_SIZE = 8 * 1024 * 1024;
export const STACK_RESERVE = 64 * 1024;
const ALT_STACK_SIZE = 64 * 1024;

const SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTORER = 0x04000000, SA_NODEFER = 0x40000000;
const PROT_RW = 3, MAP_PRIVATE_ANON = 0x22, MAP_NORESERVE = 0x4000;
export const UC_RIP = 168; // offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP]) on x86-64
export const UC_RSP = 160;

const sys = (a: Assembler, nr: number) => {
  a.movRI(Reg.rax, nr);
  a.syscall();
};

/** Emits `msg` into rodata and code that writes it to stderr (clobbers rax, rdi, rsi, rdx, rcx, r11). */
export function emitWriteStderr(obj: ProgramObject, msg: string): void {
  const bytes = new TextEncoder().encode(msg);
  const sym = `rt.str${obj.rodata.size}`;
  obj.define(sym, 'rodata', obj.rodata.size);
  obj.rodata.bytes(bytes);
  const a = obj.asm;
  a.movRI(Reg.rdi, 2);
  a.leaSym(Reg.rsi, sym);
  a.movRI(Reg.rdx, bytes.length);
  sys(a, SYS.write);
}

/** mmap(0, len, prot, flags, -1, 0) → rax; exits with a message on failure. */
function emitMmap(obj: ProgramObject, len: bigint, prot: number, flags: number): void {
  const a = obj.asm;
  a.aluRR(Alu.xor, 4, Reg.rdi, Reg.rdi);
  a.movRI(Reg.rsi, len);
  a.movRI(Reg.rdx, prot);
  a.movRI(Reg.r10, flags);
  a.movRI(Reg.r8, -1n);
  a.aluRR(Alu.xor, 4, Reg.r9, Reg.r9);
  sys(a, SYS.mmap);
  a.aluRI(Alu.cmp, 8, Reg.rax, -4096);
  const ok = a.label();
  a.jcc(Cond.B, ok);
  emitWriteStderr(obj, 'xenolith runtime: mmap failed\n');
  a.movRI(Reg.rdi, 127);
  sys(a, SYS.exit_group);
  a.bind(ok);
}

export interface LinuxInstance {
  vmctxSymbol: string;
  initSymbol: string;
  memory?: { min: number; max: number };
}

/** The data the runtime keeps (bss). */
export function defineRuntimeData(obj: ProgramObject): void {
  obj.bss('rt.argv', 8, 8);
  obj.bss('rt.envp', 8, 8);
  obj.bss('rt.stack_limit', 8, 8);
  obj.bss('rt.stack_top', 8, 8);
  obj.bss('rt.sigstack', 24, 8);
  obj.bss('rt.sigaction', 32, 8);
}

/** Process setup shared by executables and the native session: argv/envp, the alternate signal
 *  stack, signal handlers, and a fresh native stack (rsp is switched to it). Call at `_start`. */
export function emitProcessSetup(obj: ProgramObject, handlerSymbol: string): void {
  const a = obj.asm;
  a.aluRR(Alu.xor, 4, Reg.rbp, Reg.rbp);
  a.load(8, Reg.rcx, mem(Reg.rsp)); // argc
  a.lea(8, Reg.rdx, mem(Reg.rsp, 8));
  a.storeSym(8, 'rt.argv', Reg.rdx);
  a.lea(8, Reg.rdx, mem(Reg.rsp, 16, Reg.rcx, 8));
  a.storeSym(8, 'rt.envp', Reg.rdx);
  // alternate signal stack
  emitMmap(obj, BigInt(ALT_STACK_SIZE), PROT_RW, MAP_PRIVATE_ANON);
  a.leaSym(Reg.rdi, 'rt.sigstack');
  a.store(8, mem(Reg.rdi), Reg.rax);
  a.storeImm(8, mem(Reg.rdi, 8), 0);
  a.movRI(Reg.rax, ALT_STACK_SIZE);
  a.store(8, mem(Reg.rdi, 16), Reg.rax);
  a.aluRR(Alu.xor, 4, Reg.rsi, Reg.rsi);
  sys(a, SYS.sigaltstack);
  // handlers for SIGILL (ud2 trap sites), SIGFPE, SIGBUS, SIGSEGV (guard region)
  a.leaSym(Reg.rsi, 'rt.sigaction');
  a.leaSym(Reg.rax, handlerSymbol);
  a.store(8, mem(Reg.rsi), Reg.rax);
  a.movRI(Reg.rax, SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_NODEFER);
  a.store(8, mem(Reg.rsi, 8), Reg.rax);
  a.leaSym(Reg.rax, 'rt.restorer');
  a.store(8, mem(Reg.rsi, 16), Reg.rax);
  for (const sig of [4, 7, 8, 11]) {
    a.movRI(Reg.rdi, sig);
    a.leaSym(Reg.rsi, 'rt.sigaction');
    a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
    a.movRI(Reg.r10, 8);
    sys(a, SYS.rt_sigaction);
  }
  // native stack for wasm code; the limit leaves STACK_RESERVE for runtime code
  emitMmap(obj, BigInt(NATIVE_STACK_SIZE), PROT_RW, MAP_PRIVATE_ANON | MAP_NORESERVE);
  a.lea(8, Reg.rcx, mem(Reg.rax, STACK_RESERVE));
  a.storeSym(8, 'rt.stack_limit', Reg.rcx);
  a.movRI(Reg.rcx, NATIVE_STACK_SIZE);
  a.aluRR(Alu.add, 8, Reg.rax, Reg.rcx);
  a.storeSym(8, 'rt.stack_top', Reg.rax);
  a.movRR(8, Reg.rsp, Reg.rax);
}

/** Sets up one instance's memory and vmctx and runs its instantiation (r15/r14 left set). */
export function emitInstantiate(obj: ProgramObject, inst: LinuxInstance): void {
  const a = obj.asm;
  a.leaSym(Reg.r15, inst.vmctxSymbol);
  a.loadSym(8, Reg.rax, 'rt.stack_limit');
  a.store(8, mem(Reg.r15, VM_STACK_LIMIT), Reg.rax);
  if (inst.memory) {
    emitMmap(obj, MEMORY_RESERVATION, 0, MAP_PRIVATE_ANON | MAP_NORESERVE);
    a.movRR(8, Reg.r14, Reg.rax);
    a.store(8, mem(Reg.r15, VM_MEMBASE), Reg.r14);
    a.load(8, Reg.rdx, mem(Reg.r15, VM_MEMDESC));
    a.store(8, mem(Reg.rdx, MEM_BASE), Reg.r14);
    if (inst.memory.min > 0) {
      a.movRR(8, Reg.rdi, Reg.r14);
      a.movRI(Reg.rsi, BigInt(inst.memory.min) * 65536n);
      a.movRI(Reg.rdx, PROT_RW);
      sys(a, SYS.mprotect);
    }
  }
  a.callSym(inst.initSymbol);
}

/** rt.memory_grow: edi = delta pages; eax = old size in pages, or -1. Uses r15 (vmctx). */
export function emitMemoryGrow(obj: ProgramObject): void {
  const a = obj.asm;
  a.align(16);
  const start = a.pos;
  obj.here('rt.memory_grow');
  const fail = a.label(), ok = a.label();
  a.load(8, Reg.r9, mem(Reg.r15, VM_MEMDESC));
  a.movRR(4, Reg.rdi, Reg.rdi);
  a.load(8, Reg.r8, mem(Reg.r9, MEM_PAGES));
  a.lea(8, Reg.r10, mem(Reg.r8, 0, Reg.rdi));
  a.aluRM(Alu.cmp, 8, Reg.r10, mem(Reg.r9, MEM_MAX));
  a.jcc(Cond.A, fail);
  a.testRR(8, Reg.rdi, Reg.rdi);
  a.jcc(Cond.E, ok);
  a.movRR(8, Reg.rsi, Reg.rdi);
  a.shiftI(Shift.shl, 8, Reg.rsi, 16);
  a.movRR(8, Reg.rdi, Reg.r8);
  a.shiftI(Shift.shl, 8, Reg.rdi, 16);
  a.aluRM(Alu.add, 8, Reg.rdi, mem(Reg.r9, MEM_BASE));
  a.movRI(Reg.rdx, PROT_RW);
  sys(a, SYS.mprotect);
  a.testRR(8, Reg.rax, Reg.rax);
  a.jcc(Cond.NE, fail);
  a.store(8, mem(Reg.r9, MEM_PAGES), Reg.r10);
  a.bind(ok);
  a.movRR(4, Reg.rax, Reg.r8);
  a.ret();
  a.bind(fail);
  a.movRI(Reg.rax, 0xffffffff);
  a.ret();
  obj.functions.push({ name: 'rt.memory_grow', offset: start, size: a.pos - start });
}

/** rt.table_grow: rdi = table descriptor, esi = delta, rdx = init value; eax = old size or -1.
 *  Growing past the capacity moves the elements to a fresh mapping of twice the size. */
export function emitTableGrow(obj: ProgramObject): void {
  const a = obj.asm;
  a.align(16);
  const start = a.pos;
  obj.here('rt.table_grow');
  const fail = a.label(), fill = a.label(), loop = a.label(), done = a.label();
  a.movRR(4, Reg.rsi, Reg.rsi);
  a.load(8, Reg.r8, mem(Reg.rdi, TBL_SIZE));
  a.lea(8, Reg.r9, mem(Reg.r8, 0, Reg.rsi));
  a.aluRM(Alu.cmp, 8, Reg.r9, mem(Reg.rdi, TBL_MAX));
  a.jcc(Cond.A, fail);
  a.aluRM(Alu.cmp, 8, Reg.r9, mem(Reg.rdi, TBL_CAP));
  a.jcc(Cond.BE, fill);
  // reallocate: capacity 2 * new size (at least 16)
  a.push(Reg.rdi);
  a.push(Reg.rdx);
  a.push(Reg.r8);
  a.push(Reg.r9);
  a.lea(8, Reg.rsi, mem(Reg.r9, 16, Reg.r9));
  a.shiftI(Shift.shl, 8, Reg.rsi, 3);
  a.push(Reg.rsi);
  a.aluRR(Alu.xor, 4, Reg.rdi, Reg.rdi);
  a.movRI(Reg.rdx, PROT_RW);
  a.movRI(Reg.r10, MAP_PRIVATE_ANON | MAP_NORESERVE);
  a.movRI(Reg.r8, -1n);
  a.aluRR(Alu.xor, 4, Reg.r9, Reg.r9);
  sys(a, SYS.mmap);
  a.pop(Reg.rsi);
  a.pop(Reg.r9);
  a.pop(Reg.r8);
  a.pop(Reg.rdx);
  a.pop(Reg.rdi);
  a.aluRI(Alu.cmp, 8, Reg.rax, -4096);
  a.jcc(Cond.AE, fail);
  a.shiftI(Shift.shr, 8, Reg.rsi, 3);
  a.store(8, mem(Reg.rdi, TBL_CAP), Reg.rsi);
  a.movRR(8, Reg.r10, Reg.rdi);
  a.load(8, Reg.rsi, mem(Reg.r10, TBL_ELEMS));
  a.store(8, mem(Reg.r10, TBL_ELEMS), Reg.rax);
  a.movRR(8, Reg.rdi, Reg.rax);
  a.lea(8, Reg.rcx, mem(Reg.r8, 0, Reg.r8, 1));
  a.lea(8, Reg.rcx, mem(Reg.rcx, 0, Reg.rcx, 1));
  a.lea(8, Reg.rcx, mem(Reg.rcx, 0, Reg.rcx, 1)); // 8 * old size
  a.repMovsb();
  a.movRR(8, Reg.rdi, Reg.r10);
  a.bind(fill);
  a.load(8, Reg.rax, mem(Reg.rdi, TBL_ELEMS));
  a.movRR(8, Reg.rcx, Reg.r8);
  a.bind(loop);
  a.aluRR(Alu.cmp, 8, Reg.rcx, Reg.r9);
  a.jcc(Cond.AE, done);
  a.store(8, mem(Reg.rax, 0, Reg.rcx, 8), Reg.rdx);
  a.aluRI(Alu.add, 8, Reg.rcx, 1);
  a.jmp(loop);
  a.bind(done);
  a.store(8, mem(Reg.rdi, TBL_SIZE), Reg.r9);
  a.movRR(4, Reg.rax, Reg.r8);
  a.ret();
  a.bind(fail);
  a.movRI(Reg.rax, 0xffffffff);
  a.ret();
  obj.functions.push({ name: 'rt.table_grow', offset: start, size: a.pos - start });
}

/** rt.restorer: the sa_restorer that returns from a signal handler. */
export function emitRestorer(obj: ProgramObject): void {
  const a = obj.asm;
  a.align(16);
  obj.here('rt.restorer');
  sys(a, SYS.rt_sigreturn);
  a.ud2();
}

/** Code that looks the faulting pc (in rbx) up in the trap table: jumps to `found` with rcx =
 *  the entry ({pc u64, message u64, length u32, code u32}) or falls through when absent. */
export function emitTrapLookup(obj: ProgramObject, found: import('../../aot/x64/encoder.ts').Label): void {
  const a = obj.asm;
  const loop = a.label(), done = a.label();
  a.leaSym(Reg.rcx, 'rt.trap_table');
  a.loadSym(8, Reg.r8, 'rt.trap_count');
  a.bind(loop);
  a.testRR(8, Reg.r8, Reg.r8);
  a.jcc(Cond.E, done);
  a.aluRM(Alu.cmp, 8, Reg.rbx, mem(Reg.rcx));
  a.jcc(Cond.E, found);
  a.aluRI(Alu.add, 8, Reg.rcx, 24);
  a.aluRI(Alu.sub, 8, Reg.r8, 1);
  a.jmp(loop);
  a.bind(done);
}

/** The executable's signal handler: report a trap and exit with TRAP_EXIT_CODE. */
export function emitExitingSignalHandler(obj: ProgramObject): void {
  const a = obj.asm;
  a.align(16);
  const start = a.pos;
  obj.here('rt.signal');
  const found = a.label();
  a.movRR(8, Reg.r12, Reg.rdi); // signal number
  a.load(8, Reg.rbx, mem(Reg.rdx, UC_RIP));
  emitTrapLookup(obj, found);
  emitWriteStderr(obj, 'xenolith runtime: fatal signal outside wasm code\n');
  a.lea(8, Reg.rdi, mem(Reg.r12, 128));
  sys(a, SYS.exit_group);
  a.bind(found);
  a.load(8, Reg.rsi, mem(Reg.rcx, 8));
  a.load(4, Reg.rdx, mem(Reg.rcx, 16));
  a.movRI(Reg.rdi, 2);
  sys(a, SYS.write);
  a.movRI(Reg.rdi, TRAP_EXIT_CODE);
  sys(a, SYS.exit_group);
  obj.functions.push({ name: 'rt.signal', offset: start, size: a.pos - start });
}

/** Emits the trap-site table (after all code): rt.trap_table, rt.trap_count. */
export function emitTrapTable(obj: ProgramObject): void {
  const ro = obj.rodata;
  const sites = [...obj.trapSites].sort((x, y) => x.pc - y.pc);
  const msgs = sites.map((s) => {
    const bytes = new TextEncoder().encode(`trap: ${s.message}\n`);
    const off = ro.size;
    ro.bytes(bytes);
    return { off, len: bytes.length };
  });
  ro.align(8);
  obj.define('rt.trap_count', 'rodata', ro.size);
  ro.u64(BigInt(sites.length));
  obj.define('rt.trap_table', 'rodata', ro.size);
  sites.forEach((s, i) => {
    ro.ptr('text.base', s.pc);
    ro.ptr('rodata.base', msgs[i].off);
    ro.u32(msgs[i].len);
    ro.u32(s.code);
  });
}
