// The back end's optimisations against V8 on programs shaped to hit them and their edge cases:
// rotate peephole (shl/shr_u pairs), block results in registers (br_if with a value that the
// fall-through keeps using, br_table, calls inside), per-loop pinned locals (exits by br, br_if,
// br_table and return, calls, nested loops), loop rotation (heads with tee and loads, back edges
// from nested blocks, else arms), jump threading, and the bulk-memory range checks. Each export
// is called with many arguments in both engines and the outcomes must agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InvokeOutcome, ValueType, WasmSession } from '../../../build/aot/host/session.ts';
import { createV8Session } from '../../../build/aot/host/v8-session.ts';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';
import { watToWasm } from './support/native.ts';

const I32S = [0n, 1n, 2n, 3n, 7n, 31n, 32n, 33n, 100n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 0x12345678n];
const I64S = [0n, 1n, 5n, 63n, 64n, 0x8000000000000000n, 0xffffffffffffffffn, 0x0123456789abcdefn];

function argSets(params: ValueType[]): bigint[][] {
  const out: bigint[][] = [];
  const n = params.length === 0 ? 1 : params.length === 1 ? 14 : 60;
  for (let k = 0; k < n; k++) {
    out.push(params.map((t, j) => {
      const pool = t === 'i64' ? I64S : I32S;
      return pool[(k * (j + 3) + j * 5 + (k >> 2)) % pool.length];
    }));
  }
  return out;
}

function show(o: InvokeOutcome): string {
  return o.kind === 'return' ? `return ${o.results.map((v) => `${v.type}:${v.bits}`).join(' ')}` : `${o.kind}: ${o.message}`;
}

async function agree(wat: string, exports: Record<string, ValueType[]>): Promise<void> {
  const native = await loadSessionFactory('native');
  if (!native.factory) throw new Error(`no native session: ${native.reason}`);
  const bytes = await watToWasm(wat);
  const sessions: WasmSession[] = [createV8Session(), await native.factory()];
  try {
    for (const s of sessions) {
      const r = await s.instantiate(bytes, '$m');
      assert.equal(r.kind, 'ok', JSON.stringify(r));
    }
    for (const [name, params] of Object.entries(exports)) {
      for (const args of argSets(params)) {
        const vals = args.map((bits, i) => ({ type: params[i], bits }));
        const [a, b] = [await sessions[0].invoke('$m', name, vals), await sessions[1].invoke('$m', name, vals)];
        const sa = show(a), sb = show(b);
        // trap messages differ in wording between engines: compare the kind only
        if (a.kind === 'trap' && b.kind === 'trap') continue;
        assert.equal(sb, sa, `${name}(${args.join(', ')}): native ${sb}, V8 ${sa}`);
      }
    }
  } finally {
    for (const s of sessions) await s.close();
  }
}

test('rotate peephole: shl/shr_u pairs of one local, and near misses', async () => {
  await agree(`(module
    (func (export "rotl7") (param i32) (result i32)
      (i32.or (i32.shl (local.get 0) (i32.const 7)) (i32.shr_u (local.get 0) (i32.const 25))))
    (func (export "rotr7x") (param i32) (result i32)
      (i32.xor (i32.shr_u (local.get 0) (i32.const 7)) (i32.shl (local.get 0) (i32.const 25))))
    (func (export "rotadd") (param i32) (result i32)
      (i32.add (i32.shl (local.get 0) (i32.const 3)) (i32.shr_u (local.get 0) (i32.const 29))))
    (func (export "masked") (param i32) (result i32) ;; 39 & 31 = 7
      (i32.or (i32.shl (local.get 0) (i32.const 39)) (i32.shr_u (local.get 0) (i32.const 25))))
    (func (export "notrot") (param i32) (result i32) ;; 7 + 24 != 32: no rotate
      (i32.or (i32.shl (local.get 0) (i32.const 7)) (i32.shr_u (local.get 0) (i32.const 24))))
    (func (export "signed") (param i32) (result i32) ;; shr_s is not part of a rotate
      (i32.or (i32.shl (local.get 0) (i32.const 7)) (i32.shr_s (local.get 0) (i32.const 25))))
    (func (export "sub") (param i32) (result i32) ;; sub does not combine disjoint bits
      (i32.sub (i32.shl (local.get 0) (i32.const 7)) (i32.shr_u (local.get 0) (i32.const 25))))
    (func (export "two") (param i32 i32) (result i32) ;; different locals
      (i32.or (i32.shl (local.get 0) (i32.const 7)) (i32.shr_u (local.get 1) (i32.const 25))))
    (func (export "tee") (param i32 i32) (result i32) (local i32)
      (i32.xor
        (i32.or (i32.shl (local.tee 2 (i32.add (local.get 0) (local.get 1))) (i32.const 13)) (i32.shr_u (local.get 2) (i32.const 19)))
        (local.get 2)))
    (func (export "rot64") (param i64) (result i64)
      (i64.or (i64.shr_u (local.get 0) (i64.const 17)) (i64.shl (local.get 0) (i64.const 47))))
    (func (export "sigma") (param i32) (result i32) (local $e i32) (local $i i32) (local $acc i32)
      (local.set $e (local.get 0))
      (loop $l
        (local.set $acc (i32.add (local.get $acc)
          (i32.xor (i32.xor
            (i32.or (i32.shr_u (local.get $e) (i32.const 6)) (i32.shl (local.get $e) (i32.const 26)))
            (i32.or (i32.shr_u (local.get $e) (i32.const 11)) (i32.shl (local.get $e) (i32.const 21))))
            (i32.or (i32.shr_u (local.get $e) (i32.const 25)) (i32.shl (local.get $e) (i32.const 7))))))
        (local.set $e (i32.add (local.get $e) (i32.const 0x9e3779b9)))
        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 50))))
      (local.get $acc)))`,
  { rotl7: ['i32'], rotr7x: ['i32'], rotadd: ['i32'], masked: ['i32'], notrot: ['i32'], signed: ['i32'], sub: ['i32'], two: ['i32', 'i32'], tee: ['i32', 'i32'], rot64: ['i64'], sigma: ['i32'] });
});

