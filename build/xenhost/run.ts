// Runs guests on the Xen test host: one QEMU run, dom0 boots once, the guests run one after the
// other, each with its own console capture, time limit, optional console input and optional
// dom0-side script. dom0 (scripts/xen-host/dom0-run-guest.sh) reports on the serial console in
// "@@XH <guest> <key> <value>" lines, which this file parses.
//
// How a guest's ending is learned: the domain is created with on_poweroff/on_crash/on_reboot =
// "preserve" by `xl create -F`, which prints the shutdown reason code Xen keeps for the domain
// (SCHEDOP_shutdown's reason: 0 poweroff, 1 reboot, 2 suspend, 3 crash, 4 watchdog, 5 soft_reset);
// dom0 then lets xenconsoled drain the console ring and destroys the domain. Xen keeps no exit
// status, so the guest prints it as its last console line, `xenolith: exit status N` (the
// convention of kernel/shutdown.ts); the reference Linux guest prints the same line.
import { spawn, spawnSync } from 'node:child_process';
import { constants, accessSync, appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeCpio, type CpioEntry } from './cpio.ts';
import { CACHE_ROOT, SCRIPT_DIR, packageVersions, provisionHost, type HostFiles } from './provision.ts';
import { DEBIAN_PVGRUB2_PATH, writeXlConfig } from '../xl/config.ts';

export interface GuestSpec {
  /** PV kernel on this machine; without it the guest boots through PvGrub2 from `disk` */
  kernel?: string;
  ramdisk?: string;
  /** raw disk image attached as xvda (through a loop device in dom0) */
  disk?: string;
  cmdline?: string;
  /** MiB, default 128 */
  memory?: number;
  /** domain name; default g<index> */
  name?: string;
  /** written to the guest's console once the domain exists */
  consoleInput?: string;
  /** a busybox sh script run in dom0 beside the guest, with DOMID and NAME set (xenstore-write ...) */
  dom0Script?: string;
  /** seconds from `xl create` until the domain is destroyed as timed out (default 60) */
  timeLimitSeconds?: number;
  /**
   * Instead of booting a domain: a busybox sh script run in dom0 itself (scripts/xen-host/
   * dom0-run-command.sh), in a directory holding `files`; its output is the result's console, its
   * exit status the result's exitStatus, its ending 'exited' (or 'timeout'). For comparing a
   * program under dom0's Linux with the same work in a domU, on the same emulated CPU.
   */
  dom0Command?: string;
  /** with dom0Command: files copied into its directory, name in dom0 → path here (mode 0755) */
  files?: Record<string, string>;
}

/** 'exited': a dom0Command that ran to its end (any status) */
export type Ending = 'poweroff' | 'reboot' | 'suspend' | 'crash' | 'watchdog' | 'soft_reset' | 'timeout' | 'not-started' | 'exited' | 'unknown';
const REASONS: readonly Ending[] = ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset'];

export interface GuestResult {
  name: string;
  domid: number | null;
  /** everything the guest wrote to its console */
  console: string;
  ending: Ending;
  /** Xen's shutdown reason code as the toolstack reported it, or null */
  shutdownCode: number | null;
  /** from the guest's `xenolith: exit status N` line (the last one), or null */
  exitStatus: number | null;
  /** measured in dom0 (10 ms resolution), from `xl create`: first console output, shutdown */
  firstOutputMs: number | null;
  shutdownMs: number | null;
  /** `xl create -F` output (errors from the toolstack land here) */
  xlLog: string;
  /** stdout+stderr of the dom0 script, if any */
  dom0Output: string;
  /** the domain's state letters in `xl list` just before it was destroyed, e.g. ---s-- */
  state: string | null;
}

export type Accel = 'kvm' | 'tcg';

export interface RunOptions {
  /** 'auto' (default): KVM when it boots Xen here, else TCG; XENOLITH_XENHOST_ACCEL overrides */
  accel?: Accel | 'auto';
  progress?: (line: string) => void;
  /** seconds allowed for QEMU + Xen + dom0 before the first guest (default 120) */
  bootLimitSeconds?: number;
  /** also write the whole serial log here */
  serialLogPath?: string;
}

export interface HostRunResult {
  accel: Accel;
  guests: GuestResult[];
  /** dom0 uptime when its toolstack was ready */
  dom0ReadySeconds: number | null;
  /** wall time of the whole QEMU run */
  qemuSeconds: number;
  xenDmesg: string;
  serialLog: string;
}

