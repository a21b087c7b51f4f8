// The PV console ring: free-running indices, wraparound, a full ring, a backend that
// publishes impossible indices; the driver's notify/wait loop and input path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDrivers, putBytes, getString, CONSOLE_PORT, XS_PORT } from './support/load.ts';

const IN = 0, OUT = 1024, IN_CONS = 3072, IN_PROD = 3076, OUT_CONS = 3080, OUT_PROD = 3084;

test('output ring: bytes land at prod mod 2048 and prod is published, across the u32 wrap', async () => {
  const { xen, ex } = await loadDrivers();
  const page = ex.consolePage(), v = xen.view;
  const start = 0xffff_fffa; // 6 bytes before the u32 wraps; 2042 mod 2048
  v.setUint32(page + OUT_CONS, start, true);
  v.setUint32(page + OUT_PROD, start, true);
  const n = putBytes(xen, ex.buf(), 'hello, ring');
  assert.equal(ex.ringWrite(n), n);
  assert.equal(v.getUint32(page + OUT_PROD, true), (start + n) >>> 0);
  const got = [...Array(n)].map((_, i) => xen.bytes[page + OUT + ((start + i) >>> 0) % 2048]);
  assert.equal(Buffer.from(got).toString(), 'hello, ring');
  assert.equal(getString(xen, page + OUT + 2042, 6), 'hello,');
  assert.equal(getString(xen, page + OUT, 5), ' ring');
});

test('output ring: a full ring takes nothing, a nearly full one takes what fits', async () => {
  const { xen, ex } = await loadDrivers();
  const page = ex.consolePage(), v = xen.view;
  v.setUint32(page + OUT_CONS, 100, true);
  v.setUint32(page + OUT_PROD, 100 + 2045, true);
  putBytes(xen, ex.buf(), 'abcdef');
  assert.equal(ex.ringWrite(6), 3);
  assert.equal(v.getUint32(page + OUT_PROD, true), 100 + 2048);
  assert.equal(ex.ringWrite(6), 0);
});

test('output ring: impossible backend indices are refused without writing', async () => {
  const { xen, ex } = await loadDrivers();
  const page = ex.consolePage(), v = xen.view;
  v.setUint32(page + OUT_CONS, 5000, true); // cons ahead of prod
  v.setUint32(page + OUT_PROD, 10, true);
  const before = Buffer.from(xen.bytes.slice(page, page + 4096));
  putBytes(xen, ex.buf(), 'x');
  assert.equal(ex.ringWrite(1), -1);
  assert.deepEqual(Buffer.from(xen.bytes.slice(page, page + 4096)), before);
});

test('input ring: reads up to prod, wraps at 1024, advances cons; garbage prod is refused', async () => {
  const { xen, ex } = await loadDrivers();
  const page = ex.consolePage(), v = xen.view;
  v.setUint32(page + IN_CONS, 1020, true);
  v.setUint32(page + IN_PROD, 1028, true);
  putBytes(xen, page + IN + 1020, 'abcd');
  putBytes(xen, page + IN, 'efgh');
  assert.equal(ex.ringRead(5), 5);
  assert.equal(getString(xen, ex.buf(), 5), 'abcde');
  assert.equal(ex.ringRead(100), 3);
  assert.equal(getString(xen, ex.buf(), 3), 'fgh');
  assert.equal(v.getUint32(page + IN_CONS, true), 1028);
  assert.equal(ex.ringRead(100), 0);
  v.setUint32(page + IN_PROD, 1028 + 1025, true);
  assert.equal(ex.ringRead(100), -1);
  assert.equal(v.getUint32(page + IN_CONS, true), 1028, 'cons untouched');
});

test('driver: a long write waits for the backend to drain and notifies it', async () => {
  let drained = 0, notifies = 0;
  const { xen, ex } = await loadDrivers({
    onNotify: (port, x) => {
      if (port !== CONSOLE_PORT) return;
      notifies++;
      const page = ex.consolePage();
      // the backend takes at most 700 bytes per notification
      const cons = x.view.getUint32(page + OUT_CONS, true), prod = x.view.getUint32(page + OUT_PROD, true);
      const take = Math.min(700, (prod - cons) >>> 0);
      drained += take;
      x.view.setUint32(page + OUT_CONS, (cons + take) >>> 0, true);
    },
  });
  ex.init(CONSOLE_PORT, XS_PORT);
  const text = 'x'.repeat(5000);
  putBytes(xen, ex.buf(), text);
  assert.equal(ex.conWrite(5000), 5000);
  assert.ok(notifies >= 5, `notified ${notifies} times`);
  assert.ok(drained >= 5000 - 2048);
});

test('driver: a backend that never drains makes the write give up, counted as dropped', async () => {
  const { xen, ex } = await loadDrivers();
  ex.init(CONSOLE_PORT, XS_PORT);
  putBytes(xen, ex.buf(), 'y'.repeat(3000));
  assert.equal(ex.conWrite(3000), 2048);
  assert.equal(ex.conDropped(), 952n);
});

test('driver: input is read from the ring and the backend is notified', async () => {
  const seen: number[] = [];
  const { xen, ex } = await loadDrivers({ onNotify: (p) => seen.push(p) });
  ex.init(CONSOLE_PORT, XS_PORT);
  const page = ex.consolePage();
  putBytes(xen, page + IN, 'ok\n');
  xen.view.setUint32(page + IN_PROD, 3, true);
  assert.equal(ex.conRead(10), 3);
  assert.equal(getString(xen, ex.buf(), 3), 'ok\n');
  assert.deepEqual(seen, [CONSOLE_PORT]);
  assert.equal(ex.conRead(10), 0);
});
