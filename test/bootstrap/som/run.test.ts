// A SOM program compiled onto the class library and run (reference simulator; the product VM
// on node behind XENOLITH_SLOW_TESTS because compiling the VM takes ~40 s).
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

test('the same program on the product VM (node target)', async (t) => {
  if (!process.env.XENOLITH_SLOW_TESTS) {
    t.skip('compiles the VM with asc (~40 s): set XENOLITH_SLOW_TESTS=1 to run');
    return;
  }
  const { compileVm } = await import('../../../build/vm/compile-vm.ts');
  const { runCaptured } = await import('../../../build/targets/node-host.ts');
  const wasm = new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath));
  const { image } = buildImage({ dirs: [FIXTURE], entry: 'Fib class>>main' });
  const r = await runCaptured(wasm, image);
  assert.equal(r.stdout, EXPECTED);
  assert.equal(r.status, 3);
});
