// Three-operand forms into pinned locals (lower.ts shlAsLea, setOrTeeTarget): `x << 1..3` of a
// pinned local is one `lea [x*2^n + c]` (a constant added or subtracted next folds into it),
// straight into the pinned local a following local.set/local.tee writes; so is `x * c`
// (three-operand imul).
// Checked in the disassembly of the loop and against V8, also where the 32/64-bit results wrap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const WAT = `(module
  (memory 1)
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\\11\\12\\13\\14")
  (func $walk (export "walk") (param $n i32) (result i32) (local $i i32) (local $t i32) (local $u i32) (local $acc i32)
    (loop $l
      ;; t = i << 2 (tee), then read as part of an address
      (local.set $acc (i32.add (local.get $acc)
        (i32.load8_u offset=1 (i32.and (i32.add (local.tee $t (i32.shl (local.get $i) (i32.const 2))) (i32.const 3)) (i32.const 15)))))
      ;; (i << 3) + 5 set into u: one lea with scale and displacement
      (local.set $u (i32.add (i32.shl (local.get $i) (i32.const 3)) (i32.const 5)))
      ;; t = u * 56 (tee)
      (local.set $acc (i32.xor (local.get $acc) (i32.add (local.tee $t (i32.mul (local.get $u) (i32.const 56))) (local.get $t))))
      ;; u from two loaded bytes
      (local.set $u (i32.add (i32.load8_u (i32.and (local.get $acc) (i32.const 15)))
        (i32.load8_u offset=2 (i32.and (local.get $t) (i32.const 15)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (local.get $acc) (i32.mul (local.get $t) (local.get $u))))
  (func $wrap (export "wrap") (param $x i32) (result i32) (local $k i32) (local $r i32) (local $y i64)
    (local.set $y (i64.extend_i32_s (local.get $x)))
    (loop $l
      (local.set $r (i32.xor (local.get $r) (i32.sub (i32.shl (local.get $x) (i32.const 3)) (i32.const 5))))
      (local.set $r (i32.add (local.get $r) (i32.shl (local.get $x) (i32.const 1))))
      (local.set $y (i64.add (i64.shl (local.get $y) (i64.const 2)) (i64.const -7)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 40))))
    (i32.xor (i32.add (local.get $r) (i32.wrap_i64 (local.get $y))) (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const 32))))))`;

const PINNED = /^(r(8|9|1[0-3])d?|e?bx|rbx)$/;

test('shifts by 1..3 and imul by a constant are one instruction into pinned locals', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const loop = innermostLoop(await disassembleFunction(WAT, 'walk'));
  const text = loop.join('\n');
  assert.doesNotMatch(text, /: shl /, text);
  const scaled4 = loop.find((l) => /: lea \w+,\[r\w+\*4\+0x0\]/.test(l));
  const scaled8 = loop.find((l) => /: lea \w+,\[r\w+\*8\+0x5\]/.test(l));
  const imul = loop.find((l) => /: imul \w+,\w+,0x38$/.test(l));
  for (const l of [scaled4, scaled8, imul]) {
    assert.ok(l, text);
    assert.match(/: \w+ (\w+),/.exec(l)![1], PINNED, `into a pinned register: ${l}`);
  }
});

test('the wrapping shifts are leas too', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const text = innermostLoop(await disassembleFunction(WAT, 'wrap')).join('\n');
  assert.doesNotMatch(text, /: shl /, text);
  assert.match(text, /: lea \w+,\[r\w+\*8-0x5\]/, text);
  assert.match(text, /: lea r\w+,\[r\w+\*4-0x7\]/, text);
});

test('the leas compute what V8 computes', () =>
  assertAgreesWithV8(WAT, {
    walk: [0, 1, 2, 3, 10, 15, 100],
    wrap: [0, 1, -1, 5, 0x1fffffff, 0x20000000, 0x7fffffff, -0x80000000, 0x12345678],
  }));
