// The class library's SUnit suite (smalltalk-tests/Library-Tests) through `xenolith test`'s
// machinery: one image build and one VM run per target. Also checks that failures and errors
// are reported (a sample with a failing and an erring test) and that the CLI exits non-zero.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runTests } from '../../build/cli/commands/test.ts';

const SUITE = 'smalltalk-tests/Library-Tests';
/** The suite runs 615 tests (December 2026); a floor well above zero so it cannot pass empty. */
const MIN_TESTS = 600;

const work = mkdtempSync(join(tmpdir(), 'xenolith-sunit-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('the library suite passes on node', async () => {
  const r = await runTests([SUITE], 'node');
  const details = r.problems.map((p) => `${p.kind} ${p.class}>>#${p.selector}: ${p.message}`).join('\n');
  assert.equal(r.failed + r.errors, 0, details);
  assert.ok(r.passed >= MIN_TESTS, `only ${r.passed} tests ran`);
  assert.equal(r.status, 0);
});

test('the library suite passes on linux (the native VM)', async (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') { t.skip('needs an x86-64 Linux host'); return; }
  const r = await runTests([SUITE], 'linux');
  const details = r.problems.map((p) => `${p.kind} ${p.class}>>#${p.selector}: ${p.message}`).join('\n');
  assert.equal(r.failed + r.errors, 0, details);
  assert.ok(r.passed >= MIN_TESTS, `only ${r.passed} tests ran`);
  assert.equal(r.status, 0);
});

test('failures and errors are reported with their messages', async () => {
  const dir = join(work, 'Sample');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.st'), "Package { #name : #Sample }\n");
  writeFileSync(join(dir, 'SampleTest.class.st'), `Class {
	#name : #SampleTest,
	#superclass : #TestCase,
	#category : #Sample
}

SampleTest >> testPass [
	self assert: 1 + 1 equals: 2
]

SampleTest >> testFail [
	self assert: 1 + 1 equals: 3
]

SampleTest >> testError [
	nil zork
]
`);
  const r = await runTests([dir], 'node');
  assert.deepEqual({ passed: r.passed, failed: r.failed, errors: r.errors }, { passed: 1, failed: 1, errors: 1 });
  assert.deepEqual(r.problems, [
    { kind: 'failure', class: 'SampleTest', selector: 'testFail', message: 'Expected 3 but was 2' },
    { kind: 'error', class: 'SampleTest', selector: 'testError', message: 'MessageNotUnderstood: nil does not understand #zork' },
  ]);
  assert.equal(r.status, 1);

  // The command: text report and exit status.
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'build/cli/main.ts', 'test', '-q', dir], { encoding: 'utf8' });
  assert.equal(cli.status, 1, cli.stderr);
  assert.match(cli.stdout, /FAIL SampleTest>>#testFail: Expected 3 but was 2\n/);
  assert.match(cli.stdout, /ERROR SampleTest>>#testError: MessageNotUnderstood: nil does not understand #zork\n/);
  assert.match(cli.stdout, /1 passed, 2 failed\n$/);
});

test('a missing directory is a clear error', () => {
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'build/cli/main.ts', 'test', '-q', join(work, 'nope')], { encoding: 'utf8' });
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, /no such Tonel source directory/);
});
