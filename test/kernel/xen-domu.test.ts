// The whole xen kernel as a domU under xl on the Xen test host (scripts/xen-host, one QEMU run):
// the PV console ring (output, and input typed by the host), xenstore reads of the keys the
// toolstack writes (name, domid), a write and read-back of the domain's own key, and the exit
// status. Slow (a minute or more under TCG): skipped without the host's packages, or with
// XENOLITH_SKIP_XEN_HOST=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAssemblyScript } from './support/asc.ts';
import { loadModule } from '../../build/aot/wasm/index.ts';
import { buildXenKernel } from '../../build/link/xen/kernel-image.ts';
import { hostUnavailableReason } from '../../build/xenhost/provision.ts';
import { runGuests } from '../../build/xenhost/run.ts';

const skipReason = process.env.XENOLITH_SKIP_XEN_HOST === '1' ? 'XENOLITH_SKIP_XEN_HOST=1' : hostUnavailableReason();

test('domU: console ring both ways, xenstore, exit status', { timeout: 600_000 }, async (t) => {
  if (skipReason) return t.skip(skipReason);
  const wasm = await compileAssemblyScript('test/kernel/assembly/domu-kernel.ts', ['--use', 'abort=kernel/boot/xenAbort']);
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-domu-'));
  try {
    const kernel = join(dir, 'kernel.elf');
    writeFileSync(kernel, buildXenKernel(loadModule(wasm)).elf);
    const r = await runGuests([
      { kernel, name: 'xenolith-domu', memory: 64, consoleInput: 'typed-by-the-host\n', timeLimitSeconds: 60 },
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
    assert.match(g.console, /read: typed-by-the-host/, info);
    assert.equal(g.ending, 'poweroff', info);
    assert.equal(g.exitStatus, 5, info);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
