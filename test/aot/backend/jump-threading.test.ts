// Jump threading in Assembler.relax (jump-threading.ts): a jmp/jcc or jump-table entry whose
// target is a bare `jmp X` goes to X directly (nested ifs ending together left chains
// `jmp A; A: jmp B; B: ...` in the VM's interpreter loop), and a jmp left unreachable (after an
// unconditional jump, nothing landing on it) takes no bytes. Checked byte by byte on
// hand-assembled code and on a compiled function against V8.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Assembler, Cond, Reg } from '../../../build/aot/x64/encoder.ts';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const i32At = (code: Uint8Array, at: number) => new DataView(code.buffer, code.byteOffset).getInt32(at, true);

/** je A; nop; jmp B; A: jmp C; mov eax,3; ret; B: mov eax,1; ret; C: mov eax,2; ret */
function chain(a: Assembler) {
  const A = a.label(), B = a.label(), C = a.label();
  a.jcc(Cond.E, A);
  a.nop(); // (so the jcc is not inverted over the jmp at emission)
  a.jmp(B);
  a.bind(A);
  a.jmp(C);
  a.movRI(Reg.rax, 3);
  a.ret();
  a.bind(B);
  a.movRI(Reg.rax, 1);
  a.ret();
  a.bind(C);
  a.movRI(Reg.rax, 2);
  a.ret();
  return { A, B, C };
}

test('a jcc to a jmp goes to its target; the jmp, now unreachable, is dropped', () => {
  const a = new Assembler();
  const { A, C } = chain(a);
  assert.equal(A.pos, 12);
  a.relax(0);
  assert.equal(a.deadJumps, 1);
  assert.equal(A.pos, 5);
  assert.equal(C.pos, 17);
  // je C; nop; jmp B; mov eax,3; ret; B: mov eax,1; ret; C: mov eax,2; ret
  assert.deepEqual([...a.finish()], [0x74, 15, 0x90, 0xeb, 6, 0xb8, 3, 0, 0, 0, 0xc3, 0xb8, 1, 0, 0, 0, 0xc3, 0xb8, 2, 0, 0, 0, 0xc3]);
});

test('a jmp something else lands on stays: a kept position, a RIP-relative use; table entries are threaded', () => {
  const kept = new Assembler();
  chain(kept);
  kept.relax(0, [12]); // A's old position (a symbol, say)
  assert.equal(kept.deadJumps, 0);
  // je C (threaded all the same); nop; jmp B; A: jmp C; mov eax,3 ...
  assert.deepEqual([...kept.finish()].slice(0, 9), [0x74, 17, 0x90, 0xeb, 8, 0xeb, 12, 0xb8, 3]);

  const t = new Assembler();
  const { A, C } = chain(t);
  const table = t.label();
  t.align(4);
  t.bind(table);
  t.labelDiff32(A, table);
  t.leaLabel(Reg.rcx, A); // lands on A itself: A stays
  t.relax(0);
  assert.equal(t.deadJumps, 0);
  const code = t.finish();
  assert.equal(i32At(code, table.pos), C.pos - table.pos, 'the table entry goes straight to C');
  assert.deepEqual([...code.subarray(A.pos, A.pos + 2)], [0xeb, C.pos - (A.pos + 2)]);
});

test('jump chains end: a jmp to itself and a two-jmp cycle (infinite wasm loops)', () => {
  const a = new Assembler();
  const self = a.label(), x = a.label(), y = a.label(), go = a.label();
  a.jcc(Cond.E, go);
  a.bind(self);
  a.jmp(self);
  a.bind(x);
  a.jmp(y);
  a.bind(y);
  a.nop();
  a.jmp(x);
  a.bind(go);
  a.jmp(x);
  a.relax(0);
  const code = a.finish();
  assert.deepEqual([...code.subarray(2, 4)], [0xeb, 0xfe], 'jmp self');
  assert.equal(code.length > 0, true);
});

// Void ifs nested three deep: each then-arm ends with a jmp to the end of its if, which is the
// end of the enclosing then-arm (another jmp) when they end together.
const WAT = `(module
  (memory 1)
  (func (export "nest") (param $x i32) (result i32)
    (if (i32.gt_s (local.get $x) (i32.const 0))
      (then (if (i32.gt_s (local.get $x) (i32.const 10))
        (then (if (i32.gt_s (local.get $x) (i32.const 100))
          (then (i32.store (i32.const 0) (i32.mul (local.get $x) (i32.const 3))))
          (else (i32.store (i32.const 0) (i32.const 2)))))
        (else (i32.store (i32.const 0) (i32.const 1)))))
      (else (i32.store (i32.const 0) (i32.const 7))))
    (i32.load (i32.const 0))))`;

test('compiled nested ifs: no jump lands on a jmp', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const dis = await disassembleFunction(WAT, 'nest');
  const at = new Map(dis.map((l) => [parseInt(l, 16), l]));
  let jumps = 0;
  for (const l of dis) {
    const m = /^[0-9a-f]+: j\w+ 0x([0-9a-f]+)/.exec(l);
    if (!m) continue;
    jumps++;
    const target = at.get(parseInt(m[1], 16)) ?? '';
    assert.doesNotMatch(target, /: jmp /, `${l} lands on ${target}\n${dis.join('\n')}`);
  }
  assert.ok(jumps >= 5, dis.join('\n'));
});

test('compiled nested ifs compute what V8 computes', () => assertAgreesWithV8(WAT, { nest: [-3, 0, 1, 10, 11, 100, 101, 0x7fffffff] }));
