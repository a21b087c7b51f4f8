// The node host (build/targets/node-host.ts) and VM behaviours that need it: argument encoding,
// console input, snapshots (primitive 97) resumed from the written file, cannotReturn:, a bad
// image reported as a crash with the loader's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileVm } from '../../../build/vm/compile-vm.ts';
import { runCaptured, encodeArgs, NodeHost, BufferInput } from '../../../build/targets/node-host.ts';
import { buildEvalImage } from '../../../build/cli/commands/run.ts';

const helper = `Class {
	#name : #XHost,
	#superclass : #Object,
	#category : #'X-Host'
}

{ #category : #system }
XHost class >> snapshot [
	<primitive: 97>
	^ nil
]

{ #category : #system }
XHost class >> arguments [
	<primitive: 'primitiveArguments' module: 'Xenolith'>
	^ nil
]

{ #category : #system }
XHost class >> read: aByteArray [
	<primitive: 'primitiveConsoleRead' module: 'Xenolith'>
	^ nil
]

{ #category : #system }
XHost class >> fullGC [
	<primitive: 130>
	^ nil
]

{ #category : #blocks }
XHost class >> nlr: log [
	[^ 1] ensure: [log add: #unwound].
	^ 2
]

{ #category : #blocks }
XHost class >> curtailed: log [
	#(1 2 3) do: [:x | [x = 2 ifTrue: [^ x]] ifCurtailed: [log add: x]].
	^ 0
]

{ #category : #blocks }
XHost class >> escaper [
	^ [:x | ^ x]
]
`;

const tmp = mkdtempSync(join(tmpdir(), 'xhost-'));
mkdirSync(join(tmp, 'p'));
writeFileSync(join(tmp, 'p', 'XHost.class.st'), helper);
writeFileSync(join(tmp, 'p', 'Array.extension.st'), `Extension { #name : #Array }

{ #category : #'*X-Host' }
Array >> xExchange: other [
	<primitive: 128>
	^ nil
]
`);
writeFileSync(join(tmp, 'p', 'package.st'), "Package { #name : #'X-Host' }\n");
let wasm: Uint8Array | null = null;
async function vm(): Promise<Uint8Array> {
  if (!wasm) wasm = new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath));
  return wasm;
}
function image(expr: string): Uint8Array {
  const b = buildEvalImage(expr, [join(tmp, 'p')]);
  try { return new Uint8Array(readFileSync(b.path)); } finally { b.cleanup(); }
}
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('arguments are encoded so the image can split them back', async () => {
  assert.equal(encodeArgs(['--eval', "3 + 4", "it's"]), "--eval '3 + 4' 'it''s'");
  const r = await runCaptured(await vm(), image('XHost arguments'), { args: ['--eval', '3 + 4', "it's", 'x'] });
  assert.equal(r.status, 0, r.message);
  assert.equal(r.stdout.trim(), "#('--eval' '3 + 4' 'it''s' 'x')");
});

test('console input reaches the image; end of input reads as -1', async () => {
  const r = await runCaptured(await vm(), image('| b n m | b := ByteArray new: 10. n := XHost read: b. m := XHost read: b. {n. (b copyFrom: 1 to: n) asString. m}'), { input: 'abc' });
  assert.equal(r.status, 0, r.message);
  assert.equal(r.stdout.trim(), "#(3 'abc' -1)");
});

test('snapshot: the running image sees false, the saved one resumes with true', async () => {
  const snap = join(tmp, 'snap.image');
  const r = await runCaptured(await vm(), image('XHost snapshot'), { snapshotPath: snap });
  assert.equal(r.status, 0, r.message);
  assert.equal(r.stdout.trim(), 'false');
  assert.ok(existsSync(snap));
  const again = await runCaptured(await vm(), new Uint8Array(readFileSync(snap)));
  assert.equal(again.status, 0, again.message);
  assert.equal(again.stdout.trim(), 'true');
});

test('a block returning to a dead home gets cannotReturn: (BlockCannotReturn in the library)', async () => {
  const r = await runCaptured(await vm(), image('[(XHost escaper) value: 5. #notReached] on: Error do: [:e | e class name]'));
  assert.equal(r.status, 0, r.message);
  assert.match(r.stdout.trim(), /CannotReturn/);
});

test('a bad image is reported as a crash with the loader message', async () => {
  const bytes = new Uint8Array(256); bytes[0] = 1;
  const r = await runCaptured(await vm(), bytes);
  assert.equal(r.status, 70);
  assert.match(r.message, /image|magic|format/i);
});

test('wait_event sleeps until the deadline, and returns at once for a past one', () => {
  const host = new NodeHost({ image: new Uint8Array(0), input: new BufferInput(new Uint8Array(0), true) });
  const wait = host.imports.xenolith.wait_event as unknown as (d: bigint) => void;
  const t0 = process.hrtime.bigint();
  wait(t0 + 30_000_000n);
  const dt = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(dt >= 29 && dt < 1000, `slept ${dt} ms`);
  const t1 = process.hrtime.bigint();
  wait(t1 - 1n);
  assert.ok(Number(process.hrtime.bigint() - t1) / 1e6 < 20);
});

test('become: (primitive 128) swaps identities; a full GC keeps the running state intact', async () => {
  const r = await runCaptured(await vm(), image(`| a b keep n |
    a := 'abc' copy. b := 'xyz' copy. keep := {a. b}.
    (1 to: 20000) do: [:i | Array new: 10].
    n := XHost fullGC.
    {a} xExchange: {b}.
    {a. b. keep first. n > 0}`));
  assert.equal(r.status, 0, r.message + r.stdout);
  assert.equal(r.stdout.trim(), "#('xyz' 'abc' 'xyz' true)");
});

test('a non-local return through ensure: and ifCurtailed: runs the unwind blocks', async () => {
  const r = await runCaptured(await vm(), image(`| log a b | log := OrderedCollection new.
    a := XHost nlr: log. b := XHost curtailed: log. {a. b. log asArray}`));
  assert.equal(r.status, 0, r.message + r.stdout);
  assert.equal(r.stdout.trim(), '#(1 2 #(#unwound 2))');
});

test('xenolith run: stdin reaches the image through the worker ring buffer', async () => {
  const { spawnSync } = await import('node:child_process');
  const { repoRoot } = await import('../../../build/vm/compile-vm.ts');
  await vm(); // make sure the VM build is cached
  const expr = `| b n | b := ByteArray new: 16. n := 0.
    [n := XHost read: b. n = 0] whileTrue: [Processor relinquishProcessorForMicroseconds: 1000].
    (b copyFrom: 1 to: n) asString`;
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/xenolith.js'), 'run', '-q', '--with', join(tmp, 'p'), '--eval', expr],
    { encoding: 'utf8', timeout: 60000, input: 'hey' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "'hey'");
});
