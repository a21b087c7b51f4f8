//   node --import tsx bench/awfy/xen.ts <are-we-fast-yet checkout> [options]
// The suite's SOM benchmarks in ONE run of the Xen test host, each as a domU (our PV kernel,
// the image as its boot module) and as the linux executable with the same image in dom0,
// verifying; a table of both times, their ratio and its geomean (goal 1.0: the kernel adding
// nothing). See bench/awfy/xen-lib.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLinuxVm } from '../../build/pipeline/linux-vm.ts';
import { linkXenKernel } from '../../build/pipeline/xen-program.ts';
import { xenVmWasm } from '../../build/pipeline/xen-app.ts';
import { hostUnavailableReason, runGuests, type GuestSpec } from '../../build/xenhost/index.ts';
import { BENCHMARKS, buildBenchImage, linkSomSources, parseDriverOutput } from './lib.ts';
import { XEN_WORK, benchmarkJobs, collectRows, formatXenTable, jobOutcome, type Work } from './xen-lib.ts';

const HELP = `usage: node --import tsx bench/awfy/xen.ts <path to are-we-fast-yet> [--only A,B] [--inner N] [--rounds N] [--memory MiB] [--no-host] [--stats]

Runs the Are We Fast Yet SOM benchmarks in one QEMU run of the Xen test host: each as a Xen
domU (the VM in our PV kernel) and as the linux VM executable in dom0 (Linux on the same Xen
and emulated CPU), with the same image, each verifying its result; prints µs per place and
the ratio xen / linux-in-dom0 with its geomean.
  --only A,B     only these benchmarks (default: all 14)
  --inner N      inner iterations for every benchmark, one call each (default: counts for
                 the emulated CPU, bench/awfy/xen-lib.ts XEN_WORK)
  --rounds N     runs per benchmark and place, alternating which goes first; the best counts
                 (default 1)
  --memory MiB   the domU's memory (default 256)
  --no-host      leave out the reference column of the linux VM on this machine
  --stats        the kernel's counters (kernel/stats.ts) printed per domU at poweroff
`;

interface Options { suite: string; only: string[]; inner?: number; rounds: number; memory: number; host: boolean; stats: boolean }

function parseArgs(argv: string[]): Options | undefined {
  if (argv.includes('--help') || argv.includes('-h')) return undefined;
  const o: Options = { suite: '', only: [...BENCHMARKS], rounds: 1, memory: 256, host: true, stats: false };
  const positional: string[] = [];
  const count = (v: string | undefined, what: string, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${what} must be an integer 1..${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') o.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--inner') o.inner = count(argv[++i], '--inner', 1_000_000);
    else if (a === '--rounds') o.rounds = count(argv[++i], '--rounds', 10);
    else if (a === '--memory') o.memory = count(argv[++i], '--memory', 2048);
    else if (a === '--no-host') o.host = false;
    else if (a === '--stats') o.stats = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a} (see --help)`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new Error('one path to an are-we-fast-yet checkout expected (see --help)');
  o.suite = resolve(positional[0]);
  if (o.only.length === 0) throw new Error('--only names no benchmark');
  for (const b of o.only) if (!(BENCHMARKS as readonly string[]).includes(b)) throw new Error(`unknown benchmark ${b}`);
  return o;
}

const log = (l: string): void => { process.stderr.write(`awfy-xen: ${l}\n`); };

/** The linux VM on this machine with the same image: the emulation's cost, for reference. */
function hostTime(elf: string, image: string): number | string {
  const r = spawnSync(elf, [image], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 24 });
  const res = parseDriverOutput(r.stdout ?? '');
  if (!res) return `crashed (status ${r.status} ${r.signal ?? ''})`.trim();
  return res.ok && r.status === 0 ? res.micros : 'wrong result';
}

export async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  if (!o) {
    process.stdout.write(HELP);
    return 0;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the linux VM for dom0 is built and checked on x86-64 Linux; this is ${process.platform}/${process.arch}`);
  const why = hostUnavailableReason();
  if (why) throw new Error(`the Xen test host cannot run here: ${why}`);
  const work = mkdtempSync(join(tmpdir(), 'xenolith-awfy-xen-'));
  try {
    const somDir = linkSomSources(join(o.suite, 'benchmarks', 'SOM'), work);
    const kernel = join(work, 'vm.xen');
    linkXenKernel(await xenVmWasm(false, log), kernel, undefined, log); // no image: each guest boots its own module
    const { elfPath } = await buildLinuxVm({ progress: log });
    const counts: Record<string, Work> = {};
    const jobs: GuestSpec[] = [];
    const hostTimes: Record<string, number | string> = {};
    for (const name of o.only) {
      const w = o.inner !== undefined ? { inner: o.inner, reps: 1 } : XEN_WORK[name];
      counts[name] = w;
      const image = join(work, `${name}.image`);
      writeFileSync(image, buildBenchImage([somDir], name, w.inner, work, w.reps));
      if (o.host) {
        hostTimes[name] = hostTime(elfPath, image);
        log(`${name} (${w.inner} × ${w.reps}): ${hostTimes[name]} µs on this machine`);
      }
      jobs.push(...benchmarkJobs(name, { kernel, elf: elfPath, image }, o.rounds, o.memory, 600, o.stats));
    }
    const load0 = loadavg()[0];
    const run = await runGuests(jobs, { progress: log });
    const load1 = loadavg()[0];
    const rows = collectRows(run.guests, counts);
    if (o.host) for (const r of rows) r.host = hostTimes[r.name];
    for (const g of run.guests) {
      const v = jobOutcome(g);
      const t = g.shutdownMs !== null ? `${(g.shutdownMs / 1000).toFixed(1)} s` : '-';
      log(`${g.name}: ${typeof v === 'number' ? `${v} µs` : v} (${t} in all)`);
      for (const l of g.console.split('\n')) if (l.startsWith('xenolith: stats')) log(`${g.name}: ${l.trim()}`);
      if (typeof v === 'string') log(`${g.console.slice(-2000)}${g.xlLog ? `\n${g.xlLog.slice(-1000)}` : ''}`);
    }
    process.stdout.write(`${formatXenTable(rows, run.accel)}\n`);
    process.stdout.write(`\nQEMU run ${run.qemuSeconds.toFixed(0)} s (dom0 ready at ${run.dom0ReadySeconds ?? '?'} s), ` +
      `load average ${load0.toFixed(1)} → ${load1.toFixed(1)}, domU memory ${o.memory} MiB, rounds ${o.rounds}\n`);
    const bad = rows.filter((r) => typeof r.xen !== 'number' || typeof r.dom0 !== 'number').length + (o.only.length - rows.length);
    return bad === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((s) => { process.exitCode = s; }, (e: Error) => {
    process.stderr.write(`awfy-xen: ${e.message}\n`);
    process.exitCode = 2;
  });
}
