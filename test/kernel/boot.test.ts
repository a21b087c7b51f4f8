// The whole xen kernel (kernel/exports.ts + platform + a tiny program) booted against a
// fake PV domain: start_info, p2m, boot page tables laid out as Xen does, and Xen's page
// table rules enforced. Checks the mappings boot leaves behind, the trailer reclaim, the
// trap table, linear-memory growth, and the crash report path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAssemblyScript } from './support/asc.ts';
import { FakeXen, LINEAR_BASE } from './support/fake-xen.ts';
import { FakePvDomain } from './support/fake-pv-mmu.ts';

interface KernelEx {
  xen_boot(): void; main(): number; xen_exit(s: number): void;
  xen_trap(vector: number, err: bigint, rip: bigint, rsp: bigint, rbp: bigint): void;
  xen_memory_size(): number; xen_memory_grow(n: number): number;
  sharedPageAlloc(): number; sharedPageFree(p: number): number; sharedPageMfn(p: number): bigint;
}

const P2M_WINDOW = 0x0000_0080_0000_0000n;
const MODULE_WINDOW = 0x0000_0090_0000_0000n;

async function boot(opts: { modLen?: number; dom0?: boolean; tight?: boolean } = {}) {
  const xen = new FakeXen();
  await xen.instantiate(await compileAssemblyScript('test/kernel/assembly/whole-kernel.ts', ['--use', 'abort=kernel/boot/xenAbort']));
  const dom = new FakePvDomain(xen, opts);
  const pages = xen.memory.buffer.byteLength / 65536;
  const layout = dom.install(pages);
  const ex = xen.exports<KernelEx>();
  ex.xen_boot();
  return { xen, dom, layout, ex, pages };
}

/** Text the kernel wrote to the console ring (read from the ring page in linear memory). */
function consoleText(xen: FakeXen, dom: FakePvDomain): string {
  // the console page is the linear page mapped to the console pfn's mfn
  const mfn = dom.p2m[dom.layout.consolePfn];
  for (let off = 0; off < xen.memory.buffer.byteLength; off += 4096) {
    if (dom.mfnOfVa(LINEAR_BASE + BigInt(off)) === mfn) {
      const v = xen.view;
      const prod = v.getUint32(off + 3084, true);
      return Buffer.from(xen.bytes.slice(off + 1024, off + 1024 + Math.min(prod, 2048))).toString('latin1');
    }
  }
  return '';
}

test('boot maps shared_info, the rings and the grant frames into linear memory', async () => {
  const { xen, dom, ex } = await boot();
  assert.deepEqual(dom.violations, []);
  assert.equal(dom.shutdownReason, undefined);
  const mapped = new Map<bigint, number>();
  for (let off = 0; off < xen.memory.buffer.byteLength; off += 4096) {
    const m = dom.mfnOfVa(LINEAR_BASE + BigInt(off));
    if (m !== undefined) mapped.set(m, off);
  }
  assert.ok(mapped.has(dom.layout.sharedInfoMfn), 'shared_info');
  assert.ok(mapped.has(dom.p2m[dom.layout.consolePfn]), 'console ring');
  assert.ok(mapped.has(dom.p2m[dom.layout.storePfn]), 'xenstore ring');
  for (const f of dom.grantFrames) assert.ok(mapped.has(f), `grant frame ${f}`);
  assert.match(consoleText(xen, dom), /xenolith: kernel up, 8192 pages/);
  assert.equal(ex.xen_memory_size(), xen.memory.buffer.byteLength / 65536);
});

test('a domain with no frames beyond the boot mapping (4 MiB) boots: the padding becomes the pool', async () => {
  const { xen, dom, ex, layout, pages } = await boot({ tight: true, modLen: 5000 });
  assert.equal(BigInt(layout.nrPages) * 4096n, layout.bootEnd, 'every frame is in the boot mapping');
  assert.deepEqual(dom.violations, []);
  assert.equal(dom.shutdownReason, undefined);
  assert.match(consoleText(xen, dom), new RegExp(`xenolith: kernel up, ${layout.nrPages} pages`));
  xen.memory.grow(1);
  assert.equal(ex.xen_memory_grow(1), pages, 'and it still has frames to grow onto');
  assert.deepEqual(dom.violations, []);
});

