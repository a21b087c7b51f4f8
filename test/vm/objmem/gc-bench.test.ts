// bench/gc's workload stays runnable: a small churn keeps every kept object, logs a pause per
// scavenge, and the heap verifies after the timed full GCs (measure() throws otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure } from '../../../bench/gc/run.ts';

test('bench/gc: churn with timed scavenges and full GCs on the -O3 build', async () => {
  const r = await measure(300_000, 1 << 20);
  assert.equal(r.kept, Math.ceil(300_000 / 64));
  assert.ok(r.scavenges.length >= 5, `scavenges logged: ${r.scavenges.length}`);
  assert.ok(r.scavenges.every((ns) => ns > 0), 'every pause was timed');
  assert.equal(r.fullPauses.length, 5);
  assert.ok(r.oldBytes > r.kept * 48, `old space in use ${r.oldBytes} bytes`);
});
