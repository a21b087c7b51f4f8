// The PvGrub disk builder (build/disk/pvgrub-disk.ts): the image is an ext2 filesystem holding the
// kernel, the ramdisk, grub.cfg and menu.lst, checked with debugfs from e2fsprogs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMke2fs, grubCfg, makeDiskImage, menuLst } from '../../build/disk/pvgrub-disk.ts';

const debugfs = ['/usr/sbin/debugfs', '/sbin/debugfs'].find((p) => existsSync(p));

function fsCat(img: string, path: string): Buffer {
  const r = spawnSync(debugfs!, ['-R', `cat ${path}`, img], { maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

test('grub.cfg and menu.lst name the kernel, the ramdisk and the command line', () => {
  const g = grubCfg({ cmdline: 'console=hvc0 x=$y', ramdisk: true });
  assert.match(g, /^ {2}linux \/boot\/kernel console=hvc0 'x=\$y'$/m);
  assert.match(g, /^ {2}initrd \/boot\/initrd$/m);
  assert.match(g, /^set timeout=0$/m);
  const m = menuLst({ cmdline: 'console=hvc0', ramdisk: false });
  assert.match(m, /^root \(hd0\)$/m);
  assert.match(m, /^kernel \/boot\/kernel console=hvc0$/m);
  assert.doesNotMatch(m, /initrd/);
});

test('the image is ext2 with the files, read back with debugfs', (t) => {
  if (findMke2fs() === null) return t.skip('no mke2fs: apt-get install e2fsprogs');
  if (!debugfs) return t.skip('no debugfs: apt-get install e2fsprogs');
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-disk-test-'));
  try {
    const kernel = new Uint8Array(300_000).map((_, i) => (i * 7919) & 0xff);
    writeFileSync(join(dir, 'k.elf'), kernel);
    writeFileSync(join(dir, 'r.gz'), 'ramdisk-bytes');
    const img = join(dir, 'd.img');
    const { sizeMiB } = makeDiskImage(img, { kernel: join(dir, 'k.elf'), ramdisk: join(dir, 'r.gz'), cmdline: 'console=hvc0 quiet' });
    assert.equal(sizeMiB, 16);
    assert.equal(statSync(img).size, 16 << 20);
    const sb = readFileSync(img).subarray(1024 + 56, 1024 + 58);
    assert.equal(sb.readUInt16LE(0), 0xef53, 'ext2 superblock magic at byte 1080');
    assert.deepEqual(new Uint8Array(fsCat(img, '/boot/kernel')), kernel);
    assert.equal(fsCat(img, '/boot/initrd').toString(), 'ramdisk-bytes');
    assert.match(fsCat(img, '/boot/grub/grub.cfg').toString(), /linux \/boot\/kernel console=hvc0 quiet/);
    assert.match(fsCat(img, '/boot/grub/menu.lst').toString(), /kernel \/boot\/kernel console=hvc0 quiet/);
    const stats = spawnSync(debugfs, ['-R', 'stats', img], { encoding: 'utf8' });
    assert.match(stats.stdout, /Inode size:\s+128/);
    assert.doesNotMatch(stats.stdout, /Filesystem features:.*has_journal/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: missing kernel, too small a size, a multi-line command line', (t) => {
  if (findMke2fs() === null) return t.skip('no mke2fs: apt-get install e2fsprogs');
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-disk-test-'));
  try {
    writeFileSync(join(dir, 'k'), new Uint8Array(5 << 20));
    assert.throws(() => makeDiskImage(join(dir, 'd.img'), { kernel: join(dir, 'nope') }), /no such file/);
    assert.throws(() => makeDiskImage(join(dir, 'd.img'), { kernel: join(dir, 'k'), sizeMiB: 4 }), /too small/);
    assert.throws(() => makeDiskImage(join(dir, 'd.img'), { kernel: join(dir, 'k'), cmdline: 'a\nb' }), /one line/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
