// Image round trip through the snapshot primitive (97): the running image and the resumed one
// both find the same object graph (strings, large integers, boxed floats, fractions, collections,
// a dictionary, a cycle, symbols) and the same identity hashes, across full GCs on both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileVm } from '../../../build/vm/compile-vm.ts';
import { runCaptured } from '../../../build/targets/node-host.ts';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';

test('snapshot, resume: the graph and the identity hashes are the same on both sides', async () => {
  const wasm = new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath));
  const { image } = buildImage({ dirs: ['test/vm/interp/fixtures/SnapshotRoundTrip'], entry: 'SnapshotRoundTrip class>>main' });
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-snap-'));
  try {
    const snap = join(dir, 'snap.image');
    const first = await runCaptured(wasm, image, { snapshotPath: snap });
    assert.equal(first.status, 0, first.stdout + first.message);
    assert.equal(first.stdout.trim(), 'saved graph true hashes true');
    assert.ok(existsSync(snap));
    const saved = new Uint8Array(readFileSync(snap));
    const again = await runCaptured(wasm, saved, { snapshotPath: join(dir, 'again.image') });
    assert.equal(again.status, 0, again.stdout + again.message);
    assert.equal(again.stdout.trim(), 'resumed graph true hashes true');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
