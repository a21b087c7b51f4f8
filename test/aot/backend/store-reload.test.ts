// Two clean-ups at loop exits and back edges (x64/encoder.ts dropJumpsToHere, regalloc.ts
// noteStored): no compiled jump goes to the very next instruction, and an integer local in the
// frame that was just stored from a register is not loaded back into that register (the `i++`
// then `i < n` of a rotated loop whose counter has no register). The program also runs in V8
// and natively and must agree.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TypeRegistry } from '../../../build/aot/abi.ts';
import { compileModule } from '../../../build/aot/compile.ts';
import { ProgramObject } from '../../../build/aot/object.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { watToWasm } from './support/native.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

// eight locals used more than the counter $i and the bound $n take the pinned registers, so
// $i and $n live in the frame
const body = (v: string, w: string) => `(local.set ${v} (i32.add (i32.xor (local.get ${v}) (local.get ${w})) (i32.rotl (local.get ${v}) (i32.const 3))))`;
const V = ['$a', '$b', '$c', '$d', '$e', '$f', '$g', '$h'];
const WAT = `(module
  (func (export "many") (param $n i32) (result i32) (local $i i32) ${V.map((v) => `(local ${v} i32)`).join(' ')}
    ${V.map((v, k) => `(local.set ${v} (i32.add (local.get $n) (i32.const ${k * 77 + 1})))`).join('\n    ')}
    (loop $l
      (if (i32.lt_u (local.get $i) (local.get $n))
        (then
          ${V.map((v, k) => body(v, V[(k + 1) % 8])).join('\n          ')}
          ${V.map((v, k) => body(v, V[(k + 3) % 8])).join('\n          ')}
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l))))
    ${V.slice(1).reduce((acc, v) => `(i32.xor ${acc} (local.get ${v}))`, '(local.get $a)')}))`;

function disassemble(code: Uint8Array, from: number, to: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-reload-'));
  try {
    writeFileSync(join(dir, 'code.bin'), code);
    const r = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', `--start-address=${from}`, `--stop-address=${to}`, join(dir, 'code.bin')], { encoding: 'utf8' });
    return r.stdout.split('\n').flatMap((l) => {
      const m = /^\s*([0-9a-f]+):\t[0-9a-f ]+?\s*\t(.*)$/.exec(l);
      return m ? [`${m[1]}: ${m[2].replace(/\s+/g, ' ').trim()}`] : [];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const REG32: Record<string, string> = { rax: 'eax', rbx: 'ebx', rcx: 'ecx', rdx: 'edx', rsi: 'esi', rdi: 'edi' };
const low32 = (r: string) => REG32[r] ?? `${r}d`;

test('no jump to the next instruction; a frame local just stored is not reloaded', async (t) => {
  if (spawnSync('objdump', ['--version']).error) return t.skip('no objdump: apt-get install binutils');
  const obj = new ProgramObject();
  compileModule(obj, loadModule(await watToWasm(WAT)), { target: 'session', types: new TypeRegistry(), prefix: 'm0', allowImports: true });
  const code = obj.asm.finish();
  const f = obj.functions.find((x) => x.name === 'many');
  assert.ok(f);
  const lines = disassemble(code, f.offset, f.offset + f.size);
  const text = lines.join('\n');
  for (let k = 0; k + 1 < lines.length; k++) {
    const jump = /^[0-9a-f]+: j\w+ 0x([0-9a-f]+)$/.exec(lines[k]);
    if (jump) assert.notEqual(parseInt(jump[1], 16), parseInt(lines[k + 1], 16), `${lines[k]} goes to the next instruction\n${text}`);
  }
  let stores = 0;
  for (let k = 0; k + 1 < lines.length; k++) {
    const st = /: mov QWORD PTR \[rbp(-0x[0-9a-f]+)\],(r\w+)$/.exec(lines[k]);
    if (!st) continue;
    stores++;
    assert.ok(!lines[k + 1].endsWith(`: mov ${low32(st[2])},DWORD PTR [rbp${st[1]}]`), `reload after ${lines[k]}\n${text}`);
  }
  // the counter's store is followed by the compare that used to reload it
  assert.ok(stores >= 1 && /mov QWORD PTR \[rbp-0x[0-9a-f]+\],(r\w+)\n[0-9a-f]+: cmp /.test(text), `the counter is stored and compared\n${text}`);
});

test('the program computes what V8 computes', () => assertAgreesWithV8(WAT, { many: [0, 1, 2, 7, 100, 1001] }));
