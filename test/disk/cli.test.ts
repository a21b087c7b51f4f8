// The `xenolith xl` and `xenolith disk` commands: output, files written, errors and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findMke2fs } from '../../build/disk/pvgrub-disk.ts';

const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'xenolith.js'), ...args], { encoding: 'utf8', timeout: 60_000 });

test('xenolith xl writes a config with absolute paths; -o writes a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-xl-cli-'));
  try {
    const r = cli(['xl', '--kernel', 'k.elf', '--memory', '32', '--name', 'hello']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^kernel = "\/.*\/k\.elf"$/m);
    assert.match(r.stdout, /^memory = 32$/m);
    const out = join(dir, 'g.cfg');
    const w = cli(['xl', '--disk', 'd.img', '--vif', 'xenbr0', '-o', out]);
    assert.equal(w.status, 0, w.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^kernel = "\/usr\/lib\/grub-xen\/grub-x86_64-xen\.bin"$/m);
    assert.match(text, /bridge=xenbr0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xenolith xl refuses bad input with a message and a non-zero exit', () => {
  const r = cli(['xl', '--kernel', 'k', '--memory', 'lots']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--memory must be a whole number/);
  const n = cli(['xl']);
  assert.notEqual(n.status, 0);
  assert.match(n.stderr, /give a kernel, or a disk/);
});

test('xenolith disk makes an image; a missing kernel is an error', (t) => {
  if (findMke2fs() === null) return t.skip('no mke2fs: apt-get install e2fsprogs');
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-disk-cli-'));
  try {
    writeFileSync(join(dir, 'k'), 'kernel');
    const r = cli(['disk', join(dir, 'k'), '-o', join(dir, 'd.img'), '--cmdline', 'console=hvc0', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { image: join(dir, 'd.img'), sizeMiB: 16 });
    assert.ok(existsSync(join(dir, 'd.img')));
    const bad = cli(['disk', join(dir, 'nope'), '-o', join(dir, 'e.img')]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
