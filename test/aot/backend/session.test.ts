// The native session (build/aot/host/native-session.ts): modules loaded into one running
// process, cross-module imports, traps and stack exhaustion recovered to the command loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNativeSession } from '../../../build/aot/host/native-session.ts';
import { watToWasm } from './support/native.ts';

const i32 = (v: number) => ({ type: 'i32' as const, bits: BigInt.asUintN(32, BigInt(v)) });
const i64 = (v: bigint) => ({ type: 'i64' as const, bits: BigInt.asUintN(64, v) });

test('invoke, traps that do not kill the process, exhaustion, globals', async () => {
  const s = createNativeSession();
  try {
    assert.deepEqual(await s.instantiate(await watToWasm(`(module
      (global (export "g") (mut i64) (i64.const 42))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
      (func (export "pair") (param i64) (result i64 f64) (local.get 0) (f64.const 1.5))
      (func (export "set") (param i64) (global.set 0 (local.get 0)))
      (func $r (export "rec") (param i32) (result i32) (i32.add (call $r (local.get 0)) (i32.const 1))))`)), { kind: 'ok' });
    assert.deepEqual(await s.invoke(undefined, 'add', [i32(2), i32(-5)]), { kind: 'return', results: [i32(-3)] });
    const t = await s.invoke(undefined, 'div', [i32(1), i32(0)]);
    assert.equal(t.kind, 'trap');
    assert.match((t as { message: string }).message, /^integer divide by zero in div at wasm offset/);
    assert.deepEqual(await s.invoke(undefined, 'div', [i32(7), i32(2)]), { kind: 'return', results: [i32(3)] });
    assert.equal((await s.invoke(undefined, 'rec', [i32(0)])).kind, 'exhaustion');
    assert.deepEqual(await s.invoke(undefined, 'pair', [i64(-1n)]), { kind: 'return', results: [i64(-1n), { type: 'f64', bits: 0x3ff8000000000000n }] });
    await s.invoke(undefined, 'set', [i64(7n)]);
    assert.deepEqual(await s.get(undefined, 'g'), i64(7n));
  } finally {
    await s.close();
  }
});

test('cross-module imports share memory, tables, globals and functions', async () => {
  const s = createNativeSession();
  try {
    assert.deepEqual(await s.instantiate(await watToWasm(`(module
      (memory (export "mem") 1 4) (table (export "tab") 4 funcref)
      (global (export "cnt") (mut i32) (i32.const 0))
      (func $seven (result i32) (i32.const 7)) (elem (i32.const 0) $seven)
      (func (export "bump") (result i32) (global.set 0 (i32.add (global.get 0) (i32.const 1))) (global.get 0))
      (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))`), '$A'), { kind: 'ok' });
    await s.register('A', '$A');
    assert.deepEqual(await s.instantiate(await watToWasm(`(module
      (import "A" "mem" (memory 1)) (import "A" "tab" (table 2 funcref)) (import "A" "cnt" (global (mut i32)))
      (import "A" "bump" (func $bump (result i32)))
      (import "spectest" "print_i32" (func $print (param i32)))
      (type $r (func (result i32)))
      (func $nine (result i32) (i32.const 9)) (elem (i32.const 1) $nine $bump)
      (func (export "go") (result i32)
        (call $print (i32.const 1))
        (i32.store (i32.const 100) (i32.const 1234))
        (drop (call $bump)) (drop (call $bump))
        (i32.add (global.get 0)
          (i32.add (call_indirect (type $r) (i32.const 0)) (call_indirect (type $r) (i32.const 1)))))
      (func (export "grow") (result i32) (memory.grow (i32.const 1))))`), '$B'), { kind: 'ok' });
    assert.deepEqual(await s.invoke('$B', 'go', []), { kind: 'return', results: [i32(2 + 7 + 9)] });
    assert.deepEqual(await s.invoke('$A', 'peek', [i32(100)]), { kind: 'return', results: [i32(1234)] });
    assert.deepEqual(await s.invoke('$B', 'grow', []), { kind: 'return', results: [i32(1)] });
    assert.deepEqual(await s.invoke('$A', 'bump', []), { kind: 'return', results: [i32(3)] });
    const u = await s.instantiate(await watToWasm(`(module (import "A" "nope" (func)))`));
    assert.equal(u.kind, 'unlinkable');
    const v = await s.instantiate(await watToWasm(`(module (import "A" "mem" (memory 1 2)))`));
    assert.equal(v.kind, 'unlinkable');
    const w = await s.instantiate(await watToWasm(`(module (memory 1) (data (i32.const 65535) "ab"))`));
    assert.equal(w.kind, 'trap');
  } finally {
    await s.close();
  }
});
