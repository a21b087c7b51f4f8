// `xenolith xl --kernel k [...] [-o file]`: writes a ready xl domain configuration for a PV guest,
// booting the kernel directly or, with only --disk, through PvGrub2.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEBIAN_PVGRUB2_PATH, writeXlConfig, type ShutdownAction } from '../../xl/config.ts';

export function register(program: Command): void {
  program
    .command('xl')
    .description('write an xl config for a Xenolith PV guest (direct kernel boot, or PvGrub2 from --disk)')
    .option('--kernel <file>', 'PV kernel; without it the guest boots through PvGrub2 from --disk')
    .option('--ramdisk <file>', 'initial ramdisk')
    .option('--cmdline <text>', 'kernel command line (xl extra=)')
    .option('--disk <img>', 'raw disk image attached as xvda')
    .option('--memory <MiB>', 'guest memory', '64')
    .option('--vcpus <n>', 'virtual CPUs', '1')
    .option('--name <name>', 'domain name', 'xenolith')
    .option('--vif [bridge]', 'add a network interface (optionally on this bridge)')
    .option('--pvgrub <file>', 'PvGrub2 image', DEBIAN_PVGRUB2_PATH)
    .option('--on-crash <action>', 'on_crash action (destroy, preserve, coredump-destroy, restart, ...)', 'destroy')
    .option('-o, --output <file>', 'write here instead of stdout')
    .action((o: { kernel?: string; ramdisk?: string; cmdline?: string; disk?: string; memory: string; vcpus: string; name: string; vif?: boolean | string; pvgrub: string; onCrash: string; output?: string }) => {
      for (const [k, v] of [['memory', o.memory], ['vcpus', o.vcpus]] as const) {
        if (!/^\d+$/.test(v)) throw new Error(`--${k} must be a whole number, got '${v}'`);
      }
      const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(p));
      const text = writeXlConfig({
        name: o.name,
        kernel: abs(o.kernel),
        ramdisk: abs(o.ramdisk),
        cmdline: o.cmdline,
        disk: abs(o.disk),
        memory: Number(o.memory),
        vcpus: Number(o.vcpus),
        vif: o.vif,
        pvgrub: o.pvgrub,
        onCrash: o.onCrash as ShutdownAction,
      });
      if (o.output) writeFileSync(o.output, text);
      else process.stdout.write(text);
    });
}
