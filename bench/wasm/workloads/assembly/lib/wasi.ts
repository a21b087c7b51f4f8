// The little WASI (preview 1) surface the compute workloads use: buffered text output on
// stdout/stderr through fd_write, and proc_exit. No managed objects: string literals are only
// read character by character, so the workloads build with `--runtime stub`.

@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, nwritten: usize): u32;

@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

const BUF_SIZE: i32 = 480;
// [0..8) one iovec, [8..12) nwritten, [16..16+BUF_SIZE) the text.
const OUT: usize = memory.data(16 + BUF_SIZE);
let outLen: i32 = 0;
let outFd: u32 = 1;

export function flush(): void {
  if (outLen == 0) return;
  store<u32>(OUT, <u32>(OUT + 16));
  store<u32>(OUT, <u32>outLen, 4);
  fd_write(outFd, OUT, 1, OUT + 8);
  outLen = 0;
}

export function putChar(c: i32): void {
  if (outLen >= BUF_SIZE) flush();
  store<u8>(OUT + 16 + <usize>outLen, <u8>c);
  outLen++;
}

export function print(s: string): void {
  for (let i = 0, n = s.length; i < n; i++) putChar(s.charCodeAt(i));
}

export function printU64(v: u64): void {
  if (v >= 10) printU64(v / 10);
  putChar(48 + <i32>(v % 10));
}

export function printI64(v: i64): void {
  if (v < 0) {
    putChar(45);
    printU64(<u64>(-v));
  } else printU64(<u64>v);
}

export function printHex32(v: u32): void {
  for (let shift = 28; shift >= 0; shift -= 4) {
    const d = <i32>((v >>> shift) & 15);
    putChar(d < 10 ? 48 + d : 87 + d);
  }
}

/** Fixed-point decimal with `decimals` digits after the point, rounded half away from zero. */
export function printFixed(v: f64, decimals: i32): void {
  let scale: f64 = 1;
  for (let i = 0; i < decimals; i++) scale *= 10;
  if (v < 0) {
    putChar(45);
    v = -v;
  }
  const scaled = <u64>Math.floor(v * scale + 0.5);
  const ipart = scaled / <u64>scale;
  let fpart = scaled % <u64>scale;
  printU64(ipart);
  putChar(46);
  let div = <u64>scale / 10;
  while (div > 0) {
    putChar(48 + <i32>(fpart / div));
    fpart %= div;
    div /= 10;
  }
}

/** Reports a wrong result on stderr and exits with status 1. */
export function fail(what: string): void {
  flush();
  outFd = 2;
  print("FAILED: ");
  print(what);
  putChar(10);
  flush();
  proc_exit(1);
}

export function check(ok: bool, what: string): void {
  if (!ok) fail(what);
}
