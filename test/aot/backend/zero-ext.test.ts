// Zero-extending movs (zero-ext.ts, Assembler.movRR): `mov r32, r32` right after an instruction
// that already zeroed bits 32..63 of r (a 32-bit op, movzx, `and r64, imm` with a non-negative
// mask) is left out, and `mov r64, s; mov r32, r32` (s a register or a frame slot) becomes
// `mov r32, s`. Checked byte by byte, in a compiled function's disassembly and against V8.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Alu, Assembler, mem, Reg } from '../../../build/aot/x64/encoder.ts';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

test('mov r32, r32 after a write that zeroed the upper half is left out', () => {
  const a = new Assembler();
  a.aluRI(Alu.and, 8, Reg.rdi, 7);
  a.movRR(4, Reg.rdi, Reg.rdi); // left out
  a.movzx8(Reg.rsi, Reg.rsi);
  a.movRR(4, Reg.rsi, Reg.rsi); // left out
  a.aluRI(Alu.and, 8, Reg.rax, -8); // sign-extended mask: the upper half stays
  a.movRR(4, Reg.rax, Reg.rax);
  a.aluRR(Alu.add, 4, Reg.rcx, Reg.rdx);
  a.movRR(4, Reg.rdx, Reg.rdx); // another register: kept
  assert.equal(a.zxSkipped, 2);
  assert.deepEqual([...a.finish()], [
    0x48, 0x83, 0xe7, 0x07, // and rdi, 7
    0x40, 0x0f, 0xb6, 0xf6, // movzx esi, sil
    0x48, 0x83, 0xe0, 0xf8, 0x89, 0xc0, // and rax, -8; mov eax, eax
    0x01, 0xd1, 0x89, 0xd2, // add ecx, edx; mov edx, edx
  ]);
});

test('a 64-bit copy then mov r32, r32 is one 32-bit copy; a label between keeps both', () => {
  const a = new Assembler();
  a.movRR(8, Reg.rdi, Reg.rbx);
  a.movRR(4, Reg.rdi, Reg.rdi); // mov edi, ebx
  a.load(8, Reg.rsi, mem(Reg.rbp, -0x10));
  a.movRR(4, Reg.rsi, Reg.rsi); // mov esi, [rbp-0x10]
  a.load(8, Reg.rcx, mem(Reg.r14, 0, Reg.rcx)); // linear memory: keeps its width (and its trap)
  a.movRR(4, Reg.rcx, Reg.rcx);
  a.movRR(8, Reg.rax, Reg.rdx);
  a.bind(a.label());
  a.movRR(4, Reg.rax, Reg.rax); // other code may flow in here: kept
  assert.equal(a.zxSkipped, 2);
  assert.deepEqual([...a.finish()], [
    0x89, 0xdf, // mov edi, ebx
    0x8b, 0x75, 0xf0, // mov esi, [rbp-0x10]
    0x49, 0x8b, 0x0c, 0x0e, 0x89, 0xc9, // mov rcx, [r14+rcx]; mov ecx, ecx
    0x48, 0x89, 0xd0, 0x89, 0xc0, // mov rax, rdx; mov eax, eax
  ]);
});

// i32.wrap_i64 of masked and copied i64 values (the VM's header fields and oops).
const WAT = `(module
  (memory 1)
  (func (export "f") (param $p i32) (result i32) (local $w i64)
    (local.set $w (i64.load (i32.and (local.get $p) (i32.const 0xfff8))))
    (i32.add
      (i32.load (i32.wrap_i64 (i64.and (local.get $w) (i64.const 0xfffc))))
      (i32.load (i32.and (i32.wrap_i64 (local.get $w)) (i32.const 0xfffc))))))`;

test('compiled: no mov r32, r32 of the same register is left', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const dis = await disassembleFunction(WAT, 'f');
  for (const l of dis) {
    const m = /: mov (\w+),(\w+)$/.exec(l);
    assert.ok(!m || m[1] !== m[2], `${l}\n${dis.join('\n')}`);
  }
});

test('compiled wraps compute what V8 computes', async () => {
  const body = WAT.replace('(memory 1)', '(memory 1) (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\f9\\fa\\fb\\fc\\fd\\fe\\ff\\10\\20\\30")');
  await assertAgreesWithV8(body, { f: [0, 1, 8, 9, 16, 0xfff8, -1] });
});
