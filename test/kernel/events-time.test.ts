// Event-channel dispatch from the pending bitmap and time conversion from vcpu_time_info,
// running the kernel's AssemblyScript in Node against a fake shared_info page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAssemblyScript } from './support/asc.ts';
import { FakeXen } from './support/fake-xen.ts';

interface Ex {
  sharedInfo(): number; init(): void; bind(port: number, twice: number): void; unbind(port: number): void;
  mask(port: number): void; unmask(port: number): void; dispatch(): number; fired(): number; firedN(): number;
  unhandled(): bigint; scale(d: bigint, mul: number, shift: number): bigint; systemAt(tsc: bigint): bigint;
  monotonic(): bigint; wall(): bigint;
}

async function load() {
  const xen = new FakeXen();
  await xen.instantiate(await compileAssemblyScript('test/kernel/assembly/events-time.ts'));
  const ex = xen.exports<Ex>();
  ex.init();
  return { xen, ex, si: ex.sharedInfo() };
}

const PENDING = 2048, MASK = 2560, SEL = 8, UPCALL_PENDING = 0;

function raise(xen: FakeXen, si: number, port: number) {
  const v = xen.view;
  const w = port >> 6;
  v.setBigUint64(si + PENDING + w * 8, v.getBigUint64(si + PENDING + w * 8, true) | (1n << BigInt(port & 63)), true);
  v.setBigUint64(si + SEL, v.getBigUint64(si + SEL, true) | (1n << BigInt(w)), true);
  v.setUint8(si + UPCALL_PENDING, 1);
}

function fired(xen: FakeXen, ex: Ex): number[] {
  return Array.from({ length: ex.firedN() }, (_, i) => xen.view.getUint32(ex.fired() + 4 * i, true));
}

test('init masks every port', async () => {
  const { xen, si } = await load();
  for (let w = 0; w < 64; w++) assert.equal(xen.view.getBigUint64(si + MASK + 8 * w, true), 0xffff_ffff_ffff_ffffn);
});

test('dispatch calls the bound handler of each pending unmasked port, in port order, and clears pending', async () => {
  const { xen, ex, si } = await load();
  ex.bind(3, 0);
  ex.bind(64, 0);
  ex.bind(4095, 1);
  for (const p of [4095, 64, 3]) raise(xen, si, p);
  assert.equal(ex.dispatch(), 3);
  assert.deepEqual(fired(xen, ex), [3, 64, 4095, 4095]);
  assert.equal(xen.view.getBigUint64(si + PENDING, true), 0n);
  assert.equal(xen.view.getBigUint64(si + PENDING + 8, true), 0n);
  assert.equal(xen.view.getBigUint64(si + SEL, true), 0n);
  assert.equal(xen.view.getUint8(si + UPCALL_PENDING), 0);
  assert.equal(ex.dispatch(), 0, 'nothing left');
});

test('a masked port stays pending; unmasking re-raises it in the selector', async () => {
  const { xen, ex, si } = await load();
  ex.bind(70, 0);
  ex.mask(70);
  raise(xen, si, 70);
  assert.equal(ex.dispatch(), 0);
  assert.deepEqual(fired(xen, ex), []);
  assert.equal(xen.view.getBigUint64(si + SEL, true), 0n, 'selector consumed');
  ex.unmask(70);
  assert.equal(xen.view.getBigUint64(si + SEL, true), 2n, 'selector word 1 set again');
  assert.equal(xen.view.getUint8(si + UPCALL_PENDING), 1);
  assert.equal(ex.dispatch(), 1);
  assert.deepEqual(fired(xen, ex), [70]);
});

test('a selector bit with no pending port, and a port without handler, are harmless', async () => {
  const { xen, ex, si } = await load();
  xen.view.setBigUint64(si + SEL, 1n << 5n, true);
  assert.equal(ex.dispatch(), 0);
  // unmask port 9 without a handler (bind then unbind leaves it masked, so unmask directly)
  ex.unmask(9);
  raise(xen, si, 9);
  assert.equal(ex.dispatch(), 1);
  assert.equal(ex.unhandled(), 1n);
  ex.bind(10, 0);
  ex.unbind(10);
  raise(xen, si, 10);
  assert.equal(ex.dispatch(), 0, 'unbound port is masked again');
});

test('scaleTscDelta matches the 96-bit formula, shifts both ways', async () => {
  const { ex } = await load();
  const ref = (d: bigint, mul: bigint, shift: number) => {
    d = shift >= 0 ? (d << BigInt(shift)) & (2n ** 64n - 1n) : d >> BigInt(-shift);
    return ((d * mul) >> 32n) & (2n ** 64n - 1n);
  };
  const cases: [bigint, number, number][] = [
    [0n, 0x80000000, 0], [1000n, 0x80000000, 0], [3_000_000_000n, 0xaaaaaaaa, -1],
    [0x1234_5678_9abcn, 0xffffffff, 1], [0xffff_ffff_ffffn, 0x9999_9999, -2], [12345n, 1, 3],
    [2n ** 40n + 17n, 0x7fffffff, -5],
  ];
  for (const [d, mul, shift] of cases) {
    assert.equal(ex.scale(d, mul, shift), ref(d, BigInt(mul), shift), `${d} ${mul} ${shift}`);
  }
});

function setTimeInfo(xen: FakeXen, si: number, o: { version: number; stamp: bigint; system: bigint; mul: number; shift: number }) {
  const t = si + 32, v = xen.view;
  v.setUint32(t, o.version, true);
  v.setBigUint64(t + 8, o.stamp, true);
  v.setBigUint64(t + 16, o.system, true);
  v.setUint32(t + 24, o.mul, true);
  v.setInt8(t + 28, o.shift);
}

