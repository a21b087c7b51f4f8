// The low-space signal at the interpreter level: a Smalltalk program fills a capped object memory
// and a process waiting on the low-space semaphore (special object 17, Squeak's index 18) must
// run before allocation fails; after the program drops its garbage it can allocate again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { runImage } from '../helpers/run-vm.ts';

test('the low-space semaphore is signalled before memory runs out, and the image recovers', async () => {
  const { image } = buildImage({ dirs: ['test/vm/interp/fixtures/LowSpace'], entry: 'LowSpace class>>main' });
  const budget = 24 << 20;
  const r = await runImage(image, { memoryBudget: budget });
  assert.equal(r.crash, null, r.stdout);
  assert.equal(r.status, 0, r.stdout);
  const m = /signalled after (\d+) allocations; 20 more after the GC/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const n = Number(m[1]);
  // the signal comes near the cap (the threshold is 1 MiB), not at the first allocation; the cap
  // counts from what the loaded image takes, free space in its segment included
  assert.ok(n * 100000 > budget * 0.75, `signalled after ${n} allocations of 100 kB under a ${budget >> 20} MiB cap`);
});

test('an image that ignores the signal and keeps allocating ends with a Smalltalk error, not a trap', async () => {
  const { image } = buildImage({ dirs: ['test/vm/interp/fixtures/LowSpace'], entry: 'LowSpace class>>runaway' });
  const r = await runImage(image, { memoryBudget: 16 << 20 });
  assert.equal(r.crash, null, r.stdout);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /^Error: .*basicNew:/);
});
