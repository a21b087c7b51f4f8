// SOM programs compiled onto the class library and run (reference simulator, then the product VM
// on node, whose build is cached in .cache/vm and shared with the other VM tests).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { runImage } from '../sim/simulator.ts';

const FIXTURE = 'test/bootstrap/som/fixtures/Fib';
const EXPECTED = 'fib 25 = 75025\nsum = 10\n';

test('a SOM class file builds into an image and runs', () => {
  const { image } = buildImage({ dirs: [FIXTURE], entry: 'Fib class>>main' });
  const r = runImage(image, 5_000_000);
  assert.equal(r.output, EXPECTED);
  assert.equal(r.status, 3);
});

// Each line is SOM's answer where the Squeak-style library's differs (see build/bootstrap/som/dialect.ts).
const DIALECT_EXPECTED = [
  '7/2 3', '-7/2 -3', '7//2 3.5', '1.0//0 > 1e300 true', '7.0/2 3.5', '1.0/0 > 1e300 true', '-7%2 1', '-7 rem: 2 -1',
  'between falsetrue', 'inits 1', 'withAll 6', 'withAll value 10', 'indexOf nil 3 -1',
  'charAt b1', 'equal truefalsetrue2', 'classes true true false', 'downTo 54321', 'value:with: 7', 'shifts 34',
  'sqrt 5 true', 'raisedTo 1025', 'double % true', 'join a,b,c', '>>> 15', 'assigned argument 4', 'doesNotUnderstand fooBar', 'loops 1 2 3 9 4 true',
  'unknown global NoSuchGlobal InBlock', 'resolved Dialect', 'Nil Block1 truetrue', 'fields countinits2',
].join('\n') + '\n';

test('SOM semantics: arithmetic, exclusive between:and:, new without initialize, new:withAll: with a block, indexOf:, strings, assigned arguments, doesNotUnderstand:arguments:, unknownGlobal:', () => {
  const { image } = buildImage({ dirs: ['test/bootstrap/som/fixtures/Dialect'], entry: 'Dialect class>>main' });
  const r = runImage(image, 20_000_000);
  assert.equal(r.output, DIALECT_EXPECTED);
  assert.equal(r.status, 0);
});

test('SOM-Compat joins only images built from SOM sources', () => {
  const read = (dirs: string[], entry: string): string[] => {
    const lines: string[] = [];
    buildImage({ dirs, entry, progress: (l) => lines.push(l) });
    return lines.filter((l) => l.includes('SOM-Compat'));
  };
  assert.deepEqual(read(['examples/hello'], 'Hello class>>main'), []);
  assert.equal(read([FIXTURE], 'Fib class>>main').length, 1);
  // Without SOM-Compat, SOM's `system` has nothing to name.
  assert.throws(() => buildImage({ dirs: ['examples/hello'], entry: 'SomSystem class>>ticks' }), /SomSystem/);
});

test('the same programs on the product VM (node target), its primitives included', async () => {
  const { compileVm } = await import('../../../build/vm/compile-vm.ts');
  const { runCaptured } = await import('../../../build/targets/node-host.ts');
  const wasm = new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath));
  const { image } = buildImage({ dirs: [FIXTURE], entry: 'Fib class>>main' });
  const r = await runCaptured(wasm, image);
  assert.equal(r.stdout, EXPECTED);
  assert.equal(r.status, 3);
  const dialect = buildImage({ dirs: ['test/bootstrap/som/fixtures/Dialect'], entry: 'Dialect class>>main' }).image;
  const d = await runCaptured(wasm, dialect);
  assert.equal(d.stdout, DIALECT_EXPECTED);
  assert.equal(d.status, 0);
});
