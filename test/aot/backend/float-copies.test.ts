// Register copies in float loops (nbody's inner loop): sqrt of a local read straight from the
// local's register (or frame home), and a load tee'd into a pinned float local loaded straight
// into that register (lower.ts unaryFromOperand, pinnedTeeNext). Checked in the compiled loop's
// disassembly and against V8.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

// nbody's velocity update for one body against n others (x at 16 + 16j, mass at 24 + 16j)
const WAT = `(module
  (memory 1)
  (func $init (param $n i32) (local $j i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
        (f64.store offset=16 (i32.shl (local.get $j) (i32.const 4)) (f64.convert_i32_s (i32.add (local.get $j) (i32.const 1))))
        (f64.store offset=24 (i32.shl (local.get $j) (i32.const 4)) (f64.div (f64.const 1) (f64.convert_i32_s (i32.add (local.get $j) (i32.const 3)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l))))
  (func (export "kick") (param $n i32) (result f64)
    (local $j i32) (local $xi f64) (local $vxi f64) (local $dx f64) (local $bm f64) (local $mag f64) (local $e f64)
    (local.set $n (i32.and (local.get $n) (i32.const 63)))
    (call $init (local.get $n))
    (local.set $xi (f64.const 0.5))
    (local.set $vxi (f64.const 0.25))
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $dx (f64.sub (local.get $xi) (f64.load offset=16 (i32.shl (local.get $j) (i32.const 4)))))
        (local.set $vxi
          (f64.sub (local.get $vxi)
            (f64.mul
              (f64.mul (local.get $dx) (local.tee $bm (f64.load offset=24 (i32.shl (local.get $j) (i32.const 4)))))
              (local.tee $mag
                (f64.div (f64.const 0.01)
                  (f64.mul
                    (local.tee $vxi (f64.add (f64.mul (local.get $dx) (local.get $dx)) (f64.const 0.01)))
                    (f64.sqrt (local.get $vxi))))))))
        (local.set $e (f64.add (local.get $e) (f64.mul (local.get $bm) (local.get $mag))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l)))
    (f64.add (local.get $vxi) (local.get $e))))`;

const copies = (loop: string[]) => loop.filter((l) => /: movaps xmm\d+,xmm\d+$/.test(l));

test('compiled: the kick loop neither copies the distance squared for sqrt nor the loaded mass', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const loop = innermostLoop(await disassembleFunction(WAT, 'kick'));
  const text = loop.join('\n');
  // sqrt reads the distance squared where it is pinned: no copy into its destination first
  const sqrt = loop.findIndex((l) => /: sqrtsd /.test(l));
  assert.ok(sqrt > 0, text);
  const [, dst, src] = /sqrtsd (xmm\d+),(xmm\d+)$/.exec(loop[sqrt])!;
  assert.notEqual(dst, src, text);
  // the mass is loaded into its pinned register, not copied there
  const massLoad = loop.find((l) => /: movsd xmm\d+,QWORD PTR \[r14\+\w+\*1\+0x18\]$/.test(l));
  assert.ok(massLoad, text);
  const mass = /movsd (xmm\d+),/.exec(massLoad!)![1];
  assert.ok(!copies(loop).some((l) => l.includes(`movaps ${mass},`)), text);
});

test('the kick loop computes what V8 computes', async () => {
  await assertAgreesWithV8(WAT, { kick: [0, 1, 2, 3, 7, 16, 63] });
});

// sqrt and the roundings of pinned locals (a loop makes them pinned) and of locals in their frame
// homes (read once, outside any loop), f64 and f32
const ROUNDING = `(module
  (func (export "round") (param $n i32) (result f64)
    (local $x f64) (local $y f32) (local $acc f64) (local $i i32) (local $u f64) (local $v f32)
    (local.set $x (f64.div (f64.convert_i32_s (local.get $n)) (f64.const -3.3)))
    (local.set $y (f32.div (f32.convert_i32_s (local.get $n)) (f32.const 2.5)))
    (local.set $u (f64.add (local.get $x) (f64.const 7.5)))
    (local.set $v (f32.sub (local.get $y) (f32.const 0.5)))
    (local.set $acc (f64.add (f64.sqrt (local.get $u)) (f64.promote_f32 (f32.sqrt (local.get $v)))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $i) (i32.const 3)))
        (local.set $acc (f64.add (local.get $acc) (f64.add (f64.floor (local.get $x)) (f64.ceil (local.get $x)))))
        (local.set $acc (f64.add (local.get $acc) (f64.add (f64.trunc (local.get $x)) (f64.nearest (local.get $x)))))
        (local.set $acc (f64.add (local.get $acc) (f64.promote_f32 (f32.add (f32.floor (local.get $y)) (f32.nearest (local.get $y))))))
        (local.set $acc (f64.add (local.get $acc) (f64.add (f64.sqrt (local.get $x)) (f64.promote_f32 (f32.sqrt (local.get $y))))))
        (local.set $x (f64.add (local.get $x) (f64.const 1.25)))
        (local.set $y (f32.sub (local.get $y) (f32.const 0.75)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc)))`;

test('sqrt and roundings of pinned and unpinned locals compute what V8 computes', async () => {
  await assertAgreesWithV8(ROUNDING, { round: [0, 1, 2, 3, 7, 16, 63, -1, -5, -40, 1000] });
});
