// Unrolling of small rotated loops (build/aot/unroll.ts): the then-arm is lowered k times, every
// copy but the last leaves through an inverted test of the head, the last one jumps back. Checked
// in the disassembly (k copies, one backward jump), against V8 for trip counts around k, with a
// branch out of the middle of the body, and for a trap in the third copy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { planUnroll, unrollFactor } from '../../../build/aot/unroll.ts';
import { TRAP_EXIT_CODE } from '../../../build/runtime/linux/start.ts';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { runWat, watToWasm } from './support/native.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const COUNT = `(module (memory 1)
  (func (export "count") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (if (i32.lt_s (local.get $i) (local.get $n))
        (then
          (i32.store (i32.and (i32.shl (local.get $i) (i32.const 2)) (i32.const 0xffc)) (i32.const 0x5a5a))
          (local.set $s (i32.add (local.get $s) (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l))))
    (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 1000))))
  (func (export "mid") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $out
      (loop $l
        (if (i32.lt_u (local.get $i) (i32.const 50))
          (then
            (local.set $s (i32.add (local.get $s) (local.get $i)))
            (br_if $out (i32.eq (local.get $i) (local.get $n)))
            (if (i32.eq (local.get $i) (i32.add (local.get $n) (i32.const 7))) (then (br $out)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))))
    (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 1000)))))`;

const K = 4;

test('a small rotated loop gets a plan of k copies; nested loops, calls and big bodies none', async () => {
  const m = loadModule(await watToWasm(COUNT));
  const code = m.bodies[0].code;
  const ifAt = code.indexOf(0x04); // the head is local.get, local.get, i32.lt_s (5 bytes)
  const plan = planUnroll(code, ifAt + 2, 5);
  assert.ok(plan, 'planned');
  assert.equal(plan.left, K - 1);
  assert.equal(code[plan.brPos], 0x0c);
  assert.equal(code[plan.brPos + 2], 0x0b);
  assert.equal(unrollFactor(200), 1);
  const nested = loadModule(await watToWasm(`(module (func $g) (func (param $n i32) (local $i i32)
    (loop $l (if (i32.lt_s (local.get $i) (local.get $n)) (then
      (loop $m (br_if $m (i32.const 0)))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))))
    (func (param $n i32) (local $i i32)
    (loop $l (if (i32.lt_s (local.get $i) (local.get $n)) (then
      (call $g) (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l))))))`));
  for (const b of nested.bodies.slice(1)) {
    const at = b.code.indexOf(0x04);
    assert.equal(planUnroll(b.code, at + 2, 5), undefined);
  }
});

test('the emitted loop has k copies of the body and one backward jump', async (t) => {
  if (!hasObjdump()) return t.skip('objdump not installed');
  const dis = await disassembleFunction(COUNT, 'count');
  const stores = dis.filter((l) => /mov DWORD PTR \[.*\],0x5a5a$/.test(l));
  assert.equal(stores.length, K, dis.join('\n'));
  const back = dis.filter((l) => {
    const m = /^([0-9a-f]+): j\w+ 0x([0-9a-f]+)$/.exec(l);
    return m && parseInt(m[2], 16) < parseInt(m[1], 16);
  });
  assert.equal(back.length, 1, dis.join('\n'));
  // k - 1 forward exits from the copies plus the test on entry and the final back edge
  const cmps = dis.filter((l) => /: cmp e\w+,/.test(l)); // not the prologue's stack check
  assert.equal(cmps.length, K + 1, dis.join('\n'));
});

test('results agree with V8 for trip counts 0, 1, 2, 3, k, k+1, k+2 and large ones', () =>
  assertAgreesWithV8(COUNT, {
    count: [-5, 0, 1, 2, 3, K, K + 1, K + 2, 2 * K - 1, 2 * K, 1000, 4099],
    mid: [-1, 0, 1, 2, 3, K, K + 1, 2 * K + 1, 42, 49, 50, 100],
  }));

test('a trap in the third copy reports the offset of the trapping load', async () => {
  // p = 0, 32768, 65536: the third iteration (the third copy) reads past the one page
  const wat = `(module (memory 1)
    (func $f (param $n i32) (result i32) (local $p i32) (local $s i32)
      (loop $l (if (i32.lt_s (local.get $p) (local.get $n)) (then
        (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 32768)))
        (br $l))))
      (local.get $s))
    (func (export "main") (result i32) (call $f (i32.const 0x7fffffff))))`;
  const m = loadModule(await watToWasm(wat));
  const code = m.bodies[0].code;
  const load = code.findIndex((b, k) => b === 0x28 && code[k + 1] === 0x02 && code[k + 2] === 0x00);
  assert.ok(load > 0);
  const at = code.indexOf(0x04);
  assert.ok((planUnroll(code, at + 2, at - 2)?.left ?? 0) >= 2, 'the loop is unrolled to three copies or more');
  const r = await runWat(wat);
  assert.equal(r.stderr, `trap: out of bounds memory access in f at wasm offset 0x${(m.bodies[0].codeOffset + load).toString(16)}\n`);
  assert.equal(r.status, TRAP_EXIT_CODE);
});

const MIX = `(module (memory 1)
    (func (export "mix") (param $n i32) (result i32) (local $i i32) (local $x i32) (local $f f64)
      (local.set $x (i32.const 7))
      (loop $l
        (if (i32.lt_u (local.get $i) (local.get $n))
          (then
            (local.set $x (if (result i32) (i32.and (local.get $i) (i32.const 1))
              (then (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 3))))
              (else (select (local.get $x) (local.get $i) (i32.gt_u (local.get $x) (local.get $i))))))
            (local.set $f (f64.add (local.get $f) (f64.convert_i32_u (local.get $x))))
            (i32.store8 (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $x))
            (br $l))))
      (i32.add (i32.trunc_sat_f64_u (f64.div (local.get $f) (f64.const 3)))
        (i32.add (i32.load (i32.const 0)) (local.get $x)))))`;

test('unrolled bodies with if/else results, select, floats and a tee agree with V8', async () => {
  const code = loadModule(await watToWasm(MIX)).bodies[0].code;
  const at = code.indexOf(0x04, 6); // the loop's `if` (after the set of $x)
  assert.equal(planUnroll(code, at + 2, 5)?.left, 2, 'three copies');
  await assertAgreesWithV8(MIX, { mix: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 5000] });
});

// sieve's marking loop (bench/wasm/workloads/assembly/sieve.ts): a tiny body gets eight copies
const MARK = `(module (memory 1)
  (func (export "mark") (param $i i32) (result i32) (local $j i32) (local $n i32)
    (local.set $i (i32.add (i32.and (local.get $i) (i32.const 63)) (i32.const 1)))
    (local.set $j (local.get $i))
    (loop $l
      (if (i32.lt_s (local.get $j) (i32.const 4000))
        (then
          (i32.store8 (i32.add (local.get $j) (i32.const 16)) (i32.const 1))
          (local.set $j (i32.add (local.get $j) (local.get $i)))
          (br $l))))
    (loop $c
      (local.set $n (i32.add (local.get $n) (i32.load8_u (local.get $j))))
      (br_if $c (i32.ge_s (local.tee $j (i32.sub (local.get $j) (i32.const 1))) (i32.const 0))))
    (local.get $n)))`;

test('a tiny rotated loop gets eight copies and agrees with V8 around multiples of eight', async (t) => {
  const code = loadModule(await watToWasm(MARK)).bodies[0].code;
  const at = code.indexOf(0x04, 12); // the marking loop's `if`
  assert.equal(planUnroll(code, at + 2, 8)?.left, 7, 'eight copies');
  await assertAgreesWithV8(MARK, { mark: [0, 1, 2, 6, 7, 8, 9, 62, 63, 500, -1] });
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const dis = await disassembleFunction(MARK, 'mark');
  assert.equal(dis.filter((l) => / BYTE PTR \[r14\+\w+\*1(\+0x10)?\],0x1$/.test(l)).length, 8, dis.join('\n'));
});
