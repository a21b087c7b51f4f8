// The README's main job: build examples/hello and boot it on Xen inside the test host (QEMU +
// Xen 4.17 + a Linux dom0 with xl) when this machine can provision one, otherwise run it on the
// `node` target; it says which, and why. Exit status: the example's own.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hostUnavailableReason } from '../build/xenhost/index.ts';
import { repoRoot } from '../build/vm/compile-vm.ts';

const example = join(repoRoot, 'examples', 'hello');
const cli = join(repoRoot, 'bin', 'xenolith.js');

function xenolith(args: string[]): number {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', cwd: repoRoot });
  return r.status ?? 1;
}

const forced = process.env.XENOLITH_EXAMPLE_TARGET; // node | xen, to choose by hand
const reason = forced === 'node' ? 'XENOLITH_EXAMPLE_TARGET=node' : hostUnavailableReason();
if (reason === null) {
  process.stderr.write('example: booting examples/hello on Xen (the test host: QEMU + Xen 4.17 + dom0 with xl)\n');
  process.exitCode = xenolith(['run', example, '--target', 'xen']);
} else {
  process.stderr.write(`example: running examples/hello on the node target (no Xen test host here: ${reason})\n`);
  process.exitCode = xenolith(['run', example, '--target', 'node']);
}
