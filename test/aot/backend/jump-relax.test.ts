// Jump relaxation (Assembler.relax, ProgramObject.relaxText): after a function is finished its
// jmp/jcc take the 2-byte rel8 form where the target is within -128..127, alignments are re-padded
// for the new positions, and everything recorded in the moved code (labels, call / RIP-relative /
// jump-table fixups, relocations, trap sites, symbols) moves with it; a loop that fits a 64-byte
// line is placed within one. Checked on hand-assembled code byte by byte and on compiled
// functions in the disassembly and against V8.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgramObject } from '../../../build/aot/object.ts';
import { Assembler, Cond, Reg } from '../../../build/aot/x64/encoder.ts';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const i32At = (code: Uint8Array, at: number) => new DataView(code.buffer, code.byteOffset).getInt32(at, true);

test('near forward jumps shrink to rel8; far ones keep rel32; calls and RIP-relative leas still land', () => {
  const a = new Assembler();
  const top = a.label(), near = a.label(), far = a.label(), f = a.label();
  a.bind(top);
  a.jcc(Cond.E, near); // 6 bytes while emitted, 2 after relax
  a.nop();
  a.bind(near);
  a.nop(); // (a jump to a bare jmp would be threaded: jump-threading.test.ts)
  a.jmp(far); // over 200 bytes: stays rel32
  for (let k = 0; k < 200; k++) a.nop();
  a.bind(far);
  a.call(f);
  a.leaLabel(Reg.rax, f);
  a.jcc(Cond.NE, top); // backward, out of rel8 reach
  a.bind(f);
  a.ret();
  const oldF = f.pos;
  const map = a.relax(0);
  assert.equal(map(oldF), f.pos);
  const code = a.finish();
  assert.deepEqual([...code.subarray(0, 5)], [0x74, 0x01, 0x90, 0x90, 0xe9]); // je +1; nop; nop; jmp rel32
  assert.equal(i32At(code, 5), 200);
  assert.equal(far.pos, 209);
  assert.equal(code[209], 0xe8);
  assert.equal(214 + i32At(code, 210), f.pos, 'call lands on f');
  assert.deepEqual([...code.subarray(214, 217)], [0x48, 0x8d, 0x05]);
  assert.equal(221 + i32At(code, 217), f.pos, 'lea [rip+f] points at f');
  assert.deepEqual([...code.subarray(221, 223)], [0x0f, 0x85]);
  assert.equal(227 + i32At(code, 223), 0, 'the back edge lands on top');
  assert.equal(code[f.pos], 0xc3);
  assert.equal(code.length, 228);
});

test('alignments are re-padded; a short back edge pushed out of reach by one becomes rel32', () => {
  const a = new Assembler();
  const x = a.label(), t = a.label(), head = a.label();
  a.jcc(Cond.E, x); // shrinks by 4: t moves back, the aligned head does not
  a.nop();
  a.bind(x);
  a.bind(t); // 7, then 3
  for (let k = 0; k < 40; k++) a.nop();
  a.alignNops(64);
  a.bind(head);
  for (let k = 0; k < 67; k++) a.nop();
  const jmpAt = a.pos;
  a.jmp(t); // -126 as emitted: rel8; after relax the distance is -130
  assert.equal(a.pos - jmpAt, 2, 'emitted as a short back edge');
  a.relax(0);
  assert.equal(t.pos, 3);
  assert.equal(head.pos, 64, 'the aligned label keeps its alignment');
  const code = a.finish();
  assert.equal(code.length, 64 + 67 + 5);
  assert.equal(code[131], 0xe9);
  assert.equal(136 + i32At(code, 132), t.pos);
  // 21 bytes of padding from 43: one short jmp over it to the head, not three NOPs run on entry
  assert.deepEqual([...code.subarray(43, 45)], [0xeb, 64 - 45]);
  assert.ok(code.subarray(45, 64).every((x) => x === 0xcc), 'the bytes jumped over are int3');
});

