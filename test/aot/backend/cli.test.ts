// `xenolith aot`: compiles a .wasm file to an executable; bad input gives a clear error and
// exit status 2, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watToWasm } from './support/native.ts';

const cli = fileURLToPath(new URL('../../../bin/xenolith.js', import.meta.url));

test('xenolith aot: compile, run, JSON summary, errors', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-cli-'));
  try {
    writeFileSync(join(dir, 'ok.wasm'), await watToWasm(`(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (func (export "_start") (call $exit (i32.const 42))))`));
    const r = spawnSync(process.execPath, [cli, 'aot', join(dir, 'ok.wasm'), '-o', join(dir, 'ok'), '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.target, 'linux');
    assert.equal(summary.functions, 1);
    assert.equal(spawnSync(join(dir, 'ok')).status, 42);

    writeFileSync(join(dir, 'bad.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]));
    const b = spawnSync(process.execPath, [cli, 'aot', join(dir, 'bad.wasm'), '-o', join(dir, 'bad')], { encoding: 'utf8' });
    assert.equal(b.status, 2);
    assert.match(b.stderr, /bad\.wasm: malformed module at byte 0x4: /);

    writeFileSync(join(dir, 'imp.wasm'), await watToWasm(`(module (import "env" "f" (func)) (func (export "_start") (call 0)))`));
    const c = spawnSync(process.execPath, [cli, 'aot', join(dir, 'imp.wasm'), '-o', join(dir, 'imp')], { encoding: 'utf8' });
    assert.equal(c.status, 2);
    assert.match(c.stderr, /import env\.f is not provided by the linux target/);

    const d = spawnSync(process.execPath, [cli, 'aot', join(dir, 'ok.wasm'), '-o', join(dir, 'x'), '--target', 'beos'], { encoding: 'utf8' });
    assert.notEqual(d.status, 0);
    assert.match(d.stderr, /unknown target beos/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
