// ELF64 writer and the `linux` executable layout, checked with readelf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elfNote, writeElf } from '../../build/link/elf.ts';
import { buildExe, watToWasm } from '../aot/backend/support/native.ts';

const hasReadelf = !spawnSync('readelf', ['--version']).error;
function readelf(args: string[], bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-elf-'));
  try {
    const f = join(dir, 'a.elf');
    writeFileSync(f, bytes);
    const r = spawnSync('readelf', ['-W', ...args, f], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('generic writer: segments, permissions, notes, symbols', (t) => {
  if (!hasReadelf) return t.skip('no readelf: apt-get install binutils');
  const elf = writeElf({
    entry: 0x200010n,
    sections: [
      { name: '.text', kind: 'progbits', perm: 'rx', addr: 0x200000n, data: new Uint8Array(64).fill(0x90) },
      { name: '.note.test', kind: 'note', perm: 'r', addr: 0x201000n, data: elfNote('Xen', 6, new TextEncoder().encode('xen-3.0\0')) },
      { name: '.data', kind: 'progbits', perm: 'rw', addr: 0x202000n, data: new Uint8Array(8) },
      { name: '.bss', kind: 'nobits', perm: 'rw', addr: 0x203000n, data: new Uint8Array(0), size: 0x5000 },
    ],
    symbols: [{ name: 'entry_fn', value: 0x200010n, size: 16, type: 'func', section: '.text', global: true }],
  });
  const h = readelf(['-h', '-l'], elf);
  assert.match(h, /Type:\s+EXEC/);
  assert.match(h, /Machine:\s+Advanced Micro Devices X86-64/);
  assert.match(h, /Entry point address:\s+0x200010/);
  assert.match(h, /LOAD\s+0x[0-9a-f]+ 0x0+200000 0x0+200000 0x000040 0x000040 R E 0x1000/);
  assert.match(h, /LOAD\s+0x[0-9a-f]+ 0x0+203000 0x0+203000 0x000000 0x005000 RW  0x1000/);
  assert.match(h, /NOTE\s+0x[0-9a-f]+ 0x0+201000/);
  const n = readelf(['-n'], elf);
  assert.match(n, /Xen\s+0x00000008\s+Unknown note type: \(0x00000006\)/);
  const s = readelf(['-s'], elf);
  assert.match(s, /0+200010\s+16 FUNC\s+GLOBAL DEFAULT\s+1 entry_fn/);
});

test('overlapping sections are rejected', () => {
  assert.throws(() => writeElf({
    entry: 0n,
    sections: [
      { name: 'a', kind: 'progbits', perm: 'r', addr: 0x1000n, data: new Uint8Array(0x20) },
      { name: 'b', kind: 'progbits', perm: 'r', addr: 0x1010n, data: new Uint8Array(0x20) },
    ],
  }), /overlap/);
});

test('linux executable: R+X text, R rodata, RW data, no W+X, function symbols', async (t) => {
  if (!hasReadelf) return t.skip('no readelf: apt-get install binutils');
  const { exe } = buildExe(await watToWasm(`(module (memory 1) (data (i32.const 0) "x")
    (func $helper (result i32) (i32.const 3)) (func (export "main") (result i32) (call $helper)))`));
  const l = readelf(['-l'], exe.elf);
  const loads = [...l.matchAll(/LOAD\s.*\s(R|RW|R E|RWE)\s+0x1000/g)].map((m) => m[1]);
  assert.deepEqual(loads, ['R E', 'R', 'RW', 'RW']);
  assert.doesNotMatch(l, /RWE/);
  const s = readelf(['-s'], exe.elf);
  for (const name of ['_start', 'helper', 'main', 'rt.signal', 'wasi.fd_write', 'm0.init']) assert.match(s, new RegExp(`FUNC\\s+GLOBAL DEFAULT\\s+\\d+ ${name.replace('.', '\\.')}\\n`));
  const h = readelf(['-h'], exe.elf);
  assert.match(h, new RegExp(`Entry point address:\\s+0x${exe.address('_start').toString(16)}`));
});
