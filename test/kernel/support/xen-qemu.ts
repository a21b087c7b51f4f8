// Test-only: boots a PV kernel ELF as dom0 under Xen 4.17 in QEMU (TCG, the XTF-style fast
// path: no Linux, no xl) and collects the serial console until Xen reports dom0 halted or
// crashed. QEMU is stopped by its pid.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const XEN_GZ = '/boot/xen-4.17-amd64.gz';

/** Why the Xen probes cannot run here, or undefined when they can. */
export function xenProbeUnavailable(): string | undefined {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return 'no qemu-system-x86_64: apt-get install qemu-system-x86';
  }
  if (!existsSync(XEN_GZ)) return `no ${XEN_GZ}: apt-get install xen-hypervisor-4.17-amd64`;
  return undefined;
}

export interface Dom0Run {
  outcome: string; // 'Hardware Dom0 halted', 'Hardware Dom0 crashed', 'timeout', ...
  out: string;
  seconds: number;
}

export async function bootDom0(elf: Uint8Array, timeoutMs = 60_000): Promise<Dom0Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'xen-probe-'));
  try {
    writeFileSync(path.join(dir, 'xen'), new Uint8Array(gunzipSync(new Uint8Array(readFileSync(XEN_GZ)))));
    writeFileSync(path.join(dir, 'kernel.elf'), elf);
    const started = Date.now();
    const qemu = spawn('qemu-system-x86_64', [
      // qemu64 lacks SSE4.1 and POPCNT, which build/aot's code may use (encoder.ts baseline):
      // without them a compiled kernel dies on #UD (measured); Xen itself is fine with them.
      '-machine', 'q35', '-accel', 'tcg', '-cpu', 'qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt', '-m', '512', '-smp', '1', '-nographic', '-no-reboot',
      '-kernel', path.join(dir, 'xen'),
      '-append', 'console=com1 com1=115200 dom0_mem=64M loglvl=all guest_loglvl=all noreboot',
      '-initrd', path.join(dir, 'kernel.elf'),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      const onData = (b: Buffer) => {
        out += b.toString('latin1');
        const m = /Hardware Dom0 (halted|crashed)|Panic on CPU|Reboot in/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[0]); }
      };
      qemu.stdout.on('data', onData);
      qemu.stderr.on('data', onData);
      qemu.on('exit', () => { clearTimeout(timer); resolve('qemu exited'); });
    });
    qemu.kill('SIGKILL'); // by its pid: only the QEMU started here
    return { outcome, out, seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
