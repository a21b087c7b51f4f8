// Runtime pieces the in-image compiler and REPL build on: primitive 79
// (CompiledMethod class>>newMethod:header:, vm/prims/newmethod.ts) with 188 (withArgs:executeMethod:)
// run a method assembled by hand in Smalltalk; ConsoleLineReader reads console lines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../build/vm/compile-vm.ts';

// The header's sign bit selects SistaV1; 2 literals; bytecodes: push literal 0 (0x20), return top (0x5C).
const script = `| m ok bad |
m := CompiledMethod newMethod: 3 header: SmallInteger minVal + 2.
m literalAt: 1 put: 42. m literalAt: 2 put: #answer -> Object.
m at: m initialPC put: 16r20. m at: m initialPC + 1 put: 16r5C.
ok := 3 withArgs: #() executeMethod: m.
bad := [CompiledMethod newMethod: -1 header: 0] on: Error do: [:e | e messageText].
{ok. m numLiterals. m size. bad}`;

test('a CompiledMethod made by primitive 79 runs through primitive 188', () => {
  const bin = join(repoRoot, 'bin/xenolith.js');
  assert.ok(existsSync(bin), 'bin/xenolith.js missing');
  const r = spawnSync(process.execPath, [bin, 'run', '-q', '--eval', script], { encoding: 'utf8', timeout: 120000, input: '' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.stdout.trim(), "#(42 2 27 'newMethod:header: failed (bad size or header)')");
});

test('ConsoleLineReader reads stdin a line at a time (CRLF, last unterminated line, end)', () => {
  const bin = join(repoRoot, 'bin/xenolith.js');
  const r = spawnSync(process.execPath, [bin, 'run', '-q', '--eval',
    '| r | r := ConsoleLineReader new. {r nextLine. r nextLine. r nextLine. r nextLine}'],
  { encoding: 'utf8', timeout: 120000, input: 'abc\r\ndef\nlast' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.stdout.trim(), "#('abc' 'def' 'last' nil)");
});
