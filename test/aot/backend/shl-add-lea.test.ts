// `b + (x << 1..3)` with x computed into a register (lower.ts shlAddAsLea) is one
// `lea [b + x*2^n (+ c)]`: no shl and add. b is a pinned local or a register; the sum goes
// straight into a pinned local that a following local.set writes (an interpreter's jump target).
// Checked in the disassembly of the loop and against V8, also where the 32/64-bit sums wrap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const WAT = `(module
  (memory 1)
  (data (i32.const 0) "\\01\\00\\00\\00\\03\\00\\00\\00\\02\\00\\00\\00\\00\\00\\00\\00\\07\\00\\00\\00\\ff\\ff\\ff\\3f")
  (func $walk (export "walk") (param $n i32) (result i32) (local $base i32) (local $pc i32) (local $acc i32) (local $k i32)
    (local.set $base (i32.const 4))
    (loop $l
      ;; acc += mem[base + (mem[pc & 15] << 2)]   (pinned base)
      (local.set $acc (i32.add (local.get $acc)
        (i32.load (i32.and (i32.add (local.get $base) (i32.shl (i32.load (i32.and (local.get $pc) (i32.const 12))) (i32.const 2))) (i32.const 60)))))
      ;; acc ^= mem[pc] + (mem[pc + 4] << 3) - 5   (register base, constant folded)
      (local.set $acc (i32.xor (local.get $acc)
        (i32.sub (i32.add (i32.load (i32.and (local.get $pc) (i32.const 12)))
          (i32.shl (i32.load offset=4 (i32.and (local.get $pc) (i32.const 12))) (i32.const 3))) (i32.const 5))))
      ;; pc = base + (mem[pc & 12] << 1)   (straight into the pinned pc)
      (local.set $pc (i32.add (local.get $base) (i32.shl (i32.load (i32.and (local.get $pc) (i32.const 12))) (i32.const 1))))
      (local.set $pc (i32.add (local.get $pc) (local.get $n)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 50))))
    (i32.add (local.get $acc) (local.get $pc)))
  (func $wide (export "wide") (param $x i32) (result i32) (local $b i64) (local $r i64) (local $k i32)
    (local.set $b (i64.extend_i32_s (local.get $x)))
    (loop $l
      (local.set $r (i64.xor (local.get $r)
        (i64.add (local.get $b) (i64.shl (i64.load (i32.and (local.get $k) (i32.const 16))) (i64.const 3)))))
      (local.set $b (i64.rotl (local.get $b) (i64.const 7)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 40))))
    (i32.xor (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))))`;

test('base + (x << n) is one lea, no shl', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const text = innermostLoop(await disassembleFunction(WAT, 'walk')).join('\n');
  assert.doesNotMatch(text, /: shl /, text);
  assert.match(text, /: lea \w+,\[r\w+\+r\w+\*4(\+0x0)?\]/, text);
  assert.match(text, /: lea \w+,\[r\w+\+r\w+\*8-0x5\]/, text);
  assert.match(text, /: lea \w+,\[r\w+\+r\w+\*2(\+0x0)?\]/, text);
});

test('the i64 form is one lea too', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const text = innermostLoop(await disassembleFunction(WAT, 'wide')).join('\n');
  assert.doesNotMatch(text, /: shl /, text);
  assert.match(text, /: lea r\w+,\[r\w+\+r\w+\*8(\+0x0)?\]/, text);
});

test('the leas compute what V8 computes', () =>
  assertAgreesWithV8(WAT, {
    walk: [0, 1, 2, 4, 8, 12, -4, 0x7ffffffc, -0x80000000],
    wide: [0, 1, -1, 5, 0x1fffffff, 0x7fffffff, -0x80000000, 0x12345678],
  }));
