// WASI preview 1 path_open and poll_oneoff on Linux openat and ppoll, as machine-code routines
// (the intrinsic convention of wasi.ts; path_open's arguments 7..9 arrive in r10, r11, rax).
// This runtime has no preopened directories: the directory fd is passed to openat as it is, so
// a program names its working directory with AT_FDCWD (-100, i.e. 0xffffff9c as a WASI fd),
// and absolute paths work as they do for openat.
// Facts: WASI preview 1 witx (subscription 48 bytes, event 32 bytes), Linux openat(2), ppoll(2).
import { Alu, Cond, Reg, mem, type Assembler, type Label } from '../../aot/x64/encoder.ts';

const OPENAT = 257, PPOLL = 271, CLOCK_GETTIME = 228;
const EINVAL = 28, ENAMETOOLONG = 37;
const O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_APPEND = 0x400, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
const RIGHT_FD_READ = 0x2, RIGHT_FD_WRITE = 0x40;
/** Most subscriptions one poll_oneoff call takes (the pollfd array lives on the stack). */
export const POLL_MAX_SUBSCRIPTIONS = 16;

export interface WasiEmitContext {
  a: Assembler;
  /** Defines routine `wasi.<name>`; the body jumps to `efault` for a bad guest pointer. */
  fn: (name: string, body: (efault: Label) => void) => void;
  /** Jump target that turns a negative Linux result in rax into a WASI errno. */
  returnErrno: () => void;
  checkRange: (a: Assembler, ptr: Reg, len: number | { reg: Reg }, bad: Label) => void;
}

const sys = (a: Assembler, nr: number) => {
  a.movRI(Reg.rax, nr);
  a.syscall();
};

/** ecx |= bit when (test reg, mask) gives cond. Uses eax. */
function orIf(a: Assembler, reg: Reg, mask: number, cond: Cond, bit: number): void {
  a.movRR(4, Reg.rax, Reg.rcx);
  a.aluRI(Alu.or, 4, Reg.rax, bit);
  a.testRI(4, reg, mask);
  a.cmov(cond, 4, Reg.rcx, Reg.rax);
}

