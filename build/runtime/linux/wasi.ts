// WASI preview 1 (a subset) on Linux system calls, as machine-code routines emitted with our
// encoder. Each routine `wasi.<name>` follows the intrinsic convention (build/aot/intrinsics.ts):
// integer arguments in rdi, rsi, rdx, rcx, r8, r9; result (a WASI errno) in eax; r14 = linear
// memory base and r15 = vmctx are preserved; any other allocatable register may be clobbered
// (rbp and rbx, r12, r13 are used as scratch only where noted: rbp is never touched).
// Guest pointers are checked against the current memory size; a bad one gives EFAULT (21).
// Facts: WASI preview 1 witx (wasi_snapshot_preview1), Linux x86-64 syscall table.
import { Alu, Cond, Reg, Shift, mem, type Assembler, type Label } from '../../aot/x64/encoder.ts';
import { MEM_PAGES, VM_MEMDESC } from '../../aot/abi.ts';
import type { ProgramObject } from '../../aot/object.ts';
import { emitWasiIo, WASI_IO_FUNCTIONS } from './wasi-io.ts';

export const SYS = {
  read: 0, write: 1, close: 3, fstat: 5, lseek: 8, mmap: 9, mprotect: 10, rt_sigaction: 13, rt_sigreturn: 15,
  sigaltstack: 131, clock_gettime: 228, exit_group: 231, openat: 257, ppoll: 271, getrandom: 318,
} as const;

export const WASI_MODULE = 'wasi_snapshot_preview1';
const EFAULT = 21, EINVAL = 28, EBADF = 8, EIO = 29;

/** Linux errno → WASI errno for the errors these calls can return (anything else: EIO). */
const ERRNO_MAP: Record<number, number> = {
  1: 63, 2: 44, 4: 27, 5: 29, 9: 8, 11: 6, 12: 48, 13: 2, 14: 21, 17: 20, 20: 54, 21: 31, 22: 28, 24: 33, 27: 22,
  28: 51, 29: 70, 32: 64, 38: 52, 75: 61, 95: 58, 104: 15, 110: 73, 111: 14,
};

const sys = (a: Assembler, nr: number) => {
  a.movRI(Reg.rax, nr);
  a.syscall();
};

/** r11 = current memory size in bytes (uses only r11). */
function memBytes(a: Assembler): void {
  a.load(8, Reg.r11, { base: Reg.r15, disp: VM_MEMDESC });
  a.load(8, Reg.r11, { base: Reg.r11, disp: MEM_PAGES });
  a.shiftI(Shift.shl, 8, Reg.r11, 16);
}
/** Jump to `bad` unless [ptr, ptr+len) is inside linear memory (ptr a zero-extended i32; len a
 *  constant or a register, wrapped as `{ reg }` because Reg is a number too). Uses rax, r11. */
function checkRange(a: Assembler, ptr: Reg, len: number | { reg: Reg }, bad: Label): void {
  if (typeof len === 'number') a.lea(8, Reg.rax, mem(ptr, len));
  else a.lea(8, Reg.rax, mem(ptr, 0, len.reg));
  memBytes(a);
  a.aluRR(Alu.cmp, 8, Reg.rax, Reg.r11);
  a.jcc(Cond.A, bad);
}

export interface WasiVectors {
  /** Symbols of 8-byte cells holding the native argv and envp pointers (NULL-terminated char*[]). */
  argv: string;
  envp: string;
}