test('a loop that fits a 64-byte line but would straddle one at its 32-byte alignment moves to the next line', () => {
  const a = new Assembler();
  for (let k = 0; k < 70; k++) a.nop();
  const head = a.label(), small = a.label();
  a.alignNops(32); // 96: half way through a line
  a.bind(head);
  for (let k = 0; k < 8; k++) a.movRI(Reg.rax, k + 1); // 40 bytes
  a.jcc(Cond.NE, head); // a 42-byte loop: 96..138 would cross 128
  a.alignNops(32);
  a.bind(small);
  a.movRI(Reg.rcx, 7);
  a.jcc(Cond.NE, small); // 7 bytes: stays where its 32-byte alignment put it
  a.ret();
  assert.equal(head.pos, 96);
  a.relax(0);
  assert.equal(head.pos, 128);
  assert.equal(small.pos, 192);
  const code = a.finish();
  for (let k = 0; k < 8; k++) assert.deepEqual([...code.subarray(128 + 5 * k, 133 + 5 * k)], [0xb8, k + 1, 0, 0, 0]);
  assert.deepEqual([...code.subarray(168, 170)], [0x75, (128 - 170) & 0xff]);
  assert.deepEqual([...code.subarray(192, 200)], [0xb9, 7, 0, 0, 0, 0x75, 0xf9, 0xc3]);
  assert.equal(code.length, 200);
});

test('jump-table entries, relocations, trap sites and text symbols move with the code', () => {
  const obj = new ProgramObject();
  const a = obj.asm;
  a.align(64);
  const start = a.pos;
  const done = a.label(), table = a.label(), c0 = a.label(), c1 = a.label();
  a.jcc(Cond.A, done); // 6 -> 2
  a.nop();
  a.bind(c0);
  a.nop();
  a.callSym('elsewhere'); // a relocation after the shrunk jump
  a.bind(c1);
  obj.trap(3, 'a trap site after the shrunk jump');
  a.ud2();
  a.jmp(done); // 5 -> 2
  obj.here('after.jumps');
  a.nop();
  a.align(4);
  a.bind(table);
  a.labelDiff32(c0, table);
  a.labelDiff32(c1, table);
  a.bind(done);
  a.ret();
  const relocAt = obj.asm.relocs[obj.asm.relocs.length - 1].offset;
  const trapPc = obj.trapSites[obj.trapSites.length - 1].pc;
  obj.relaxText(start);
  assert.equal(obj.asm.relocs[obj.asm.relocs.length - 1].offset, relocAt - 4);
  assert.equal(obj.trapSites[obj.trapSites.length - 1].pc, trapPc - 4);
  assert.equal(obj.symbols.get('after.jumps')!.offset, trapPc - 4 + 2 + 2);
  assert.equal(table.pos % 4, 0);
  const code = a.finish();
  assert.equal(i32At(code, table.pos), c0.pos - table.pos);
  assert.equal(i32At(code, table.pos + 4), c1.pos - table.pos);
  assert.deepEqual([code[start], start + 2 + code[start + 1]], [0x77, done.pos]);
  assert.equal(code[done.pos], 0xc3);
});

test('a branch over a jmp becomes one inverted branch, unless a label is bound at the jmp', () => {
  const a = new Assembler();
  const trap = a.label(), over = a.label();
  a.nop();
  a.jcc(Cond.GE, over);
  a.jmp(trap);
  a.bind(over); // jl trap
  a.nop();
  const b2 = a.label(), over2 = a.label();
  a.jcc(Cond.E, over2);
  a.bind(b2); // something else jumps to the jmp: kept
  a.jmp(trap);
  a.bind(over2);
  a.nop();
  a.bind(trap);
  a.ret();
  assert.equal(a.invertedBranches, 1);
  a.relax(0);
  // nop; jl trap; nop; je over2; b2: jmp trap; over2: nop; trap: ret
  assert.deepEqual([...a.finish()], [0x90, 0x7c, 0x06, 0x90, 0x74, 0x02, 0xeb, 0x01, 0x90, 0xc3]);
  assert.equal(b2.pos, 6);
});