test('block and if results in registers', async () => {
  await agree(`(module
    (func $id (param i32) (result i32) (local.get 0))
    (func (export "ifelse") (param i32 i32) (result i32)
      (i32.add (local.get 1)
        (if (result i32) (i32.lt_u (local.get 0) (local.get 1))
          (then (i32.mul (local.get 0) (i32.const 3)))
          (else (call $id (i32.sub (local.get 0) (local.get 1)))))))
    (func (export "brif") (param i32 i32) (result i32)
      ;; br_if delivers a value and the fall-through keeps using the same value
      (block $b (result i32)
        (local.get 0)
        (br_if $b (local.tee 1 (i32.and (local.get 1) (i32.const 1))))
        (i32.const 1000) (i32.add)
        (br_if $b (i32.gt_u (local.get 0) (i32.const 50)))
        (drop (call $id (i32.const 5)))
        (i32.const 7) (i32.add)))
    (func (export "table") (param i32 i32) (result i32)
      (i32.mul (i32.const 3)
        (block $a (result i32)
          (i32.add (i32.const 100)
            (block $b (result i32)
              (block $c (result i32)
                (i32.add (local.get 1) (i32.const 1))
                (br_table $a $b $c $a $b (local.get 0)))
              (i32.const 10) (i32.add))))))
    (func (export "nested") (param i32 i32) (result i32)
      (block $o (result i32)
        (i32.add
          (block $i (result i32)
            (drop (br_if $o (i32.const 77) (i32.eq (local.get 0) (i32.const 3))))
            (drop (br_if $i (local.get 1) (local.get 0)))
            (call $id (i32.const 9)))
          (block (result i32) (call $id (local.get 0))))))
    (func (export "floats") (param i32) (result f64)
      (f64.mul (f64.const 1.5)
        (if (result f64) (local.get 0) (then (f64.convert_i32_u (local.get 0))) (else (f64.const -2.25))))))`,
  { ifelse: ['i32', 'i32'], brif: ['i32', 'i32'], table: ['i32', 'i32'], nested: ['i32', 'i32'], floats: ['i32'] });
});

