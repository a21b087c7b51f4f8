// Where locals live (pinning.ts, lower.ts) and what the prologue and bulk operations skip:
// - every loop, nested ones too, gets its own pinned locals: an inner loop whose locals are
//   crowded out of the registers by a sibling loop's still gets them; a local it only reads is
//   not stored back when it leaves (its frame home is still current);
// - the head of an interpreter loop (straight-line code ending in a br_table) weighs once per
//   target: the dispatch byte keeps its register against locals the handlers use more often;
// - declared locals written before any read by the straight-line start of a body are not
//   zeroed in the prologue (those read first, behind an `if` or a `br_if`, still are);
// - memory.copy/fill take constant and local operands straight into their registers;
// - float constants are read from a pool after the function's code (no `mov rax, imm64`).
// Each shape is checked on the disassembly, and every program runs in V8 and natively.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

// $a..$h are used four times each per iteration of loop $b, the sibling loop $c uses $i, $acc,
// $p and $n: around both, $a..$h take every pinned register
const V = ['$a', '$b', '$c', '$d', '$e', '$f', '$g', '$h'];
const NESTED = `(module
  (func (export "nested") (param $n i32) (result i32)
    ${V.map((v) => `(local ${v} i32)`).join(' ')} (local $i i32) (local $j i32) (local $k i32) (local $p i32) (local $acc i32)
    (local.set $n (i32.and (local.get $n) (i32.const 255)))
    (local.set $p (i32.add (local.get $n) (i32.const 3)))
    (local.set $k (i32.const 3))
    (loop $outer
      (local.set $j (i32.const 5))
      (loop $l1
        ${V.map((v, q) => `(local.set ${v} (i32.add (i32.xor (local.get ${v}) (local.get ${V[(q + 1) % 8]})) (i32.rotl (local.get ${v}) (i32.const ${q + 1}))))`).join('\n        ')}
        ${V.map((v, q) => `(local.set ${v} (i32.sub (local.get ${v}) (local.get ${V[(q + 3) % 8]})))`).join('\n        ')}
        (br_if $l1 (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
      (local.set $i (i32.const 0))
      (loop $l2
        (local.set $acc (i32.add (local.get $acc) (i32.xor (local.get $i) (local.get $p))))
        (br_if $l2 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
      (br_if $outer (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    ${V.reduce((acc, v) => `(i32.xor ${acc} (local.get ${v}))`, '(local.get $acc)')}))`;

test('an inner loop gets its own pinned locals and does not store back the ones it only reads', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const lines = await disassembleFunction(NESTED, 'nested');
  const text = lines.join('\n');
  const inner = innermostLoop(lines);
  assert.ok(inner.length < 12, `the innermost loop is $l2\n${inner.join('\n')}`);
  assert.ok(!inner.some((l) => l.includes('[rbp')), `loop $l2 keeps its locals in registers\n${inner.join('\n')}`);
  // $n (a parameter, home [rbp+0x10], also where the result goes) and $p (home [rbp-0x68]) are
  // written before the loops only; $l2 loads them and must not store them back when it ends
  // (zeroing in the prologue stores rax)
  const stores = (home: string) =>
    lines.filter((l) => l.startsWith(`mov QWORD PTR [rbp${home}],`, l.indexOf(' ') + 1) && !l.endsWith(',rax')).length;
  assert.equal(stores('+0x10'), 2, `$n: its local.set and the result\n${text}`);
  assert.equal(stores('-0x68'), 1, `$p: its local.set\n${text}`);
});

test('nested loop regions agree with V8', () => assertAgreesWithV8(NESTED, { nested: [0, 1, 2, 7, 100, 255, 1000] }));

// $op is read once, in the loop's head; each handler updates two or three of $a..$h, which
// the handlers use more often in all than $op is read, though fewer per executed handler
const INTERP = `(module
  (memory 1)
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\01\\02\\03\\04\\05\\06\\07\\00")
  (func (export "interp") (param $x i32) (result i32) (local $pc i32) (local $op i32)
    ${V.map((v) => `(local ${v} i32)`).join(' ')}
    ${V.map((v, q) => `(local.set ${v} (i32.add (local.get $x) (i32.const ${q * 31})))`).join(' ')}
    (block $done
      (loop $next
        (local.set $op (i32.load8_u (local.get $pc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (block $h7 (block $h6 (block $h5 (block $h4 (block $h3 (block $h2 (block $h1 (block $h0
          (br_table $h0 $h1 $h2 $h3 $h4 $h5 $h6 $h7 $done (local.get $op)))
          (br $done))
          ${[0, 1, 2, 3, 4, 5, 6].map((k) => `(local.set ${V[k % 8]} (i32.add (local.get ${V[k % 8]}) (local.get ${V[(k + 1) % 8]})))
          (local.set ${V[(k + 2) % 8]} (i32.xor (local.get ${V[(k + 2) % 8]}) (i32.const ${k + 1})))
          (br $next))`).join('\n          ')})
    ${V.reduce((acc, v) => `(i32.xor ${acc} (local.get ${v}))`, '(local.get $op)')}))`;

test('the dispatch byte of an interpreter loop keeps its register', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const lines = await disassembleFunction(INTERP, 'interp');
  const text = lines.join('\n');
  assert.ok(lines.filter((l) => l.includes('jmp rax')).length >= 7, `replicated dispatch\n${text}`);
  assert.ok(!lines.some((l) => /mov ecx,DWORD PTR \[rbp/.test(l)), `the table index is not loaded from the frame\n${text}`);
});

test('the interpreter loop agrees with V8', () => assertAgreesWithV8(INTERP, { interp: [0, 1, 5, 1000, -1] }));