test('a domU boot failure is on the console ring (a release Xen drops console_io), then crash', async () => {
  const xen = new FakeXen();
  await xen.instantiate(await compileAssemblyScript('test/kernel/assembly/whole-kernel.ts', ['--use', 'abort=kernel/boot/xenAbort']));
  const dom = new FakePvDomain(xen);
  dom.install(xen.memory.buffer.byteLength / 65536);
  xen.on(1, () => -12n); // every mmu_update fails: the trailer cannot be reclaimed
  assert.throws(() => xen.exports<KernelEx>().xen_boot(), /shutdown 3/);
  assert.equal(dom.shutdownReason, 3);
  assert.match(consoleText(xen, dom), /xenolith: boot failed: reclaim boot trailer returned -3\n/);
  assert.equal(dom.consoleIo, '', 'nothing through console_io');
  const notified = xen.log.filter((c) => c.nr === 32 && c.args[0] === 4n);
  assert.ok(notified.length > 0, 'the console backend was notified');
});

test('boot reclaims the trailer: p2m at its window, nothing mapped past linear memory', async () => {
  const { xen, dom, layout } = await boot();
  const end = LINEAR_BASE + BigInt(xen.memory.buffer.byteLength);
  for (let va = end; va < layout.bootEnd + 0x40_0000n; va += 4096n) {
    assert.equal(dom.mfnOfVa(va), undefined, `VA 0x${va.toString(16)} still mapped`);
  }
  const p2mPages = Math.ceil((layout.nrPages * 8) / 4096);
  for (let i = 0; i < p2mPages; i++) {
    const w = dom.walk(P2M_WINDOW + BigInt(i) * 4096n)!;
    assert.ok(w.pte & 1n);
    assert.equal(w.pte & 2n, 0n, 'read-only');
    assert.equal((w.pte >> 63n) & 1n, 1n, 'NX');
  }
  assert.notEqual(dom.mfnOfVa(0x2000n), undefined, 'the kernel below linear memory stays mapped');
});

test('image protections: code RX, rodata RO NX, data and linear memory RW NX, stack guard unmapped', async () => {
  const { dom, xen } = await boot();
  const flags = (va: bigint) => {
    const w = dom.walk(va);
    assert.ok(w && w.pte & 1n, `0x${va.toString(16)} mapped`);
    return { rw: (w!.pte & 2n) !== 0n, nx: (w!.pte >> 63n) !== 0n };
  };
  assert.deepEqual(flags(0x10_0000n), { rw: false, nx: false });
  assert.deepEqual(flags(0x1f_4000n), { rw: false, nx: true });
  assert.deepEqual(flags(0x20_0000n), { rw: true, nx: true });
  assert.deepEqual(flags(LINEAR_BASE + 0x10000n), { rw: true, nx: true });
  assert.equal(dom.mfnOfVa(0x1f_f000n), undefined, 'stack guard');
  // the same frames as before: protections changed, not the mapping
  assert.equal(dom.mfnOfVa(0x10_0000n), dom.p2m[0x100]);
  void xen;
});

test('without NX in CPUID no PTE carries the NX bit (Xen would refuse it)', async () => {
  const xen = new FakeXen();
  xen.cpuidLeaves.clear();
  await xen.instantiate(await compileAssemblyScript('test/kernel/assembly/whole-kernel.ts', ['--use', 'abort=kernel/boot/xenAbort']));
  const dom = new FakePvDomain(xen);
  dom.install(xen.memory.buffer.byteLength / 65536);
  xen.exports<KernelEx>().xen_boot();
  for (const va of [0x20_0000n, LINEAR_BASE, P2M_WINDOW]) assert.equal(dom.walk(va)!.pte >> 63n, 0n);
});

test('the boot module is readable at its window after the trailer is gone', async () => {
  const { xen, dom } = await boot({ modLen: 10000 });
  assert.deepEqual(dom.violations, []);
  for (const i of [0, 4095, 4096, 9999]) {
    assert.equal(Number(xen.vaRead(MODULE_WINDOW + BigInt(i), 1)), (i * 13) & 0xff);
  }
  assert.equal(dom.mfnOfVa(MODULE_WINDOW + 3n * 4096n), undefined, 'only the module pages');
});

test('trap table: every vector points at its runtime stub, kernel CS, events masked', async () => {
  const { dom, xen } = await boot();
  assert.equal(dom.trapTable.length, 20);
  for (const t of dom.trapTable) {
    assert.equal(t.address, 0x10_0000n + BigInt(t.vector) * 64n);
    assert.equal(t.cs, 0xe033);
    assert.equal(t.flags & 4, 4);
  }
  assert.deepEqual(dom.callbacks, [0x10_0000n + 32n * 64n, 0x10_0000n + 33n * 64n, 0n]);
  void xen;
});

test('boot stops the 100 Hz periodic timer Xen starts PV vcpus with, before binding VIRQ_TIMER', async () => {
  const { dom, xen } = await boot();
  assert.deepEqual(dom.periodicStopped, [0]);
  const stop = xen.log.findIndex((c) => c.nr === 24 && c.args[0] === 7n);
  const bind = xen.log.findIndex((c) => c.nr === 32 && c.args[0] === 1n);
  assert.ok(stop >= 0 && bind > stop, 'stopped before VIRQ_TIMER is bound');
});