test('per-loop pinned locals: exits, calls, nested loops, many locals', async () => {
  await agree(`(module
    (memory 1)
    (func $mix (param i32) (result i32) (i32.xor (local.get 0) (i32.shr_u (local.get 0) (i32.const 3))))
    (func (export "loops") (param $n i32) (param $k i32) (result i32)
      (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32)
      (local $g i32) (local $h i32) (local $i i32) (local $j i32) (local $x i64) (local $y f64)
      (local.set $n (i32.and (local.get $n) (i32.const 63)))
      ;; loop 1: a b c and i, leaving by br_if to an outer block and by return
      (block $out
        (loop $l1
          (local.set $a (i32.add (local.get $a) (local.get $i)))
          (local.set $b (i32.xor (local.get $b) (i32.mul (local.get $a) (i32.const 31))))
          (local.set $c (i32.add (local.get $c) (call $mix (local.get $b))))
          (br_if $out (i32.eq (local.get $c) (local.get $k)))
          (if (i32.eq (local.get $i) (i32.const 1000)) (then (return (i32.const -1))))
          (br_if $l1 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
      ;; loop 2: other locals, nested loop, exit through br_table
      (local.set $i (i32.const 0))
      (block $done
        (block $skip
          (loop $l2
            (local.set $j (i32.const 0))
            (loop $l3
              (local.set $d (i32.add (local.get $d) (i32.mul (local.get $i) (local.get $j))))
              (local.set $e (i32.sub (local.get $e) (local.get $d)))
              (local.set $x (i64.add (local.get $x) (i64.extend_i32_u (local.get $e))))
              (local.set $y (f64.add (local.get $y) (f64.convert_i32_s (local.get $d))))
              (br_if $l3 (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 5))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_table $l2 $l2 $skip $done (i32.and (i32.add (local.get $i) (local.get $k)) (i32.const 7)))))
        (local.set $f (i32.const 11)))
      ;; loop 3: locals written in loops 1 and 2 are read here and after
      (local.set $i (i32.const 0))
      (loop $l4
        (local.set $g (i32.add (local.get $g) (i32.add (local.get $a) (local.get $d))))
        (local.set $h (i32.add (local.get $h) (i32.xor (local.get $g) (local.get $f))))
        (i32.store (i32.shl (i32.and (local.get $i) (i32.const 15)) (i32.const 2)) (local.get $h))
        (br_if $l4 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
      (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))
        (i32.add (i32.add (local.get $e) (local.get $f))
          (i32.add (i32.add (local.get $g) (local.get $h))
            (i32.add (i32.wrap_i64 (local.get $x)) (i32.add (i32.load (i32.const 12)) (i32.trunc_sat_f64_s (local.get $y)))))))))`,
  { loops: ['i32', 'i32'] });
});

test('loop rotation and jump threading', async () => {
  await agree(`(module
    (memory 1)
    (data (i32.const 0) "\\05\\00\\00\\00\\03\\00\\00\\00")
    (func (export "count") (param i32) (result i32) (local $i i32) (local $s i32)
      (local.set 0 (i32.and (local.get 0) (i32.const 0x3ff)))
      (loop $l
        (if (i32.lt_s (local.get $i) (local.get 0))
          (then
            (local.set $s (i32.add (local.get $s) (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l))))
      (local.get $s))
    (func (export "headtee") (param i32) (result i32) (local $i i32) (local $s i32) (local $t i32)
      (local.set 0 (i32.and (local.get 0) (i32.const 0x3ff)))
      ;; the head writes a local and loads from memory; the back edge sits in a nested block
      (loop $l
        (if (i32.lt_u (local.tee $t (i32.mul (local.get $i) (i32.load (i32.const 4)))) (local.get 0))
          (then
            (block $b
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $b (i32.and (local.get $i) (i32.const 1)))
              (local.set $s (i32.add (local.get $s) (local.get $t)))
              (br $l))
            (local.set $s (i32.sub (local.get $s) (i32.const 1)))
            (br $l))
          (else (local.set $s (i32.add (local.get $s) (i32.const 1000))))))
      (i32.add (local.get $s) (local.get $t)))
    (func (export "headtrap") (param i32) (result i32) (local $i i32)
      ;; a head that traps (out of bounds) on the rotated path must trap the same way
      (loop $l
        (if (i32.load (i32.add (local.get 0) (i32.shl (local.get $i) (i32.const 14))))
          (then (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l))))
      (local.get $i))
    (func (export "thread") (param i32) (result i32) (local $s i32)
      (block $exit
        (loop $top
          (block $next
            (block $odd
              (br_if $odd (i32.and (local.get 0) (i32.const 1)))
              (local.set $s (i32.add (local.get $s) (i32.const 2)))
              (br $next))
            (local.set $s (i32.add (local.get $s) (i32.const 1))))
          (br_if $exit (i32.eqz (local.tee 0 (i32.shr_u (local.get 0) (i32.const 1)))))
          (br $top)))
      (local.get $s)))`,
  { count: ['i32'], headtee: ['i32'], headtrap: ['i32'], thread: ['i32'] });
});

test('bulk memory range checks keep their operands', async () => {
  await agree(`(module
    (memory 1 2)
    (table 4 funcref)
    (elem func $f $f)
    (func $f)
    (func (export "fill") (param i32 i32) (result i32)
      (memory.fill (local.get 0) (i32.const 0xab) (local.get 1))
      (i32.add (i32.load8_u (local.get 0)) (i32.load8_u (i32.add (local.get 0) (local.get 1)))))
    (func (export "copy") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (i32.const 0x01020304))
      (memory.copy (local.get 0) (i32.const 16) (local.get 1))
      (i32.load (local.get 0)))
    (func (export "tinit") (param i32 i32) (result i32)
      (table.init 0 (local.get 0) (i32.const 0) (local.get 1))
      (table.copy (i32.const 0) (local.get 0) (local.get 1))
      (table.fill (local.get 0) (ref.null func) (local.get 1))
      (table.size)))`,
  { fill: ['i32', 'i32'], copy: ['i32', 'i32'], tinit: ['i32', 'i32'] });
});
