// The platform interface, `linux` target: AssemblyScript over WASI preview 1 imports, which the
// AOT compiler binds to Linux system calls (a static ELF, no libc). Same names and signatures
// as the reference declaration targets/node/platform/index.ts (docs/platform.md).
//
// Command line of the executable:  vm [--snapshot FILE] IMAGE [ARGS...]
// or, for an executable that carries its image (xenolith build --target linux):  app [ARGS...]
// An embedded image is appended to the ELF file and found through a trailer at its very end
// (see build/pipeline/linux-image-trailer.ts): the platform reads it from /proc/self/exe.

import {
  fd_write, fd_read, fd_seek, fd_close, fd_fdstat_get, FILETYPE_DIRECTORY, path_open, poll_oneoff, clock_time_get, random_get,
  args_sizes_get, args_get, proc_exit, DIR_CWD, LOOKUP_SYMLINK_FOLLOW, OFLAGS_CREAT, OFLAGS_TRUNC,
  RIGHT_FD_READ, RIGHT_FD_SEEK, RIGHT_FD_WRITE, WHENCE_SET, WHENCE_END, CLOCK_REALTIME,
  CLOCK_MONOTONIC, ERRNO_AGAIN, ERRNO_INTR,
} from "./wasi";

/** Exit status of a VM crash (EX_SOFTWARE, as on node); a wasm trap exits with 134. */
const CRASH_STATUS: u32 = 70;
const USAGE_STATUS: u32 = 64;
const TRAILER_BYTES: i32 = 32;
const TRAILER_MAGIC = "xenolith-image-1"; // 16 ASCII bytes at the end of the trailer

// scratch cells for WASI out-parameters and iovecs (the VM is single-threaded)
const IOV: usize = memory.data(16, 8);
const OUT: usize = memory.data(16, 8);

// ---- output -------------------------------------------------------------------------------

