// `xenolith build`: each kind of entry through the pipeline, and the errors a user sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../build/vm/compile-vm.ts';

const cli = join(repoRoot, 'bin', 'xenolith.js');
const fixtures = join(repoRoot, 'test', 'cli', 'assembly');
const isX64Linux = process.platform === 'linux' && process.arch === 'x64';

function xenolith(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
}

const tmp = mkdtempSync(join(tmpdir(), 'xenolith-build-test-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('an AssemblyScript program builds to a native executable whose main is the exit status', { skip: !isX64Linux && 'needs x86-64 Linux' }, () => {
  const out = join(tmp, 'fib');
  const r = xenolith('build', join(fixtures, 'fib.ts'), '--target', 'linux', '-o', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.kind, 'assemblyscript');
  assert.deepEqual(summary.outputs, [out]);
  const run = spawnSync(out);
  assert.equal(run.status, 109);
});

test('the same program builds to wasm for node, and the wasm computes the same', async () => {
  const out = join(tmp, 'fib.wasm');
  const r = xenolith('build', join(fixtures, 'fib.ts'), '-o', out, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const module = new WebAssembly.Module(new Uint8Array(readFileSync(out)));
  const instance = new WebAssembly.Instance(module, {});
  assert.equal((instance.exports.main as () => number)(), 109);
});

test('a compile error is reported as file:line:col with exit status 1', () => {
  const out = join(tmp, 'bad');
  const r = xenolith('build', join(fixtures, 'undefined-name.ts'), '--target', 'linux', '-o', out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /undefined-name\.ts:2:10: error/);
  assert.match(r.stderr, /missingName/);
  assert.ok(!existsSync(out));
});

test('the error names the file as the user typed it, relative to the current directory', () => {
  const r = spawnSync(process.execPath, [cli, 'build', 'undefined-name.ts', '-o', join(tmp, 'bad.wasm')],
    { cwd: fixtures, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^undefined-name\.ts:2:10: error AS\d+: /m);
});

test('bad targets and missing entries are refused clearly', () => {
  const a = xenolith('build', join(fixtures, 'fib.ts'), '--target', 'arm');
  assert.notEqual(a.status, 0);
  assert.match(a.stderr, /unknown target 'arm'/);
  const b = xenolith('build', join(fixtures, 'nope.ts'));
  assert.notEqual(b.status, 0);
  assert.match(b.stderr, /no such file or directory/);
});

test('a Smalltalk source directory builds to an image for node', () => {
  const out = join(tmp, 'hello.image');
  const r = xenolith('build', join(repoRoot, 'examples', 'hello'), '-o', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.kind, 'smalltalk-sources');
  const image = readFileSync(out);
  // 64-bit Spur image format number 68021 (little-endian) in the header's first word
  assert.equal(image.readUInt32LE(0), 68021);
});

test('build --help documents the targets', () => {
  const r = xenolith('build', '--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--target/);
  assert.match(r.stdout, /node, linux, xen/);
});