const TESTHOST_PVGRUB = DEBIAN_PVGRUB2_PATH; // dom0-init puts PvGrub2 at Debian's path
const BLOCK_SCRIPT = '/etc/xen/scripts/xh-block';

function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function text(s: string): Uint8Array {
  return bytes(Buffer.from(s, 'utf8'));
}

function readHostFile(what: string, p: string): Uint8Array {
  const abs = resolve(p);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new Error(`xen host: ${what} is not a file: ${p}`);
  return bytes(readFileSync(abs));
}

/** Packs the guests as /job/guests/<n>/... (a gzip'd newc cpio appended to dom0's initramfs). */
export function packJob(guests: readonly GuestSpec[]): { archive: Uint8Array; names: string[]; limits: number[] } {
  if (guests.length === 0) throw new Error('xen host: no guests to run');
  const entries: CpioEntry[] = [{ path: 'job' }, { path: 'job/guests' }];
  const names: string[] = [];
  const limits: number[] = [];
  guests.forEach((g, n) => {
    const name = g.name ?? `g${n}`;
    if (names.includes(name)) throw new Error(`xen host: two guests named '${name}'`);
    names.push(name);
    const limit = g.timeLimitSeconds ?? 60;
    if (!Number.isInteger(limit) || limit < 1 || limit > 3600) throw new Error(`xen host: guest ${name}: time limit must be 1..3600 s, got ${limit}`);
    limits.push(limit);
    const dir = `job/guests/${n}`;
    const inDom0 = (f: string): string => `/${dir}/${f}`;
    entries.push({ path: dir });
    if (g.dom0Command !== undefined) {
      packDom0Command(g, name, limit, dir, entries);
      return;
    }
    if (g.files !== undefined) throw new Error(`xen host: guest ${name}: files are for a dom0Command`);
    if (g.kernel !== undefined) entries.push({ path: `${dir}/kernel`, data: readHostFile('kernel', g.kernel) });
    if (g.ramdisk !== undefined) entries.push({ path: `${dir}/ramdisk`, data: readHostFile('ramdisk', g.ramdisk) });
    if (g.disk !== undefined) entries.push({ path: `${dir}/disk.img`, data: readHostFile('disk', g.disk) });
    if (g.kernel === undefined && g.disk === undefined) throw new Error(`xen host: guest ${name}: give a kernel, or a disk to boot through PvGrub2`);
    const cfg = writeXlConfig({
      name,
      kernel: g.kernel !== undefined ? inDom0('kernel') : undefined,
      ramdisk: g.ramdisk !== undefined ? inDom0('ramdisk') : undefined,
      cmdline: g.kernel !== undefined ? g.cmdline ?? 'console=hvc0' : undefined,
      memory: g.memory ?? 128,
      disk: g.disk !== undefined ? inDom0('disk.img') : undefined,
      diskScript: g.disk !== undefined ? BLOCK_SCRIPT : undefined,
      pvgrub: TESTHOST_PVGRUB,
      onPoweroff: 'preserve',
      onCrash: 'preserve',
      onReboot: 'preserve',
    });
    if (g.kernel === undefined && g.cmdline !== undefined) throw new Error(`xen host: guest ${name}: with PvGrub2 the command line is on the disk`);
    entries.push({ path: `${dir}/guest.cfg`, data: text(cfg) });
    entries.push({ path: `${dir}/name`, data: text(`${name}\n`) });
    entries.push({ path: `${dir}/limit`, data: text(`${limit}\n`) });
    if (g.consoleInput !== undefined) entries.push({ path: `${dir}/input`, data: text(g.consoleInput) });
    if (g.dom0Script !== undefined) entries.push({ path: `${dir}/dom0.sh`, data: text(g.dom0Script), mode: 0o755 });
  });
  return { archive: bytes(gzipSync(writeCpio(entries), { level: 1 })), names, limits };
}

const DOM0_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DOM0_RESERVED = new Set(['name', 'limit', 'command', 'command.out', 'timed-out']); // dom0-run-command.sh's own

/** A job dir that runs a command in dom0: name, limit, command and its files. */
function packDom0Command(g: GuestSpec, name: string, limit: number, dir: string, entries: CpioEntry[]): void {
  for (const k of ['kernel', 'ramdisk', 'disk', 'cmdline', 'consoleInput', 'dom0Script'] as const) {
    if (g[k] !== undefined) throw new Error(`xen host: ${name}: a dom0Command takes no ${k}`);
  }
  entries.push({ path: `${dir}/name`, data: text(`${name}\n`) });
  entries.push({ path: `${dir}/limit`, data: text(`${limit}\n`) });
  entries.push({ path: `${dir}/command`, data: text(g.dom0Command!), mode: 0o755 });
  for (const [file, hostPath] of Object.entries(g.files ?? {})) {
    if (!DOM0_FILE_NAME.test(file) || DOM0_RESERVED.has(file)) throw new Error(`xen host: ${name}: bad file name '${file}' for dom0`);
    entries.push({ path: `${dir}/${file}`, data: readHostFile(file, hostPath), mode: 0o755 });
  }
}

