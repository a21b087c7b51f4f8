// Are We Fast Yet in the Xen test host: the parts of bench/awfy/xen.ts that need no QEMU, so they
// can be tested alone. A benchmark runs twice in one QEMU run: as a domU (the VM in our PV
// kernel, the image as its boot module) and as the linux executable with the same image in dom0
// (a PV Linux on the same Xen and the same emulated CPU). The ratio xen / linux-in-dom0 is what
// our kernel adds (goal 1.0); the test host emulates its CPU (TCG), hence the small counts.
import type { GuestResult, GuestSpec } from '../../build/xenhost/index.ts';
import { geomean, parseDriverOutput } from './lib.ts';

/** How much work one run does: `reps` calls of `innerBenchmarkLoop: inner`, each verifying. */
export interface Work { inner: number; reps: number }

/**
 * Counts for the emulated CPU (~10× slower than the machine): each benchmark ~0.3–0.5 s on the
 * native linux VM, so 3–5 s per run under TCG. NBody and Mandelbrot verify only at fixed counts
 * (1 or 250000; 1, 500 or 750) whose smallest do almost nothing and whose next are minutes under
 * TCG, so they repeat the count of 1; Havlak verifies at 1 at the least (~80 s under TCG).
 */
export const XEN_WORK: Record<string, Work> = {
  Richards: { inner: 4, reps: 1 }, DeltaBlue: { inner: 3000, reps: 1 }, Havlak: { inner: 1, reps: 1 },
  Json: { inner: 8, reps: 1 }, CD: { inner: 10, reps: 1 }, NBody: { inner: 1, reps: 6000 },
  Bounce: { inner: 100, reps: 1 }, List: { inner: 100, reps: 1 }, Mandelbrot: { inner: 1, reps: 30000 },
  Permute: { inner: 150, reps: 1 }, Queens: { inner: 100, reps: 1 }, Sieve: { inner: 200, reps: 1 },
  Storage: { inner: 80, reps: 1 }, Towers: { inner: 50, reps: 1 },
};

export type Place = 'xen' | 'dom0';

/** Job names (domain names) carry the benchmark, the place and the round: `<Benchmark>-<place>-<round>`. */
export function jobName(benchmark: string, place: Place, round: number): string {
  return `${benchmark}-${place}-${round}`;
}

export function parseJobName(name: string): { benchmark: string; place: Place; round: number } | undefined {
  const m = /^([A-Za-z0-9]+)-(xen|dom0)-(\d+)$/.exec(name);
  return m ? { benchmark: m[1], place: m[2] as Place, round: Number(m[3]) } : undefined;
}

export interface PairPaths { kernel: string; elf: string; image: string }

/**
 * One benchmark's jobs for `rounds` rounds, alternating which place goes first (ABBA), so a
 * drift of the machine's load weighs on both alike.
 */
export function benchmarkJobs(benchmark: string, p: PairPaths, rounds: number, memoryMiB: number, limitSeconds: number, kernelStats = false): GuestSpec[] {
  const jobs: GuestSpec[] = [];
  for (let r = 0; r < rounds; r++) {
    const xen: GuestSpec = {
      name: jobName(benchmark, 'xen', r), kernel: p.kernel, ramdisk: p.image, memory: memoryMiB, timeLimitSeconds: limitSeconds,
      ...(kernelStats ? { cmdline: 'console=hvc0 xenolith.stats' } : {}),
    };
    const dom0: GuestSpec = {
      name: jobName(benchmark, 'dom0', r), dom0Command: './vm bench.image\n', files: { vm: p.elf, 'bench.image': p.image }, timeLimitSeconds: limitSeconds,
    };
    jobs.push(...(r % 2 === 0 ? [dom0, xen] : [xen, dom0]));
  }
  return jobs;
}

/** A job's time in µs when it ran to its end and verified, else why not. */
export function jobOutcome(g: GuestResult): number | string {
  const expected = parseJobName(g.name)?.place === 'dom0' ? 'exited' : 'poweroff';
  const res = parseDriverOutput(g.console);
  if (g.ending !== expected) return `${g.ending}${res ? '' : ' (no result line)'}`;
  if (!res) return `no result (status ${g.exitStatus})`;
  if (!res.ok || g.exitStatus !== 0) return 'wrong result';
  return res.micros;
}

export interface XenRow {
  name: string;
  work: Work;
  /** best (smallest) time of the rounds in µs per place, or why there is none */
  xen: number | string;
  dom0: number | string;
  /** the linux VM on this machine (not emulated), for reference */
  host?: number | string;
}

/** The best time of each benchmark and place from a run's results. */
export function collectRows(results: readonly GuestResult[], work: Record<string, Work>): XenRow[] {
  const rows = new Map<string, XenRow>();
  for (const g of results) {
    const j = parseJobName(g.name);
    if (!j) continue;
    const w = work[j.benchmark];
    if (!w) throw new Error(`a job for an unknown benchmark: ${g.name}`);
    if (!rows.has(j.benchmark)) rows.set(j.benchmark, { name: j.benchmark, work: w, xen: 'not run', dom0: 'not run' });
    const row = rows.get(j.benchmark)!;
    const v = jobOutcome(g);
    const prev = row[j.place];
    // a failure in any round stands: a benchmark must verify every time
    if (typeof v === 'string') row[j.place] = v;
    else if (typeof prev === 'number') row[j.place] = Math.min(prev, v);
    else if (prev === 'not run') row[j.place] = v;
  }
  return [...rows.values()];
}

const ratio = (a: number | string | undefined, b: number | string | undefined): number | undefined =>
  typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : undefined;

/** Markdown: per benchmark xen µs, linux-in-dom0 µs, their ratio; the geomean of the ratios. */
export function formatXenTable(rows: readonly XenRow[], accel: string): string {
  const withHost = rows.some((r) => r.host !== undefined);
  const head = ['benchmark', 'inner × reps', `xen (${accel}) µs`, `linux in dom0 (${accel}) µs`, 'xen / linux in dom0',
    ...(withHost ? ['linux on the machine µs', 'dom0 / machine'] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const ratios: number[] = [];
  const emulation: number[] = [];
  for (const r of rows) {
    const x = ratio(r.xen, r.dom0);
    if (x !== undefined) ratios.push(x);
    const e = ratio(r.dom0, r.host);
    if (e !== undefined) emulation.push(e);
    const cells = [r.name, `${r.work.inner} × ${r.work.reps}`, String(r.xen), String(r.dom0), x?.toFixed(2) ?? '-'];
    if (withHost) cells.push(String(r.host ?? '-'), e?.toFixed(1) ?? '-');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const foot = ['geomean', '', '', '', ratios.length ? `**${geomean(ratios).toFixed(2)}**` : '-'];
  if (withHost) foot.push('', emulation.length ? geomean(emulation).toFixed(1) : '-');
  lines.push(`| ${foot.join(' | ')} |`);
  return lines.join('\n');
}
