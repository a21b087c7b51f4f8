// A `lea` (pinned local + constant, or + another pinned local) followed by `local.set` of a
// pinned local, or by `local.tee` of one that a load reads, is computed straight into that
// local's register (lower.ts leaTarget): no `lea` into a scratch register and copy. Checked in
// the disassembly and against V8, also where the stack still holds a read of the old value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const WAT = `(module
  (memory 1)
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\\11\\12\\13\\14")
  (func (export "walk") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $k i32) (local $acc i32)
    (loop $l
      ;; set: i + 3 into j; tee read by a load: i + 5 into k, with the old k still on the stack
      (local.set $j (i32.add (local.get $i) (i32.const 3)))
      (local.set $acc (i32.add (local.get $acc)
        (i32.add (i32.mul (local.get $k) (i32.const 7)) (i32.load8_u (local.tee $k (i32.add (local.get $i) (i32.const 5)))))))
      ;; the old k read lazily below the tee that replaces it
      (local.set $acc (i32.sub (local.get $acc)
        (i32.add (local.get $k) (i32.load8_u offset=2 (local.tee $k (i32.add (local.get $i) (i32.const 1)))))))
      ;; set of the sum of two pinned locals
      (local.set $k (i32.add (local.get $j) (local.get $acc)))
      (local.set $acc (i32.xor (local.get $acc) (i32.load8_u (i32.and (local.get $k) (i32.const 15)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (local.get $acc) (i32.mul (local.get $j) (local.get $k)))))`;

test('lea results go straight into pinned locals', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const dis = await disassembleFunction(WAT, 'walk');
  const leas = dis.flatMap((l, n) => (/: lea (\w+),/.test(l) ? [n] : []));
  assert.ok(leas.length >= 3, dis.join('\n'));
  for (const n of leas) {
    const dst = /: lea (\w+),/.exec(dis[n])![1];
    assert.match(dst, /^r(8|9|1[0-3])d$|^ebx$/, `into a pinned register: ${dis[n]}`);
  }
});

test('lea into pinned locals computes what V8 computes', () =>
  assertAgreesWithV8(WAT, { walk: [0, 1, 2, 3, 10, 15, 100] }));
