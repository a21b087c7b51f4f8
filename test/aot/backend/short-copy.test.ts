// memory.copy of at most 32 bytes (x64/short-copy.ts): two overlapping loads of one width, then
// two stores, instead of `rep movsb` and its start-up cost (fannkuch's 10-byte permutation
// copy). Checked in a compiled function's disassembly, and against V8 for every length around
// the width boundaries at every overlap and direction (the loads come before the stores, so a
// true overlap copies correctly either way).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const WAT = `(module
  (memory 1)
  (func $init (local $k i32)
    (loop $l
      (i32.store8 (local.get $k) (i32.add (i32.mul (local.get $k) (i32.const 37)) (i32.const 11)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 96)))))
  (func $hash (param $h i64) (result i64) (local $k i32)
    (loop $l
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $k))) (i64.const 0x100000001b3)))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 8))) (i32.const 96))))
    (local.get $h))
  (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (memory.copy (local.get $d) (local.get $s) (local.get $n)))
  ;; n bytes between every pair of offsets in [0, 40): a hash of the window after each copy
  (func (export "sweep") (param $n i32) (result i32) (local $d i32) (local $s i32) (local $h i64)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (loop $ld
      (local.set $s (i32.const 0))
      (loop $ls
        (call $init)
        (memory.copy (local.get $d) (local.get $s) (local.get $n))
        (local.set $h (call $hash (local.get $h)))
        (br_if $ls (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (i32.const 40))))
      (br_if $ld (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (i32.const 40))))
    (i32.wrap_i64 (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 32))))))`;

test('compiled: short lengths copy with paired loads before rep movsb', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const dis = await disassembleFunction(WAT, 'copy');
  const at = (re: RegExp) => dis.findIndex((l) => re.test(l));
  const rep = at(/rep movs/);
  const checks = [
    /cmp rcx,0x20$/,
    /movups xmm\d+,XMMWORD PTR \[rsi\+rcx\*1-0x10\]/,
    /mov rsi,QWORD PTR \[rsi\+rcx\*1-0x8\]/,
    /mov esi,DWORD PTR \[rsi\+rcx\*1-0x4\]/,
    /movzx esi,WORD PTR \[rsi\+rcx\*1-0x2\]/,
  ];
  for (const re of checks) {
    const k = at(re);
    assert.ok(k >= 0 && k < rep, `${re} before rep movsb in\n${dis.join('\n')}`);
  }
});

test('short copies agree with V8 at every length, overlap and direction', async () => {
  const lengths = Array.from({ length: 37 }, (_, n) => n); // 0..36: every width and past 32
  await assertAgreesWithV8(WAT, { sweep: lengths });
});
