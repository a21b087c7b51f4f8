// Straight-line local renaming (split-webs.ts): a local rewritten while a read of its old value
// still waits on the value stack (binaryen's reuse of one address local in fannkuch's flip loop)
// gets a fresh local for the old value, so lowering needs no register copy to keep that read.
// Checked on the pass's output, in a compiled loop's disassembly and against V8.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reader } from '../../../build/aot/body-reader.ts';
import { splitStraightLineWebs } from '../../../build/aot/split-webs.ts';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

// immediates of the few opcodes the bodies below use
const skip = (op: number, r: Reader) => {
  if (op === 0x0c || op === 0x0d || op === 0x10) r.u32();
  else if (op >= 0x28 && op <= 0x3e) (r.u32(), r.u32());
  else if (op === 0x41) r.s32();
};
const skipBlockType = (r: Reader) => void r.pos++;
const split = (code: number[], nLocals = 3) =>
  splitStraightLineWebs(new Uint8Array(code), Array(nLocals).fill('i32'), skip, skipBlockType);

const GET = 0x20, SET = 0x21, TEE = 0x22;
const load8 = [0x2d, 0, 0], store8 = [0x3a, 0, 0];

test('the old value of a local still on the stack when it is rewritten moves to a fresh local', () => {
  // store8 (get 0) (load8 (tee 0 (i32.const 7))) after tee 0 = 5 (load8 then drop)
  const body = [0x41, 5, TEE, 0, ...load8, 0x1a, GET, 0, 0x41, 7, TEE, 0, ...load8, ...store8, 0x0b];
  const out = split(body);
  assert.ok(out);
  assert.deepEqual(out.localTypes, ['i32', 'i32', 'i32', 'i32']);
  const expected = [...body];
  expected[3] = 3; // the first tee and the read of its value
  expected[9] = 3;
  assert.deepEqual([...out.code], expected);
});

test('no renaming when no read waits, or a control instruction intervenes', () => {
  // the read is consumed (dropped) before the rewrite
  assert.equal(split([0x41, 5, SET, 0, GET, 0, 0x1a, 0x41, 7, SET, 0, 0x0b]), undefined);
  // a `block` between the write and the rewrite ends the straight line
  assert.equal(split([0x41, 5, SET, 0, GET, 0, 0x02, 0x40, 0x41, 7, SET, 0, 0x0b, 0x1a, 0x0b]), undefined);
  // a read still waiting, but the old value was never written in this straight line
  assert.equal(split([GET, 0, 0x41, 7, SET, 0, 0x1a, 0x0b]), undefined);
});

// fannkuch's flip: reverse bytes [16, 16 + k] in place (each call flips the last call's result);
// returns a hash of them
const WAT = `(module
  (memory 1)
  (data (i32.const 16) "\\03\\0a\\11\\18\\1f\\26\\2d\\34\\3b\\42\\49\\50\\57\\5e\\65\\6c")
  (func (export "flip") (param $k i32) (result i32) (local $i i32) (local $t i32) (local $a i32)
    (local.set $k (i32.and (local.get $k) (i32.const 15)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $i) (local.get $k)))
        (local.set $t (i32.load8_u (local.tee $a (i32.add (local.get $i) (i32.const 16)))))
        (i32.store8 (local.get $a) (i32.load8_u (local.tee $a (i32.add (local.get $k) (i32.const 16)))))
        (i32.store8 (local.get $a) (local.get $t))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $l)))
    (i32.wrap_i64 (i64.xor (i64.load (i32.const 16)) (i64.rotl (i64.load (i32.const 24)) (i64.const 29))))))`;

test('compiled: the flip loop copies no register', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const loop = innermostLoop(await disassembleFunction(WAT, 'flip'));
  const copies = loop.filter((l) => /: mov [re]\w+,[re]\w+$/.test(l) || /: mov r\d+d?,r\d+d?$/.test(l));
  assert.deepEqual(copies, [], loop.join('\n'));
});

test('the flip loop computes what V8 computes', async () => {
  await assertAgreesWithV8(WAT, { flip: [0, 1, 2, 3, 7, 8, 15, 16, 31] });
});
