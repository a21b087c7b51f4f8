// A full-width load that is the right operand of the next instruction is that instruction's
// memory operand (lower.ts foldLoad): `add ebx, DWORD PTR [r14+rsi*1+0x3e7]`, `subsd xmm0,
// QWORD PTR [...]`, with no register for the loaded value. Checked in the disassembly, against V8,
// and for precise traps: a folded access out of bounds reports the load's own wasm offset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { runWat, watToWasm } from './support/native.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';
import { createV8Session } from '../../../build/aot/host/v8-session.ts';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';
import { TRAP_EXIT_CODE } from '../../../build/runtime/linux/start.ts';

// Each load has an offset of its own (999, 1001, ...) so its bytes are unique in the module, in
// increasing order of the last address where it stays in bounds (4 or 8 bytes).
// $acc and $x are pinned (used in the loop); the loads read from address $p.
const F = `(func $f (param $n i32) (param $p i32) (result i32)
    (local $i i32) (local $acc i32) (local $x i32) (local $y i64) (local $d f64) (local $e f64)
    (loop $l
      ;; acc = acc + load: in place in acc's register
      (local.set $acc (i32.add (local.get $acc) (i32.load offset=999 (local.get $p))))
      ;; 7 - load into pinned x: the constant goes into x's register, the load is subtracted
      (local.set $x (i32.sub (i32.const 7) (i32.load offset=1001 (local.get $p))))
      ;; x * load: x copied to a register (x stays), imul with the memory operand
      (local.set $acc (i32.xor (local.get $acc) (i32.mul (local.get $x) (i32.load offset=1003 (local.get $p)))))
      ;; floats: d = d + load, e = d / load
      (local.set $d (f64.add (local.get $d) (f64.load offset=1005 (local.get $p))))
      (local.set $e (f64.div (local.get $d) (f64.load offset=1007 (local.get $p))))
      ;; i64 and/or
      (local.set $y (i64.or (i64.extend_i32_u (local.get $x)) (i64.load offset=1009 (local.get $p))))
      (local.set $acc (i32.add (local.get $acc) (i32.wrap_i64 (i64.and (local.get $y) (i64.load offset=1011 (local.get $p))))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (i32.add (local.get $acc) (local.get $x))
      (i32.wrap_i64 (i64.xor (i64.reinterpret_f64 (local.get $d)) (i64.reinterpret_f64 (local.get $e))))))`;

const DATA = `(data (i32.const 1000) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\\11\\12\\13\\14\\15\\16\\17\\18\\19\\1a\\1b\\1c")`;
const MODULE = `(module (memory 1) ${DATA} ${F}
  (func (export "run") (param $p i32) (result i32) (call $f (i32.const 3) (local.get $p))))`;

test('loads are folded into the ALU operations that use them', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const loop = innermostLoop(await disassembleFunction(MODULE, 'f'));
  const text = loop.join('\n');
  for (const [op, disp] of [['add', '0x3e7'], ['sub', '0x3e9'], ['imul', '0x3eb'], ['or', '0x3f1'], ['and', '0x3f3'], ['addsd', '0x3ed'], ['divsd', '0x3ef']]) {
    const re = new RegExp(`: ${op} \\w+,(DWORD|QWORD) PTR \\[r14\\+\\w+\\*1\\+${disp}\\]`);
    assert.match(text, re, `${op} with the load at +${disp} as its operand:\n${text}`);
  }
  // no load of its own for any of them
  assert.doesNotMatch(text, /: (mov|movsd) \w+,(DWORD|QWORD) PTR \[r14/, text);
});

test('folded loads compute what V8 computes', () => assertAgreesWithV8(MODULE, { run: [0, 996, 1000, 1010, 64517] }));

test('folded loads trap where V8 traps', async () => {
  // 64517 is the last address where every load is in bounds; above it one of them traps (the
  // messages differ between engines: V8 names no offset, ours is checked below)
  const native = await loadSessionFactory('native');
  if (!native.factory) throw new Error(`no native session: ${native.reason}`);
  const bytes = await watToWasm(MODULE);
  const sessions = [createV8Session(), await native.factory()];
  try {
    for (const s of sessions) assert.equal((await s.instantiate(bytes, '$m')).kind, 'ok');
    for (const p of [64517, 64518, 64520, 64522, 64524, 64530, 64532, 64534, 65536, -1]) {
      const [v8, ours] = await Promise.all(sessions.map((s) => s.invoke('$m', 'run', [{ type: 'i32', bits: BigInt(p) }])));
      assert.equal(ours.kind, v8.kind, `run(${p})`);
      if (v8.kind === 'trap') assert.match((ours as { message: string }).message, /^out of bounds memory access/, `run(${p})`);
      else assert.deepEqual(ours, v8, `run(${p})`);
    }
  } finally {
    for (const s of sessions) await s.close();
  }
});

/** The wasm byte offset of the load whose memarg offset (a 2-byte LEB) is `off`. */
async function loadOffset(wat: string, opcode: number, off: number): Promise<number> {
  const bytes = Buffer.from(await watToWasm(wat));
  const align = { 0x28: 2, 0x29: 3, 0x2b: 3 }[opcode]!;
  const pattern = new Uint8Array([opcode, align, (off & 0x7f) | 0x80, off >> 7]);
  const at = bytes.indexOf(pattern);
  assert.ok(at > 0 && bytes.indexOf(pattern, at + 1) < 0, 'a unique load');
  return at;
}

for (const [p, opcode, off, what] of [
  [64534, 0x28, 999, 'in place into a pinned local'],
  [64532, 0x28, 1001, 'into a pinned local'],
  [64530, 0x28, 1003, 'imul'],
  [64522, 0x2b, 1007, 'divsd'],
  [64520, 0x29, 1009, 'i64 or'],
] as const) {
  test(`an out-of-bounds folded load traps at its own offset (${what})`, async () => {
    const wat = MODULE.replace('(export "run")', '(export "unused")').replace(/\)$/, ` (func (export "main") (result i32) (call $f (i32.const 3) (i32.const ${p}))))`);
    assert.equal(wat.match(/export "main"/g)?.length, 1);
    const r = await runWat(wat);
    const at = await loadOffset(wat, opcode, off);
    assert.equal(r.stderr, `trap: out of bounds memory access in f at wasm offset 0x${at.toString(16)}\n`);
    assert.equal(r.status, TRAP_EXIT_CODE);
  });
}
