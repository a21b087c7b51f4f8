// The whole xen kernel as a domU under xl on the Xen test host (scripts/xen-host, one QEMU run):
// the PV console ring (output, and input typed by the host), xenstore reads of the keys the
// toolstack writes (name, domid), a write and read-back of the domain's own key, a watch on a
// key dom0 writes, and the exit status; and the same kernel booted from a disk image through
// PvGrub2 (xenolith disk's grub.cfg). Slow (a minute or more under TCG): skipped without the host's packages, or with
// XENOLITH_SKIP_XEN_HOST=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAssemblyScript } from './support/asc.ts';
import { loadModule } from '../../build/aot/wasm/index.ts';
import { buildXenKernel } from '../../build/link/xen/kernel-image.ts';
import { makeDiskImage } from '../../build/disk/pvgrub-disk.ts';
import { hostUnavailableReason } from '../../build/xenhost/provision.ts';
import { runGuests } from '../../build/xenhost/run.ts';

const skipReason = process.env.XENOLITH_SKIP_XEN_HOST === '1' ? 'XENOLITH_SKIP_XEN_HOST=1' : hostUnavailableReason();

/** dom0's side of the watch: once the domain has set its watch, write the watched key. */
const POKE = `i=0
while ! xenstore-read /local/domain/$DOMID/data/watching >/dev/null 2>&1; do
  i=$((i+1)); [ $i -gt 1200 ] && exit 1; usleep 100000
done
xenstore-write /local/domain/$DOMID/data/poke from-dom0
`;
const TYPE_LATE = `printf 'typed-at-pvgrub\\n' > "$(xenstore-read /local/domain/$DOMID/console/tty)"
`;

test('domU: console ring both ways, xenstore reads, writes and a watch, exit status; the same kernel through PvGrub2', { timeout: 600_000 }, async (t) => {
  if (skipReason) return t.skip(skipReason);
  const wasm = await compileAssemblyScript('test/kernel/assembly/domu-kernel.ts', ['--use', 'abort=kernel/boot/xenAbort']);
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-domu-'));
  try {
    const kernel = join(dir, 'kernel.elf');
    writeFileSync(kernel, buildXenKernel(loadModule(wasm)).elf);
    const disk = join(dir, 'disk.img');
    makeDiskImage(disk, { kernel });
    const r = await runGuests([
      { kernel, name: 'xenolith-domu', memory: 64, consoleInput: 'typed-by-the-host\n', dom0Script: POKE, timeLimitSeconds: 60 },
      // (input typed while PvGrub2 runs would go to GRUB: dom0 types once our kernel is up)
      { disk, name: 'xenolith-pvgrub', memory: 64, dom0Script: `${POKE}${TYPE_LATE}`, timeLimitSeconds: 150 },
    ], { progress: (l) => void process.stderr.write(`# xen host: ${l}\n`) });
    const g = r.guests[0]!;
    const info = `console:\n${g.console}\nxl:\n${g.xlLog}`;
    t.diagnostic(`first output ${g.firstOutputMs} ms, shutdown ${g.shutdownMs} ms, QEMU ${r.qemuSeconds.toFixed(1)} s`);
    for (const line of g.console.split('\n').filter(Boolean)) t.diagnostic(`guest: ${line}`);
    assert.match(g.console, /xenolith: kernel up, \d+ pages/, info);
    assert.match(g.console, /domU up\n/, info);
    assert.match(g.console, /xs name = xenolith-domu\n/, info);
    assert.match(g.console, /xs domid = \d+\n/, info);
    assert.match(g.console, /xs write 0\n/, info);
    assert.match(g.console, /xs data\/xenolith = hello-xs\n/, info);
    assert.match(g.console, /xs watch set 0\n/, info);
    assert.match(g.console, /xs watch event \d+: data\/poke = from-dom0\n/, info);
    assert.match(g.console, /read: typed-by-the-host/, info);
    assert.equal(g.ending, 'poweroff', info);
    assert.equal(g.exitStatus, 5, info);
    // the same kernel from the disk, loaded by PvGrub2
    const p = r.guests[1]!;
    const pinfo = `console:\n${p.console}\nxl:\n${p.xlLog}`;
    assert.match(p.console, /domU up\n/, pinfo);
    assert.match(p.console, /xs name = xenolith-pvgrub\n/, pinfo);
    assert.match(p.console, /xs watch event \d+: data\/poke = from-dom0\n/, pinfo);
    assert.match(p.console, /read: typed-at-pvgrub/, pinfo);
    assert.equal(p.ending, 'poweroff', pinfo);
    assert.equal(p.exitStatus, 5, pinfo);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
