// The x86-64 encoder against binutils: each case is assembled, disassembled with objdump (Intel
// syntax) and compared with the expected text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Alu, Assembler, Cond, Reg, Shift, mem } from '../../../build/aot/x64/encoder.ts';

const cases: [string, (a: Assembler) => void][] = [
  ['add eax,ebx', (a) => a.aluRR(Alu.add, 4, Reg.rax, Reg.rbx)],
  ['sub r12,r9', (a) => a.aluRR(Alu.sub, 8, Reg.r12, Reg.r9)],
  ['cmp r13,0x5', (a) => a.aluRI(Alu.cmp, 8, Reg.r13, 5)],
  ['and ecx,0x12345', (a) => a.aluRI(Alu.and, 4, Reg.rcx, 0x12345)],
  ['xor rdx,QWORD PTR [rsp+0x8]', (a) => a.aluRM(Alu.xor, 8, Reg.rdx, mem(Reg.rsp, 8))],
  ['add r8d,DWORD PTR [r13+0x0]', (a) => a.aluRM(Alu.add, 4, Reg.r8, mem(Reg.r13))],
  ['cmp QWORD PTR [rdx+0x8],0x0', (a) => a.aluRI(Alu.cmp, 8, mem(Reg.rdx, 8), 0)],
  ['mov eax,DWORD PTR [r14+rbx*1+0x10]', (a) => a.load(4, Reg.rax, mem(Reg.r14, 16, Reg.rbx))],
  ['mov rax,QWORD PTR [r12]', (a) => a.load(8, Reg.rax, mem(Reg.r12))],
  ['mov rax,QWORD PTR [rbp+0x7fff0000]', (a) => a.load(8, Reg.rax, mem(Reg.rbp, 0x7fff0000))],
  ['movsx rsi,BYTE PTR [r14+r12*8-0x4]', (a) => a.load(1, Reg.rsi, mem(Reg.r14, -4, Reg.r12, 8), true, 8)],
  ['movzx r9d,WORD PTR [rax]', (a) => a.load(2, Reg.r9, mem(Reg.rax))],
  ['movsxd rcx,DWORD PTR [rdi]', (a) => a.load(4, Reg.rcx, mem(Reg.rdi), true)],
  ['mov BYTE PTR [rbp-0x8],sil', (a) => a.store(1, mem(Reg.rbp, -8), Reg.rsi)],
  ['mov WORD PTR [rax],r9w', (a) => a.store(2, mem(Reg.rax), Reg.r9)],
  ['mov QWORD PTR [r15+0x20],r14', (a) => a.store(8, mem(Reg.r15, 32), Reg.r14)],
  ['mov DWORD PTR [rsp],0xffffffff', (a) => a.storeImm(4, mem(Reg.rsp), -1)],
  ['mov r10,0xffffffffffffffff', (a) => a.movRI(Reg.r10, 0xffffffffffffffffn)],
  ['movabs rax,0x123456789', (a) => a.movRI(Reg.rax, 0x123456789n)],
  ['mov r11d,0x80000000', (a) => a.movRI(Reg.r11, 0x80000000)],
  ['lea rax,[rsi+rcx*1-0x1]', (a) => a.lea(8, Reg.rax, mem(Reg.rsi, -1, Reg.rcx))],
  ['setl dil', (a) => a.setcc(Cond.L, Reg.rdi)],
  ['cmove rbx,r11', (a) => a.cmov(Cond.E, 8, Reg.rbx, Reg.r11)],
  ['movsxd rax,ecx', (a) => a.movsx(4, 8, Reg.rax, Reg.rcx)],
  ['movsx esi,sil', (a) => a.movsx(1, 4, Reg.rsi, Reg.rsi)],
  ['movzx ebx,bl', (a) => a.movzx8(Reg.rbx, Reg.rbx)],
  ['imul r8,r9', (a) => a.imulRR(8, Reg.r8, Reg.r9)],
  ['imul eax,ecx,0x64', (a) => a.imulRRI(4, Reg.rax, Reg.rcx, 100)],
  ['idiv r13', (a) => a.idiv(8, Reg.r13)],
  ['div ebx', (a) => a.div(4, Reg.rbx)],
  ['cqo', (a) => a.signExtendAx(8)],
  ['shl r12,cl', (a) => a.shiftCl(Shift.shl, 8, Reg.r12)],
  ['sar eax,0x3', (a) => a.shiftI(Shift.sar, 4, Reg.rax, 3)],
  ['ror rbx,0x3f', (a) => a.shiftI(Shift.ror, 8, Reg.rbx, 63)],
  ['bsr r8,rax', (a) => a.bsr(8, Reg.r8, Reg.rax)],
  ['bsf eax,esi', (a) => a.bsf(4, Reg.rax, Reg.rsi)],
  ['popcnt ebx,r8d', (a) => a.popcnt(4, Reg.rbx, Reg.r8)],
  ['push r15', (a) => a.push(Reg.r15)],
  ['pop rbp', (a) => a.pop(Reg.rbp)],
  ['call rax', (a) => a.callR(Reg.rax)],
  ['call QWORD PTR [rdx+0x8]', (a) => a.callR(mem(Reg.rdx, 8))],
  ['ud2', (a) => a.ud2()],
  ['syscall', (a) => a.syscall()],
  ['addsd xmm1,xmm9', (a) => a.arith(0x58, true, 1, 9)],
  ['divss xmm0,xmm2', (a) => a.arith(0x5e, false, 0, 2)],
  ['sqrtsd xmm13,xmm13', (a) => a.arith(0x51, true, 13, 13)],
  ['movss xmm12,DWORD PTR [rbp-0x18]', (a) => a.movsdLoad(false, 12, mem(Reg.rbp, -24))],
  ['movsd QWORD PTR [r14+rbx*1],xmm3', (a) => a.movsdStore(true, mem(Reg.r14, 0, Reg.rbx), 3)],
  ['roundsd xmm3,xmm4,0x9', (a) => a.round(true, 3, 4, 9)],
  ['roundss xmm10,xmm10,0xa', (a) => a.round(false, 10, 10, 10)],
  ['cvttsd2si r11,xmm2', (a) => a.cvtts2si(true, 8, Reg.r11, 2)],
  ['cvtsi2sd xmm5,rax', (a) => a.cvtsi2s(true, 8, 5, Reg.rax)],
  ['cvtss2sd xmm15,xmm1', (a) => a.cvtFloat(true, 15, 1)],
  ['movq xmm15,rax', (a) => a.movqXR(true, 15, Reg.rax)],
  ['movd ecx,xmm8', (a) => a.movqRX(false, Reg.rcx, 8)],
  ['ucomisd xmm0,xmm1', (a) => a.ucomis(true, 0, 1)],
  ['ucomiss xmm9,xmm2', (a) => a.ucomis(false, 9, 2)],
  ['orpd xmm2,xmm3', (a) => a.logic(0x56, true, 2, 3)],
  ['xorps xmm4,xmm4', (a) => a.logic(0x57, false, 4, 4)],
  ['movaps xmm1,xmm14', (a) => a.movaps(1, 14)],
  ['movups xmm15,XMMWORD PTR [rsi+rcx*1]', (a) => a.movupsLoad(15, mem(Reg.rsi, 0, Reg.rcx))],
  ['movups XMMWORD PTR [rdi+rcx*1],xmm14', (a) => a.movupsStore(mem(Reg.rdi, 0, Reg.rcx), 14)],
];

