// Weak slots and ephemerons seen from Smalltalk: slots to objects that die young are nilled by
// scavenges, to objects that die old by a full GC; an ephemeron whose key only it reaches fires
// once, is fetched with primitive 172 (its key and value kept for the finalizer), one whose key
// is reachable does not; the finalization semaphore (special object 41) is signalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { runImage } from '../helpers/run-vm.ts';

test('weak slots and ephemerons are finalised under scavenges and full GCs, and the image is told', async () => {
  const { image } = buildImage({ dirs: ['test/vm/interp/fixtures/Finalization'], entry: 'FinalizationCheck class>>main' });
  const r = await runImage(image);
  assert.equal(r.crash, null, r.stdout);
  assert.equal(r.status, 0, r.stdout);
  assert.equal(r.stdout, [
    'scavenge #(true true true)',
    'full #(true true)',
    "mourners #(1 true #Object 'payload' 'payload too')",
    'signalled true',
    '',
  ].join('\n'));
});
