// A value loaded right before a variable shift is that shift's count: lower.ts loads it straight
// into rcx (ValueStack.tryAllocGpr) instead of into another register and then copying it to rcx.
// Checked in the disassembly of the loop and against V8 (counts of 32 and more are masked).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const WAT = `(module
  (memory 1)
  (data (i32.const 0) "\\03\\00\\00\\00\\21\\00\\00\\00\\1f\\00\\00\\00\\41\\00\\00\\00")
  (func $shifts (export "shifts") (param $x i32) (result i32) (local $k i32) (local $acc i32) (local $w i64)
    (local.set $w (i64.extend_i32_u (local.get $x)))
    (loop $l
      (local.set $acc (i32.xor (local.get $acc)
        (i32.shr_u (i32.add (local.get $x) (local.get $k)) (i32.load (i32.and (i32.shl (local.get $k) (i32.const 2)) (i32.const 12))))))
      (local.set $acc (i32.add (local.get $acc)
        (i32.rotl (local.get $acc) (i32.load offset=4 (i32.and (local.get $k) (i32.const 8))))))
      (local.set $w (i64.xor (local.get $w)
        (i64.shl (local.get $w) (i64.load32_u (i32.and (i32.shl (local.get $k) (i32.const 2)) (i32.const 12))))))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 30))))
    (i32.add (local.get $acc) (i32.wrap_i64 (i64.xor (local.get $w) (i64.shr_u (local.get $w) (i64.const 32)))))))`;

test('a loaded shift count goes straight into rcx', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const text = innermostLoop(await disassembleFunction(WAT, 'shifts')).join('\n');
  assert.equal((text.match(/: (shr|rol|shl) \w+,cl$/gm) ?? []).length, 3, text);
  assert.doesNotMatch(text, /: mov [re]cx,[re]?\w+$/m, text);
  assert.equal((text.match(/: mov ecx,DWORD PTR/g) ?? []).length, 3, text);
});

test('the shifts compute what V8 computes', () =>
  assertAgreesWithV8(WAT, { shifts: [0, 1, -1, 5, 0x12345678, 0x7fffffff, -0x80000000] }));