test('linear memory grows onto fresh frames, zeroed, with tables built under Xen rules', async () => {
  const { xen, dom, ex, pages } = await boot();
  const usedBefore = new Set<bigint>();
  for (let off = 0; off < pages * 65536; off += 4096) usedBefore.add(dom.mfnOfVa(LINEAR_BASE + BigInt(off))!);
  xen.memory.grow(3); // the wasm engine's side of it; the kernel maps the frames
  const end = LINEAR_BASE + BigInt(pages) * 65536n;
  xen.bytes.fill(0xee, pages * 65536); // stale contents the kernel must clear
  assert.equal(ex.xen_memory_grow(3), pages);
  assert.deepEqual(dom.violations, []);
  assert.equal(ex.xen_memory_size(), pages + 3);
  const seen = new Set<bigint>();
  for (let i = 0n; i < 48n; i++) {
    const w = dom.walk(end + i * 4096n)!;
    assert.ok(w && w.pte & 1n && w.pte & 2n, 'present and writable');
    const m = (w.pte & 0x000f_ffff_ffff_f000n) >> 12n;
    assert.ok(!usedBefore.has(m) && !seen.has(m) && !dom.tables.has(m), 'a fresh frame, used once');
    seen.add(m);
  }
  assert.ok(xen.bytes.subarray(pages * 65536).every((b) => b === 0), 'zeroed');
  assert.equal(ex.xen_memory_grow(70000), -1, 'past 4 GiB');
  assert.equal(ex.xen_memory_grow(100000 / 16), -1, 'more than the domain has');
});

test('past its first 16 MiB, linear memory\'s frame table grows onto pool frames at its window', async () => {
  const FRAME_WINDOW = 0xa0_0000_0000n, HEAD = 4096; // 4 KiB pages whose frames are static data
  const { xen, dom, ex, pages } = await boot();
  const delta = HEAD / 16 + 8 - pages; // to 8 wasm pages (128 4 KiB pages) past the head
  assert.ok(delta > 0);
  xen.memory.grow(delta);
  assert.equal(ex.xen_memory_grow(delta), pages);
  assert.deepEqual(dom.violations, []);
  const table = dom.walk(FRAME_WINDOW);
  assert.ok(table && table.pte & 1n && table.pte & 2n, 'one table frame mapped, writable');
  assert.equal((dom.walk(FRAME_WINDOW + 4096n)?.pte ?? 0n) & 1n, 0n, 'and no more than needed');
  for (let i = 0; i < 128; i++) {
    const mfn = (dom.walk(LINEAR_BASE + BigInt((HEAD + i) * 4096))!.pte & 0x000f_ffff_ffff_f000n) >> 12n;
    assert.equal(xen.vaRead(FRAME_WINDOW + BigInt(i * 4), 4), mfn, `entry ${HEAD + i}`);
  }
  assert.equal(xen.vaRead(FRAME_WINDOW + 128n * 4n, 4), 0n, 'the rest of the table frame zeroed');
});

