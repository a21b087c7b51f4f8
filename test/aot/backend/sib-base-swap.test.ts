// [rbp/r13 + index*1] with no displacement: rbp and r13 as a SIB base need a zero disp8, as the
// index they do not, so the encoder swaps the two (sieve's `lea esi,[r13+rbx]` is 4 bytes, not 5).
// Checked against binutils' disassembly of the same bytes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Assembler, Reg, mem } from '../../../build/aot/x64/encoder.ts';
import { hasObjdump } from './support/disasm.ts';

function objdump(code: Uint8Array): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-sib-'));
  try {
    writeFileSync(join(dir, 'c.bin'), code);
    const r = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', join(dir, 'c.bin')], { encoding: 'utf8' });
    return r.stdout.split('\n').flatMap((l) => {
      const m = /^\s*[0-9a-f]+:\t([0-9a-f ]+?)\s*\t(.*)$/.exec(l);
      return m ? [`${m[1].trim()} | ${m[2].replace(/\s+/g, ' ').trim()}`] : [];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('rbp/r13 bases with an index and no displacement are encoded as the index', (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const a = new Assembler();
  a.lea(4, Reg.rsi, mem(Reg.r13, 0, Reg.rbx));
  a.store(1, mem(Reg.rbp, 0, Reg.r14), Reg.rsi);
  a.load(4, Reg.rax, mem(Reg.r13, 0, Reg.r12));
  // kept: both rbp-like, a displacement, a scale
  a.lea(4, Reg.rsi, mem(Reg.r13, 0, Reg.rbp));
  a.lea(8, Reg.rax, mem(Reg.rbp, -8, Reg.rcx));
  a.lea(8, Reg.rax, mem(Reg.r13, 0, Reg.rcx, 8));
  assert.deepEqual(objdump(a.finish()), [
    '42 8d 34 2b | lea esi,[rbx+r13*1]',
    '41 88 34 2e | mov BYTE PTR [r14+rbp*1],sil',
    '43 8b 04 2c | mov eax,DWORD PTR [r12+r13*1]',
    '41 8d 74 2d 00 | lea esi,[r13+rbp*1+0x0]',
    '48 8d 44 0d f8 | lea rax,[rbp+rcx*1-0x8]',
    '49 8d 44 cd 00 | lea rax,[r13+rcx*8+0x0]',
  ]);
});