/** Emits every wasi.* routine and the errno table. */
export function emitWasi(obj: ProgramObject, vectors: WasiVectors): void {
  const a = obj.asm;
  const ro = obj.rodata;
  const table = new Uint8Array(256).fill(EIO);
  table[0] = 0;
  for (const [k, v] of Object.entries(ERRNO_MAP)) table[Number(k)] = v;
  obj.define('wasi.errno_table', 'rodata', ro.size);
  ro.bytes(table);

  const fn = (name: string, body: (efault: Label) => void) => {
    a.align(16);
    const start = a.pos;
    obj.here(`wasi.${name}`);
    const efault = a.label();
    body(efault);
    a.bind(efault);
    a.movRI(Reg.rax, EFAULT);
    a.ret();
    obj.functions.push({ name: `wasi.${name}`, offset: start, size: a.pos - start });
  };

  // wasi.errno: rax = negative Linux result → eax = WASI errno
  a.align(16);
  const errnoStart = a.pos;
  obj.here('wasi.errno');
  const errnoLabel = a.label('wasi.errno');
  a.bind(errnoLabel);
  a.neg(8, Reg.rax);
  a.aluRI(Alu.cmp, 8, Reg.rax, 255);
  const big = a.label();
  a.jcc(Cond.A, big);
  a.leaSym(Reg.rcx, 'wasi.errno_table');
  a.load(1, Reg.rax, mem(Reg.rcx, 0, Reg.rax));
  a.ret();
  a.bind(big);
  a.movRI(Reg.rax, EIO);
  a.ret();
  obj.functions.push({ name: 'wasi.errno', offset: errnoStart, size: a.pos - errnoStart });
  const returnErrno = () => a.jmp(errnoLabel);

  // fd_write / fd_read (fd, iovs, iovs_len, nbytes_ptr) -> errno
  for (const [name, nr] of [['fd_write', SYS.write], ['fd_read', SYS.read]] as const) {
    fn(name, (efault) => {
      const loop = a.label(), done = a.label(), err = a.label();
      a.movRR(8, Reg.r12, Reg.rdi); // fd
      a.movRR(4, Reg.rbx, Reg.rsi); // iovec pointer (guest)
      a.movRR(4, Reg.r13, Reg.rdx); // count
      a.movRR(4, Reg.r9, Reg.rcx); // nbytes pointer
      a.aluRR(Alu.xor, 4, Reg.r10, Reg.r10); // total
      a.lea(8, Reg.rdx, mem(Reg.rbx, 0, Reg.r13, 8));
      a.aluRR(Alu.sub, 8, Reg.rdx, Reg.rbx);
      checkRange(a, Reg.rbx, { reg: Reg.rdx }, efault);
      checkRange(a, Reg.r9, 4, efault);
      a.bind(loop);
      a.testRR(8, Reg.r13, Reg.r13);
      a.jcc(Cond.E, done);
      a.load(4, Reg.rsi, mem(Reg.r14, 0, Reg.rbx));
      a.load(4, Reg.rdx, mem(Reg.r14, 4, Reg.rbx));
      checkRange(a, Reg.rsi, { reg: Reg.rdx }, efault);
      a.aluRR(Alu.add, 8, Reg.rsi, Reg.r14);
      a.movRR(8, Reg.rdi, Reg.r12);
      sys(a, nr);
      a.testRR(8, Reg.rax, Reg.rax);
      a.jcc(Cond.S, err);
      a.aluRR(Alu.add, 8, Reg.r10, Reg.rax);
      a.load(4, Reg.rdx, mem(Reg.r14, 4, Reg.rbx));
      a.aluRR(Alu.cmp, 8, Reg.rax, Reg.rdx);
      a.jcc(Cond.B, done); // short transfer (or end of file): report what was done
      a.aluRI(Alu.add, 8, Reg.rbx, 8);
      a.aluRI(Alu.sub, 8, Reg.r13, 1);
      a.jmp(loop);
      a.bind(done);
      a.store(4, mem(Reg.r14, 0, Reg.r9), Reg.r10);
      a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
      a.ret();
      a.bind(err);
      returnErrno();
    });
  }

  // proc_exit(code) -> never returns
  fn('proc_exit', () => {
    sys(a, SYS.exit_group);
    a.ud2();
  });

  // clock_time_get(id, precision, time_ptr) -> errno
  fn('clock_time_get', (efault) => {
    const einval = a.label(), err = a.label();
    a.movRR(4, Reg.r12, Reg.rdx);
    checkRange(a, Reg.r12, 8, efault);
    a.aluRI(Alu.cmp, 4, Reg.rdi, 3); // WASI clock ids 0..3 equal Linux's REALTIME..THREAD_CPUTIME_ID
    a.jcc(Cond.A, einval);
    a.aluRI(Alu.sub, 8, Reg.rsp, 16);
    a.movRR(8, Reg.rsi, Reg.rsp);
    sys(a, SYS.clock_gettime);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, err);
    a.load(8, Reg.rax, mem(Reg.rsp));
    a.imulRRI(8, Reg.rax, Reg.rax, 1_000_000_000);
    a.aluRM(Alu.add, 8, Reg.rax, mem(Reg.rsp, 8));
    a.aluRI(Alu.add, 8, Reg.rsp, 16);
    a.store(8, mem(Reg.r14, 0, Reg.r12), Reg.rax);
    a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
    a.ret();
    a.bind(err);
    a.aluRI(Alu.add, 8, Reg.rsp, 16);
    returnErrno();
    a.bind(einval);
    a.movRI(Reg.rax, EINVAL);
    a.ret();
  });

  // clock_res_get(id, res_ptr) -> errno (1 ns: what clock_gettime reports on Linux)
  fn('clock_res_get', (efault) => {
    const einval = a.label();
    a.movRR(4, Reg.r12, Reg.rsi);
    checkRange(a, Reg.r12, 8, efault);
    a.aluRI(Alu.cmp, 4, Reg.rdi, 3);
    a.jcc(Cond.A, einval);
    a.storeImm(8, mem(Reg.r14, 0, Reg.r12), 1);
    a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
    a.ret();
    a.bind(einval);
    a.movRI(Reg.rax, EINVAL);
    a.ret();
  });

  // random_get(buf, len) -> errno
  fn('random_get', (efault) => {
    const loop = a.label(), done = a.label(), err = a.label();
    a.movRR(4, Reg.r12, Reg.rdi);
    a.movRR(4, Reg.r13, Reg.rsi);
    checkRange(a, Reg.r12, { reg: Reg.r13 }, efault);
    a.bind(loop);
    a.testRR(8, Reg.r13, Reg.r13);
    a.jcc(Cond.E, done);
    a.lea(8, Reg.rdi, mem(Reg.r14, 0, Reg.r12));
    a.movRR(8, Reg.rsi, Reg.r13);
    a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
    sys(a, SYS.getrandom);
    a.aluRI(Alu.cmp, 8, Reg.rax, -4); // EINTR: retry
    a.jcc(Cond.E, loop);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, err);
    a.aluRR(Alu.add, 8, Reg.r12, Reg.rax);
    a.aluRR(Alu.sub, 8, Reg.r13, Reg.rax);
    a.jmp(loop);
    a.bind(done);
    a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
    a.ret();
    a.bind(err);
    returnErrno();
  });

  // args_sizes_get / environ_sizes_get (count_ptr, buf_size_ptr) -> errno
  // args_get / environ_get (ptrs_ptr, buf_ptr) -> errno
  for (const [kind, vec] of [['args', vectors.argv], ['environ', vectors.envp]] as const) {
    /** rcx = count, rdx = total bytes (strings with NULs); uses r8, r9, rax. */
    const measure = () => {
      const outer = a.label(), inner = a.label(), next = a.label(), done = a.label();
      a.loadSym(8, Reg.r8, vec);
      a.aluRR(Alu.xor, 4, Reg.rcx, Reg.rcx);
      a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
      a.bind(outer);
      a.load(8, Reg.r9, mem(Reg.r8, 0, Reg.rcx, 8));
      a.testRR(8, Reg.r9, Reg.r9);
      a.jcc(Cond.E, done);
      a.bind(inner);
      a.aluRI(Alu.add, 8, Reg.rdx, 1);
      a.load(1, Reg.rax, mem(Reg.r9));
      a.testRR(4, Reg.rax, Reg.rax);
      a.jcc(Cond.E, next);
      a.aluRI(Alu.add, 8, Reg.r9, 1);
      a.jmp(inner);
      a.bind(next);
      a.aluRI(Alu.add, 8, Reg.rcx, 1);
      a.jmp(outer);
      a.bind(done);
    };
    fn(`${kind}_sizes_get`, (efault) => {
      a.movRR(4, Reg.rdi, Reg.rdi);
      a.movRR(4, Reg.rsi, Reg.rsi);
      checkRange(a, Reg.rdi, 4, efault);
      checkRange(a, Reg.rsi, 4, efault);
      measure();
      a.store(4, mem(Reg.r14, 0, Reg.rdi), Reg.rcx);
      a.store(4, mem(Reg.r14, 0, Reg.rsi), Reg.rdx);
      a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
      a.ret();
    });
    fn(`${kind}_get`, (efault) => {
      const outer = a.label(), copy = a.label(), done = a.label();
      a.movRR(4, Reg.rdi, Reg.rdi);
      a.movRR(4, Reg.rsi, Reg.rsi);
      measure();
      a.movRR(8, Reg.r10, Reg.rdx);
      a.lea(8, Reg.rdx, mem(Reg.rcx, 0, Reg.rcx)); // 2*count
      a.aluRR(Alu.add, 8, Reg.rdx, Reg.rdx); // 4*count
      checkRange(a, Reg.rdi, { reg: Reg.rdx }, efault);
      checkRange(a, Reg.rsi, { reg: Reg.r10 }, efault);
      a.aluRR(Alu.add, 8, Reg.rdi, Reg.r14);
      a.aluRR(Alu.add, 8, Reg.rsi, Reg.r14);
      a.aluRR(Alu.xor, 4, Reg.rcx, Reg.rcx);
      a.bind(outer);
      a.load(8, Reg.r9, mem(Reg.r8, 0, Reg.rcx, 8));
      a.testRR(8, Reg.r9, Reg.r9);
      a.jcc(Cond.E, done);
      a.movRR(8, Reg.rax, Reg.rsi);
      a.aluRR(Alu.sub, 8, Reg.rax, Reg.r14);
      a.store(4, mem(Reg.rdi, 0, Reg.rcx, 4), Reg.rax);
      a.bind(copy);
      a.load(1, Reg.rax, mem(Reg.r9));
      a.store(1, mem(Reg.rsi), Reg.rax);
      a.aluRI(Alu.add, 8, Reg.rsi, 1);
      a.aluRI(Alu.add, 8, Reg.r9, 1);
      a.testRR(4, Reg.rax, Reg.rax);
      a.jcc(Cond.NE, copy);
      a.aluRI(Alu.add, 8, Reg.rcx, 1);
      a.jmp(outer);
      a.bind(done);
      a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
      a.ret();
    });
  }

  // fd_close(fd) -> errno
  fn('fd_close', () => {
    const err = a.label();
    sys(a, SYS.close);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, err);
    a.ret();
    a.bind(err);
    returnErrno();
  });

  // fd_seek(fd, offset i64, whence, newoffset_ptr) -> errno (whence 0/1/2 = SEEK_SET/CUR/END)
  fn('fd_seek', (efault) => {
    const err = a.label(), einval = a.label();
    a.movRR(4, Reg.r12, Reg.rcx);
    checkRange(a, Reg.r12, 8, efault);
    a.aluRI(Alu.cmp, 4, Reg.rdx, 2);
    a.jcc(Cond.A, einval);
    sys(a, SYS.lseek);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, err);
    a.store(8, mem(Reg.r14, 0, Reg.r12), Reg.rax);
    a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
    a.ret();
    a.bind(err);
    returnErrno();
    a.bind(einval);
    a.movRI(Reg.rax, EINVAL);
    a.ret();
  });

  // fd_fdstat_get(fd, stat_ptr) -> errno: filetype from fstat's st_mode, no flags, all rights
  fn('fd_fdstat_get', (efault) => {
    const err = a.label(), store = a.label();
    a.movRR(4, Reg.r12, Reg.rsi);
    checkRange(a, Reg.r12, 24, efault);
    a.aluRI(Alu.sub, 8, Reg.rsp, 144);
    a.movRR(8, Reg.rsi, Reg.rsp);
    sys(a, SYS.fstat);
    a.load(4, Reg.rcx, mem(Reg.rsp, 24)); // st_mode
    a.aluRI(Alu.add, 8, Reg.rsp, 144);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, err);
    a.aluRI(Alu.and, 4, Reg.rcx, 0xf000);
    a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax); // unknown
    for (const [mode, ft] of [[0x2000, 2], [0x4000, 3], [0x8000, 4], [0x6000, 1], [0xc000, 6], [0xa000, 7]]) {
      a.movRI(Reg.rdx, ft);
      a.aluRI(Alu.cmp, 4, Reg.rcx, mode);
      a.cmov(Cond.E, 4, Reg.rax, Reg.rdx);
    }
    a.bind(store);
    a.lea(8, Reg.rdi, mem(Reg.r14, 0, Reg.r12));
    a.storeImm(8, mem(Reg.rdi), 0);
    a.store(1, mem(Reg.rdi), Reg.rax);
    a.storeImm(8, mem(Reg.rdi, 8), -1);
    a.storeImm(8, mem(Reg.rdi, 16), -1);
    a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
    a.ret();
    a.bind(err);
    returnErrno();
  });

  // fd_prestat_get(fd, ptr) -> EBADF: this runtime preopens no directories
  fn('fd_prestat_get', () => {
    a.movRI(Reg.rax, EBADF);
    a.ret();
  });

  emitWasiIo({ a, fn, returnErrno, checkRange });
}

/** (name, params, results) of the routines above, for the intrinsic table. */
export const WASI_FUNCTIONS: [string, ('i32' | 'i64')[], ('i32' | 'i64')[]][] = [
  ['fd_write', ['i32', 'i32', 'i32', 'i32'], ['i32']],
  ['fd_read', ['i32', 'i32', 'i32', 'i32'], ['i32']],
  ['proc_exit', ['i32'], []],
  ['clock_time_get', ['i32', 'i64', 'i32'], ['i32']],
  ['clock_res_get', ['i32', 'i32'], ['i32']],
  ['random_get', ['i32', 'i32'], ['i32']],
  ['args_sizes_get', ['i32', 'i32'], ['i32']],
  ['args_get', ['i32', 'i32'], ['i32']],
  ['environ_sizes_get', ['i32', 'i32'], ['i32']],
  ['environ_get', ['i32', 'i32'], ['i32']],
  ['fd_close', ['i32'], ['i32']],
  ['fd_seek', ['i32', 'i64', 'i32', 'i32'], ['i32']],
  ['fd_fdstat_get', ['i32', 'i32'], ['i32']],
  ['fd_prestat_get', ['i32', 'i32'], ['i32']],
  ...WASI_IO_FUNCTIONS,
];
