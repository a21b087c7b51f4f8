// Conditions that are i32.and / i32.or of a comparison (cond-split.ts): the comparison's flags
// feed a jump of their own instead of setcc; movzx; and/or (Binaryen's form of nested ifs and
// of `x == a || x == b`). Checked in the disassembly and against V8, including an `and` whose
// other operand is not 0/1, values left on the stack under the condition, and the head of a
// rotated loop (its condition is consumed by replays at the back edge: left alone); and a
// comparison feeding select (its flags drive the cmov or the float select's jump).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const WAT = `(module
  (func (export "andif") (param $x i32) (result i32)
    (if (result i32) (i32.and (i32.lt_u (local.get $x) (i32.const 100)) (i32.gt_s (local.get $x) (i32.const 5)))
      (then (i32.const 1)) (else (i32.const 2))))
  (func (export "orif") (param $x i32) (result i32)
    (if (result i32) (i32.or (i32.eq (local.get $x) (i32.const 238)) (i32.eq (local.get $x) (i32.const 239)))
      (then (i32.const 1)) (else (i32.const 2))))
  (func (export "andbr") (param $x i32) (result i32)
    (block $b
      (br_if $b (i32.and (i32.ne (local.get $x) (i32.const 7)) (i64.lt_u (i64.extend_i32_u (local.get $x)) (i64.const 50))))
      (return (i32.const 3)))
    (i32.const 4))
  (func (export "anyand") (param $x i32) (result i32)
    (if (result i32) (i32.and (i32.add (local.get $x) (i32.const 1)) (i32.ge_u (local.get $x) (i32.const 10)))
      (then (i32.const 1)) (else (i32.const 2))))
  (func (export "under") (param $x i32) (result i32)
    (i32.add (i32.mul (local.get $x) (i32.const 3))
      (i32.add (i32.xor (local.get $x) (i32.const 5))
        (if (result i32) (i32.and (i32.ne (local.get $x) (i32.const 0)) (i32.lt_s (local.get $x) (i32.const 20)))
          (then (i32.const 1000)) (else (i32.const 2000))))))
  (func (export "rot") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (if (i32.and (i32.lt_u (local.get $i) (local.get $n)) (i32.lt_u (local.get $s) (i32.const 1000)))
        (then
          (local.set $s (i32.add (local.get $s) (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l))))
    (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 65536))))
  (func (export "sel") (param $x i32) (result i32)
    (i32.add
      (select (i32.mul (local.get $x) (i32.const 3)) (i32.const 77) (i32.eq (local.get $x) (i32.ne (local.get $x) (i32.const 0))))
      (i32.wrap_i64 (select (i64.const 5) (i64.extend_i32_s (local.get $x)) (i64.lt_s (i64.extend_i32_s (local.get $x)) (i64.const -3))))))
  (func (export "self") (param $x i32) (result i32)
    (i32.trunc_f64_s (select (f64.const 1.5) (f64.convert_i32_s (local.get $x)) (i32.ge_u (local.get $x) (i32.const 9))))))`;

test('and/or of a comparison feeding if/br_if: jumps on its flags, no setcc for it', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  for (const f of ['andif', 'orif', 'andbr', 'anyand', 'under']) {
    const dis = await disassembleFunction(WAT, f);
    const text = dis.join('\n');
    // the second comparison's flags go straight to a jump: at most the first operand's setcc
    const sets = dis.filter((l) => /: set\w+ /.test(l)).length;
    assert.ok(sets <= (f === 'anyand' ? 0 : 1), `${f}: ${sets} setcc\n${text}`);
    assert.ok(!dis.some((l) => /: (and|or) e\w+,e\w+$/.test(l)), `${f}: no and/or of booleans\n${text}`);
    const cmp = dis.findIndex((l, k) => /: cmp /.test(l) && /: j\w+ 0x/.test(dis[k + 1] ?? ''));
    assert.ok(cmp >= 0, `${f}: a comparison followed by its jump\n${text}`);
  }
});

test('split conditions compute what V8 computes', () =>
  assertAgreesWithV8(WAT, {
    andif: [0, 5, 6, 99, 100, -1],
    orif: [0, 237, 238, 239, 240],
    andbr: [0, 7, 8, 49, 50, -1],
    anyand: [0, 9, 10, 11, 12, -2, -1, 0x7fffffff],
    under: [-5, 0, 1, 19, 20, 21],
    rot: [0, 1, 5, 44, 45, 46, 100], // a rotated loop's head (replayed at its back edge): not split
    sel: [-7, -4, -3, -2, 0, 1, 2, 9],
    self: [0, 8, 9, 10, -1],
  }));

test('a comparison feeding select: its flags drive the cmov, no setcc/test', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  for (const f of ['sel', 'self']) {
    const dis = await disassembleFunction(WAT, f);
    const text = dis.join('\n');
    // sel: the inner i32.ne is an operand (materialised); the outer comparisons are not
    assert.ok(dis.filter((l) => /: set\w+ /.test(l)).length <= (f === 'sel' ? 1 : 0), `${f}\n${text}`);
    assert.ok(!dis.some((l) => /: test e\w+,e\w+$/.test(l)), `${f}: no test of a 0/1 value\n${text}`);
  }
});