function disassemble(code: Uint8Array): string[] | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-enc-'));
  try {
    const file = join(dir, 'code.bin');
    writeFileSync(file, code);
    const r = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', file], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return undefined;
    return r.stdout
      .split('\n')
      .filter((l) => /^\s+[0-9a-f]+:\t/.test(l))
      .map((l) => l.split('\t')[2]?.replace(/\s+/g, ' ').trim() ?? '')
      .filter((l) => l !== ''); // continuation lines of long instructions
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('encodings match objdump', (t) => {
  if (spawnSync('objdump', ['--version']).error) return t.skip('no objdump: apt-get install binutils');
  const a = new Assembler();
  for (const [, emit] of cases) emit(a);
  const lines = disassemble(a.finish());
  assert.ok(lines, 'objdump failed');
  assert.deepEqual(lines, cases.map(([text]) => text.replace(/\s+/g, ' ')));
});

test('labels: forward jumps are rel32, near backward jumps rel8, far backward jumps rel32', () => {
  const a = new Assembler();
  const top = a.label(), end = a.label();
  a.bind(top);
  a.jcc(Cond.E, end); // 6 bytes at 0 (forward: distance unknown)
  a.jmp(top); // 2 bytes at 6: eb, 0 - 8
  a.jcc(Cond.L, top); // 2 bytes at 8: 7c, 0 - 10
  a.bind(end);
  assert.deepEqual([...a.finish()], [0x0f, 0x84, 4, 0, 0, 0, 0xeb, 0xf8, 0x7c, 0xf6]);

  // -128 is the farthest rel8 reaches; one byte more needs rel32
  for (const [pad, bytes] of [[126, [0xeb, 0x80]], [127, [0xe9, 0x7c, 0xff, 0xff, 0xff]]] as const) {
    const b = new Assembler();
    const t = b.label();
    b.bind(t);
    for (let i = 0; i < pad; i++) b.nop();
    b.jmp(t);
    assert.deepEqual([...b.finish().subarray(pad)], bytes, `jump back over ${pad} bytes`);
  }
  const c = new Assembler();
  const t = c.label();
  c.bind(t);
  for (let i = 0; i < 127; i++) c.nop();
  c.jcc(Cond.NE, t);
  assert.deepEqual([...c.finish().subarray(127)], [0x0f, 0x85, 0x7b, 0xff, 0xff, 0xff]);
});

test('alignNops pads with one multi-byte NOP, or a jmp over longer padding', () => {
  for (let start = 0; start < 40; start++) {
    const a = new Assembler();
    for (let i = 0; i < start; i++) a.int3();
    a.alignNops(32);
    const code = a.finish();
    assert.equal(code.length % 32, 0, `from ${start}`);
    assert.ok(code.length - start < 32, `from ${start}: no more than one alignment unit`);
  }
  // up to 9 bytes: one NOP; more: a short jmp to the aligned position (one instruction on entry)
  const a = new Assembler();
  for (let i = 0; i < 7; i++) a.int3();
  a.alignNops(16);
  const lines = disassemble(a.finish());
  assert.ok(lines, 'objdump failed');
  assert.deepEqual(lines.slice(7).map((l) => l.split(' ')[0]), ['nop']);
  const b = new Assembler();
  b.int3();
  b.alignNops(16);
  const code = b.finish();
  assert.deepEqual([...code.subarray(1, 3)], [0xeb, 16 - 3], 'jmp rel8 to 16');
  assert.ok(code.subarray(3).every((x) => x === 0xcc), 'the bytes jumped over are int3');
});

test('unbound labels and oversized displacements are errors', () => {
  const a = new Assembler();
  a.jmp(a.label('nowhere'));
  assert.throws(() => a.finish(), /unbound label nowhere/);
  assert.throws(() => new Assembler().load(8, Reg.rax, mem(Reg.rax, 2 ** 32)), /does not fit/);
});

test('a jump to the next instruction is removed; labels bound at or after it move with it', () => {
  const a = new Assembler();
  const top = a.label(), mid = a.label(), end = a.label(), after = a.label();
  a.bind(top);
  a.nop(); // 0
  a.jcc(Cond.E, end); // 1..6: removed with the jmp below
  a.bind(mid); // at the jmp: becomes end's position
  a.jmp(end); // removed: end is bound next
  a.bind(end);
  a.jmp(after); // kept: code follows it
  a.nop();
  a.jmp(after); // removed, so is nothing before it (the nop)
  a.bind(after);
  a.jmp(top); // rel8 back
  assert.equal(a.removedJumps, 3);
  assert.equal(mid.pos, 1);
  assert.equal(end.pos, 1);
  assert.equal(after.pos, 7);
  assert.deepEqual([...a.finish()], [0x90, 0xe9, 1, 0, 0, 0, 0x90, 0xeb, 0xf7]);

  // a label bound between the jump and its target moves back too
  const b = new Assembler();
  const x = b.label(), y = b.label();
  b.jmp(y);
  b.bind(x);
  b.bind(y);
  b.int3();
  assert.deepEqual([x.pos, y.pos], [0, 0]);
  assert.deepEqual([...b.finish()], [0xcc]);
  // lea, call and jump-table fixups to the next position are not jumps and stay
  const c = new Assembler();
  const z = c.label();
  c.leaLabel(Reg.rax, z);
  c.bind(z);
  const w = c.label(), v = c.label();
  c.call(w);
  c.bind(w);
  c.labelDiff32(v, z);
  c.bind(v);
  assert.equal(c.removedJumps, 0);
  assert.deepEqual([...c.finish()], [0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0, 9, 0, 0, 0]);
});
