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

{ #category : #blocks }
XHost class >> escaper [
	^ [:x | ^ x]
]
`;

const tmp = mkdtempSync(join(tmpdir(), 'xhost-'));
mkdirSync(join(tmp, 'p'));
writeFileSync(join(tmp, 'p', 'XHost.class.st'), helper);
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
  assert.equal(r.stdout.trim(), "{'--eval'. '3 + 4'. 'it''s'. 'x'}");
});

test('console input reaches the image; end of input reads as -1', async () => {
  const r = await runCaptured(await vm(), image('| b n m | b := ByteArray new: 10. n := XHost read: b. m := XHost read: b. {n. (b copyFrom: 1 to: n) asString. m}'), { input: 'abc' });
  assert.equal(r.status, 0, r.message);
  assert.equal(r.stdout.trim(), "{3. 'abc'. -1}");
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
