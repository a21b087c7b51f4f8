// The Xen test host end to end (QEMU → Xen 4.17 → Linux dom0 → xl): one QEMU run boots
// 1. the reference guest (dom0's Linux as a PV domU with a tiny initramfs) directly, with console
//    input and a dom0-side xenstore script, and 2. the same guest from a disk image through
//    PvGrub2, and 3. the reference guest panicking (the 'crash' ending). Under TCG on two idle
//    cores this takes one to two minutes (three or more on a loaded machine).
// Skips with the reason when the Debian packages or QEMU are missing, or XENOLITH_SKIP_XEN_HOST=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDiskImage } from '../../build/disk/pvgrub-disk.ts';
import { hostUnavailableReason, provisionHost } from '../../build/xenhost/provision.ts';
import { referenceGuest, runGuests, type HostRunResult } from '../../build/xenhost/run.ts';

const skipReason = process.env.XENOLITH_SKIP_XEN_HOST === '1' ? 'XENOLITH_SKIP_XEN_HOST=1' : hostUnavailableReason();
const log = (line: string): void => void process.stderr.write(`# xen host: ${line}\n`);

let run: Promise<HostRunResult> | undefined;
function hostRun(): Promise<HostRunResult> {
  run ??= (async () => {
    const host = provisionHost(log);
    const dir = mkdtempSync(join(tmpdir(), 'xenolith-xh-test-'));
    try {
      const disk = join(dir, 'ref.img');
      makeDiskImage(disk, { kernel: host.refKernel, ramdisk: host.refInitrd, cmdline: 'console=hvc0 quiet xh-exit=7' });
      const r = await runGuests([
        referenceGuest(host, {
          name: 'direct',
          cmdline: 'console=hvc0 quiet xh-read xh-exit=3',
          consoleInput: 'line-from-the-host\n',
          dom0Script: 'xenstore-write /local/domain/$DOMID/data/probe 42 && xenstore-read /local/domain/$DOMID/data/probe',
        }),
        { disk, name: 'pvgrub', memory: 128, timeLimitSeconds: 150 },
        referenceGuest(host, { name: 'panic', cmdline: 'console=hvc0 quiet xh-crash' }),
      ], { progress: log });
      for (const g of r.guests) log(`${g.name}: ${g.ending}, status ${g.exitStatus}, first output ${g.firstOutputMs} ms, shutdown ${g.shutdownMs} ms`);
      log(`${r.accel}, QEMU ${r.qemuSeconds.toFixed(1)} s`);
      return r;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return run;
}

const opts = { timeout: 600_000 };

test('reference guest boots directly, reads console input, prints its status, powers off', opts, async (t) => {
  if (skipReason) return t.skip(skipReason);
  const g = (await hostRun()).guests[0]!;
  assert.match(g.console, /XH-REF-GUEST hello from Linux/, `console was:\n${g.console}\nxl:\n${g.xlLog}`);
  assert.match(g.console, /XH-REF-GUEST read: line-from-the-host/);
  assert.equal(g.ending, 'poweroff');
  assert.equal(g.shutdownCode, 0);
  assert.equal(g.exitStatus, 3);
  assert.ok(g.firstOutputMs !== null && g.shutdownMs !== null && g.firstOutputMs <= g.shutdownMs, `timings ${g.firstOutputMs} ${g.shutdownMs}`);
});

test('a dom0 script runs beside the guest (xenstore-write to its key)', opts, async (t) => {
  if (skipReason) return t.skip(skipReason);
  const g = (await hostRun()).guests[0]!;
  assert.equal(g.dom0Output.trim(), '42');
});

test('reference guest boots from a disk image through PvGrub2', opts, async (t) => {
  if (skipReason) return t.skip(skipReason);
  const g = (await hostRun()).guests[1]!;
  assert.match(g.console, /XH-REF-GUEST hello from Linux/, `console was:\n${g.console}\nxl:\n${g.xlLog}`);
  assert.equal(g.ending, 'poweroff');
  assert.equal(g.exitStatus, 7);
});

test('a guest kernel panic ends as crash (shutdown code 3) with no exit status', opts, async (t) => {
  if (skipReason) return t.skip(skipReason);
  const g = (await hostRun()).guests[2]!;
  assert.match(g.console, /XH-REF-GUEST crashing/, `console was:\n${g.console}\nxl:\n${g.xlLog}`);
  assert.equal(g.ending, 'crash');
  assert.equal(g.shutdownCode, 3);
  assert.equal(g.exitStatus, null);
  assert.match(g.state ?? '', /c/, 'xl list shows the domain as crashed');
});
