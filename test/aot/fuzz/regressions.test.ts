// Modules the differential fuzzer once failed on, reduced (test/aot/fuzz/regressions/*.wasm):
// each must now behave the same in V8 and natively. Plus hand-minimised forms of the same bugs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createV8Session } from '../../../build/aot/host/v8-session.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';
import { watToWasm } from '../backend/support/native.ts';
import { runDifferential } from './lib/differential.ts';

const DIR = fileURLToPath(new URL('regressions', import.meta.url));

async function differential(bytes: Uint8Array): Promise<string[]> {
  const native = await loadSessionFactory('native');
  if (!native.factory) return [`skip: ${native.reason}`];
  const sessions = [createV8Session(), await native.factory()] as const;
  try {
    return (await runDifferential(bytes, loadModule(bytes), [sessions[0], sessions[1]], ['v8', 'native'])).mismatches;
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.wasm')).sort()) {
  test(`fuzz regression ${file}`, async (t) => {
    const mismatches = await differential(new Uint8Array(readFileSync(join(DIR, file))));
    if (mismatches[0]?.startsWith('skip: ')) return t.skip(mismatches[0].slice(6));
    assert.deepEqual(mismatches, []);
  });
}

// f32/f64 min and max with a NaN operand: the spec lets the result be any arithmetic NaN, V8 gives
// x86's default NaN (sign set, payload only the quiet bit), we used to propagate the operand's
// payload. Harmless in a register, but a NaN stored to memory and read back as an integer made
// the fuzzer see different lengths for a memory.copy (trap natively, none in V8).
test('min/max of a NaN give the default NaN, also through memory', async (t) => {
  const wat = `(module (memory 1)
    (func (export "max64") (param f64 i32) (result i32)
      (f64.store offset=22 (local.get 1) (f64.max (f64.const -nan:0xfffffffffffe9) (local.get 0)))
      (i32.load offset=22 (local.get 1)))
    (func (export "min64") (param f64 i32) (result i64)
      (i64.reinterpret_f64 (f64.min (local.get 0) (f64.const nan:0x8000000000001))))
    (func (export "max32") (param f64 i32) (result i32)
      (i32.reinterpret_f32 (f32.max (f32.const -nan:0x7fffe9) (f32.demote_f64 (local.get 0)))))
    (func (export "min32") (param f64 i32) (result i32)
      (i32.reinterpret_f32 (f32.min (f32.demote_f64 (local.get 0)) (f32.const nan:0x1)))))`;
  const mismatches = await differential(await watToWasm(wat));
  if (mismatches[0]?.startsWith('skip: ')) return t.skip(mismatches[0].slice(6));
  assert.deepEqual(mismatches, []);
});
