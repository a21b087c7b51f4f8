// Writes xl domain configurations (xl.cfg(5)) for Xenolith PV guests: a direct kernel boot
// (kernel/ramdisk/extra) or a boot through PvGrub2 from the guest's disk (the disk then holds the
// kernel and /boot/grub/grub.cfg, see build/disk). Strings are validated rather than escaped:
// xl's parser has no escape for a double quote, so a value containing one is refused.

/** Where Debian's grub-xen-host installs the 64-bit PvGrub2 image (the test host uses it too). */
export const DEBIAN_PVGRUB2_PATH = '/usr/lib/grub-xen/grub-x86_64-xen.bin';

export type ShutdownAction = 'destroy' | 'restart' | 'rename-restart' | 'preserve' | 'coredump-destroy' | 'coredump-restart' | 'soft-reset';
const ACTIONS: readonly ShutdownAction[] = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart', 'soft-reset'];

export interface XlConfigOptions {
  /** domain name (letters, digits, '.', '_', '-') */
  name: string;
  /** PV kernel to boot directly; without it the domain boots through PvGrub2 from `disk` */
  kernel?: string;
  ramdisk?: string;
  /** the kernel command line (xl's `extra`) */
  cmdline?: string;
  /** MiB */
  memory: number;
  vcpus?: number;
  /** a raw disk image or block device, attached as xvda */
  disk?: string;
  /** a hotplug script for the disk (libxl's default is /etc/xen/scripts/block) */
  diskScript?: string;
  /** add a network interface; a string names the bridge */
  vif?: boolean | string;
  /** PvGrub2 image used when there is no kernel (default: Debian's grub-xen-host path) */
  pvgrub?: string;
  onPoweroff?: ShutdownAction;
  onCrash?: ShutdownAction;
  onReboot?: ShutdownAction;
}

function quoted(what: string, value: string): string {
  if (/["\n\r\\]/.test(value)) throw new Error(`xl config: ${what} must not contain a double quote, backslash or newline: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

function diskSpecPart(what: string, value: string): string {
  if (/[,'"\n\r\\]/.test(value)) throw new Error(`xl config: ${what} must not contain a comma, quote, backslash or newline: ${JSON.stringify(value)}`);
  return value;
}

export function writeXlConfig(o: XlConfigOptions): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(o.name)) throw new Error(`xl config: bad domain name '${o.name}' (use letters, digits, '.', '_', '-'; at most 64)`);
  if (!Number.isInteger(o.memory) || o.memory < 4 || o.memory > 1 << 20) throw new Error(`xl config: memory must be a whole number of MiB (4..1048576), got ${o.memory}`);
  if (o.vcpus !== undefined && (!Number.isInteger(o.vcpus) || o.vcpus < 1 || o.vcpus > 128)) throw new Error(`xl config: vcpus must be 1..128, got ${o.vcpus}`);
  if (o.kernel === undefined && o.disk === undefined) throw new Error('xl config: give a kernel, or a disk to boot through PvGrub2');
  if (o.kernel === undefined && (o.ramdisk !== undefined || o.cmdline !== undefined)) {
    throw new Error('xl config: with PvGrub2 the ramdisk and command line live on the disk (build it with `xenolith disk`), not in the xl config');
  }
  for (const [k, v] of [['on_poweroff', o.onPoweroff], ['on_crash', o.onCrash], ['on_reboot', o.onReboot]] as const) {
    if (v !== undefined && !ACTIONS.includes(v)) throw new Error(`xl config: ${k} must be one of ${ACTIONS.join(', ')}, got '${v}'`);
  }
  const lines = ['# Xenolith PV guest, written by `xenolith xl`', `name = ${quoted('name', o.name)}`, 'type = "pv"'];
  if (o.kernel !== undefined) {
    lines.push(`kernel = ${quoted('kernel', o.kernel)}`);
    if (o.ramdisk !== undefined) lines.push(`ramdisk = ${quoted('ramdisk', o.ramdisk)}`);
    if (o.cmdline !== undefined) lines.push(`extra = ${quoted('cmdline', o.cmdline)}`);
  } else {
    lines.push('# boots through PvGrub2, which reads /boot/grub/grub.cfg from xvda');
    lines.push(`kernel = ${quoted('pvgrub', o.pvgrub ?? DEBIAN_PVGRUB2_PATH)}`);
  }
  lines.push(`memory = ${o.memory}`, `vcpus = ${o.vcpus ?? 1}`);
  if (o.disk !== undefined) {
    const parts = ['format=raw', 'vdev=xvda', 'access=rw'];
    if (o.diskScript !== undefined) parts.push('backendtype=phy', `script=${diskSpecPart('disk script', o.diskScript)}`);
    parts.push(`target=${diskSpecPart('disk', o.disk)}`); // target= must come last
    lines.push(`disk = [ '${parts.join(', ')}' ]`);
  }
  if (o.vif !== undefined && o.vif !== false) {
    lines.push(typeof o.vif === 'string' ? `vif = [ 'bridge=${diskSpecPart('bridge', o.vif)}' ]` : `vif = [ '' ]`);
  }
  lines.push(`on_poweroff = "${o.onPoweroff ?? 'destroy'}"`, `on_crash = "${o.onCrash ?? 'destroy'}"`, `on_reboot = "${o.onReboot ?? 'destroy'}"`);
  return `${lines.join('\n')}\n`;
}
