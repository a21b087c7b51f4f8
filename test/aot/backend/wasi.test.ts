// WASI preview 1 on the `linux` target: the routines of build/runtime/linux/wasi.ts, called from
// real wasm programs compiled to static executables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWat } from './support/native.ts';

const WASI = `
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; write(fd, ptr, len): one iovec at 0
  (func $write (param $fd i32) (param $p i32) (param $n i32) (result i32)
    (i32.store (i32.const 0) (local.get $p)) (i32.store (i32.const 4) (local.get $n))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))`;

test('hello world with proc_exit status', async () => {
  const r = await runWat(`(module ${WASI}
    (data (i32.const 64) "hello, world\\n")
    (func (export "_start") (drop (call $write (i32.const 1) (i32.const 64) (i32.const 13))) (call $proc_exit (i32.const 7))))`);
  assert.equal(r.stdout, 'hello, world\n');
  assert.equal(r.status, 7);
});

test('fd_write reports bytes written and EFAULT for bad pointers; EBADF for bad fds', async () => {
  const r = await runWat(`(module ${WASI}
    (data (i32.const 64) "abc")
    (func (export "main") (result i32)
      (if (call $write (i32.const 1) (i32.const 64) (i32.const 3)) (then (return (i32.const 1))))
      (if (i32.ne (i32.load (i32.const 8)) (i32.const 3)) (then (return (i32.const 2))))
      (if (i32.ne (call $write (i32.const 1) (i32.const 65530) (i32.const 100)) (i32.const 21)) (then (return (i32.const 3))))
      (if (i32.ne (call $write (i32.const 99) (i32.const 64) (i32.const 1)) (i32.const 8)) (then (return (i32.const 4))))
      (i32.const 0)))`);
  assert.equal(r.stdout, 'abc');
  assert.equal(r.status, 0);
});

test('args and environment', async () => {
  // prints argv joined by NUL and the environment block
  const r = await runWat(`(module ${WASI}
    (func (export "_start") (local $n i32)
      (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
      (drop (call $args_get (i32.const 1024) (i32.const 2048)))
      (drop (call $write (i32.const 1) (i32.const 2048) (i32.load (i32.const 20))))
      (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
      (drop (call $environ_get (i32.const 4096) (i32.const 8192)))
      (drop (call $write (i32.const 1) (i32.const 8192) (i32.load (i32.const 20))))
      ;; the second argv pointer must point at "one"
      (call $proc_exit (i32.load8_u (i32.load (i32.const 1028))))))`, ['one', 'two']);
  const parts = r.stdout.split('\0');
  assert.equal(parts[1], 'one');
  assert.equal(parts[2], 'two');
  assert.ok(r.stdout.includes('XENOLITH_TEST=1\0'));
  assert.equal(r.status, 'o'.charCodeAt(0));
});

test('fd_read from stdin', async () => {
  const r = await runWat(`(module ${WASI}
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 50))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (drop (call $write (i32.const 1) (i32.const 100) (i32.load (i32.const 8))))))`, [], 'echo me');
  assert.equal(r.stdout, 'echo me');
  assert.equal(r.status, 0);
});

test('clock_time_get and random_get', async () => {
  const r = await runWat(`(module ${WASI}
    (func (export "main") (result i32)
      (if (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 16)) (then (return (i32.const 1))))
      (if (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 24)) (then (return (i32.const 2))))
      ;; realtime after 2020-01-01 in ns
      (if (i64.lt_u (i64.load (i32.const 24)) (i64.const 1577836800000000000)) (then (return (i32.const 3))))
      (if (i32.ne (call $clock_time_get (i32.const 9) (i64.const 1) (i32.const 24)) (i32.const 28)) (then (return (i32.const 4))))
      (if (call $random_get (i32.const 100) (i32.const 64)) (then (return (i32.const 5))))
      ;; 64 random bytes are not all zero
      (if (i64.eqz (i64.or (i64.load (i32.const 100)) (i64.load (i32.const 156)))) (then (return (i32.const 6))))
      (i32.const 0)))`);
  assert.equal(r.status, 0);
});

test('an import the target does not provide is a compile error naming it', async () => {
  await assert.rejects(runWat(`(module (import "env" "nope" (func)) (func (export "main") (result i32) (i32.const 0)))`), /import env\.nope is not provided by the linux target/);
});
