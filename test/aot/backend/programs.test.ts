// Small programs compiled to static Linux executables and run: control flow, multi-value,
// memory, globals, tables and call_indirect, register pressure. `main` returns the exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWat } from './support/native.ts';

async function status(wat: string): Promise<number | null> {
  const r = await runWat(wat);
  assert.equal(r.stderr, '', r.stderr);
  return r.status;
}

test('recursion and if/else with results', async () => {
  assert.equal(await status(`(module
    (func $fib (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func (export "main") (result i32) (call $fib (i32.const 20)) (i32.const 256) (i32.rem_u)))`), 6765 % 256);
});

test('loops, br_if, br_table, block results', async () => {
  assert.equal(await status(`(module
    (func $classify (param i32) (result i32)
      (block $d (block $c (block $b (block $a
        (br_table $a $b $c $d (local.get 0)))
        (return (i32.const 10)))
        (return (i32.const 20)))
        (return (i32.const 30)))
      (i32.const 40))
    (func (export "main") (result i32) (local $i i32) (local $sum i32)
      (loop $l
        (local.set $sum (i32.add (local.get $sum) (call $classify (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_s (local.get $i) (i32.const 6))))
      ;; 10+20+30+40+40+40 = 180
      (block (result i32) (i32.const 7) (br 0)) (drop)
      (local.get $sum)))`), 180);
});

test('multi-value functions and blocks', async () => {
  assert.equal(await status(`(module
    (func $divmod (param i32 i32) (result i32 i32)
      (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
    (func $swap (param i64 f64) (result f64 i64) (local.get 1) (local.get 0))
    (func (export "main") (result i32) (local $q i32)
      (call $divmod (i32.const 47) (i32.const 5)) ;; 9, 2
      (i32.mul (i32.const 10)) ;; 9, 20
      (local.set $q) (i32.add (local.get $q))  ;; 29
      (block (param i32) (result i32 i32) (i32.const 3)) (i32.add) ;; 32
      (call $swap (i64.const 5) (f64.const 2.5)) (i32.wrap_i64) (drop) (i32.trunc_f64_s) (i32.add)))`), 34);
});

test('memory: loads, stores, offsets, sign extension, grow, fill, copy', async () => {
  assert.equal(await status(`(module (memory 1 3)
    (data (i32.const 16) "\\01\\02\\03\\04\\ff\\fe")
    (func (export "main") (result i32) (local $p i32)
      (if (i32.ne (i32.load offset=16 (i32.const 0)) (i32.const 0x04030201)) (then (return (i32.const 1))))
      (if (i32.ne (i32.load8_s (i32.const 20)) (i32.const -1)) (then (return (i32.const 2))))
      (if (i32.ne (i32.load16_u offset=4 (i32.const 16)) (i32.const 0xfeff)) (then (return (i32.const 3))))
      (if (i64.ne (i64.load16_s (i32.const 20)) (i64.const -257)) (then (return (i32.const 4))))
      (local.set $p (i32.const 65528))
      (i64.store (local.get $p) (i64.const 0x1122334455667788))
      (if (i64.ne (i64.load32_u offset=4 (local.get $p)) (i64.const 0x11223344)) (then (return (i32.const 5))))
      (f64.store offset=8 (i32.const 100) (f64.const 1.25))
      (if (f64.ne (f64.load (i32.const 108)) (f64.const 1.25)) (then (return (i32.const 6))))
      (if (i32.ne (memory.size) (i32.const 1)) (then (return (i32.const 7))))
      (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then (return (i32.const 8))))
      (if (i32.ne (memory.grow (i32.const 5)) (i32.const -1)) (then (return (i32.const 9))))
      (i32.store (i32.const 131068) (i32.const 42))
      (if (i32.ne (i32.load (i32.const 131068)) (i32.const 42)) (then (return (i32.const 10))))
      (memory.fill (i32.const 200) (i32.const 0xab) (i32.const 10))
      (if (i32.ne (i32.load8_u (i32.const 209)) (i32.const 0xab)) (then (return (i32.const 11))))
      (if (i32.ne (i32.load8_u (i32.const 210)) (i32.const 0)) (then (return (i32.const 12))))
      ;; overlapping copy forwards and backwards
      (memory.copy (i32.const 17) (i32.const 16) (i32.const 4))
      (if (i32.ne (i32.load (i32.const 16)) (i32.const 0x03020101)) (then (return (i32.const 13))))
      (memory.copy (i32.const 16) (i32.const 17) (i32.const 4))
      (if (i32.ne (i32.load (i32.const 16)) (i32.const 0x04030201)) (then (return (i32.const 14))))
      (i32.const 0)))`), 0);
});

