// build/pipeline/linux-program.ts: a WASI module file compiled to a static executable that runs
// and exits with its status; a bad module is an error that names the file, with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLinuxProgram } from '../../../build/pipeline/linux-program.ts';
import { watToWasm } from '../../aot/backend/support/native.ts';

const skip = !(process.platform === 'linux' && process.arch === 'x64') && 'needs x86-64 Linux';
const dir = mkdtempSync(join(tmpdir(), 'xenolith-linux-program-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a WASI module becomes an executable that prints and exits with its status', { skip }, async () => {
  const wasm = join(dir, 'hello.wasm');
  writeFileSync(wasm, await watToWasm(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "native hello\\n")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 13))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (call $proc_exit (i32.const 5))))`));
  const out = join(dir, 'hello');
  const lines: string[] = [];
  const r = await buildLinuxProgram({ wasm, out, progress: (l) => lines.push(l) });
  assert.deepEqual(r.outputs, [out]);
  assert.equal(statSync(out).size, r.bytes);
  assert.ok(statSync(out).mode & 0o100, 'executable');
  assert.ok(lines.some((l) => l.includes('hello.wasm')));
  const run = spawnSync(out, [], { encoding: 'utf8' });
  assert.equal(run.stdout, 'native hello\n');
  assert.equal(run.status, 5);
});

test('a file that is not WebAssembly is rejected and nothing is written', { skip }, async () => {
  const wasm = join(dir, 'bad.wasm');
  writeFileSync(wasm, 'not a module');
  const out = join(dir, 'bad');
  await assert.rejects(buildLinuxProgram({ wasm, out }), /magic|wasm|WebAssembly/i);
  assert.equal(existsSync(out), false);
});