/** Parses dom0's "@@XH" report out of the serial log. */
export function parseReport(serial: string, names: readonly string[]): { guests: GuestResult[]; dom0ReadySeconds: number | null; xenDmesg: string } {
  const fields = new Map<string, Map<string, string[]>>();
  for (const raw of serial.split('\n')) {
    const m = /@@XH (\S+) (\S+) ?(.*)$/.exec(raw.replace(/\r/g, ''));
    if (!m) continue;
    const [, who, key, value] = m as unknown as [string, string, string, string];
    if (!fields.has(who)) fields.set(who, new Map());
    const f = fields.get(who)!;
    if (!f.has(key)) f.set(key, []);
    f.get(key)!.push(value);
  }
  // each line is decoded on its own (dom0's base64 wraps at 76 characters, a multiple of 4)
  const b64 = (who: string, key: string): string =>
    Buffer.concat((fields.get(who)?.get(key) ?? []).map((l) => bytes(Buffer.from(l.trim(), 'base64')))).toString('utf8');
  const one = (who: string, key: string): string | undefined => fields.get(who)?.get(key)?.[0];
  const ready = one('host', 'ready');
  const guests = names.map((name, n): GuestResult => {
    const who = String(n);
    const console = b64(who, 'console');
    const xlLog = b64(who, 'xl.out');
    const domidText = one(who, 'domid');
    const domid = domidText !== undefined && /^\d+$/.test(domidText) ? Number(domidText) : null;
    const code = /has shut down, reason code (\d+)/.exec(xlLog);
    const shutdownCode = code ? Number(code[1]) : null;
    let ending: Ending;
    if (one(who, 'timeout') !== undefined) ending = 'timeout';
    else if (shutdownCode !== null) ending = REASONS[shutdownCode] ?? 'unknown';
    else if (domid === null) ending = 'not-started';
    else ending = 'unknown';
    // a dom0 command reports its status; a guest prints it as its last status line
    const exitText = one(who, 'exit');
    if (exitText !== undefined && ending === 'not-started') ending = 'exited';
    const statuses = [...console.matchAll(/^xenolith: exit status (-?\d+)\r?$/gm)];
    const last = statuses.at(-1);
    const times = (one(who, 'times') ?? '').split(' ');
    const t0 = Number(times[0]);
    const at = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s) && Number.isFinite(t0) ? (Number(s) - t0) * 10 : null);
    const state = one(who, 'state');
    return {
      name,
      domid,
      console,
      ending,
      shutdownCode,
      exitStatus: exitText !== undefined && /^\d+$/.test(exitText) ? Number(exitText) : last ? Number(last[1]) : null,
      firstOutputMs: at(times[1]),
      shutdownMs: ending === 'timeout' ? null : at(times[2]),
      xlLog,
      dom0Output: b64(who, 'dom0.out'),
      state: state !== undefined && state !== '-' ? state : null,
    };
  });
  return { guests, dom0ReadySeconds: ready !== undefined ? Number(ready) : null, xenDmesg: b64('host', 'xen-dmesg') };
}

interface QemuRun { serial: string; seconds: number; exitCode: number | null; killedEarly: boolean }

// QEMU process groups still running; killed if this process exits first
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function runQemu(host: HostFiles, accel: Accel, initrd: string, seconds: number, guestRamMiB: number,
  onLine: (line: string) => boolean): Promise<QemuRun> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn('bash', [join(SCRIPT_DIR, 'run-qemu.sh'), accel, String(seconds), host.xen, host.vmlinuz, initrd, String(guestRamMiB)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a kill reaches timeout and QEMU
    });
    let serial = '';
    let pending = '';
    let killedEarly = false;
    const kill = (): void => killGroup(child.pid!);
    if (child.pid !== undefined) liveGroups.add(child.pid);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => liveGroups.forEach(killGroup));
    }
    const feed = (chunk: Buffer): void => {
      const text = chunk.toString('latin1');
      serial += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) {
        if (!killedEarly && onLine(l.replace(/\r+$/, ''))) {
          killedEarly = true;
          kill();
        }
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', reject);
    child.on('close', (code) => {
      liveGroups.delete(child.pid!);
      resolvePromise({ serial, seconds: (Date.now() - started) / 1000, exitCode: code, killedEarly });
    });
  });
}