const ZERO = `(module
  (memory 1)
  (func $id (param i32) (result i32) (local.get 0))
  (func (export "set_first") (param $x i32) (result i32) (local $a i32) (local $b i32)
    (i32.store (i32.const 0) (local.get $x))
    (block (local.set $a (i32.mul (local.get $x) (i32.const 3))))
    (local.set $b (call $id (local.get $a)))
    (i32.add (local.get $a) (local.get $b)))
  (func (export "read_behind_if") (param $x i32) (result i32) (local $a i32)
    (if (local.get $x) (then (local.set $a (i32.const 5))))
    (local.get $a))
  (func (export "read_behind_br_if") (param $x i32) (result i32) (local $a i32)
    (block (br_if 0 (local.get $x)) (local.set $a (i32.const 7)))
    (local.get $a))
  (func (export "read_then_set") (param $x i32) (result i32) (local $a i32)
    (local.set $a (i32.add (local.get $a) (local.get $x)))
    (local.get $a)))`;

test('locals written before any read are not zeroed in the prologue', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const lines = await disassembleFunction(ZERO, 'set_first');
  assert.ok(!lines.some((l) => /mov QWORD PTR \[rbp-0x(10|18)\],rax$/.test(l)), `no zero stores\n${lines.join('\n')}`);
  const kept = await disassembleFunction(ZERO, 'read_behind_if');
  assert.ok(kept.some((l) => /mov QWORD PTR \[rbp-0x10\],rax$/.test(l)), `a local read first is zeroed\n${kept.join('\n')}`);
});

test('locals read before they are written still read zero', () =>
  assertAgreesWithV8(ZERO, { set_first: [0, 5, -3], read_behind_if: [0, 1], read_behind_br_if: [0, 1], read_then_set: [0, 9] }));

const BULK = `(module
  (memory 1)
  (data (i32.const 0) "abcdefghijklmnop")
  (func (export "copy") (param $n i32) (result i32)
    (local.set $n (i32.and (local.get $n) (i32.const 15)))
    (memory.copy (i32.const 100) (i32.const 0) (local.get $n))
    (memory.fill (i32.const 103) (i32.const 0x2a) (i32.const 2))
    (i32.add (i32.load (i32.const 100)) (i32.load (i32.const 104)))))`;

test('bulk memory operands go straight to their registers', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const lines = await disassembleFunction(BULK, 'copy');
  assert.ok(!lines.some((l) => /mov DWORD PTR \[rbp-0x[0-9a-f]+\],0x(64|0|67|2a|2)$/.test(l)), `no constant goes through a slot\n${lines.join('\n')}`);
});

test('bulk memory operations agree with V8', () => assertAgreesWithV8(BULK, { copy: [0, 1, 4, 15, 16, 255] }));

// ten float locals used in an inner loop (nbody's shape): all ten live in registers
const F = ['$x', '$y', '$z', '$vx', '$vy', '$vz', '$m', '$d', '$e', '$s'];
const FLOATS = `(module
  (func (export "floats") (param $n i32) (result i32) (local $k i32) ${F.map((v) => `(local ${v} f64)`).join(' ')}
    ${F.map((v, q) => `(local.set ${v} (f64.add (f64.convert_i32_s (local.get $n)) (f64.const ${q + 0.5})))`).join(' ')}
    (local.set $n (i32.and (local.get $n) (i32.const 63)))
    (loop $outer
      (local.set $k (i32.const 3))
      (loop $l
        ${F.map((v, q) => `(local.set ${v} (f64.add (f64.mul (local.get ${v}) (f64.const 0.5)) (f64.sub (local.get ${F[(q + 1) % 10]}) (local.get ${F[(q + 4) % 10]}))))`).join('\n        ')}
        (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
      (br_if $outer (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.trunc_sat_f64_s ${F.reduce((acc, v) => `(f64.add ${acc} (local.get ${v}))`, '(f64.const 0)')})))`;

test('ten float locals of a loop live in registers', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const loop = innermostLoop(await disassembleFunction(FLOATS, 'floats'));
  assert.ok(!loop.some((l) => /xmm\d+,QWORD PTR \[rbp|QWORD PTR \[rbp[^\]]*\],xmm/.test(l)), `no float local in the frame\n${loop.join('\n')}`);
});

test('the float loop agrees with V8', () => assertAgreesWithV8(FLOATS, { floats: [0, 1, 2, 17, 63, 1000] }));

const FCONST = `(module
  (func (export "fconst") (param $n i32) (result i32) (local $x f64) (local $y f32)
    (local.set $x (f64.convert_i32_s (local.get $n)))
    (local.set $y (f32.convert_i32_s (local.get $n)))
    (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.1)) (f64.const -2.5)))
    (local.set $y (f32.sub (f32.const 1.25) (f32.mul (local.get $y) (f32.const -0.75))))
    (i32.xor (i32.wrap_i64 (i64.rotl (i64.reinterpret_f64 (f64.mul (local.get $x) (f64.const 1e3))) (i64.const 32)))
      (i32.reinterpret_f32 (f32.mul (local.get $y) (f32.const 1e3))))))`;

test('float constants are read from a pool after the code', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const all = await disassembleFunction(FCONST, 'fconst');
  const lines = all.slice(0, all.findIndex((l) => l.endsWith(': ret')) + 1); // not the pool's bytes
  assert.ok(!lines.some((l) => /movabs|movq xmm/.test(l)), `no constant through rax\n${lines.join('\n')}`);
  assert.ok(lines.filter((l) => /\[rip\+0x[0-9a-f]+\]/.test(l)).length >= 5, `RIP-relative constants\n${lines.join('\n')}`);
});

test('float constants agree with V8', () => assertAgreesWithV8(FCONST, { fconst: [0, 1, -7, 1000, 2147483647, -2147483648] }));
