// Loads tested by br_if/if are one `cmp [mem], 0` (lower.ts memoryOp: no load into a register and
// `test`), for every i32 load width and signedness; i64.extend_i32 of a pinned local reads its
// register directly (no copy first). Checked in the disassembly, and against V8 with bytes whose
// sign bit is set, out-of-bounds addresses (the trap must come from the `cmp`) and negative locals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { watToWasm } from './support/native.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

// memory: bytes 0..15 = 0x80 0x00 0x00 0x01 0xff 0x00 ... (data below); count the nonzero
// values of each width from address n on, the br_if and if forms
const WAT = `(module
  (memory 1)
  (data (i32.const 0) "\\80\\00\\00\\01\\ff\\00\\00\\80\\00\\00\\00\\00\\00\\01\\00\\00")
  (func (export "count") (param $n i32) (result i32) (local $i i32) (local $c i32)
    (local.set $i (local.get $n))
    (loop $l
      (if (i32.load8_u (local.get $i)) (then (local.set $c (i32.add (local.get $c) (i32.const 1)))))
      (if (i32.load8_s offset=1 (local.get $i)) (then (local.set $c (i32.add (local.get $c) (i32.const 10)))))
      (if (i32.load16_u (local.get $i)) (then (local.set $c (i32.add (local.get $c) (i32.const 100)))))
      (if (i32.load16_s offset=2 (local.get $i)) (then (local.set $c (i32.add (local.get $c) (i32.const 1000)))))
      (block $skip
        (br_if $skip (i32.load (local.get $i)))
        (local.set $c (i32.add (local.get $c) (i32.const 10000))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.add (local.get $n) (i32.const 12)))))
    (local.get $c))
  (func (export "widen") (param $n i32) (result i32) (local $i i32) (local $s i64) (local $u i64)
    (local.set $i (local.get $n))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_s (local.get $i))))
      (local.set $u (i64.add (local.get $u) (i64.extend_i32_u (local.get $i))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 0x3fffffff))) (local.get $n))))
    (i32.wrap_i64 (i64.xor (local.get $s) (i64.shr_u (local.get $u) (i64.const 7))))))`;

test('loads tested by br_if/if compare in memory', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const dis = (await disassembleFunction(WAT, 'count')).join('\n');
  for (const w of ['BYTE', 'WORD', 'DWORD']) assert.match(dis, new RegExp(`cmp ${w} PTR \\[r14\\+[^\\]]+\\],0x0`), w);
  assert.doesNotMatch(dis, /movzx|movsx/, 'no load into a register');
});

test('i64.extend_i32 of a pinned local reads its register', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const dis = await disassembleFunction(WAT, 'widen');
  const at = dis.findIndex((l) => /movsxd \w+,(r\d+d|e\w\w)$/.test(l));
  assert.ok(at > 0, dis.join('\n'));
  const [, dst, src] = /movsxd (\w+),(\w+)/.exec(dis[at])!;
  assert.notEqual(dst.replace(/^r/, ''), src.replace(/d$|^e/, ''), 'extends into another register');
  assert.doesNotMatch(dis[at - 1], new RegExp(`mov ${dst},`), `no copy before: ${dis[at - 1]}`);
});

test('fused load tests and extensions compute what V8 computes', () =>
  assertAgreesWithV8(WAT, { count: [0, 1, 2, 3, 4, 6, 65520], widen: [0, 1, -1, 5, 0x40000000, -0x7fffffff] }));

test('a fused load test out of bounds traps at its own wasm offset', async () => {
  const native = await loadSessionFactory('native');
  if (!native.factory) throw new Error(`no native session: ${native.reason}`);
  const s = await native.factory();
  try {
    assert.equal((await s.instantiate(await watToWasm(WAT), '$m')).kind, 'ok');
    for (const n of [65530, 65535, -1]) {
      const o = await s.invoke('$m', 'count', [{ type: 'i32', bits: BigInt(n) }]);
      assert.equal(o.kind, 'trap', `count(${n})`);
      assert.match(o.kind === 'trap' ? o.message : '', /^out of bounds memory access in count at wasm offset 0x[0-9a-f]+$/);
    }
  } finally {
    await s.close();
  }
});
