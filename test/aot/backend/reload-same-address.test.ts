// `store(p - c, load(p - c) op …)` of a pinned p (lower.ts reloadSameAddress): the address is
// computed once by a lea; the load reads through that register, which stays on the stack for the
// store. Checked in the disassembly (one lea per read-modify-write) and against V8, also where
// the address wraps below 0 and traps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';
import { watToWasm } from './support/native.ts';
import { createV8Session } from '../../../build/aot/host/v8-session.ts';
import type { WasmSession } from '../../../build/aot/host/session.ts';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';

const WAT = `(module
  (memory 1)
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\\11\\12\\13\\14\\15\\16\\17\\18")
  (func $rmw (export "rmw") (param $sp i32) (result i32) (local $k i32)
    (loop $l
      ;; an operand stack's binary op: mem[sp - 4] = mem[sp - 4] + mem[sp]
      (i32.store (i32.sub (local.get $sp) (i32.const 4))
        (i32.add (i32.load (i32.sub (local.get $sp) (i32.const 4))) (i32.load (local.get $sp))))
      ;; a byte and a 64-bit field at sp + 8, read with offsets
      (i32.store8 offset=1 (i32.add (local.get $sp) (i32.const 8))
        (i32.xor (i32.load8_u offset=1 (i32.add (local.get $sp) (i32.const 8))) (local.get $k)))
      (i64.store (i32.add (local.get $sp) (i32.const 8))
        (i64.mul (i64.load16_s (i32.add (local.get $sp) (i32.const 8))) (i64.const 3)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 5))))
    (i32.add (i32.load (i32.sub (local.get $sp) (i32.const 4))) (i32.load offset=8 (local.get $sp)))))`;

test('a read-modify-write of a computed address computes it once', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const loop = innermostLoop(await disassembleFunction(WAT, 'rmw'));
  const text = loop.join('\n');
  assert.equal(loop.filter((l) => /: lea \w+,\[\w+-0x4\]/.test(l)).length, 1, text);
  assert.equal(loop.filter((l) => /: lea \w+,\[\w+\+0x8\]/.test(l)).length, 2, text);
});

test('the read-modify-writes compute what V8 computes', () =>
  assertAgreesWithV8(WAT, { rmw: [4, 8, 12, 100, 1001, 65520] }));

test('an address that wraps below 0 or runs past the end traps, as in V8', async () => {
  const native = await loadSessionFactory('native');
  if (!native.factory) throw new Error(`no native session: ${native.reason}`);
  const bytes = await watToWasm(WAT);
  const sessions: WasmSession[] = [createV8Session(), await native.factory()];
  try {
    for (const s of sessions) assert.equal((await s.instantiate(bytes, '$m')).kind, 'ok');
    for (const n of [0, 2, -4, 65532, 65536, 0x7ffffffc]) {
      const kinds = await Promise.all(sessions.map(async (s) => (await s.invoke('$m', 'rmw', [{ type: 'i32', bits: BigInt(n) }])).kind));
      assert.deepEqual(kinds, ['trap', 'trap'], `rmw(${n})`);
    }
  } finally {
    for (const s of sessions) await s.close();
  }
});
