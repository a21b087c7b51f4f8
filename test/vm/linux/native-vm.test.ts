// The VM compiled ahead of time to a static Linux executable (`xenolith run --target linux`,
// targets/linux/platform over WASI): the example's output, --eval, exit statuses, a bad image,
// console input, sleeping, arguments, snapshots, and `xenolith build --target linux`, whose
// executable carries its image and runs on its own. The first run builds the VM (asc + AOT,
// cached under .cache/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../build/vm/compile-vm.ts';
import { buildLinuxVm } from '../../../build/pipeline/linux-vm.ts';
import { buildEvalImage } from '../../../build/cli/commands/run.ts';
import { embeddedImage } from '../../../build/pipeline/linux-image-trailer.ts';

const isX64Linux = process.platform === 'linux' && process.arch === 'x64';
const skip = !isX64Linux && 'needs x86-64 Linux';
const cli = join(repoRoot, 'bin', 'xenolith.js');
const hello = join(repoRoot, 'examples', 'hello');
const fixture = join(repoRoot, 'test', 'vm', 'linux', 'fixtures', 'xnative');
const tmp = mkdtempSync(join(tmpdir(), 'xenolith-native-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function xenolith(args: string[], input?: string) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8', input, timeout: 300_000 });
}

let vmPath: string | undefined;
async function vm(): Promise<string> {
  vmPath ??= (await buildLinuxVm()).elfPath;
  return vmPath;
}

function evalImage(expr: string): string {
  const built = buildEvalImage(expr, [fixture]);
  const path = join(tmp, `eval${Math.random().toString(36).slice(2)}.image`);
  copyFileSync(built.path, path);
  built.cleanup();
  return path;
}

test('examples/hello runs natively with the right output', { skip }, () => {
  const r = xenolith(['run', hello, '--target', 'linux', '-q']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Hello from Smalltalk on Xenolith!/);
  assert.match(r.stdout, /1000 factorial has 2568 digits/);
  assert.match(r.stdout, /sum of its digits: 10539/);
});

test('--eval prints the value natively', { skip }, () => {
  const r = xenolith(['run', hello, '--target', 'linux', '-q', '--eval', '3 + 4']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '7');
});

test('an image that quits with status 3 exits with status 3', { skip }, () => {
  const r = xenolith(['run', '--target', 'linux', '-q', '--eval', 'Smalltalk quit: 3']);
  assert.equal(r.status, 3, r.stderr);
});

test('a corrupt, missing or directory image is a clear error with a non-zero status', { skip }, async () => {
  const exe = await vm();
  const bad = join(tmp, 'bad.image');
  writeFileSync(bad, new Uint8Array(4096).fill(0x5a));
  const r = spawnSync(exe, [bad], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 70);
  assert.match(r.stderr, /xenolith: VM crash: bad magic number .*not a 64-bit Spur image/);
  const missing = spawnSync(exe, [join(tmp, 'nope.image')], { encoding: 'utf8' });
  assert.equal(missing.status, 64);
  assert.match(missing.stderr, /cannot open image file .*nope\.image: no such file or directory/);
  const dir = spawnSync(exe, [tmp], { encoding: 'utf8' });
  assert.equal(dir.status, 64);
  assert.match(dir.stderr, /is a directory/);
  const none = spawnSync(exe, [], { encoding: 'utf8' });
  assert.equal(none.status, 64);
  assert.match(none.stderr, /usage: .* IMAGE/);
  // through the CLI, the same message and status
  const cliRun = xenolith(['run', bad, '--target', 'linux', '-q']);
  assert.equal(cliRun.status, 70);
  assert.match(cliRun.stderr, /not a 64-bit Spur image/);
});

test('console input: piped stdin is read to its end', { skip }, async () => {
  const r = spawnSync(await vm(), [evalImage('XNative readAll size')], { encoding: 'utf8', input: 'hello stdin\n', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '12');
});

test('sleeping idles until the deadline instead of returning early', { skip }, async () => {
  const image = evalImage('Processor relinquishProcessorForMicroseconds: 300000. 5');
  const t0 = Date.now();
  const r = spawnSync(await vm(), [image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  const ms = Date.now() - t0;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '5');
  assert.ok(ms >= 300 && ms < 5000, `took ${ms} ms`);
});

test('arguments after the image reach it, quoted as on node', { skip }, async () => {
  const r = spawnSync(await vm(), [evalImage('XNative arguments'), 'one', 'two words', "it's"], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /one/);
  assert.match(r.stdout, /two words/);
  assert.match(r.stdout, /it''s|it's/);
});

test('a snapshot is written to --snapshot and resumes from there', { skip }, async () => {
  const snap = join(tmp, 'snap.image');
  const r = spawnSync(await vm(), ['--snapshot', snap, evalImage('XNative snapshot')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'false');
  assert.ok(existsSync(snap));
  const again = spawnSync(await vm(), [snap], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout.trim(), 'true');
});

test('xenolith build --target linux writes one executable that carries its image and runs alone', { skip }, () => {
  const out = join(tmp, 'hello-app');
  const b = xenolith(['build', hello, '--target', 'linux', '-o', out, '--quiet']);
  assert.equal(b.status, 0, b.stderr);
  const bytes = new Uint8Array(readFileSync(out));
  const image = embeddedImage(bytes);
  assert.ok(image && image.length > 1000, 'the image is appended with its trailer');
  // moved elsewhere, with no cache or image file beside it
  const alone = join(mkdtempSync(join(tmp, 'alone-')), 'app');
  copyFileSync(out, alone);
  rmSync(out);
  const r = spawnSync(alone, [], { encoding: 'utf8', cwd: tmpdir() });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1000 factorial has 2568 digits/);
  assert.match(r.stdout, /sum of its digits: 10539/);
});
