// The compiler's SUnit tests (smalltalk-tests/Compiler-Tests: syntax, inlining, closures, errors,
// workspace bindings, Behavior>>compile:) through `xenolith test`'s runner, on node and linux.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTests } from '../../build/cli/commands/test.ts';

const SUITE = 'smalltalk-tests/Compiler-Tests';
const MIN_TESTS = 16;

for (const target of ['node', 'linux'] as const) {
  test(`the compiler's SUnit tests pass on ${target}`, async (t) => {
    if (target === 'linux' && (process.platform !== 'linux' || process.arch !== 'x64')) { t.skip('needs an x86-64 Linux host'); return; }
    const r = await runTests([SUITE], target);
    const details = r.problems.map((p) => `${p.kind} ${p.class}>>#${p.selector}: ${p.message}`).join('\n');
    assert.equal(r.failed + r.errors, 0, details);
    assert.ok(r.passed >= MIN_TESTS, `only ${r.passed} tests ran`);
    assert.equal(r.status, 0);
  });
}