function writeAll(fd: u32, ptr: usize, len: i32): bool {
  let done = 0;
  while (done < len) {
    store<u32>(IOV, <u32>(ptr + <usize>done));
    store<u32>(IOV, <u32>(len - done), 4);
    const err = fd_write(fd, IOV, 1, OUT);
    if (err == ERRNO_INTR || err == ERRNO_AGAIN) continue;
    if (err != 0) return false;
    const n = <i32>load<u32>(OUT);
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

function writeString(fd: u32, s: string): void {
  const buf = String.UTF8.encode(s);
  writeAll(fd, changetype<usize>(buf), buf.byteLength);
}

function fail(status: u32, message: string): void {
  writeString(2, message + "\n");
  proc_exit(status);
}

export function console_write(ptr: usize, len: i32): void {
  writeAll(1, ptr, len);
}

// ---- input: stdin, buffered so that wait_event can tell input from a spurious wake-up ------

const INBUF_BYTES: i32 = 4096;
const INBUF: usize = memory.data(4096, 8);
let inStart: i32 = 0;
let inEnd: i32 = 0;
let inEof = false;

/** Reads what stdin has into the buffer without blocking (polls first). */
function fillInput(timeoutNs: i64, deadlineAbs: bool): void {
  const subs = memory.data(96, 8);
  const events = memory.data(64, 8);
  let n: u32 = 0;
  if (inStart == inEnd) { inStart = 0; inEnd = 0; } // all consumed: the whole buffer is free again
  const wantInput = !inEof && inEnd < INBUF_BYTES;
  memory.fill(subs, 0, 96);
  if (wantInput) {
    store<u64>(subs, 1); // userdata
    store<u8>(subs, 1, 8); // fd_read
    store<u32>(subs, 0, 16); // stdin
    n++;
  }
  if (timeoutNs >= 0) {
    const s = subs + <usize>(n * 48);
    store<u64>(s, 2);
    store<u8>(s, 0, 8); // clock
    store<u32>(s, CLOCK_MONOTONIC, 16);
    store<u64>(s, <u64>timeoutNs, 24);
    store<u16>(s, deadlineAbs ? 1 : 0, 40);
    n++;
  }
  if (n == 0) return;
  if (poll_oneoff(subs, events, n, OUT) != 0) return;
  const got = load<u32>(OUT);
  for (let i: u32 = 0; i < got; i++) {
    const e = events + <usize>(i * 32);
    if (load<u64>(e) != 1) continue;
    if (load<u16>(e, 8) != 0) { inEof = true; continue; } // stdin closed (EBADF): no input ever
    if (inStart > 0) {
      memory.copy(INBUF, INBUF + <usize>inStart, <usize>(inEnd - inStart));
      inEnd -= inStart; inStart = 0;
    }
    store<u32>(IOV, <u32>(INBUF + <usize>inEnd));
    store<u32>(IOV, <u32>(INBUF_BYTES - inEnd), 4);
    const err = fd_read(0, IOV, 1, OUT);
    if (err == ERRNO_INTR || err == ERRNO_AGAIN) continue;
    const r = <i32>load<u32>(OUT);
    if (err != 0 || r == 0) inEof = true;
    else inEnd += r;
  }
}

// Non-blocking: bytes copied (0 when none is waiting), or -1 at end of input.
export function console_read(ptr: usize, max: i32): i32 {
  if (max <= 0) return 0;
  if (inStart == inEnd) fillInput(0, false);
  const avail = inEnd - inStart;
  if (avail == 0) return inEof ? -1 : 0;
  const n = avail < max ? avail : max;
  memory.copy(ptr, INBUF + <usize>inStart, <usize>n);
  inStart += n;
  return n;
}

// ---- clocks, waiting, signals ----------------------------------------------------------------

function clockNs(id: u32): i64 {
  if (clock_time_get(id, 1, OUT) != 0) return 0;
  return load<i64>(OUT);
}

export function clock_monotonic_ns(): i64 {
  return clockNs(CLOCK_MONOTONIC);
}

export function clock_wall_ns(): i64 {
  return clockNs(CLOCK_REALTIME);
}

// Sleeps in poll_oneoff until stdin has input or the monotonic clock reaches the deadline; an
// interrupted poll goes back to sleep. The end of input is not a reason to wake (as for node's
// fixed input): a reader polling console_read sees it at its next look. Waiting with no deadline
// once stdin is closed can never end, so it is reported as a deadlock, as node does.
export function wait_event(deadline_ns: i64): void {
  while (inStart == inEnd) {
    if (deadline_ns >= 0 && deadline_ns <= clock_monotonic_ns()) return;
    if (deadline_ns < 0 && inEof) {
      fail(CRASH_STATUS, "xenolith: VM crash: deadlock: every process waits, no timer is armed and the input is closed");
    }
    fillInput(deadline_ns, true);
  }
}

// No external semaphores are signalled on Linux yet.
export function next_signal(): i32 {
  return -1;
}

// No input events on Linux yet: readers poll console_read (wait_event wakes on stdin).
export function console_input_signal(index: i32): i32 {
  return -1;
}

// ---- arguments --------------------------------------------------------------------------

let argsReady = false;
let argCount: i32 = 0;
let argPtrs: usize = 0; // u32 guest pointers to NUL-terminated strings
let firstImageArg: i32 = 0; // index of the first argument passed on to the image
let imagePathIndex: i32 = -1; // -1: embedded image
let snapshotPathIndex: i32 = -1;
let imageArgs: usize = 0;
let imageArgsLen: i32 = 0;

function argPtr(i: i32): usize {
  return <usize>load<u32>(argPtrs + <usize>(i * 4));
}

function argLen(i: i32): i32 {
  const p = argPtr(i);
  let n = 0;
  while (load<u8>(p + <usize>n) != 0) n++;
  return n;
}

function argIs(i: i32, s: string): bool {
  const b = String.UTF8.encode(s);
  const n = b.byteLength;
  if (argLen(i) != n) return false;
  return memory.compare(argPtr(i), changetype<usize>(b), <usize>n) == 0;
}

function argString(i: i32): string {
  return String.UTF8.decodeUnsafe(argPtr(i), <usize>argLen(i));
}

/** Appends argument i to the image's argument string, quoted as build/targets/node-host.ts
 *  encodeArgs does (Smalltalk string syntax when it is empty or has a space or a quote). */
function encodeArg(i: i32, out: usize, at: i32): i32 {
  const p = argPtr(i);
  const n = argLen(i);
  let quote = n == 0;
  for (let k = 0; k < n; k++) {
    const c = load<u8>(p + <usize>k);
    if (c == 32 || c == 9 || c == 10 || c == 13 || c == 11 || c == 12 || c == 39) quote = true;
  }
  if (quote) store<u8>(out + <usize>(at++), 39);
  for (let k = 0; k < n; k++) {
    const c = load<u8>(p + <usize>k);
    store<u8>(out + <usize>(at++), c);
    if (c == 39) store<u8>(out + <usize>(at++), 39);
  }
  if (quote) store<u8>(out + <usize>(at++), 39);
  return at;
}

function ensureArgs(): void {
  if (argsReady) return;
  argsReady = true;
  if (args_sizes_get(OUT, OUT + 4) != 0) fail(USAGE_STATUS, "xenolith: cannot read the command line");
  argCount = <i32>load<u32>(OUT);
  const bytes = <i32>load<u32>(OUT, 4);
  argPtrs = heap.alloc(<usize>(argCount * 4 + 4));
  const buf = heap.alloc(<usize>(bytes + 1));
  args_get(argPtrs, buf);
  firstImageArg = 1;
  if (!openEmbeddedImage()) {
    let i = 1;
    while (i < argCount) {
      if (argIs(i, "--snapshot") && i + 1 < argCount) { snapshotPathIndex = i + 1; i += 2; continue; }
      if (argIs(i, "--")) { i++; break; }
      break;
    }
    if (i >= argCount) {
      fail(USAGE_STATUS, "usage: " + (argCount > 0 ? argString(0) : "xenolith-vm") + " [--snapshot FILE] IMAGE [ARGS...]");
    }
    imagePathIndex = i;
    if (snapshotPathIndex < 0) snapshotPathIndex = i; // a snapshot replaces the image, as on node
    firstImageArg = i + 1;
  }
  let size = 0;
  for (let i = firstImageArg; i < argCount; i++) size += argLen(i) * 2 + 3;
  imageArgs = heap.alloc(<usize>(size + 1));
  let at = 0;
  for (let i = firstImageArg; i < argCount; i++) {
    if (at > 0) store<u8>(imageArgs + <usize>(at++), 32);
    at = encodeArg(i, imageArgs, at);
  }
  imageArgsLen = at;
}

export function args_size(): i32 {
  ensureArgs();
  return imageArgsLen;
}

export function args_read(dst: usize, max: i32): i32 {
  ensureArgs();
  const n = max < imageArgsLen ? max : imageArgsLen;
  if (n <= 0) return 0;
  memory.copy(dst, imageArgs, <usize>n);
  return n;
}

// ---- the boot image: a file named on the command line, or the tail of this executable --------

let imageFd: i32 = -1;
let imageBase: i64 = 0;
let imageLength: i64 = -1;

function openPath(p: usize, len: i32, oflags: u32, rights: u64): i32 {
  const err = path_open(DIR_CWD, LOOKUP_SYMLINK_FOLLOW, p, <u32>len, oflags, rights, 0, 0, OUT);
  if (err != 0) return -<i32>err;
  return <i32>load<u32>(OUT);
}

function seekTo(fd: i32, offset: i64, whence: u32): i64 {
  if (fd_seek(<u32>fd, offset, whence, OUT) != 0) return -1;
  return load<i64>(OUT);
}

/** Reads up to len bytes at offset (fewer only at end of file); -1 on an error. */
function readAt(fd: i32, dst: usize, offset: i64, len: i32): i32 {
  if (seekTo(fd, offset, WHENCE_SET) < 0) return -1;
  let done = 0;
  while (done < len) {
    store<u32>(IOV, <u32>(dst + <usize>done));
    store<u32>(IOV, <u32>(len - done), 4);
    const err = fd_read(<u32>fd, IOV, 1, OUT);
    if (err == ERRNO_INTR) continue;
    if (err != 0) return done > 0 ? done : -1;
    const n = <i32>load<u32>(OUT);
    if (n == 0) break;
    done += n;
  }
  return done;
}

/** Looks for an image appended to this executable; true (and the image opened) when there is one. */
function openEmbeddedImage(): bool {
  const self = String.UTF8.encode("/proc/self/exe");
  const fd = openPath(changetype<usize>(self), self.byteLength, 0, RIGHT_FD_READ | RIGHT_FD_SEEK);
  if (fd < 0) return false;
  const end = seekTo(fd, 0, WHENCE_END);
  const trailer = memory.data(32, 8);
  if (end >= <i64>TRAILER_BYTES && readAt(fd, trailer, end - <i64>TRAILER_BYTES, TRAILER_BYTES) == TRAILER_BYTES) {
    const magic = String.UTF8.encode(TRAILER_MAGIC);
    const offset = load<i64>(trailer);
    const length = load<i64>(trailer, 8);
    if (memory.compare(trailer + 16, changetype<usize>(magic), 16) == 0
      && offset >= 0 && length >= 0 && offset + length <= end - <i64>TRAILER_BYTES) {
      imageFd = fd; imageBase = offset; imageLength = length;
      return true;
    }
  }
  fd_close(<u32>fd);
  return false;
}

function errnoName(e: i32): string {
  if (e == 44) return "no such file or directory";
  if (e == 2) return "permission denied";
  if (e == 31) return "is a directory";
  if (e == 54) return "not a directory";
  return "WASI errno " + e.toString();
}

function ensureImage(): void {
  ensureArgs();
  if (imageLength >= 0) return;
  const fd = openPath(argPtr(imagePathIndex), argLen(imagePathIndex), 0, RIGHT_FD_READ | RIGHT_FD_SEEK);
  if (fd < 0) fail(USAGE_STATUS, "xenolith: cannot open image file " + argString(imagePathIndex) + ": " + errnoName(-fd));
  const stat = memory.data(24, 8);
  if (fd_fdstat_get(<u32>fd, stat) == 0 && load<u8>(stat) == FILETYPE_DIRECTORY) {
    fail(USAGE_STATUS, "xenolith: the image " + argString(imagePathIndex) + " is a directory (build an image from sources with xenolith image, or use xenolith run)");
  }
  const size = seekTo(fd, 0, WHENCE_END);
  if (size < 0) fail(USAGE_STATUS, "xenolith: cannot read image file " + argString(imagePathIndex));
  imageFd = fd; imageBase = 0; imageLength = size;
}

export function image_size(): i64 {
  ensureImage();
  return imageLength;
}

export function image_read(dst: usize, offset: i64, len: i32): i32 {
  ensureImage();
  if (offset < 0 || offset > imageLength || len < 0) return -1;
  const left = imageLength - offset;
  const n = <i64>len < left ? len : <i32>left;
  return readAt(imageFd, dst, imageBase + offset, n);
}

// ---- snapshots -----------------------------------------------------------------------------

let snapshotFd: i32 = -1;

// Write len bytes to the output image (snapshot); offset 0 truncates. Returns bytes written or -1.
export function snapshot_write(src: usize, offset: i64, len: i32): i32 {
  ensureArgs();
  if (snapshotPathIndex < 0) return -1; // an executable carrying its image has no file to replace
  if (offset == 0) {
    if (snapshotFd >= 0) fd_close(<u32>snapshotFd);
    // when the snapshot replaces the image being read, the image stays readable through its fd
    snapshotFd = openPath(argPtr(snapshotPathIndex), argLen(snapshotPathIndex), OFLAGS_CREAT | OFLAGS_TRUNC,
      RIGHT_FD_WRITE | RIGHT_FD_SEEK);
  }
  if (snapshotFd < 0) return -1;
  if (seekTo(snapshotFd, offset, WHENCE_SET) < 0) return -1;
  return writeAll(<u32>snapshotFd, src, len) ? len : -1;
}

// ---- randomness, exit, crash -------------------------------------------------------------------

export function random_fill(ptr: usize, len: i32): void {
  if (len <= 0) return;
  if (random_get(ptr, <u32>len) != 0) fail(CRASH_STATUS, "xenolith: VM crash: no random bytes (getrandom failed)");
}

function closeSnapshot(): void {
  if (snapshotFd >= 0) { fd_close(<u32>snapshotFd); snapshotFd = -1; }
}

// Normal end: stdout is written synchronously, so there is nothing to flush but the snapshot.
export function exit(status: i32): void {
  closeSnapshot();
  proc_exit(<u32>status);
}

// Abnormal end: the message on stderr, then exit status 70.
export function crash(msg: usize, len: i32): void {
  closeSnapshot();
  writeString(2, "xenolith: VM crash: ");
  writeAll(2, msg, len);
  writeString(2, "\n");
  proc_exit(CRASH_STATUS);
}