// `small` branches forward over a few instructions and loops back; `big` branches over a block of
// more than 127 bytes of code; `down` is a byte loop counting down (memops' backward move).
const WAT = `(module
  (memory 1)
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10")
  (func (export "small") (param $n i32) (result i32) (local $acc i32)
    (block $out
      (br_if $out (i32.eqz (local.get $n)))
      (loop $l
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    (local.get $acc))
  (func (export "big") (param $x i32) (result i32)
    (block $skip
      (br_if $skip (i32.lt_s (local.get $x) (i32.const 0)))
      ${Array.from({ length: 24 }, (_, k) => `(local.set $x (i32.xor (i32.mul (local.get $x) (i32.const ${1000 + k * 7919})) (i32.const ${k * 104729})))`).join('\n      ')})
    (local.get $x))
  (func (export "down") (param $n i32) (result i32) (local $dst i32) (local $src i32)
    (local.set $dst (i32.const 6))
    (local.set $src (i32.const 2))
    (local.set $n (i32.and (local.get $n) (i32.const 7)))
    (loop $l
      (if (local.get $n) (then
        (i32.store8 (i32.sub (i32.add (local.get $n) (local.get $dst)) (i32.const 1))
          (i32.load8_u (i32.add (i32.add (local.get $n) (local.get $src)) (i32.const -1))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))
    (i32.xor (i32.load (i32.const 4)) (i32.load (i32.const 8)))))`;

/** [offset, length, text] of each jump in a disassembled function. */
function jumps(dis: string[]): [number, number, string][] {
  return dis.flatMap((l, k) => (/^[0-9a-f]+: j\w+ 0x/.test(l) && k + 1 < dis.length ? [[parseInt(l, 16), parseInt(dis[k + 1], 16) - parseInt(l, 16), l]] : []));
}

test('compiled functions: near jumps are rel8, a jump over more than 127 bytes is rel32', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const small = await disassembleFunction(WAT, 'small');
  const sj = jumps(small).filter(([, , l]) => !/ud2/.test(l));
  // all but the stack check (its trap stub lies after the code) are near
  assert.ok(sj.length >= 2, small.join('\n'));
  for (const [at, len, l] of sj.slice(1)) assert.equal(len, 2, `${l} at ${at}\n${small.join('\n')}`);
  const big = await disassembleFunction(WAT, 'big');
  const over = jumps(big).find(([, , l]) => /^[0-9a-f]+: jl /.test(l) || /^[0-9a-f]+: js /.test(l));
  assert.ok(over, big.join('\n'));
  assert.equal(over[1], 6, `the branch over the block is rel32: ${over[2]}`);
});

test('a byte loop counting down: one lea per address, the counter tested by its sub', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const dis = await disassembleFunction(WAT, 'down');
  const leas = dis.filter((l) => /: lea \w+,\[\w+\+\w+\*1-0x1\]$/.test(l));
  // the only `sub x, 1` left is the counter's (the addresses' `- 1` are lea displacements), one
  // per unrolled copy (unroll.ts), each copy with its two leas
  const subs = dis.flatMap((l, k) => (/: sub (e\w+|r\d+d),0x1$/.test(l) ? [k] : []));
  assert.ok(subs.length >= 1, dis.join('\n'));
  assert.equal(leas.length, 2 * subs.length, dis.join('\n'));
  for (const k of subs) assert.match(dis[k + 1], /: jn?e /, `no test between the sub and the jump: ${dis[k + 1]}`);
  assert.match(dis[subs[subs.length - 1] + 1], /: jne /, 'the last copy jumps back while the counter is not zero');
});

test('relaxed functions compute what V8 computes', () =>
  assertAgreesWithV8(WAT, { small: [0, 1, 5, 1000], big: [-5, 0, 1, 12345, 0x7fffffff], down: [0, 1, 3, 7, 12] }));