export function emitWasiIo(cx: WasiEmitContext): void {
  const { a, fn, returnErrno, checkRange } = cx;

  // path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, fd_ptr)
  fn('path_open', (efault) => {
    const tooLong = a.label(), err = a.label();
    a.movRR(4, Reg.r12, Reg.rax); // fd_ptr
    a.movRR(4, Reg.r13, Reg.rdx); // path
    a.movRR(4, Reg.rbx, Reg.rcx); // path_len
    a.movRI(Reg.rcx, O_CLOEXEC);
    orIf(a, Reg.r8, 1, Cond.NE, O_CREAT);
    orIf(a, Reg.r8, 2, Cond.NE, O_DIRECTORY);
    orIf(a, Reg.r8, 4, Cond.NE, O_EXCL);
    orIf(a, Reg.r8, 8, Cond.NE, O_TRUNC);
    orIf(a, Reg.r11, 1, Cond.NE, O_APPEND);
    orIf(a, Reg.rsi, 1, Cond.E, O_NOFOLLOW); // no SYMLINK_FOLLOW: the last component must not be a link
    // access mode from the rights: write (and read) → O_RDWR, write only → O_WRONLY, else O_RDONLY
    a.movRI(Reg.rax, 1);
    a.movRI(Reg.rdx, 2);
    a.testRI(4, Reg.r9, RIGHT_FD_READ);
    a.cmov(Cond.NE, 4, Reg.rax, Reg.rdx);
    a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
    a.testRI(4, Reg.r9, RIGHT_FD_WRITE);
    a.cmov(Cond.E, 4, Reg.rax, Reg.rdx);
    a.aluRR(Alu.or, 4, Reg.rcx, Reg.rax);
    a.movRR(4, Reg.r8, Reg.rcx); // flags (rep movsb below takes rcx)
    a.movsx(4, 8, Reg.r10, Reg.rdi); // dirfd, sign-extended: 0xffffff9c is AT_FDCWD
    checkRange(a, Reg.r12, 4, efault);
    checkRange(a, Reg.r13, { reg: Reg.rbx }, efault);
    a.aluRI(Alu.cmp, 8, Reg.rbx, 4095);
    a.jcc(Cond.A, tooLong);
    // copy the path to the stack with a terminating NUL
    a.aluRI(Alu.sub, 8, Reg.rsp, 4112);
    a.lea(8, Reg.rsi, mem(Reg.r14, 0, Reg.r13));
    a.movRR(8, Reg.rdi, Reg.rsp);
    a.movRR(8, Reg.rcx, Reg.rbx);
    a.repMovsb();
    a.storeImm(1, mem(Reg.rdi), 0);
    a.movRR(8, Reg.rdi, Reg.r10);
    a.movRR(8, Reg.rsi, Reg.rsp);
    a.movRR(4, Reg.rdx, Reg.r8);
    a.movRI(Reg.r10, 0o644);
    sys(a, OPENAT);
    a.aluRI(Alu.add, 8, Reg.rsp, 4112);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, err);
    a.store(4, mem(Reg.r14, 0, Reg.r12), Reg.rax);
    a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
    a.ret();
    a.bind(err);
    returnErrno();
    a.bind(tooLong);
    a.movRI(Reg.rax, ENAMETOOLONG);
    a.ret();
  });

  // poll_oneoff(in, out, nsubscriptions, nevents_ptr) -> errno. Clock subscriptions (relative or
  // absolute) give ppoll's timeout, the earliest one winning; fd_read / fd_write subscriptions
  // become pollfds (POLLIN / POLLOUT). An interrupted wait reports no events.
  // Frame: [rsp] pollfds (8 bytes each), +128 timespec, +144 earliest timeout ns (-1: none),
  // +152 index of that clock subscription, +160 nevents_ptr, +168 clock_gettime scratch.
  fn('poll_oneoff', (efault) => {
    const einval = a.label(), loop1 = a.label(), notClock = a.label(), relative = a.label(), clamp = a.label();
    const take = a.label(), next1 = a.label(), polled = a.label(), noTimeout = a.label(), doPoll = a.label();
    const loop2 = a.label(), fdSub = a.label(), next2 = a.label(), done2 = a.label(), interrupted = a.label();
    const pollErr = a.label(), badTag = a.label(), noHup = a.label(), noNval = a.label();
    a.movRR(4, Reg.rbx, Reg.rdx); // nsubscriptions
    a.aluRI(Alu.cmp, 4, Reg.rbx, 0);
    a.jcc(Cond.E, einval);
    a.aluRI(Alu.cmp, 4, Reg.rbx, POLL_MAX_SUBSCRIPTIONS);
    a.jcc(Cond.A, einval);
    a.movRR(4, Reg.r12, Reg.rdi);
    a.movRR(4, Reg.r13, Reg.rsi);
    a.movRR(4, Reg.r9, Reg.rcx);
    a.imulRRI(8, Reg.rdx, Reg.rbx, 48);
    checkRange(a, Reg.r12, { reg: Reg.rdx }, efault);
    a.imulRRI(8, Reg.rdx, Reg.rbx, 32);
    checkRange(a, Reg.r13, { reg: Reg.rdx }, efault);
    checkRange(a, Reg.r9, 4, efault);
    a.aluRR(Alu.add, 8, Reg.r12, Reg.r14);
    a.aluRR(Alu.add, 8, Reg.r13, Reg.r14);
    a.aluRI(Alu.sub, 8, Reg.rsp, 192);
    a.store(8, mem(Reg.rsp, 160), Reg.r9);
    a.storeImm(8, mem(Reg.rsp, 144), -1);
    a.storeImm(8, mem(Reg.rsp, 152), -1);
    a.aluRR(Alu.xor, 4, Reg.r8, Reg.r8); // nfds
    a.aluRR(Alu.xor, 4, Reg.r10, Reg.r10); // subscription index
    a.bind(loop1);
    a.aluRR(Alu.cmp, 8, Reg.r10, Reg.rbx);
    a.jcc(Cond.AE, polled);
    a.imulRRI(8, Reg.rdi, Reg.r10, 48);
    a.aluRR(Alu.add, 8, Reg.rdi, Reg.r12);
    a.load(1, Reg.rax, mem(Reg.rdi, 8)); // tag
    a.testRR(4, Reg.rax, Reg.rax);
    a.jcc(Cond.NE, notClock);
    a.load(8, Reg.rsi, mem(Reg.rdi, 24)); // timeout
    a.testRI(4, mem(Reg.rdi, 40), 1); // subclockflags: abstime
    a.jcc(Cond.E, relative);
    a.movRR(8, Reg.r9, Reg.rsi);
    a.movRR(8, Reg.rdx, Reg.rdi);
    a.load(4, Reg.rdi, mem(Reg.rdx, 16)); // clock id (WASI 0..3 = Linux's)
    a.lea(8, Reg.rsi, mem(Reg.rsp, 168));
    sys(a, CLOCK_GETTIME);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, pollErr);
    a.load(8, Reg.rax, mem(Reg.rsp, 168));
    a.imulRRI(8, Reg.rax, Reg.rax, 1_000_000_000);
    a.aluRM(Alu.add, 8, Reg.rax, mem(Reg.rsp, 176));
    a.aluRR(Alu.sub, 8, Reg.r9, Reg.rax);
    a.movRR(8, Reg.rsi, Reg.r9);
    a.movRR(8, Reg.rdi, Reg.rdx);
    a.bind(relative);
    a.testRR(8, Reg.rsi, Reg.rsi);
    a.jcc(Cond.NS, clamp);
    a.aluRR(Alu.xor, 4, Reg.rsi, Reg.rsi); // a deadline in the past: do not wait
    a.bind(clamp);
    a.load(8, Reg.rax, mem(Reg.rsp, 144));
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, take);
    a.aluRR(Alu.cmp, 8, Reg.rsi, Reg.rax);
    a.jcc(Cond.AE, next1);
    a.bind(take);
    a.store(8, mem(Reg.rsp, 144), Reg.rsi);
    a.store(8, mem(Reg.rsp, 152), Reg.r10);
    a.jmp(next1);
    a.bind(notClock);
    a.aluRI(Alu.cmp, 4, Reg.rax, 2);
    a.jcc(Cond.A, badTag);
    a.load(4, Reg.rdx, mem(Reg.rdi, 16)); // fd
    a.store(4, mem(Reg.rsp, 0, Reg.r8, 8), Reg.rdx);
    a.movRI(Reg.rdx, 1); // POLLIN for fd_read
    a.movRI(Reg.rcx, 4); // POLLOUT for fd_write
    a.aluRI(Alu.cmp, 4, Reg.rax, 2);
    a.cmov(Cond.E, 4, Reg.rdx, Reg.rcx);
    a.store(4, mem(Reg.rsp, 4, Reg.r8, 8), Reg.rdx); // events; revents = 0
    a.aluRI(Alu.add, 8, Reg.r8, 1);
    a.bind(next1);
    a.aluRI(Alu.add, 8, Reg.r10, 1);
    a.jmp(loop1);

    a.bind(polled);
    a.load(8, Reg.rax, mem(Reg.rsp, 144));
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, noTimeout);
    a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
    a.movRI(Reg.rcx, 1_000_000_000);
    a.div(8, Reg.rcx);
    a.store(8, mem(Reg.rsp, 128), Reg.rax);
    a.store(8, mem(Reg.rsp, 136), Reg.rdx);
    a.lea(8, Reg.rdx, mem(Reg.rsp, 128));
    a.jmp(doPoll);
    a.bind(noTimeout);
    a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
    a.bind(doPoll);
    a.movRR(8, Reg.rdi, Reg.rsp);
    a.movRR(8, Reg.rsi, Reg.r8);
    a.aluRR(Alu.xor, 4, Reg.r10, Reg.r10);
    a.aluRR(Alu.xor, 4, Reg.r8, Reg.r8);
    sys(a, PPOLL);
    a.aluRI(Alu.cmp, 8, Reg.rax, -4); // EINTR
    a.jcc(Cond.E, interrupted);
    a.testRR(8, Reg.rax, Reg.rax);
    a.jcc(Cond.S, pollErr);
    // events
    a.movRR(8, Reg.r9, Reg.rax); // ready fds (0: the timeout fired)
    a.aluRR(Alu.xor, 4, Reg.r10, Reg.r10);
    a.aluRR(Alu.xor, 4, Reg.r8, Reg.r8);
    a.aluRR(Alu.xor, 4, Reg.rsi, Reg.rsi);
    a.movRR(8, Reg.rdi, Reg.r13);
    a.bind(loop2);
    a.aluRR(Alu.cmp, 8, Reg.r10, Reg.rbx);
    a.jcc(Cond.AE, done2);
    a.imulRRI(8, Reg.rdx, Reg.r10, 48);
    a.aluRR(Alu.add, 8, Reg.rdx, Reg.r12);
    a.load(1, Reg.rax, mem(Reg.rdx, 8));
    a.testRR(4, Reg.rax, Reg.rax);
    a.jcc(Cond.NE, fdSub);
    a.testRR(8, Reg.r9, Reg.r9);
    a.jcc(Cond.NE, next2);
    a.aluRM(Alu.cmp, 8, Reg.r10, mem(Reg.rsp, 152));
    a.jcc(Cond.NE, next2);
    a.load(8, Reg.rcx, mem(Reg.rdx));
    a.store(8, mem(Reg.rdi), Reg.rcx);
    a.storeImm(8, mem(Reg.rdi, 8), 0); // error 0, type clock
    a.storeImm(8, mem(Reg.rdi, 16), 0);
    a.storeImm(8, mem(Reg.rdi, 24), 0);
    a.aluRI(Alu.add, 8, Reg.rdi, 32);
    a.aluRI(Alu.add, 4, Reg.rsi, 1);
    a.jmp(next2);
    a.bind(fdSub);
    a.load(2, Reg.rcx, mem(Reg.rsp, 6, Reg.r8, 8)); // revents
    a.aluRI(Alu.add, 8, Reg.r8, 1);
    a.testRR(4, Reg.rcx, Reg.rcx);
    a.jcc(Cond.E, next2);
    a.load(8, Reg.r11, mem(Reg.rdx));
    a.store(8, mem(Reg.rdi), Reg.r11);
    a.storeImm(8, mem(Reg.rdi, 8), 0);
    a.store(1, mem(Reg.rdi, 10), Reg.rax); // type = the subscription's tag
    a.storeImm(8, mem(Reg.rdi, 16), 1); // nbytes: at least one (ppoll does not say how many)
    a.storeImm(8, mem(Reg.rdi, 24), 0);
    a.testRI(4, Reg.rcx, 0x10); // POLLHUP → fd_readwrite hangup flag
    a.jcc(Cond.E, noHup);
    a.storeImm(2, mem(Reg.rdi, 24), 1);
    a.bind(noHup);
    a.testRI(4, Reg.rcx, 0x20); // POLLNVAL → EBADF
    a.jcc(Cond.E, noNval);
    a.storeImm(2, mem(Reg.rdi, 8), 8);
    a.bind(noNval);
    a.aluRI(Alu.add, 8, Reg.rdi, 32);
    a.aluRI(Alu.add, 4, Reg.rsi, 1);
    a.bind(next2);
    a.aluRI(Alu.add, 8, Reg.r10, 1);
    a.jmp(loop2);
    a.bind(interrupted);
    a.aluRR(Alu.xor, 4, Reg.rsi, Reg.rsi);
    a.bind(done2);
    a.load(8, Reg.r9, mem(Reg.rsp, 160));
    a.store(4, mem(Reg.r14, 0, Reg.r9), Reg.rsi);
    a.aluRI(Alu.add, 8, Reg.rsp, 192);
    a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
    a.ret();
    a.bind(pollErr);
    a.aluRI(Alu.add, 8, Reg.rsp, 192);
    returnErrno();
    a.bind(badTag);
    a.aluRI(Alu.add, 8, Reg.rsp, 192);
    a.bind(einval);
    a.movRI(Reg.rax, EINVAL);
    a.ret();
  });
}

/** (name, params, results) of the routines above, for the intrinsic table. */
export const WASI_IO_FUNCTIONS: [string, ('i32' | 'i64')[], ('i32' | 'i64')[]][] = [
  ['path_open', ['i32', 'i32', 'i32', 'i32', 'i32', 'i64', 'i64', 'i32', 'i32'], ['i32']],
  ['poll_oneoff', ['i32', 'i32', 'i32', 'i32'], ['i32']],
];
