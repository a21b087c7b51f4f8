// rcx and rdx belong to the value stack (abi.ts GPR_POOL) and are claimed only where the
// lowering needs them as fixed operands (regalloc.ts claim): shift counts, division, br_table and
// call_indirect indices, float bit tricks. With them the value stack keeps five registers next to
// six pinned locals, so a SHA-256 round (eleven locals, rotations five values deep) runs without
// spill slots. Each claim site is also compiled with every pool register holding a value and
// must agree with V8.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

// the round loop of SHA-256's compression function (FIPS 180-4), the shape AssemblyScript and
// binaryen give it: both loads first, then h + Σ1(e) + Ch(e, f, g)
const S = ['$a', '$b', '$c', '$d', '$e', '$f', '$g', '$h'];
const LOCALS = [...S, '$t', '$t1', '$t2'];
const rotr3 = (x: string, n: number[]) =>
  `(i32.xor (i32.rotr (local.get ${x}) (i32.const ${n[0]})) (i32.xor (i32.rotr (local.get ${x}) (i32.const ${n[1]})) (i32.rotr (local.get ${x}) (i32.const ${n[2]}))))`;
// W (bytes 0-255) and K (256-511): arbitrary words
const DATA = Array.from({ length: 512 }, (_, k) => `\\${((k * 167 + 13) ^ (k >> 3)).toString(16).padStart(2, '0').slice(-2)}`).join('');
const ROUNDS = `(module
  (memory 1) (data (i32.const 0) "${DATA}")
  (func (export "rounds") (param $n i32) (result i32) ${LOCALS.map((v) => `(local ${v} i32)`).join(' ')}
    ${S.map((v, k) => `(local.set ${v} (i32.mul (i32.add (local.get $n) (i32.const ${k + 1})) (i32.const 0x9e3779b1)))`).join('\n    ')}
    (loop $l
      (if (i32.lt_s (local.get $t) (i32.const 64))
        (then
          (local.set $t1
            (i32.add (i32.load (i32.shl (local.get $t) (i32.const 2)))
              (i32.add (i32.load offset=256 (i32.shl (local.get $t) (i32.const 2)))
                (i32.add (i32.add (local.get $h) ${rotr3('$e', [6, 11, 25])})
                  (i32.xor (i32.and (local.get $e) (local.get $f))
                    (i32.and (i32.xor (local.get $e) (i32.const -1)) (local.get $g)))))))
          (local.set $t2
            (i32.add ${rotr3('$a', [2, 13, 22])}
              (i32.xor (i32.and (local.get $a) (local.get $b))
                (i32.xor (i32.and (local.get $a) (local.get $c)) (i32.and (local.get $b) (local.get $c))))))
          (local.set $h (local.get $g)) (local.set $g (local.get $f)) (local.set $f (local.get $e))
          (local.set $e (i32.add (local.get $d) (local.get $t1)))
          (local.set $d (local.get $c)) (local.set $c (local.get $b)) (local.set $b (local.get $a))
          (local.set $a (i32.add (local.get $t1) (local.get $t2)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $l))))
    ${S.slice(1).reduce((acc, v) => `(i32.xor ${acc} (local.get ${v}))`, '(local.get $a)')}))`;

test('a SHA-256 round keeps its value stack in registers next to six pinned locals', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const loop = innermostLoop(await disassembleFunction(ROUNDS, 'rounds'));
  const text = loop.join('\n');
  // frame: [rbp-8] vmctx, [rbp-16-8j] declared local j, then the spill slots
  const lastLocal = 16 + 8 * (LOCALS.length - 1);
  const spills = loop.filter((l) => {
    const m = /mov QWORD PTR \[rbp-0x([0-9a-f]+)\],/.exec(l);
    return m && parseInt(m[1], 16) > lastLocal;
  });
  assert.deepEqual(spills, [], `no spill-slot stores in the round loop\n${text}`);
  assert.ok(/ (ecx|edx),/.test(text), `rcx/rdx hold values of the round\n${text}`);
  assert.ok(loop.length < 70, `${loop.length} instructions per round\n${text}`);
});

test('the rounds compute what V8 computes', () => assertAgreesWithV8(ROUNDS, { rounds: [0, 1, 0x7fffffff, -5] }));