test('system time from vcpu_time_info, including a negative tsc_shift (a 2 GHz TSC)', async () => {
  const { xen, ex, si } = await load();
  // 2 GHz: ns = tsc / 2 = ((tsc >> 1) * 2^32) >> 32; Xen would give mul=0x80000000, shift=0 or
  // mul=0xffffffff-ish with shift -1; use shift -1, mul 2^32-1.
  setTimeInfo(xen, si, { version: 2, stamp: 1_000_000n, system: 5_000_000_000n, mul: 0xffff_ffff, shift: -1 });
  const got = ex.systemAt(1_000_000n + 2_000_000_000n); // one second of 2 GHz ticks
  const exact = 5_000_000_000n + 1_000_000_000n;
  assert.ok(got <= exact && exact - got < 2n, `got ${got}`);
  // a TSC behind the stamp counts back from it (the clock must not stop until the TSC catches up)
  // (1,000,000 ticks of 2 GHz = 500 µs, less the rounding of the scale)
  assert.equal(ex.systemAt(0n), 5_000_000_000n - 499_999n);
  assert.equal(ex.systemAt(999_998n), 5_000_000_000n - 0n, 'one 2 GHz tick rounds to no time');
  // an emulated TSC's stamp from before the domain existed is negative: the delta wraps to the
  // right, positive value (2,000,000 ticks = 1 ms here)
  setTimeInfo(xen, si, { version: 4, stamp: 2n ** 64n - 1_000_000n, system: 5_000_000_000n, mul: 0xffff_ffff, shift: -1 });
  const wrapped = ex.systemAt(1_000_000n);
  assert.ok(wrapped > 5_000_000_000n + 999_990n && wrapped <= 5_000_000_000n + 1_000_000n, `got ${wrapped}`);
});

test('monotonic time retries while the version is odd and never goes back', async () => {
  const { xen, ex, si } = await load();
  setTimeInfo(xen, si, { version: 3, stamp: 0n, system: 100n, mul: 0x8000_0000, shift: 0 });
  xen.tsc = 1000n;
  // Xen "finishes its update" after a few barriers: odd version until then, and the
  // kernel must not return a value read while it was odd.
  const t = si + 32;
  let n = 0;
  xen.onBarrier = () => {
    if (++n === 5) {
      xen.view.setBigUint64(t + 16, 100n, true);
      xen.view.setUint32(t, 4, true);
    } else if (n < 5) {
      xen.view.setBigUint64(t + 16, 999_999n, true); // torn value while updating
    }
  };
  assert.equal(ex.monotonic(), 100n + 500n);
  assert.ok(n >= 5, 'kernel kept reading until the version was even and stable');
  xen.onBarrier = undefined;
  // Xen moves its estimate backwards a little: the clock holds.
  setTimeInfo(xen, si, { version: 6, stamp: 1000n, system: 550n, mul: 0x8000_0000, shift: 0 });
  assert.equal(ex.monotonic(), 600n);
  xen.tsc = 1400n;
  assert.equal(ex.monotonic(), 750n);
});

test('wallclock = wc_sec_hi:wc_sec . wc_nsec + system time', async () => {
  const { xen, ex, si } = await load();
  setTimeInfo(xen, si, { version: 2, stamp: 0n, system: 7n, mul: 0x8000_0000, shift: 0 });
  xen.tsc = 0n;
  const v = xen.view;
  v.setUint32(si + 3072, 4, true);
  v.setUint32(si + 3076, 0x6543_2100, true);
  v.setUint32(si + 3080, 999_999_990, true);
  v.setUint32(si + 3084, 1, true);
  const sec = (1n << 32n) + 0x6543_2100n;
  assert.equal(ex.wall(), sec * 1_000_000_000n + 999_999_990n + 7n);
});

test('event-channel hypercalls: argument structs as event_channel.h lays them out', async () => {
  const xen = new FakeXen();
  await xen.instantiate(await compileAssemblyScript('test/kernel/assembly/events-time.ts'));
  const ex = xen.exports<{
    opBindVirq(v: number): bigint; opAllocUnbound(r: number): bigint; opBindInterdomain(r: number, p: number): bigint;
    opNotify(p: number): bigint; opClose(p: number): bigint;
  }>();
  const seen: { cmd: bigint; bytes: number[] }[] = [];
  xen.on(32, ([cmd, arg], x) => {
    const at = x.linear(arg);
    seen.push({ cmd, bytes: [...x.bytes.slice(at, at + 12)] });
    if (cmd === 1n) x.view.setUint32(at + 8, 17, true); // bind_virq: port out at 8
    if (cmd === 6n) x.view.setUint32(at + 4, 18, true); // alloc_unbound: port out at 4
    if (cmd === 0n) x.view.setUint32(at + 8, 19, true); // bind_interdomain: local_port out at 8
    if (cmd === 3n) return -22n;
    return 0n;
  });
  assert.equal(ex.opBindVirq(0), 17n);
  assert.deepEqual(seen[0], { cmd: 1n, bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
  assert.equal(ex.opAllocUnbound(0), 18n);
  assert.deepEqual(seen[1].bytes.slice(0, 8), [0xf0, 0x7f, 0, 0, 0, 0, 0, 0], 'dom = DOMID_SELF, remote_dom = 0');
  assert.equal(ex.opBindInterdomain(3, 9), 19n);
  assert.deepEqual(seen[2].bytes.slice(0, 8), [3, 0, 0, 0, 9, 0, 0, 0]);
  assert.equal(ex.opNotify(5), 0n);
  assert.deepEqual(seen[3], { cmd: 4n, bytes: [5, 0, 0, 0, ...seen[3].bytes.slice(4)] });
  assert.equal(ex.opClose(5), -22n, 'errors come back as -errno');
});