test('globals, select, many locals, register pressure', async () => {
  const vals = Array.from({ length: 24 }, (_, i) => `(i64.mul (local.get $x) (i64.const ${i + 1}))`);
  assert.equal(await status(`(module
    (global $g (mut i32) (i32.const 5))
    (global $h f64 (f64.const 0.5))
    (func (export "main") (result i32)
      (local $x i64) (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32)
      (local $g1 i32) (local $h1 i32) (local $i i32) (local $j i32) (local $k i32) (local $l i32) (local $m i32)
      (local $n i32) (local $o i32) (local $p i32) (local $q i32) (local $r f64)
      (local.set $x (i64.const 1))
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      ;; 24 live values: forces spills
      ${vals.join(' ')}
      ${vals.slice(1).map(() => '(i64.add)').join(' ')}
      (i64.const 300) (i64.ne) (if (then (return (i32.const 1))))
      (local.set $r (f64.add (global.get $h) (f64.const 1)))
      (select (i32.const 3) (i32.const 4) (f64.gt (local.get $r) (f64.const 1)))
      (select (f64.const 1) (f64.const 2) (i32.const 0)) (i32.trunc_f64_s) (i32.add)
      (i32.add (global.get $g)) (i32.add (local.get $q))))`), 3 + 2 + 6);
});

test('call_indirect through a table', async () => {
  assert.equal(await status(`(module
    (type $bin (func (param i32 i32) (result i32)))
    (table 4 funcref)
    (elem (i32.const 0) $add $sub $mul)
    (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
    (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
    (func $mul (type $bin) (i32.mul (local.get 0) (local.get 1)))
    (func (export "main") (result i32)
      (call_indirect (type $bin) (i32.const 7)
        (call_indirect (type $bin) (i32.const 10) (i32.const 3) (i32.const 1))
        (i32.const 2))))`), 49);
});

test('br_table: jump tables with and without branch values, out-of-range index', async () => {
  // nested blocks: index i exits block $b_i, whose continuation returns 3*i
  let body = `(br_table ${Array.from({ length: 40 }, (_, j) => `$b${j}`).join(' ')} $b39 (local.get 0))`;
  for (let i = 0; i < 40; i++) body = `(block $b${i} ${body}) (return (i32.const ${i * 3}))`;
  assert.equal(await status(`(module
    (func $pick (param i32) (result i32) ${body} (i32.const -1))
    (func $val (param i32) (result i32)
      (i32.add (i32.const 1000)
        (block $x (result i32)
          (i32.add (i32.const 100)
            (block $y (result i32)
              (i32.const 5) (local.get 0)
              (br_table $y $x $y $x $y (local.get 0)))))))
    (func (export "main") (result i32) (local $i i32) (local $sum i32)
      (loop $l
        (local.set $sum (i32.add (local.get $sum) (call $pick (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 45))))
      ;; 3*(0+..+39) + 5 * 3*39 = 2340 + 585 = 2925
      (if (i32.ne (local.get $sum) (i32.const 2925)) (then (return (i32.const 1))))
      (if (i32.ne (call $val (i32.const 0)) (i32.const 1100)) (then (return (i32.const 2))))
      (if (i32.ne (call $val (i32.const 1)) (i32.const 1001)) (then (return (i32.const 3))))
      (if (i32.ne (call $val (i32.const 9)) (i32.const 1109)) (then (return (i32.const 4))))
      (i32.const 0)))`), 0);
});

test('i32 arguments above 2^31 in pinned parameters are zero-extended addresses', async () => {
  // a 2.5 GiB memory (committed lazily) so that 0x80000010 is a valid address
  assert.equal(await status(`(module (memory 40000)
    (func $f (param $p i32) (local $i i32)
      (loop $l
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 4)))))
    (func (export "main") (result i32)
      (call $f (i32.const 0x80000010))
      (i32.load (i32.const 0x80000010))))`), 4);
});

test('float compares fused with branches, NaN operands take the false edge', async () => {
  const cmp = (op: string, a: string, b: string) => `(if (f64.${op} (local.get $x) (f64.const ${b})) (then (local.set $r (i32.or (local.get $r) (i32.const ${1 << ['lt', 'gt', 'le', 'ge'].indexOf(op)})))))`;
  assert.equal(await status(`(module
    (func $bits (param $x f64) (result i32) (local $r i32)
      ${['lt', 'gt', 'le', 'ge'].map((op) => cmp(op, 'x', '1')).join(' ')}
      (local.get $r))
    (func (export "main") (result i32)
      ;; 0.5: lt le = 1|4; 1: le ge = 4|8; 2: gt ge = 2|8; nan: none
      (i32.add (i32.add (i32.shl (call $bits (f64.const 0.5)) (i32.const 12)) (i32.shl (call $bits (f64.const 1)) (i32.const 8)))
        (i32.add (i32.shl (call $bits (f64.const 2)) (i32.const 4)) (call $bits (f64.const nan))))
      (i32.const 0x5ca0) (i32.ne)))`), 0);
});
