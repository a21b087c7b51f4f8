// `xenolith disk`: a raw disk image for booting a PV kernel through a bootloader that runs in
// the domain: PvGrub2 (Debian's grub-xen, reads /boot/grub/grub.cfg) and the legacy PV-GRUB
// that EC2 offered (reads /boot/grub/menu.lst, `root (hd0)`). The image is an unpartitioned
// ext2 filesystem made by mke2fs -d from a staging directory: nothing is mounted, no root needed.
// Unpartitioned because both bootloaders then find it as the whole disk: (xen/xvda) for PvGrub2,
// (hd0) for the hd0 PV-GRUB images.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface DiskOptions {
  kernel: string;
  ramdisk?: string;
  cmdline?: string;
  /** image size in MiB; default: the files plus 8 MiB, at least 16 */
  sizeMiB?: number;
  /** menu entry title */
  title?: string;
}

/** Paths of the files inside the image (also what grub.cfg and menu.lst name). */
export const DISK_KERNEL_PATH = '/boot/kernel';
export const DISK_RAMDISK_PATH = '/boot/initrd';

/** Finds mke2fs (e2fsprogs), also in /sbin when that is not on PATH; null if absent. */
export function findMke2fs(): string | null {
  for (const p of ['/usr/sbin/mke2fs', '/sbin/mke2fs']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v mke2fs'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function checkCmdline(cmdline: string): void {
  if (/[\n\r\0]/.test(cmdline)) throw new Error(`disk: the command line must be one line: ${JSON.stringify(cmdline)}`);
}

/** GRUB 2 script quoting: a word with special characters goes in single quotes. */
function grubWord(w: string): string {
  if (/^[A-Za-z0-9_.,:=/+@%-]+$/.test(w)) return w;
  return `'${w.replace(/'/g, `'\\''`)}'`;
}

export function grubCfg(o: { cmdline?: string; ramdisk: boolean; title?: string }): string {
  const args = (o.cmdline ?? '').split(/\s+/).filter((w) => w !== '').map(grubWord).join(' ');
  return [
    '# PvGrub2 (grub-xen), written by `xenolith disk`',
    'set default=0',
    'set timeout=0',
    `menuentry ${grubWord(o.title ?? 'xenolith')} {`,
    `  linux ${DISK_KERNEL_PATH}${args ? ` ${args}` : ''}`,
    ...(o.ramdisk ? [`  initrd ${DISK_RAMDISK_PATH}`] : []),
    '}',
    '',
  ].join('\n');
}

export function menuLst(o: { cmdline?: string; ramdisk: boolean; title?: string }): string {
  const cmd = (o.cmdline ?? '').trim();
  return [
    '# legacy PV-GRUB (EC2 hd0 AKIs), written by `xenolith disk`',
    'default 0',
    'timeout 0',
    `title ${o.title ?? 'xenolith'}`,
    'root (hd0)',
    `kernel ${DISK_KERNEL_PATH}${cmd ? ` ${cmd}` : ''}`,
    ...(o.ramdisk ? [`initrd ${DISK_RAMDISK_PATH}`] : []),
    '',
  ].join('\n');
}

/** Writes the image to `out`; returns its size in MiB. */
export function makeDiskImage(out: string, o: DiskOptions): { sizeMiB: number } {
  const mke2fs = findMke2fs();
  if (mke2fs === null) throw new Error('disk: mke2fs not found (apt-get install e2fsprogs)');
  if (o.cmdline !== undefined) checkCmdline(o.cmdline);
  if (o.title !== undefined && /[\n\r'"]/.test(o.title)) throw new Error('disk: the title must be one line without quotes');
  const files: [string, string][] = [[resolve(o.kernel), DISK_KERNEL_PATH]];
  if (o.ramdisk !== undefined) files.push([resolve(o.ramdisk), DISK_RAMDISK_PATH]);
  let bytes = 0;
  for (const [src] of files) {
    if (!existsSync(src) || !statSync(src).isFile()) throw new Error(`disk: no such file: ${src}`);
    bytes += statSync(src).size;
  }
  const needMiB = Math.ceil(bytes / 2 ** 20) + 2;
  const sizeMiB = o.sizeMiB ?? Math.max(16, needMiB + 8);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 2) throw new Error(`disk: --size must be a whole number of MiB ≥ 2, got ${o.sizeMiB}`);
  if (sizeMiB < needMiB) throw new Error(`disk: --size ${sizeMiB} MiB is too small for ${(bytes / 2 ** 20).toFixed(1)} MiB of files (need ≥ ${needMiB})`);
  const stage = mkdtempSync(join(tmpdir(), 'xenolith-disk-'));
  try {
    mkdirSync(join(stage, 'boot', 'grub'), { recursive: true });
    for (const [src, dst] of files) copyFileSync(src, join(stage, dst));
    const cfg = { cmdline: o.cmdline, ramdisk: o.ramdisk !== undefined, title: o.title };
    writeFileSync(join(stage, 'boot', 'grub', 'grub.cfg'), grubCfg(cfg));
    writeFileSync(join(stage, 'boot', 'grub', 'menu.lst'), menuLst(cfg));
    rmSync(out, { force: true });
    // 128-byte inodes: the legacy PV-GRUB (GRUB 0.97) reads only those.
    execFileSync(mke2fs, ['-q', '-F', '-t', 'ext2', '-I', '128', '-L', 'xenolith', '-E', 'root_owner=0:0', '-d', stage, out, `${sizeMiB}M`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`disk: mke2fs failed: ${e.stderr?.toString().trim() || e.message}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return { sizeMiB };
}
