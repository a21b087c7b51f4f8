// WASI path_open and poll_oneoff on the `linux` target (build/runtime/linux/wasi-io.ts), the calls
// the native VM's platform uses to open its image, write snapshots and sleep: real wasm programs
// compiled to static executables. path_open also proves that intrinsics take 9 arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWat } from '../../aot/backend/support/native.ts';

const isX64Linux = process.platform === 'linux' && process.arch === 'x64';
const skip = !isX64Linux && 'needs x86-64 Linux';
const tmp = mkdtempSync(join(tmpdir(), 'xenolith-wasi-io-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const WASI = `
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func $iov (param $p i32) (param $n i32) (i32.store (i32.const 0) (local.get $p)) (i32.store (i32.const 4) (local.get $n)))
  ;; path at 1024 (length given), fd to 16; answers the errno
  (func $open (param $len i32) (param $oflags i32) (param $rights i64) (result i32)
    (call $path_open (i32.const -100) (i32.const 1) (i32.const 1024) (local.get $len) (local.get $oflags)
      (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 16)))`;

function pathData(p: string): string {
  return `(data (i32.const 1024) "${p}")`;
}

test('path_open reads an existing file by absolute path', { skip }, async () => {
  const file = join(tmp, 'in.txt');
  writeFileSync(file, 'file contents\n');
  const r = await runWat(`(module ${WASI} ${pathData(file)}
    (func (export "main") (result i32)
      (if (call $open (i32.const ${file.length}) (i32.const 0) (i64.const 6)) (then (return (i32.const 1))))
      (call $iov (i32.const 4096) (i32.const 100))
      (if (call $fd_read (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 8)) (then (return (i32.const 2))))
      (call $iov (i32.const 4096) (i32.load (i32.const 8)))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (call $fd_close (i32.load (i32.const 16))) (then (return (i32.const 3))))
      (i32.const 0)))`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'file contents\n');
});

test('path_open creates and truncates for writing; a missing file is ENOENT', { skip }, async () => {
  const file = join(tmp, 'out.txt');
  writeFileSync(file, 'old contents that are longer');
  const missing = join(tmp, 'missing');
  const r = await runWat(`(module ${WASI} ${pathData(file)} (data (i32.const 2048) "${missing}") (data (i32.const 4096) "new")
    (func (export "main") (result i32)
      (if (call $open (i32.const ${file.length}) (i32.const 9) (i64.const 0x44)) (then (return (i32.const 1))))
      (call $iov (i32.const 4096) (i32.const 3))
      (if (call $fd_write (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 8)) (then (return (i32.const 2))))
      (drop (call $fd_close (i32.load (i32.const 16))))
      ;; ENOENT (44) for a missing file; ENAMETOOLONG (37) past 4095 bytes; EFAULT (21) outside memory
      (if (i32.ne (call $path_open (i32.const -100) (i32.const 1) (i32.const 2048) (i32.const ${missing.length}) (i32.const 0)
        (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)) (i32.const 44)) (then (return (i32.const 3))))
      (if (i32.ne (call $open (i32.const 5000) (i32.const 0) (i64.const 2)) (i32.const 37)) (then (return (i32.const 4))))
      (if (i32.ne (call $open (i32.const 65000) (i32.const 0) (i64.const 2)) (i32.const 21)) (then (return (i32.const 5))))
      (i32.const 0)))`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(file, 'utf8'), 'new');
});

// subscription i at 256 + 48 i; events at 1024; nevents at 8
const POLL = `
  (func $clock (param $i i32) (param $ud i64) (param $ns i64) (param $abs i32)
    (local $s i32) (local.set $s (i32.add (i32.const 256) (i32.mul (local.get $i) (i32.const 48))))
    (i64.store (local.get $s) (local.get $ud)) (i32.store8 offset=8 (local.get $s) (i32.const 0))
    (i32.store offset=16 (local.get $s) (i32.const 1)) (i64.store offset=24 (local.get $s) (local.get $ns))
    (i32.store16 offset=40 (local.get $s) (local.get $abs)))
  (func $stdin (param $i i32) (param $ud i64)
    (local $s i32) (local.set $s (i32.add (i32.const 256) (i32.mul (local.get $i) (i32.const 48))))
    (i64.store (local.get $s) (local.get $ud)) (i32.store8 offset=8 (local.get $s) (i32.const 1))
    (i32.store offset=16 (local.get $s) (i32.const 0)))
  (func $now (result i64) (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 64))) (i64.load (i32.const 64)))`;

test('poll_oneoff sleeps for a relative and an absolute clock subscription', { skip }, async () => {
  const t0 = Date.now();
  const r = await runWat(`(module ${WASI} ${POLL}
    (func (export "main") (result i32) (local $t i64)
      (call $clock (i32.const 0) (i64.const 7) (i64.const 150000000) (i32.const 0))
      (local.set $t (call $now))
      (if (call $poll_oneoff (i32.const 256) (i32.const 1024) (i32.const 1) (i32.const 8)) (then (return (i32.const 1))))
      (if (i64.lt_u (i64.sub (call $now) (local.get $t)) (i64.const 150000000)) (then (return (i32.const 2))))
      (if (i32.ne (i32.load (i32.const 8)) (i32.const 1)) (then (return (i32.const 3))))
      (if (i64.ne (i64.load (i32.const 1024)) (i64.const 7)) (then (return (i32.const 4))))
      (if (i32.load8_u offset=10 (i32.const 1024)) (then (return (i32.const 5))))
      ;; absolute: now + 100 ms; a second, later clock does not win
      (local.set $t (call $now))
      (call $clock (i32.const 0) (i64.const 8) (i64.add (local.get $t) (i64.const 100000000)) (i32.const 1))
      (call $clock (i32.const 1) (i64.const 9) (i64.const 5000000000) (i32.const 0))
      (if (call $poll_oneoff (i32.const 256) (i32.const 1024) (i32.const 2) (i32.const 8)) (then (return (i32.const 6))))
      (if (i64.lt_u (i64.sub (call $now) (local.get $t)) (i64.const 100000000)) (then (return (i32.const 7))))
      (if (i64.ne (i64.load (i32.const 1024)) (i64.const 8)) (then (return (i32.const 8))))
      ;; a deadline in the past returns at once; no subscriptions is EINVAL (28)
      (call $clock (i32.const 0) (i64.const 10) (i64.const 1) (i32.const 1))
      (if (call $poll_oneoff (i32.const 256) (i32.const 1024) (i32.const 1) (i32.const 8)) (then (return (i32.const 9))))
      (if (i32.ne (call $poll_oneoff (i32.const 256) (i32.const 1024) (i32.const 0) (i32.const 8)) (i32.const 28)) (then (return (i32.const 10))))
      (i32.const 0)))`);
  assert.equal(r.status, 0, r.stderr);
  const ms = Date.now() - t0;
  assert.ok(ms >= 250 && ms < 4000, `took ${ms} ms`);
});

test('poll_oneoff wakes for stdin input before the clock, and reports end of input', { skip }, async () => {
  const t0 = Date.now();
  const r = await runWat(`(module ${WASI} ${POLL}
    (func (export "main") (result i32)
      (call $stdin (i32.const 0) (i64.const 3))
      (call $clock (i32.const 1) (i64.const 4) (i64.const 5000000000) (i32.const 0))
      (if (call $poll_oneoff (i32.const 256) (i32.const 1024) (i32.const 2) (i32.const 8)) (then (return (i32.const 1))))
      (if (i32.ne (i32.load (i32.const 8)) (i32.const 1)) (then (return (i32.const 2))))
      (if (i64.ne (i64.load (i32.const 1024)) (i64.const 3)) (then (return (i32.const 3))))
      (if (i32.ne (i32.load8_u offset=10 (i32.const 1024)) (i32.const 1)) (then (return (i32.const 4))))
      (call $iov (i32.const 4096) (i32.const 100))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 12)))
      (i32.load (i32.const 12))))`, [], 'xy');
  assert.equal(r.status, 2, r.stderr); // read the two bytes
  assert.ok(Date.now() - t0 < 4000);
});
