// `xenolith disk <kernel> -o disk.img`: a raw disk image (unpartitioned ext2) that PvGrub2
// (/boot/grub/grub.cfg) and the legacy PV-GRUB of EC2 (/boot/grub/menu.lst, root (hd0)) boot.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { makeDiskImage } from '../../disk/pvgrub-disk.ts';

export function register(program: Command): void {
  program
    .command('disk')
    .description('make a raw disk image that boots a PV kernel through PvGrub2 or legacy PV-GRUB')
    .argument('<kernel>', 'the PV kernel (ELF or bzImage)')
    .requiredOption('-o, --output <file>', 'the disk image to write')
    .option('--ramdisk <file>', 'initial ramdisk, put on the disk as /boot/initrd')
    .option('--cmdline <text>', 'kernel command line written to grub.cfg and menu.lst')
    .option('--size <MiB>', 'image size (default: the files plus 8 MiB, at least 16)')
    .option('--json', 'print {"image", "sizeMiB"} as JSON')
    .action((kernel: string, o: { output: string; ramdisk?: string; cmdline?: string; size?: string; json?: boolean }) => {
      if (o.size !== undefined && !/^\d+$/.test(o.size)) throw new Error(`--size must be a whole number of MiB, got '${o.size}'`);
      const out = resolve(o.output);
      const { sizeMiB } = makeDiskImage(out, { kernel, ramdisk: o.ramdisk, cmdline: o.cmdline, sizeMiB: o.size !== undefined ? Number(o.size) : undefined });
      if (o.json) process.stdout.write(`${JSON.stringify({ image: out, sizeMiB })}\n`);
      else process.stdout.write(`disk: wrote ${out} (${sizeMiB} MiB ext2: /boot/kernel${o.ramdisk ? ', /boot/initrd' : ''}, /boot/grub/grub.cfg, /boot/grub/menu.lst)\n`);
    });
}
