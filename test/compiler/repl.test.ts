// The read-eval-print loop (`xenolith repl`, smalltalk/Compiler/ReadEvalPrintLoop) fed by piped
// stdin on node and on linux: results, workspace variables that persist between lines, a
// statement continued over lines, errors with their stack and the loop going on, end of input
// quitting with status 0. One image is built and run on both targets.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildReplImage } from '../../build/cli/commands/repl.ts';
import { repoRoot } from '../../build/vm/compile-vm.ts';

const bin = join(repoRoot, 'bin/xenolith.js');
const work = mkdtempSync(join(tmpdir(), 'xenolith-repl-test-'));
const image = join(work, 'repl.image');
before(() => buildReplImage(image, [], ''));
after(() => rmSync(work, { recursive: true, force: true }));

const SESSION = [
  '3 factorial printString',
  'x := 6 * 7',
  'x + 1',
  '1/0',
  'x printString , \' still here\'',
  '[:a |',
  '  a * 2] value: x',
  'nil foo',
  '3 + ) 4',
  '',
  'OrderedCollection new add: 5; add: x; yourself',
  '| t | t := 10. t * x',
  'y := x - 2. y // 4',
].join('\n');

const EXPECTED = [
  "'6'",
  '42',
  '43',
  'ZeroDivide: division by zero',
  /^ {2}\S+>>#\/$/,
  /^ {2}\S+>>#\/$/,
  '  UndefinedObject>>#DoIt',
  "'42 still here'",
  '84',
  'MessageNotUnderstood: nil does not understand #foo',
  '  ProtoObject>>#doesNotUnderstand:',
  '  UndefinedObject>>#DoIt',
  /^SyntaxError: 1:\d+: /,
  'an OrderedCollection(5 42)',
  '420',
  '10',
];

function check(stdout: string): void {
  const lines = stdout.replace(/\r/g, '').split('\n').filter((l) => l !== '');
  assert.equal(lines.length, EXPECTED.length, stdout);
  EXPECTED.forEach((e, i) => {
    if (typeof e === 'string') assert.equal(lines[i], e, stdout);
    else assert.match(lines[i], e, stdout);
  });
}

test('the REPL on node: values, workspace variables, multi-line input, errors and the loop going on', () => {
  const r = spawnSync(process.execPath, [bin, 'run', '-q', image], { input: SESSION, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  check(r.stdout);
});

test('the REPL on linux (the native VM)', (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') { t.skip('needs an x86-64 Linux host'); return; }
  const r = spawnSync(process.execPath, [bin, 'run', '-q', '--target', 'linux', image], { input: SESSION, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  check(r.stdout);
});

test('xenolith repl: --help, a prompt, an unknown target', () => {
  const help = spawnSync(process.execPath, [bin, 'repl', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /read-eval-print loop/);
  assert.match(help.stdout, /--target/);
  const r = spawnSync(process.execPath, [bin, 'repl', '-q', '--prompt', '> '], { input: '3 + 4\n', encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '> 7\n> ');
  const bad = spawnSync(process.execPath, [bin, 'repl', '-q', '--target', 'vax'], { encoding: 'utf8', input: '' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown target 'vax'/);
});
