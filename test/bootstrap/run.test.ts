// End to end: build images from smalltalk/ + a program and run them in the reference simulator
// (test/bootstrap/sim), which checks the compiler, the image layout and the class library together.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildImage } from '../../build/bootstrap/image-builder.ts';
import { runImage } from './sim/simulator.ts';

const CHECKS_OUTPUT_FILE = 'test/bootstrap/fixtures/Checks/expected.txt';

const work = mkdtempSync(join(tmpdir(), 'xenolith-run-'));
after(() => rmSync(work, { recursive: true, force: true }));

function program(name: string, body: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.class.st`), `Class {\n\t#name : #${name},\n\t#superclass : #Object,\n\t#category : #Tests\n}\n\n${name} class >> main [\n${body}\n]\n`);
  return dir;
}

test('the class library passes its checks (arithmetic, LargeIntegers, floats, collections, closures, exceptions, processes)', () => {
  const { image } = buildImage({ dirs: ['test/bootstrap/fixtures/Checks'], entry: 'Checks class>>main' });
  const r = runImage(image, 5_000_000);
  const expected = readFileSync(CHECKS_OUTPUT_FILE, 'utf8');
  assert.equal(r.output, expected);
  assert.equal(r.status, 7, 'the entry answer is the exit status');
});

test('an unhandled error prints a report with the stack and exits with status 1', () => {
  const dir = program('Failing', "\tTranscript show: 'before'; cr.\n\t^ 3 zork");
  const r = runImage(buildImage({ dirs: [dir] }).image, 2_000_000);
  assert.equal(r.status, 1);
  assert.match(r.output, /^before\nError: 3 does not understand #zork\n {2}ProtoObject>>#doesNotUnderstand:\n {2}Failing class>>#main\n {2}Startup class>>#runEntry\n/);
});

test('a non-integer answer exits with status 0; the Transcript is flushed at exit', () => {
  const dir = program('NoStatus', "\tTranscript show: 'no newline'.\n\t^ 'done'");
  const r = runImage(buildImage({ dirs: [dir] }).image, 2_000_000);
  assert.equal(r.status, 0);
  assert.equal(r.output, 'no newline');
});

test('a Tonel method with temps, block arguments and symbols beyond ASCII compiles and runs', () => {
  const dir = program('Letters', "\t| λ é |\n\tλ := 2. é := [:ж | ж * 3] value: λ.\n\tTranscript show: (#été size + é) printString; cr.\n\t^ é");
  const r = runImage(buildImage({ dirs: [dir] }).image, 2_000_000);
  assert.equal(r.output, '9\n');
  assert.equal(r.status, 6);
});

test('examples/hello runs to completion', () => {
  const r = runImage(buildImage({ dirs: ['examples/hello'] }).image, 100_000_000);
  assert.equal(r.output, 'Hello from Smalltalk on Xenolith!\n1000 factorial has 2568 digits\nsum of its digits: 10539\n');
  assert.equal(r.status, 0);
});

// The VM build is cached (.cache/vm) and shared with test/vm, so this costs a run, not a compile.
test('the same checks on the product VM (vm/, compiled to wasm for the node target)', async () => {
  const { compileVm } = await import('../../build/vm/compile-vm.ts');
  const { runCaptured } = await import('../../build/targets/node-host.ts');
  const wasm = new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath));
  const { image } = buildImage({ dirs: ['test/bootstrap/fixtures/Checks'], entry: 'Checks class>>main' });
  const r = await runCaptured(wasm, image);
  assert.equal(r.stdout, readFileSync(CHECKS_OUTPUT_FILE, 'utf8'));
  assert.equal(r.status, 7);
});
