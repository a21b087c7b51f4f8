// How much slower the Xen test host's emulated CPU runs our start-up than this machine: the
// same linux executable (an app that prints one line and ends, so its run is its start-up to
// the first output) timed natively and as a command in the test host's dom0, and the same app
// as a Xen kernel booted there with its boot phases (kernel/boot-phases.ts). The ratio converts
// the guest's phases into a projection for real hardware (issue 5). Prints a table; never fails
// on numbers.
//
//   node --import tsx bench/xen-boot/startup-factor.ts --linux app --kernel app.xen [--runs N]
//        [--memory MiB]
// Build both from one app directory: `xenolith build DIR --target linux -o app` and
// `--target xen -o app.xen`; the app should print one line and return.
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { hostUnavailableReason, runGuests, type GuestSpec } from '../../build/xenhost/index.ts';
import { parseBootPhases, PHASE_NAMES, type BootPhases } from './phases.ts';

const { values } = parseArgs({
  options: {
    linux: { type: 'string' },
    kernel: { type: 'string' },
    runs: { type: 'string', default: '10' },
    memory: { type: 'string', default: '16' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || values.linux === undefined || values.kernel === undefined) {
  process.stdout.write('usage: startup-factor.ts --linux APP --kernel APP.xen [--runs N] [--memory MiB]\n'
    + '  APP and APP.xen: one app (printing a line, then returning) built for linux and xen\n');
  process.exit(values.help ? 0 : 2);
}
const runs = Number(values.runs);
const memory = Number(values.memory);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1, got '${values.runs}'`);
if (!Number.isInteger(memory) || memory < 4) throw new Error(`--memory must be a whole number of MiB ≥ 4, got '${values.memory}'`);
const log = (line: string): void => void process.stderr.write(`startup-factor: ${line}\n`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** ms from spawn to the first stdout byte, and to exit. */
function timeNative(exe: string): Promise<{ first: number; total: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let first: number | null = null;
    const child = spawn(exe, [], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', () => { if (first === null) first = Number(process.hrtime.bigint() - t0) / 1e6; });
    child.on('error', reject);
    child.on('close', (code) => {
      const total = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${exe} exited with status ${code}`));
      else resolve({ first: first ?? total, total });
    });
  });
}

const native: { first: number; total: number }[] = [];
for (let i = 0; i < runs; i++) native.push(await timeNative(values.linux));
const nativeFirst = median(native.map((r) => r.first));
// the same shell loop as in dom0 (below), so that both sides count sh's fork and exec alike
const runLoop = (exe: string): string => `i=0; while [ $i -lt ${runs} ]; do ${exe} >/dev/null || exit 1; i=$((i+1)); done\n`;
const loopMs: number[] = [];
for (let k = 0; k < 3; k++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', runLoop(`'${values.linux.replace(/'/g, "'\\''")}'`)], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`the native loop failed (status ${r.status})`);
  loopMs.push(Number(process.hrtime.bigint() - t0) / 1e6 / runs);
}
const nativeTotal = median(loopMs);

const reason = hostUnavailableReason();
if (reason !== null) {
  log(`natively: first output ${nativeFirst.toFixed(2)} ms, exit ${nativeTotal.toFixed(2)} ms; the Xen test host cannot run here: ${reason}`);
  process.exit(0);
}
// dom0: the runs back to back, timed with /proc/uptime (10 ms steps) around the whole loop
const loop = `read a _ < /proc/uptime\n${runLoop('./app')}read b _ < /proc/uptime\necho "dom0 loop $a $b"\n`;
const specs: GuestSpec[] = [
  { name: 'dom0', dom0Command: loop, files: { app: values.linux }, timeLimitSeconds: 300 },
  ...Array.from({ length: Math.min(runs, 3) }, (_, i) => ({ name: `k${i}`, kernel: values.kernel!, cmdline: 'xenolith.stats', memory, timeLimitSeconds: 60 })),
];
const result = await runGuests(specs, { progress: log });
const d = result.guests[0]!;
const m = /dom0 loop ([\d.]+) ([\d.]+)/.exec(d.console);
if (d.exitStatus !== 0 || !m) throw new Error(`the dom0 loop failed (${d.ending}, status ${d.exitStatus}): ${d.console}`);
const dom0PerRun = ((Number(m[2]) - Number(m[1])) * 1000) / runs;
const phases = result.guests.slice(1).map((g) => parseBootPhases(g.console)).filter((p): p is BootPhases => p !== null);
const factor = dom0PerRun / nativeTotal;

process.stdout.write(`Start-up to first output (${result.accel}, ${runs} runs; uptime load ${loadavg()[0]!.toFixed(2)})\n`);
process.stdout.write(`  natively: first output ${nativeFirst.toFixed(2)} ms, whole run ${nativeTotal.toFixed(2)} ms (in a sh loop, as in dom0)\n`);
process.stdout.write(`  in the test host's dom0: whole run ${dom0PerRun.toFixed(1)} ms (mean of the loop) → emulated/native ${factor.toFixed(1)}×\n`);
if (phases.length > 0) {
  const med = (n: typeof PHASE_NAMES[number]): number | null => {
    const xs = phases.map((p) => p[n]).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) / 1000 : null;
  };
  const cells = PHASE_NAMES.map((n) => {
    const ms = med(n);
    return ms === null ? `${n} -` : `${n} ${ms.toFixed(1)} (≈${(ms / factor).toFixed(2)})`;
  });
  process.stdout.write(`  as a domU (memory=${memory} MiB, ${phases.length} boots), ms from kernel entry (≈ real hardware at ${factor.toFixed(1)}×): ${cells.join(', ')}\n`);
  const first = result.guests.slice(1).map((g) => g.firstOutputMs).filter((x): x is number => x !== null);
  const cons = med('console');
  if (first.length > 0 && cons !== null) process.stdout.write(`  xl create → kernel entry (dom0's first output minus the console phase): ${(median(first) - cons).toFixed(0)} ms\n`);
} else {
  process.stdout.write(`  the kernel printed no boot phases: ${result.guests[1]?.console ?? ''}\n`);
}
