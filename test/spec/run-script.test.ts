// The spec runner itself: a hand-made script (no wast2json needed) run against V8 and against a
// deliberately wrong session, to prove that every assertion kind can pass and can fail.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WasmSession } from '../../build/aot/host/session.ts';
import { createV8Session } from '../../build/aot/host/v8-session.ts';
import { ModuleBuilder } from '../../build/aot/wasm/encoder.ts';
import { runScript } from './lib/run-script.ts';
import type { JsonCommand, SpecScript } from './lib/wast-json.ts';

function script(): { s: SpecScript; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-spec-'));
  const b = new ModuleBuilder();
  b.export('add', 'func', b.func(b.type(['i32', 'i32'], ['i32']), [], [0x20, 0, 0x20, 1, 0x6a]));
  b.export('div', 'func', b.func(b.type(['i32', 'i32'], ['i32']), [], [0x20, 0, 0x20, 1, 0x6d]));
  b.export('nan', 'func', b.func(b.type([], ['f32']), [], [0x43, 0, 0, 0xc0, 0x7f]));
  b.export('neg', 'func', b.func(b.type(['f64'], ['f64']), [], [0x20, 0, 0x9a]));
  b.export('rec', 'func', b.func(b.type([], []), [], [0x10, 4]));
  b.export('g', 'global', b.global('i64', false, [0x42, 0x7b]));
  writeFileSync(join(dir, 'm.wasm'), b.toBytes());
  const imp = new ModuleBuilder();
  imp.importFunc('spectest', 'nonexistent', imp.type([], []));
  writeFileSync(join(dir, 'unlinkable.wasm'), imp.toBytes());
  const bad = new ModuleBuilder();
  bad.func(bad.type([], ['i32']), [], []);
  writeFileSync(join(dir, 'invalid.wasm'), bad.toBytes());
  writeFileSync(join(dir, 'malformed.wasm'), Uint8Array.of(0, 0x61, 0x73, 0x6d, 1));
  const inv = (field: string, args: JsonCommand['expected'] = []) => ({ type: 'invoke' as const, field, args });
  const commands: JsonCommand[] = [
    { type: 'module', line: 1, filename: 'm.wasm', name: '$m' },
    { type: 'assert_return', line: 2, action: inv('add', [{ type: 'i32', value: '1' }, { type: 'i32', value: '4294967295' }]), expected: [{ type: 'i32', value: '0' }] },
    { type: 'assert_trap', line: 3, action: inv('div', [{ type: 'i32', value: '1' }, { type: 'i32', value: '0' }]), text: 'integer divide by zero' },
    { type: 'assert_return', line: 4, action: inv('nan'), expected: [{ type: 'f32', value: 'nan:canonical' }] },
    { type: 'assert_return', line: 5, action: inv('neg', [{ type: 'f64', value: '9221120237041090561' }]), expected: [{ type: 'f64', value: String(0xfff8000000000001n) }] },
    { type: 'assert_exhaustion', line: 6, action: inv('rec'), text: 'call stack exhausted' },
    { type: 'assert_return', line: 7, action: { type: 'get', field: 'g' }, expected: [{ type: 'i64', value: '18446744073709551611' }] },
    { type: 'register', line: 8, name: '$m', as: 'M' },
    { type: 'assert_unlinkable', line: 9, filename: 'unlinkable.wasm', text: 'unknown import' },
    { type: 'assert_invalid', line: 10, filename: 'invalid.wasm', module_type: 'binary', text: 'type mismatch' },
    { type: 'assert_malformed', line: 11, filename: 'malformed.wasm', module_type: 'binary', text: 'unexpected end' },
    { type: 'assert_malformed', line: 12, filename: 'x.wat', module_type: 'text', text: 'unknown operator' },
    { type: 'action', line: 13, action: inv('add', [{ type: 'i32', value: '1' }, { type: 'i32', value: '2' }]) },
  ];
  return { s: { dir, commands }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A session that lies: i32 results are off by one, traps become returns. */
function lying(inner: WasmSession): WasmSession {
  return {
    instantiate: (b, n) => inner.instantiate(b, n),
    register: (a, n) => inner.register(a, n),
    get: (n, f) => inner.get(n, f),
    close: () => inner.close(),
    async invoke(n, f, a) {
      const out = await inner.invoke(n, f, a);
      if (out.kind !== 'return') return { kind: 'return', results: [] };
      return { kind: 'return', results: out.results.map((v) => (v.type === 'i32' ? { ...v, bits: (v.bits! + 1n) & 0xffffffffn } : v)) };
    },
  };
}

test('runner: every assertion kind passes on V8', async () => {
  const { s, cleanup } = script();
  try {
    const r = await runScript(s, 'self', async () => createV8Session());
    assert.deepEqual(r.failures, []);
    assert.equal(r.passed, 12);
    assert.equal(r.skipped, 1);
  } finally {
    cleanup();
  }
});

test('runner: a wrong session fails the assertions it gets wrong', async () => {
  const { s, cleanup } = script();
  try {
    const r = await runScript(s, 'self', async () => lying(createV8Session()));
    // add (wrong value), div (no trap), rec (no exhaustion)
    assert.equal(r.failed, 3, r.failures.join('\n'));
    assert.match(r.failures.join('\n'), /self:2: assert_return/);
    assert.match(r.failures.join('\n'), /self:3: assert_trap/);
    assert.match(r.failures.join('\n'), /self:6: assert_exhaustion/);
  } finally {
    cleanup();
  }
});

test('V8 session: float globals and arguments keep NaN payloads', async () => {
  const b = new ModuleBuilder();
  b.export('f', 'global', b.global('f32', false, [0x43, 0x01, 0x00, 0xa0, 0x7f])); // signalling NaN
  b.export('d', 'global', b.global('f64', true, [0x44, 1, 0, 0, 0, 0, 0, 0xf4, 0x7f]));
  b.export('id', 'func', b.func(b.type(['f32'], ['f32']), [], [0x20, 0]));
  const s = createV8Session();
  assert.equal((await s.instantiate(b.toBytes())).kind, 'ok');
  assert.equal((await s.get(undefined, 'f')).bits, 0x7fa00001n);
  assert.equal((await s.get(undefined, 'd')).bits, 0x7ff4000000000001n);
  const out = await s.invoke(undefined, 'id', [{ type: 'f32', bits: 0xffa00002n }]);
  assert.deepEqual(out, { kind: 'return', results: [{ type: 'f32', bits: 0xffa00002n }] });
  await s.close();
});
