// The xen runtime stubs lowered with build/aot/x64's Assembler and build/aot's calling
// convention (build/runtime/xen/lower.ts), disassembled by objdump. (The same stubs run on
// real Xen, lowered by a test-only encoder with System V calls, in xen-*-probe.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Assembler } from '../../build/aot/x64/encoder.ts';
import { lowerStub } from '../../build/runtime/xen/lower.ts';
import { allStubs, exceptionStub, upcallStub, entryStub, type Stub } from '../../build/runtime/xen/stubs.ts';

const link = { exportSymbol: (n: string) => `m.${n}`, initSymbol: 'm.init', vmctxSymbol: 'm.vmctx' };

function lower(s: Stub) {
  const asm = new Assembler();
  lowerStub(asm, s, link);
  return { code: asm.finish(), relocs: asm.relocs.map((r) => `${r.symbol}${r.addend >= 0 ? '+' : ''}${r.addend}`) };
}

function disassemble(code: Uint8Array): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'xen-lower-'));
  try {
    const file = path.join(dir, 'stub.bin');
    writeFileSync(file, code);
    const text = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', file], { encoding: 'utf8', timeout: 10_000 });
    return text.split('\n').filter((l) => /^\s+[0-9a-f]+:/.test(l))
      .map((l) => l.split('\t').slice(2).join(' ').replace(/\s+#.*$/, '').replace(/\s+/g, ' ').trim())
      .filter((s) => s.length > 0).join(' | ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function haveObjdump(): boolean {
  try {
    execFileSync('objdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('every stub lowers; calls and data go through the expected symbols', () => {
  for (const s of allStubs()) assert.ok(lower(s).code.length > 0, s.name);
  assert.deepEqual(lower(entryStub()).relocs, [
    'xen.start_info_slot-4', 'xen.stack_hi-4', 'm.vmctx-4', 'xen.linear_base-4', 'xen.stack_lo+65532',
    'm.init-4', 'm.xen_boot-4', 'm.main-4', 'm.xen_exit-4',
  ]);
  assert.deepEqual(lower(upcallStub()).relocs, ['m.xen_event_upcall-4', 'xen.hypercall_page+732']);
  // the trap path may use the stack reserve: the limit drops to the bottom of the stack
  assert.deepEqual(lower(exceptionStub(14)).relocs, ['m.vmctx-4', 'xen.linear_base-4', 'xen.stack_lo-4', 'm.xen_trap-4']);
});

test('exports are called with the arguments in the outgoing area at [rsp+8i]', (t) => {
  if (!haveObjdump()) return t.skip('no objdump: apt-get install binutils');
  assert.equal(disassemble(lower(exceptionStub(14)).code),
    'mov rcx,QWORD PTR [rsp] | mov r11,QWORD PTR [rsp+0x8] | add rsp,0x10 | ' +
    'lea r15,[rip+0x0] | lea r14,[rip+0x0] | lea rax,[rip+0x0] | mov QWORD PTR [r15+0x10],rax | ' +
    'mov rax,QWORD PTR [rsp+0x8] | ' +
    'mov r9,QWORD PTR [rsp+0x20] | mov r10,QWORD PTR [rsp] | and rsp,0xfffffffffffffff0 | sub rsp,0x30 | ' +
    'mov QWORD PTR [rsp],0xe | mov QWORD PTR [rsp+0x8],r10 | mov QWORD PTR [rsp+0x10],rax | ' +
    'mov QWORD PTR [rsp+0x18],r9 | mov QWORD PTR [rsp+0x20],rbp | call 0x5d | add rsp,0x30 | ud2');
});

test('the entry sets r15, r14, the memory base copies and the stack limit, and passes main\'s result on', (t) => {
  if (!haveObjdump()) return t.skip('no objdump: apt-get install binutils');
  const text = disassemble(lower(entryStub()).code);
  assert.match(text, /^lea rax,\[rip\+0x0\] \| mov QWORD PTR \[rax\],rsi \| lea rsp,\[rip\+0x0\] \| xor ebp,ebp \| /);
  assert.match(text, /lea r15,\[rip\+0x0\] \| lea r14,\[rip\+0x0\] \| mov QWORD PTR \[r15\],r14 \| mov rax,QWORD PTR \[r15\+0x8\] \| test rax,rax \| je 0x[0-9a-f]+ \| mov QWORD PTR \[rax\],r14 \| lea rax,\[rip\+0x0\] \| mov QWORD PTR \[r15\+0x10\],rax/);
  assert.match(text, /call 0x[0-9a-f]+ \| mov rax,QWORD PTR \[rsp\] \| add rsp,0x10 \| sub rsp,0x10 \| mov QWORD PTR \[rsp\],rax \| call 0x[0-9a-f]+ \| add rsp,0x10 \| ud2$/);
});

test('the upcall saves and restores every register but rsp around the call, then iret', (t) => {
  if (!haveObjdump()) return t.skip('no objdump: apt-get install binutils');
  const regs = ['rax', 'rcx', 'rdx', 'rbx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
  assert.equal(disassemble(lower(upcallStub()).code),
    'mov rcx,QWORD PTR [rsp] | mov r11,QWORD PTR [rsp+0x8] | add rsp,0x10 | ' +
    regs.map((r) => `push ${r}`).join(' | ') + ' | mov rbp,rsp | and rsp,0xfffffffffffffff0 | call 0x30 | mov rsp,rbp | ' +
    [...regs].reverse().map((r) => `pop ${r}`).join(' | ') + ' | push 0x0 | jmp 0x54');
});