test('a page fault in the guard region is reported as a wasm out-of-bounds access, then crash', async () => {
  const { xen, dom, ex } = await boot();
  const si = (() => { // find the shared_info page to set cr2 in vcpu_info
    for (let off = 0; off < xen.memory.buffer.byteLength; off += 4096) {
      if (dom.mfnOfVa(LINEAR_BASE + BigInt(off)) === dom.layout.sharedInfoMfn) return off;
    }
    throw new Error('no shared_info');
  })();
  const fault = LINEAR_BASE + 0x1_2345_6789n;
  xen.view.setBigUint64(si + 16, fault, true);
  // a stack frame chain inside the fake native stack [0x200000, 0x300000)
  const rbp = 0x2f_ff00n, caller = 0x2f_ff40n;
  xen.vaPages.clear();
  xen.translate = ((orig) => (va: bigint, write: boolean) =>
    va >= 0x20_0000n && va < 0x30_0000n ? ((): [Uint8Array, number] => {
      const page = va >> 12n;
      let p = xen.vaPages.get(page);
      if (!p) { p = new Uint8Array(4096); xen.vaPages.set(page, p); }
      return [p, Number(va & 0xfffn)];
    })() : orig!(va, write))(xen.translate);
  xen.vaWrite(rbp, 8, caller);
  xen.vaWrite(rbp + 8n, 8, 0x10_0000n + 7n * 256n + 5n); // return into fn7
  xen.vaWrite(caller, 8, 0n);
  xen.vaWrite(caller + 8n, 8, 0x10_0000n + 2n * 256n); // return into fn2
  assert.throws(() => ex.xen_trap(14, 4n, 0x10_0000n + 3n * 256n + 9n, 0x2f_fe00n, rbp), /shutdown 3/);
  assert.equal(dom.shutdownReason, 3);
  const text = consoleText(xen, dom);
  assert.match(text, /crash: out of bounds memory access \(vector 14/);
  assert.match(text, /fault address 0x0000000123856789 \(linear 0x0000000123456789\) on read, not present/);
  assert.match(text, /at 0x0000000000100309 in fn3/);
  assert.match(text, /#0 0x0000000000100705 fn7\n\s+#1 0x0000000000100200 fn2/);
});

test('ud2 with a trap code byte is reported as that wasm trap', async () => {
  const { xen, dom, ex } = await boot();
  const rip = 0x10_0000n + 4n * 256n;
  const orig = xen.translate!;
  const code = new Uint8Array([0x0f, 0x0b, 1]);
  xen.translate = (va, w) => (va >= rip && va < rip + 3n ? [code, Number(va - rip)] : orig(va, w));
  assert.throws(() => ex.xen_trap(6, 0n, rip, 0x2f_fe00n, 0n), /shutdown 3/);
  assert.match(consoleText(xen, dom), /crash: integer divide by zero \(vector 6/);
});

test('pages shared with backends are page aligned, distinct, and know their machine frame', async () => {
  const { ex, dom } = await boot();
  const a = ex.sharedPageAlloc(), b = ex.sharedPageAlloc();
  assert.ok(a > 0 && b > 0 && a !== b);
  assert.equal(a % 4096, 0);
  assert.equal(b % 4096, 0);
  for (const p of [a, b]) assert.equal(ex.sharedPageMfn(p), dom.mfnOfVa(LINEAR_BASE + BigInt(p)));
  assert.equal(ex.sharedPageFree(a), 1);
  assert.equal(ex.sharedPageFree(a), 0, 'not twice');
});

test('main runs after boot and xen_exit prints the status and powers off', async () => {
  const { xen, dom, ex } = await boot();
  xen.tsc = 0n;
  const mark = xen.log.length;
  assert.equal(ex.main(), 0);
  // main waited for 1000 ns: timer armed at the deadline, blocked, timer cancelled
  const calls = xen.log.slice(mark).filter((c) => c.nr === 15 || c.nr === 29).map((c) => `${c.nr}:${c.args[0]}`);
  assert.deepEqual(calls, ['15:1000', '29:1', '15:0']);
  assert.throws(() => ex.xen_exit(3), /shutdown 0/);
  const text = consoleText(xen, dom);
  assert.match(text, /hello\n/);
  assert.match(text, /xenolith: exit status 3\n/);
});

test('a bad start_info magic stops the boot with a message on console_io', async () => {
  const xen = new FakeXen();
  await xen.instantiate(await compileAssemblyScript('test/kernel/assembly/whole-kernel.ts', ['--use', 'abort=kernel/boot/xenAbort']));
  const dom = new FakePvDomain(xen);
  dom.install(xen.memory.buffer.byteLength / 65536);
  xen.vaWrite(xen.startInfoVa, 4, 0x78787878n);
  assert.throws(() => xen.exports<KernelEx>().xen_boot(), /shutdown 3/);
  assert.match(dom.consoleIo, /start_info magic/);
});

test('as dom0 (SIF_INITDOMAIN) there is no console ring: output goes through console_io', async () => {
  const { dom, ex, xen } = await boot({ dom0: true });
  assert.deepEqual(dom.violations, []);
  assert.match(dom.consoleIo, /xenolith: kernel up, 8192 pages, linear memory at 0x0000000000400000, dom0\n/);
  assert.equal(ex.main(), 0);
  assert.match(dom.consoleIo, /hello\n/);
  assert.throws(() => ex.xen_exit(0), /shutdown 0/);
  assert.match(dom.consoleIo, /exit status 0\n$/);
  void xen;
});

test('a fault outside compiled code is attributed to the runtime, and the failsafe crashes too', async () => {
  {
    const { dom, ex, xen } = await boot({ dom0: true });
    assert.throws(() => ex.xen_trap(13, 0n, 0x5000n, 0x2f_fe00n, 0n), /shutdown 3/);
    assert.match(dom.consoleIo, /crash: general protection fault \(vector 13, error code 0x0+\)\n/);
    assert.match(dom.consoleIo, /at 0x0000000000005000 in \(runtime\)/);
    void xen;
  }
  {
    const { dom, xen } = await boot({ dom0: true });
    assert.throws(() => xen.exports<{ xen_failsafe(): void }>().xen_failsafe(), /shutdown 3/);
    assert.match(dom.consoleIo, /failsafe callback/);
  }
});
