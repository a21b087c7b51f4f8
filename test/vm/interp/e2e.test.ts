// End to end: Smalltalk source → image (build/bootstrap) → the VM on the node target, in
// process (runCaptured) and through `xenolith run`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { compileVm, repoRoot } from '../../../build/vm/compile-vm.ts';
import { runCaptured } from '../../../build/targets/node-host.ts';
import { buildEvalImage } from '../../../build/cli/commands/run.ts';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';

let wasm: Uint8Array | null = null;
async function vm(): Promise<Uint8Array> {
  if (!wasm) wasm = new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath));
  return wasm;
}

async function evaluate(expr: string): Promise<{ stdout: string; status: number; message: string }> {
  const built = buildEvalImage(expr, []);
  try {
    const r = await runCaptured(await vm(), new Uint8Array(readFileSync(built.path)));
    return { stdout: r.stdout, status: r.status, message: r.message };
  } finally { built.cleanup(); }
}

test('examples/hello runs: 1000 factorial and its digit sum', async () => {
  const { image } = buildImage({ dirs: [join(repoRoot, 'examples/hello')] });
  const r = await runCaptured(await vm(), image);
  assert.equal(r.status, 0, r.message);
  assert.equal(r.stdout, 'Hello from Smalltalk on Xenolith!\n1000 factorial has 2568 digits\nsum of its digits: 10539\n');
});

const cases: [string, string][] = [
  ['3 + 4', '7'],
  ['(2 raisedTo: 100) - 1', '1267650600228229401496703205375'],
  ['100 factorial printString size', '158'],
  ['(1 to: 10) inject: 0 into: [:a :b | a + b]', '55'],
  ['| s | s := 0. #(1 2 3) do: [:x | s := s + x]. s', '6'],
  ['[:x | x * 2] value: 21', '42'],
  ['(100 factorial / 98 factorial)', '9900'],
  ['-7 \\\\ 2', '1'],
  ['-7 // 2', '-4'],
  ['((1 bitShift: 200) // (1 bitShift: 100)) = (1 bitShift: 100)', 'true'],
  ['[#(1 2 3) at: 10] on: Error do: [:e | 0]', '0'],
  ['| r | r := 0. [r := 1] ensure: [r := r + 10]. r', '11'],
  // heap enumeration (primitives 77, 78, 177) through Behavior
  ['| o | o := Object new. Object allInstances includes: o', 'true'],
  ['| keep | keep := (1 to: 5) collect: [:i | i @ 0]. (Point allInstances select: [:p | p y = 0 and: [p x between: 1 and: 5]]) size >= 5', 'true'],
  ['| keep n | keep := (1 to: 7) collect: [:i | i -> i]. n := 0. Association someInstance ifNotNil: [:a | | x | x := a. [x == nil] whileFalse: [n := n + 1. x := x nextInstance]]. n = Association instanceCount', 'true'],
];
for (const [expr, want] of cases) {
  test(`--eval ${expr}`, async () => {
    const r = await evaluate(expr);
    assert.equal(r.status, 0, `${r.stdout} ${r.message}`);
    assert.equal(r.stdout.trim(), want);
  });
}

test('an unhandled error prints the Smalltalk stack and exits 1', async () => {
  const r = await evaluate('1/0');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /Error: division by zero/);
  assert.match(r.stdout, /XenolithEval class>>#main/);
});

test('xenolith run --eval through the CLI (worker thread, stdin closed)', () => {
  const bin = join(repoRoot, 'bin/xenolith.js');
  if (!existsSync(bin)) { return; }
  const r = spawnSync(process.execPath, [bin, 'run', '-q', '--eval', '6 * 7'], { encoding: 'utf8', timeout: 60000, input: '' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '42');
  const bad = spawnSync(process.execPath, [bin, 'run', '-q', '/nonexistent.image'], { encoding: 'utf8', timeout: 60000 });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /no such image file/);
});
