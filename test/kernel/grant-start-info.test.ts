// Grant table v1 entries (layout, flags, reserved refs, end access while the backend still
// uses the frame) and start_info parsing, over fake memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDrivers, getString } from '../drivers/support/load.ts';

test('grant access writes {flags, domid, frame}; refs 0-7 are never used', async () => {
  const { xen, ex } = await loadDrivers();
  ex.grantInit();
  const total = ex.free();
  assert.equal(total, 4 * 512 - 8);
  const ref = ex.grant(0, 0x12345n, 0);
  assert.ok(ref >= 8);
  const e = ex.entry(ref), v = xen.view;
  assert.equal(e, ex.grantTable() + ref * 8);
  assert.equal(v.getUint16(e, true), 1, 'GTF_permit_access');
  assert.equal(v.getUint16(e + 2, true), 0);
  assert.equal(v.getUint32(e + 4, true), 0x12345);
  const ro = ex.grant(7, 0x99n, 1);
  assert.equal(v.getUint16(ex.entry(ro), true), 1 | 4, 'readonly');
  assert.equal(v.getUint16(ex.entry(ro) + 2, true), 7);
  assert.equal(ex.free(), total - 2);
});

test('end access fails while the backend has the frame mapped, then frees the ref', async () => {
  const { xen, ex } = await loadDrivers();
  ex.grantInit();
  const ref = ex.grant(0, 5n, 0);
  const e = ex.entry(ref);
  xen.view.setUint16(e, 1 | 16, true); // backend mapped it: GTF_writing
  assert.equal(ex.ungrant(ref), 0);
  xen.view.setUint16(e, 1, true);
  assert.equal(ex.ungrant(ref), 1);
  assert.equal(xen.view.getUint16(e, true), 0);
  assert.equal(ex.ungrant(3), 0, 'reserved ref');
  assert.equal(ex.grant(0, 6n, 0), ref, 'the freed ref comes back first');
});

test('the table runs out cleanly', async () => {
  const { ex } = await loadDrivers();
  ex.grantInit();
  const n = ex.free();
  for (let i = 0; i < n; i++) assert.ok(ex.grant(0, BigInt(i), 0) >= 8);
  assert.equal(ex.grant(0, 1n, 0), -1);
});

function startInfo(opts: { magic?: string; flags?: number; cmd?: string } = {}): Uint8Array {
  const b = Buffer.alloc(1168);
  b.write(opts.magic ?? 'xen-3.0-x86_64', 0, 'latin1');
  b.writeBigUInt64LE(262144n, 32); // nr_pages
  b.writeBigUInt64LE(0xabc000n, 40); // shared_info MA
  b.writeBigUInt64LE(BigInt(opts.flags ?? 0), 48);
  b.writeBigUInt64LE(0x1111n, 56); // store_mfn
  b.writeUInt32LE(3, 64); // store_evtchn
  b.writeBigUInt64LE(0x2222n, 72); // console mfn
  b.writeUInt32LE(4, 80); // console evtchn
  b.writeBigUInt64LE(0x50_0000n, 112); // mod_start
  b.writeBigUInt64LE(0x1000n, 120); // mod_len
  b.write(opts.cmd ?? 'image=app.image -v', 128, 'latin1');
  return new Uint8Array(b);
}

test('start_info: copied from its virtual address and parsed', async () => {
  const { xen, ex } = await loadDrivers();
  const va = 0x7f_0000_0000n;
  xen.vaFill(va, startInfo());
  assert.equal(ex.siCopy(va), 1);
  assert.equal(ex.siNrPages(), 262144n);
  assert.equal(ex.siStore(), 0x1111n * 1000n + 3n);
  assert.equal(ex.siConsole(), 0x2222n * 1000n + 4n);
  assert.equal(ex.siDom0(), 0);
  assert.equal(getString(xen, ex.siCmd(), ex.siCmdLen()), 'image=app.image -v');
  assert.equal(ex.siMod(), 0x50_1000n);
});

test('start_info: dom0 flag, a full-length command line, a bad magic', async () => {
  const { xen, ex } = await loadDrivers();
  const va = 0x7f_0000_0000n;
  xen.vaFill(va, startInfo({ flags: 3, cmd: 'c'.repeat(1024) }));
  assert.equal(ex.siCopy(va), 1);
  assert.equal(ex.siDom0(), 1);
  assert.equal(ex.siCmdLen(), 1023, 'unterminated command line is cut at 1023');
  xen.vaFill(va, startInfo({ magic: 'xen-3.0-x86_32p' }));
  assert.equal(ex.siCopy(va), 0);
  xen.vaFill(va, startInfo({ magic: 'linux' }));
  assert.equal(ex.siCopy(va), 0);
});
