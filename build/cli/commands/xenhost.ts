// `xenolith xenhost run --kernel k.elf ...`: boots a guest (or the reference Linux guest with
// --reference) on the Xen test host (QEMU running Xen with a Linux dom0, see scripts/xen-host)
// and reports how it ended. Exit code: the guest's exit status when it powered off and printed
// one, 0 for a poweroff without a status, otherwise 1 (crash, reboot, timeout, ...).
import type { Command } from 'commander';
import { hostUnavailableReason, provisionHost } from '../../xenhost/provision.ts';
import { referenceGuest, runGuests, type GuestSpec, type HostRunResult } from '../../xenhost/run.ts';

function unescape(s: string): string {
  return s.replace(/\\([nrt\\]|x[0-9a-fA-F]{2})/g, (_, c: string) =>
    c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c === '\\' ? '\\' : String.fromCharCode(parseInt(c.slice(1), 16)));
}

function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a whole number, got '${v}'`);
  return Number(v);
}

export function printRun(r: HostRunResult, out: (s: string) => void): void {
  out(`xen host: ${r.accel}, dom0 ready at ${r.dom0ReadySeconds ?? '?'} s, QEMU ran ${r.qemuSeconds.toFixed(1)} s\n`);
  for (const g of r.guests) {
    out(`--- guest ${g.name} (domid ${g.domid ?? '-'}) console:\n${g.console}${g.console.endsWith('\n') || g.console === '' ? '' : '\n'}`);
    out(`--- guest ${g.name}: ${g.ending}${g.shutdownCode !== null ? ` (reason code ${g.shutdownCode})` : ''}, exit status ${g.exitStatus ?? '-'}, ` +
      `first output ${g.firstOutputMs ?? '-'} ms, shutdown ${g.shutdownMs ?? '-'} ms after xl create\n`);
    if (g.ending === 'not-started' || g.ending === 'unknown') out(`--- xl create said:\n${g.xlLog}\n`);
    if (g.dom0Output) out(`--- dom0 script output:\n${g.dom0Output}\n`);
  }
}

export function register(program: Command): void {
  const xh = program.command('xenhost').description('the Xen test host: QEMU running Xen 4.17 with a minimal Linux dom0 (Debian packages)');
  xh.command('provision')
    .description('build (or find in .cache/xen-host) the host\'s boot files and print where they are')
    .option('--json', 'print the paths as JSON')
    .action((o: { json?: boolean }) => {
      const reason = hostUnavailableReason();
      if (reason !== null) throw new Error(`the Xen test host cannot run here: ${reason}`);
      const host = provisionHost((line) => process.stderr.write(`xenhost: ${line}\n`));
      process.stdout.write(o.json ? `${JSON.stringify(host, null, 2)}\n` : `${host.dir}\n`);
    });
  xh.command('run')
    .description('boot a PV guest on the test host and report its console, ending and exit status')
    .option('--kernel <file>', 'PV kernel (ELF or bzImage); without it the guest boots through PvGrub2 from --disk')
    .option('--reference', 'boot the reference guest: the dom0 Linux kernel with an initramfs that prints a line and powers off')
    .option('--ramdisk <file>', 'initial ramdisk')
    .option('--disk <img>', 'raw disk image attached as xvda (e.g. from `xenolith disk`)')
    .option('--memory <MiB>', 'guest memory', '128')
    .option('--cmdline <text>', 'kernel command line', 'console=hvc0')
    .option('--name <name>', 'domain name', 'guest')
    .option('--console-input <text>', 'text fed to the guest console (\\n, \\r, \\t, \\xHH escapes)')
    .option('--dom0-script <sh>', 'busybox sh run in dom0 beside the guest, with $DOMID and $NAME')
    .option('--time-limit <s>', 'seconds from xl create until the guest is destroyed', '60')
    .option('--accel <kvm|tcg|auto>', 'QEMU accelerator', 'auto')
    .option('--serial-log <file>', 'write the whole serial log (Xen, dom0, report) here')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress lines on stderr')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
      const reason = hostUnavailableReason();
      if (reason !== null) throw new Error(`the Xen test host cannot run here: ${reason}`);
      const progress = o.quiet ? undefined : (line: string) => process.stderr.write(`xenhost: ${line}\n`);
      const accel = String(o.accel);
      if (!['kvm', 'tcg', 'auto'].includes(accel)) throw new Error(`--accel must be kvm, tcg or auto, got '${accel}'`);
      const spec: GuestSpec = {
        kernel: o.kernel as string | undefined,
        ramdisk: o.ramdisk as string | undefined,
        disk: o.disk as string | undefined,
        memory: intOption('memory', o.memory as string),
        cmdline: o.kernel !== undefined ? (o.cmdline as string) : undefined,
        name: o.name as string,
        consoleInput: o.consoleInput !== undefined ? unescape(String(o.consoleInput)) : undefined,
        dom0Script: o.dom0Script as string | undefined,
        timeLimitSeconds: intOption('time-limit', o.timeLimit as string),
      };
      let guest = spec;
      if (o.reference) {
        if (o.kernel !== undefined) throw new Error('give --kernel or --reference, not both');
        // the reference guest's own defaults (name ref, 'console=hvc0 quiet', 90 s) unless given
        const rest: Partial<GuestSpec> = Object.fromEntries(Object.entries(spec).filter(([k, v]) => v !== undefined && k !== 'kernel'));
        if (!given('cmdline')) delete rest.cmdline;
        else rest.cmdline = String(o.cmdline);
        if (!given('name')) delete rest.name;
        if (!given('timeLimit')) delete rest.timeLimitSeconds;
        guest = referenceGuest(provisionHost(progress), rest);
      } else if (spec.kernel === undefined && spec.disk === undefined) {
        throw new Error('give --kernel <file>, --disk <img> (PvGrub2) or --reference');
      }
      const r = await runGuests([guest], { accel: accel as 'kvm' | 'tcg' | 'auto', progress, serialLogPath: o.serialLog as string | undefined });
      const g = r.guests[0]!;
      if (o.json) process.stdout.write(`${JSON.stringify({ ...r, serialLog: undefined }, null, 2)}\n`);
      else printRun(r, (s) => process.stdout.write(s));
      process.exitCode = g.ending === 'poweroff' ? g.exitStatus ?? 0 : 1;
    });
}