// values computed from $x stay on the value stack while `op` needs a fixed register, then the
// stack is folded into one value: 9 values leave one pool register free (a claimed one moves
// there), 11 leave none (it goes to its slot)
const DEPTHS = [9, 11];
const deep = (name: string, op: string) => DEPTHS.map((depth) => `(func (export "${name}${depth}") (param $x i32) (result i32)
    ${Array.from({ length: depth }, (_, k) => `(i32.add (i32.mul (local.get $x) (i32.const ${2 * k + 3}))`).join(' ')}
    ${op}
    ${')'.repeat(depth)})`).join('\n  ');
const CLAIMS = `(module
  (table 2 funcref) (elem (i32.const 0) $sq $inc)
  (type $un (func (param i32) (result i32)))
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  ${deep('shl', '(i32.shl (local.get $x) (local.get $x))')}
  ${deep('shr', '(i32.shr_s (i32.xor (local.get $x) (i32.const 0x5a5a)) (i32.add (local.get $x) (i32.const 3)))')}
  ${deep('rotr64', '(i32.wrap_i64 (i64.rotr (i64.extend_i32_u (i32.mul (local.get $x) (i32.const 77))) (i64.extend_i32_s (local.get $x))))')}
  ${deep('div', '(i32.add (i32.div_s (i32.mul (local.get $x) (i32.const 1000)) (i32.or (local.get $x) (i32.const 7))) (i32.rem_u (i32.const -1) (i32.or (local.get $x) (i32.const 1))))')}
  ${deep('div64', '(i32.wrap_i64 (i64.rem_s (i64.mul (i64.extend_i32_s (local.get $x)) (i64.const 0x123456789)) (i64.extend_i32_u (i32.or (local.get $x) (i32.const 3)))))')}
  ${deep('indirect', '(call_indirect (type $un) (i32.add (local.get $x) (i32.const 5)) (i32.and (local.get $x) (i32.const 1)))')}
  ${deep('table', '(block $b2 (result i32) (block $b1 (result i32) (block $b0 (result i32) (i32.mul (local.get $x) (i32.const 9)) (br_table $b0 $b1 $b2 (i32.and (local.get $x) (i32.const 3)))) (i32.const 1) (i32.add)) (i32.const 2) (i32.add))')}
  ${deep('floats', `(i32.wrap_i64 (i64.trunc_sat_f64_s (f64.add (f64.copysign (f64.abs (f64.convert_i32_s (local.get $x))) (f64.neg (f64.convert_i32_u (local.get $x))))
      (f64.convert_i64_u (i64.mul (i64.extend_i32_u (local.get $x)) (i64.const 0x300000000000))))))`)}
)`;

test('fixed uses of rcx and rdx move the stack values they hold (compared with V8)', async (t) => {
  if (hasObjdump()) {
    const moved = (await disassembleFunction(CLAIMS, 'shl9')).join('\n');
    assert.ok(/: mov rdx,rcx\n(.*\n)*.*: shl \w+,cl/.test(moved), `the value in rcx moves to rdx before the shift\n${moved}`);
    const spilled = (await disassembleFunction(CLAIMS, 'div11')).join('\n');
    assert.ok(/: mov QWORD PTR \[rbp-0x[0-9a-f]+\],rdx\n(.*\n)*.*: cdq/.test(spilled), `the value in rdx goes to its slot before the division\n${spilled}`);
  } else t.diagnostic('no objdump: only the results are compared');
  const inputs = [0, 1, 2, 3, 7, -1, -8, 0x7fffffff, -0x80000000, 123456];
  const names = ['shl', 'shr', 'rotr64', 'div', 'div64', 'indirect', 'table', 'floats'].flatMap((f) => DEPTHS.map((d) => f + d));
  await assertAgreesWithV8(CLAIMS, Object.fromEntries(names.map((f) => [f, inputs])));
});

// σ0 of SHA-256's message schedule as binaryen writes it: the word is tee'd into a local by the
// first rotation's shift (a register value on the stack, not a read of the local), and is still
// one `rol`; $w is in the frame in `sched`, pinned in `schedLoop`; in `notRotate` the local
// changes between the two halves
const sigma0 = (w: string, load: string) =>
  `(i32.xor (i32.or (i32.shl (local.tee ${w} ${load}) (i32.const 25)) (i32.shr_u (local.get ${w}) (i32.const 7))) (i32.shr_u (local.get ${w}) (i32.const 3)))`;
const SCHEDULE = `(module
  (memory 1)
  (func (export "sched") (param $p i32) (result i32) (local $w i32)
    (i32.store (i32.const 8) (i32.mul (local.get $p) (i32.const 0x9e3779b1)))
    ${sigma0('$w', '(i32.load (i32.const 8))')})
  (func (export "schedLoop") (param $p i32) (result i32) (local $w i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) ${sigma0('$w', '(i32.mul (i32.add (local.get $p) (local.get $i)) (i32.const 0x85ebca6b))')}))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 16))))
    (local.get $acc))
  (func (export "notRotate") (param $p i32) (result i32) (local $w i32)
    (local.tee $w (i32.add (local.get $p) (i32.const 0x12345)))
    (local.set $w (i32.const 5))
    (i32.shl (i32.const 25))
    (i32.shr_u (local.get $w) (i32.const 7))
    (i32.or)))`;

test('a rotation of a tee\'d value is one rol (compared with V8)', async (t) => {
  if (hasObjdump()) {
    for (const f of ['sched', 'schedLoop']) {
      const text = (await disassembleFunction(SCHEDULE, f)).join('\n');
      assert.ok(/: rol \w+,0x19\n/.test(text) && !/: shr \w+,0x7\n/.test(text), `${f}: σ0's rotation is one rol\n${text}`);
    }
  } else t.diagnostic('no objdump: only the results are compared');
  const inputs = [0, 1, 3, 0x7fffffff, -0x80000000, 0x1234567];
  await assertAgreesWithV8(SCHEDULE, { sched: inputs, schedLoop: inputs, notRotate: inputs });
});