function buildInitrd(host: HostFiles, job: Uint8Array, tag: string): string {
  const dir = join(CACHE_ROOT, 'runs');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `initrd-${process.pid}-${tag}.gz`);
  writeFileSync(path, bytes(readFileSync(host.dom0Initrd)));
  appendFileSync(path, job);
  return path;
}

function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether Xen and dom0 boot under KVM here: probed once per QEMU version and host kernel, the
 * answer cached. Under nested KVM Xen may die at once ("KVM internal error") or stall: both fall
 * back to TCG within the probe's 40 s.
 */
export async function detectAccel(host: HostFiles, progress?: (line: string) => void): Promise<Accel> {
  const forced = process.env.XENOLITH_XENHOST_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (!kvmUsable()) return 'tcg';
  const qemuVersion = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  const uname = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
  const key = `${qemuVersion} | ${uname} | dom0 ${host.kernelVersion} | xen ${packageVersions(['xen-hypervisor-4.17-amd64'])['xen-hypervisor-4.17-amd64']}`;
  const cacheFile = join(CACHE_ROOT, 'accel.json');
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key: string; accel: Accel };
    if (cached.key === key) return cached.accel;
  } catch {
    /* not probed yet */
  }
  progress?.('probing whether Xen boots under KVM here (once)');
  let ok = false;
  await runQemu(host, 'kvm', host.dom0Initrd, 40, 64, (line) => {
    if (line.includes('@@XH host done')) ok = true;
    return ok || /KVM internal error|kvm run failed|failed to initialize kvm/i.test(line);
  });
  const accel: Accel = ok ? 'kvm' : 'tcg';
  progress?.(`KVM ${ok ? 'works' : 'does not boot Xen here'}: using ${accel}`);
  writeFileSync(cacheFile, JSON.stringify({ key, accel }));
  return accel;
}

/** The dom0's own Linux kernel as a PV guest with an initramfs that prints a line and powers off. */
export function referenceGuest(host: HostFiles, extra: Partial<GuestSpec> = {}): GuestSpec {
  return { kernel: host.refKernel, ramdisk: host.refInitrd, cmdline: 'console=hvc0 quiet', memory: 128, name: 'ref', timeLimitSeconds: 90, ...extra };
}

/** Runs the guests in one QEMU run. Throws only when the host cannot be started at all. */
export async function runGuests(guests: readonly GuestSpec[], o: RunOptions = {}): Promise<HostRunResult> {
  const progress = o.progress;
  const host = provisionHost(progress);
  const { archive, names, limits } = packJob(guests);
  const accel = o.accel === undefined || o.accel === 'auto' ? await detectAccel(host, progress) : o.accel;
  const initrd = buildInitrd(host, archive, 'job');
  const guestRam = Math.max(...guests.map((g) => (g.dom0Command !== undefined ? 0 : g.memory ?? 128))) + 64;
  const total = (o.bootLimitSeconds ?? 120) + limits.reduce((a, l) => a + l + 20, 0);
  progress?.(`booting Xen and dom0 under ${accel} (${guests.length} guest${guests.length === 1 ? '' : 's'}, at most ${total} s)`);
  let run: QemuRun;
  try {
    run = await runQemu(host, accel, initrd, total, guestRam, (line) => {
      const m = /@@XH (\S+) (begin|end|ready|timeout)\b ?(.*)$/.exec(line);
      if (m) progress?.(m[1] === 'host' ? `dom0 ready at ${m[3]} s` : `guest ${names[Number(m[1])]}: ${m[2]}`);
      return false;
    });
  } finally {
    try {
      rmSync(initrd, { force: true });
    } catch {
      /* ignore */
    }
  }
  if (o.serialLogPath) writeFileSync(o.serialLogPath, run.serial);
  if (!run.serial.includes('@@XH host ready')) {
    const tail = run.serial.replace(/\r/g, '').split('\n').slice(-15).join('\n');
    throw new Error(`xen host: dom0 did not come up under ${accel} (QEMU exit ${run.exitCode} after ${run.seconds.toFixed(0)} s); last lines:\n${tail}`);
  }
  const report = parseReport(run.serial, names);
  return { accel, guests: report.guests, dom0ReadySeconds: report.dom0ReadySeconds, qemuSeconds: run.seconds, xenDmesg: report.xenDmesg, serialLog: run.serial };
}
