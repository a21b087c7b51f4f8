// The differential driver itself: identical sessions agree; a session that computes one thing
// differently (results, traps, logged values) is caught.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WasmSession } from '../../../build/aot/host/session.ts';
import { createV8Session } from '../../../build/aot/host/v8-session.ts';
import { ModuleBuilder } from '../../../build/aot/wasm/encoder.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { runDifferential } from './lib/differential.ts';

function sample(divisor: number): Uint8Array {
  const b = new ModuleBuilder();
  const log = b.importFunc('fuzzing-support', 'log-i32', b.type(['i32'], []));
  const logf = b.importFunc('fuzzing-support', 'log-f64', b.type(['f64'], []));
  b.importGlobal('__fuzz_import', 'extern$', 'externref', false);
  b.export('sum', 'func', b.func(b.type(['i32', 'i64'], ['i64', 'i32']), [], [0x20, 1, 0x20, 0, 0x41, 5, 0x6a]));
  b.export('div', 'func', b.func(b.type(['i32'], ['i32']), [], [0x41, 100, 0x20, 0, 0x6d]));
  b.export('logs', 'func', b.func(b.type(['i32'], []), [], [
    0x20, 0, 0x41, divisor, 0x6c, 0x10, log, // log-i32(x * divisor)
    0x44, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x10, logf, // log-f64(NaN)
  ]));
  b.export('nan', 'func', b.func(b.type([], ['f32']), [], [0x43, 1, 0, 0xc0, 0x7f]));
  return b.toBytes();
}

test('identical sessions agree', async () => {
  const bytes = sample(3);
  const m = loadModule(bytes);
  const r = await runDifferential(bytes, m, [createV8Session(), createV8Session()]);
  assert.deepEqual(r.mismatches, []);
  assert.equal(r.calls, 8);
  assert.equal(r.traps, 1, 'div by the zero argument traps once');
});

/** Runs `bytes` in session A and `other` in session B under the same export names. */
function substituting(other: Uint8Array): WasmSession {
  const s = createV8Session();
  return { ...s, instantiate: (b, n) => s.instantiate(n === '$m' ? other : b, n), invoke: s.invoke.bind(s), get: s.get.bind(s), register: s.register.bind(s), close: s.close.bind(s) };
}

test('different behaviour is reported', async () => {
  const bytes = sample(3);
  const m = loadModule(bytes);
  const r = await runDifferential(bytes, m, [createV8Session(), substituting(sample(4))], ['a', 'b']);
  assert.ok(r.mismatches.some((x) => /logs: logged values differ/.test(x)), r.mismatches.join('\n'));
  assert.ok(!r.mismatches.some((x) => /^nan:/.test(x)), r.mismatches.join('\n'));
});
