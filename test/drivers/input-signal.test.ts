// External semaphore signals on Xen: the kernel's queue of raised indices, console input raising
// the reader's semaphore from the console event channel, and the platform's next_signal, which
// dispatches events that arrived while Smalltalk ran (events stay masked at the vcpu level).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDrivers, putBytes, CONSOLE_PORT, XS_PORT } from './support/load.ts';
import type { FakeXen } from '../kernel/support/fake-xen.ts';

const IN = 0, IN_PROD = 3076;
const PENDING = 2048, SEL = 8, UPCALL_PENDING = 0;

/** What Xen does when the backend notifies the guest on `port`. */
function raiseEvent(xen: FakeXen, si: number, port: number): void {
  const v = xen.view, w = port >> 6;
  v.setBigUint64(si + PENDING + w * 8, v.getBigUint64(si + PENDING + w * 8, true) | (1n << BigInt(port & 63)), true);
  v.setBigUint64(si + SEL, v.getBigUint64(si + SEL, true) | (1n << BigInt(w)), true);
  v.setUint8(si + UPCALL_PENDING, 1);
}

test('signal queue: first-raised order, an index waiting once, out-of-range refused', async () => {
  const { ex } = await loadDrivers();
  assert.equal(ex.sigTake(), -1);
  for (const i of [3, 5, 3, 1]) assert.equal(ex.sigRaise(i), 1);
  assert.equal(ex.sigWaiting(), 3);
  assert.deepEqual([ex.sigTake(), ex.sigTake(), ex.sigTake(), ex.sigTake()], [3, 5, 1, -1]);
  assert.equal(ex.sigRaise(0), 0);
  assert.equal(ex.sigRaise(257), 0);
  assert.equal(ex.sigRaise(-1), 0);
  // every index at once fits (no overflow), and the queue wraps around
  for (let round = 0; round < 2; round++) {
    for (let i = 256; i >= 1; i--) ex.sigRaise(i);
    assert.equal(ex.sigWaiting(), 256);
    for (let i = 256; i >= 1; i--) assert.equal(ex.sigTake(), i);
    assert.equal(ex.sigTake(), -1);
  }
});

test('console input raises the reader\'s semaphore through next_signal; output acknowledgements do not', async () => {
  const { xen, ex } = await loadDrivers();
  ex.init(CONSOLE_PORT, XS_PORT);
  const si = ex.sharedInfo(), page = ex.consolePage();
  assert.equal(ex.conInputSignal(257), 0, 'an index the queue cannot hold: the reader polls');
  assert.equal(ex.conInputSignal(7), 1);
  // the backend took our output and notified: no input, no signal
  raiseEvent(xen, si, CONSOLE_PORT);
  assert.equal(ex.nextSignal(), -1);
  // a key was typed: the event (pending while "Smalltalk ran") is dispatched by next_signal
  putBytes(xen, page + IN, 'x');
  xen.view.setUint32(page + IN_PROD, 1, true);
  raiseEvent(xen, si, CONSOLE_PORT);
  assert.equal(ex.nextSignal(), 7);
  assert.equal(ex.nextSignal(), -1);
  assert.equal(ex.conRead(8), 1);
  // 0 stops the signal
  assert.equal(ex.conInputSignal(0), 1);
  putBytes(xen, page + IN + 1, 'y');
  xen.view.setUint32(page + IN_PROD, 2, true);
  raiseEvent(xen, si, CONSOLE_PORT);
  assert.equal(ex.nextSignal(), -1);
});

test('input already waiting when the signal is set raises it at once', async () => {
  const { xen, ex } = await loadDrivers();
  ex.init(CONSOLE_PORT, XS_PORT);
  const page = ex.consolePage();
  putBytes(xen, page + IN, 'typed early\n');
  xen.view.setUint32(page + IN_PROD, 12, true);
  assert.equal(ex.conInputSignal(2), 1);
  assert.equal(ex.nextSignal(), 2);
});

test('without the console ring (dom0) input cannot be signalled: the reader polls', async () => {
  const { ex } = await loadDrivers();
  assert.equal(ex.conInputSignal(2), 0);
  assert.equal(ex.nextSignal(), -1);
});

test('kernel statistics are printed at poweroff only for the whole word xenolith.stats', async () => {
  const { xen, ex } = await loadDrivers();
  const asked = (line: string): number => ex.statsWord(putBytes(xen, ex.buf(), line));
  assert.equal(asked('xenolith.stats'), 1);
  assert.equal(asked('a xenolith.stats b'), 1);
  assert.equal(asked('console=hvc0 xenolith.stats'), 1);
  assert.equal(asked(''), 0);
  assert.equal(asked('xenolith.statsx'), 0);
  assert.equal(asked('axenolith.stats'), 0);
  assert.equal(asked('xenolith.stat'), 0);
});
