// memory.copy and table.copy (x64/memmove.ts) against V8: every pair of offsets in a small
// window and every length up to well past the 16-byte block size, so that forward copies,
// disjoint ranges with dst above src (forward too), and true overlaps copied backwards in blocks
// (distance below, equal to and above 16; lengths below, at and between multiples of 16) all
// run. Each sweep folds a hash of the whole window after every copy; the hashes must agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WasmSession } from '../../../build/aot/host/session.ts';
import { createV8Session } from '../../../build/aot/host/v8-session.ts';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';
import { watToWasm } from './support/native.ts';

const WAT = `(module
  (memory 1)
  (table 96 funcref)
  (type $id (func (result i64)))
  (func $f0 (type $id) (i64.const 1)) (func $f1 (type $id) (i64.const 2)) (func $f2 (type $id) (i64.const 3))
  (elem declare func $f0 $f1 $f2)
  ;; window [0, 128): byte k = k * seed + 1
  (func $init (param $seed i32) (local $k i32)
    (loop $l
      (i32.store8 (local.get $k) (i32.add (i32.mul (local.get $k) (local.get $seed)) (i32.const 1)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 128)))))
  (func $hash (param $h i64) (result i64) (local $k i32)
    (loop $l
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $k))) (i64.const 0x100000001b3)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 8))) (i32.const 128))))
    (local.get $h))
  ;; all dst, src in [0, 40) and lengths [0, maxLen]
  (func (export "sweep") (param $seed i32) (param $maxLen i32) (result i64)
    (local $d i32) (local $s i32) (local $n i32) (local $h i64)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (loop $ld
      (local.set $s (i32.const 0))
      (loop $ls
        (local.set $n (i32.const 0))
        (loop $ln
          (call $init (local.get $seed))
          (memory.copy (local.get $d) (local.get $s) (local.get $n))
          (local.set $h (call $hash (local.get $h)))
          (br_if $ln (i32.le_u (local.tee $n (i32.add (local.get $n) (i32.const 1))) (local.get $maxLen))))
        (br_if $ls (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (i32.const 40))))
      (br_if $ld (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (i32.const 40))))
    (local.get $h))
  ;; table.copy moves 8-byte entries with the same routine: entries as a pattern of 3 functions
  ;; and nulls, read back as a base-4 code of which function (or null) each slot holds
  (func $which (param $i i32) (result i64)
    (if (ref.is_null (table.get (local.get $i))) (then (return (i64.const 0))))
    (call_indirect (type $id) (local.get $i)))
  (func (export "tables") (param $seed i32) (result i64)
    (local $d i32) (local $s i32) (local $n i32) (local $k i32) (local $h i64)
    (loop $ld
      (local.set $s (i32.const 0))
      (loop $ls
        (local.set $n (i32.const 0))
        (loop $ln
          (local.set $k (i32.const 0))
          (loop $fill
            (table.set (local.get $k)
              (select (result funcref) (ref.null func)
                (select (result funcref) (ref.func $f0)
                  (select (result funcref) (ref.func $f1) (ref.func $f2) (i32.eq (i32.rem_u (i32.add (local.get $k) (local.get $seed)) (i32.const 3)) (i32.const 1)))
                  (i32.eq (i32.rem_u (i32.add (local.get $k) (local.get $seed)) (i32.const 3)) (i32.const 0)))
                (i32.eq (i32.rem_u (i32.mul (local.get $k) (local.get $seed)) (i32.const 7)) (i32.const 0))))
            (br_if $fill (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 64))))
          (table.copy (local.get $d) (local.get $s) (local.get $n))
          (local.set $k (i32.const 0))
          (loop $read
            (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 4)) (call $which (local.get $k))))
            (br_if $read (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 64))))
          (br_if $ln (i32.le_u (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 24))))
        (br_if $ls (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 3))) (i32.const 24))))
      (br_if $ld (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 3))) (i32.const 24))))
    (local.get $h))
  ;; a copy that traps must not have written anything, whichever direction it would have taken
  (func (export "oob") (param $d i32) (param $s i32) (param $n i32) (result i64)
    (call $init (i32.const 5))
    (memory.copy (local.get $d) (local.get $s) (local.get $n))
    (call $hash (i64.const 0)))
  (func (export "peek") (result i64) (call $hash (i64.const 0))))`;

async function sessions(): Promise<WasmSession[]> {
  const native = await loadSessionFactory('native');
  if (!native.factory) throw new Error(`no native session: ${native.reason}`);
  const bytes = await watToWasm(WAT);
  const all: WasmSession[] = [createV8Session(), await native.factory()];
  for (const s of all) assert.equal((await s.instantiate(bytes, '$m')).kind, 'ok');
  return all;
}

async function same(all: WasmSession[], name: string, args: { type: 'i32'; bits: bigint }[] = []): Promise<string> {
  const [v8, ours] = await Promise.all(all.map((s) => s.invoke('$m', name, args)));
  const show = (o: typeof v8) => (o.kind === 'return' ? `return ${o.results.map((v) => v.bits).join(' ')}` : o.kind);
  assert.equal(show(ours), show(v8), `${name}(${args.map((a) => a.bits).join(', ')})`);
  return show(ours);
}

const i32 = (v: number) => ({ type: 'i32' as const, bits: BigInt(v >>> 0) });

test('memory.copy: every overlap, direction and length agrees with V8', async () => {
  const all = await sessions();
  try {
    for (const seed of [3, 7, 0x9e3779b1]) await same(all, 'sweep', [i32(seed), i32(70)]);
  } finally {
    for (const s of all) await s.close();
  }
});

test('table.copy: overlapping entry moves agree with V8', async () => {
  const all = await sessions();
  try {
    for (const seed of [1, 2, 5]) await same(all, 'tables', [i32(seed)]);
  } finally {
    for (const s of all) await s.close();
  }
});

test('memory.copy out of bounds traps before writing, in both directions', async () => {
  const all = await sessions();
  try {
    // dst above src with a true overlap, and below; the range runs past the 64 KiB memory
    for (const [d, s, n] of [[16, 8, 0x10000], [8, 16, 0x10000], [0xfff0, 0, 0x20], [0, 0xfff0, 0x20], [0, 0, 0xffffffff]])
    {
      assert.equal(await same(all, 'oob', [i32(d), i32(s), i32(n)]), 'trap');
      await same(all, 'peek', []);
    }
    assert.match(await same(all, 'oob', [i32(16), i32(8), i32(0x100)]), /^return /);
  } finally {
    for (const s of all) await s.close();
  }
});
