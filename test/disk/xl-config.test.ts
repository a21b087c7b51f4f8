// The xl config writer (build/xl/config.ts): direct kernel boot, PvGrub2 boot from a disk, and
// refusal of values xl cannot parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEBIAN_PVGRUB2_PATH, writeXlConfig } from '../../build/xl/config.ts';

/** Reads back `key = value` lines the way xl does for the simple values we write. */
function parse(cfg: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of cfg.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const r = /^([a-z_]+) = (.*)$/.exec(line);
    assert.ok(r, `not a key = value line: ${line}`);
    m.set(r[1]!, r[2]!);
  }
  return m;
}

test('direct kernel boot: kernel, ramdisk, extra, memory, shutdown actions', () => {
  const cfg = parse(writeXlConfig({ name: 'hello', kernel: '/k/x.elf', ramdisk: '/k/r.gz', cmdline: 'console=hvc0 a=1', memory: 32 }));
  assert.equal(cfg.get('name'), '"hello"');
  assert.equal(cfg.get('type'), '"pv"');
  assert.equal(cfg.get('kernel'), '"/k/x.elf"');
  assert.equal(cfg.get('ramdisk'), '"/k/r.gz"');
  assert.equal(cfg.get('extra'), '"console=hvc0 a=1"');
  assert.equal(cfg.get('memory'), '32');
  assert.equal(cfg.get('on_poweroff'), '"destroy"');
  assert.equal(cfg.get('on_crash'), '"destroy"');
  assert.equal(cfg.has('disk'), false);
  assert.equal(cfg.has('vif'), false);
});

test('PvGrub2 boot from a disk: the bootloader is the kernel, the disk is xvda, target last', () => {
  const cfg = parse(writeXlConfig({ name: 'g', disk: '/img/d.img', memory: 64, vif: true, onCrash: 'preserve' }));
  assert.equal(cfg.get('kernel'), `"${DEBIAN_PVGRUB2_PATH}"`);
  assert.equal(cfg.has('ramdisk'), false);
  assert.equal(cfg.has('extra'), false);
  assert.equal(cfg.get('disk'), "[ 'format=raw, vdev=xvda, access=rw, target=/img/d.img' ]");
  assert.equal(cfg.get('vif'), "[ '' ]");
  assert.equal(cfg.get('on_crash'), '"preserve"');
});

test('a disk hotplug script forces the phy backend; a vif may name its bridge', () => {
  const cfg = parse(writeXlConfig({ name: 'g', kernel: '/k', disk: '/d.img', diskScript: '/etc/xen/scripts/xh-block', memory: 16, vif: 'xenbr0' }));
  assert.equal(cfg.get('disk'), "[ 'format=raw, vdev=xvda, access=rw, backendtype=phy, script=/etc/xen/scripts/xh-block, target=/d.img' ]");
  assert.equal(cfg.get('vif'), "[ 'bridge=xenbr0' ]");
});

test('refuses what xl cannot express, with the reason', () => {
  assert.throws(() => writeXlConfig({ name: 'bad name', kernel: '/k', memory: 16 }), /bad domain name/);
  assert.throws(() => writeXlConfig({ name: 'g', kernel: '/k', cmdline: 'say "hi"', memory: 16 }), /double quote/);
  assert.throws(() => writeXlConfig({ name: 'g', kernel: '/k', memory: 1.5 }), /memory/);
  assert.throws(() => writeXlConfig({ name: 'g', memory: 16 }), /give a kernel, or a disk/);
  assert.throws(() => writeXlConfig({ name: 'g', disk: '/d', cmdline: 'x', memory: 16 }), /live on the disk/);
  assert.throws(() => writeXlConfig({ name: 'g', kernel: '/k', disk: '/a,b', memory: 16 }), /comma/);
  assert.throws(() => writeXlConfig({ name: 'g', kernel: '/k', memory: 16, onCrash: 'explode' as never }), /on_crash must be one of/);
});
