// The Are We Fast Yet runner's logic, separate from the CLI so it can be tested without a checkout:
// a generated SOM driver per benchmark, the image build, output parsing and the results table.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildImage } from '../../build/bootstrap/image-builder.ts';

export const BENCHMARKS = [
  'Richards', 'DeltaBlue', 'Havlak', 'Json', 'CD', 'NBody', 'Bounce',
  'List', 'Mandelbrot', 'Permute', 'Queens', 'Sieve', 'Storage', 'Towers',
] as const;

/**
 * Inner iterations per benchmark: enough work for V8 to reach its optimised code and for the
 * interpreter to run for a fraction of a second to seconds. Some benchmarks verify only at fixed
 * counts (NBody: 1 or 250000; Mandelbrot: 1, 500, 750; Havlak: 1, 15, 150...; CD: 2, 10, 100...),
 * so those use the smallest count that does real work.
 */
export const DEFAULT_INNER: Record<string, number> = {
  Richards: 2, DeltaBlue: 500, Havlak: 1, Json: 10, CD: 10, NBody: 250000, Bounce: 100,
  List: 100, Mandelbrot: 500, Permute: 100, Queens: 100, Sieve: 100, Storage: 50, Towers: 20,
};

const DRIVER_CLASS = 'AwfyDriver';
const RESULT_RE = /^AWFY (\S+) (ok|failed) (\d+)$/m;

/** SOM source of the driver: runs `inner` iterations `reps` times (each call verifying) and
 *  prints one line with the verdict and the total time. */
export function driverSource(benchmark: string, inner: number, reps = 1): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(benchmark)) throw new Error(`bad benchmark name '${benchmark}'`);
  if (!Number.isInteger(inner) || inner < 1) throw new Error(`bad inner iteration count ${inner}`);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`bad repetition count ${reps}`);
  const run = reps === 1
    ? `ok := bench innerBenchmarkLoop: ${inner}.`
    : `ok := true.
    1 to: ${reps} do: [:i | (bench innerBenchmarkLoop: ${inner}) ifFalse: [ok := false]].`;
  return `${DRIVER_CLASS} = (
  ----
  main = (
    | bench t0 ok |
    bench := ${benchmark} new.
    t0 := system ticks.
    ${run}
    ('AWFY ${benchmark} ' + (ok ifTrue: ['ok'] ifFalse: ['failed']) + ' ' + (system ticks - t0)) println.
    ^ ok ifTrue: [0] ifFalse: [1] )
)
`;
}

export interface DriverResult { name: string; ok: boolean; micros: number }

/** Finds the driver's result line in a run's output. */
export function parseDriverOutput(out: string): DriverResult | undefined {
  const m = RESULT_RE.exec(out);
  return m ? { name: m[1], ok: m[2] === 'ok', micros: Number(m[3]) } : undefined;
}

/** The JS harness prints `Name: iterations=1 runtime: Nus` for every outer iteration, in order. */
export function parseJsOutput(out: string): number[] {
  return [...out.matchAll(/: iterations=1 runtime: (\d+)us/g)].map((m) => Number(m[1]));
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The suite's own harness (replaced by the driver; Run.som also shadows a field, which our compiler rejects). */
const SKIPPED_FILES = new Set(['Harness.som', 'Run.som']);

/**
 * A view of the suite's SOM folder without the harness files: symbolic links into the checkout
 * (the sources are read from there, never copied).
 */
export function linkSomSources(suiteSomDir: string, workDir: string): string {
  const src = resolve(suiteSomDir);
  if (!existsSync(src) || !statSync(src).isDirectory()) throw new Error(`${src}: no such directory`);
  const view = join(workDir, 'som');
  rmSync(view, { recursive: true, force: true });
  mkdirSync(view, { recursive: true });
  for (const e of readdirSync(src)) {
    if (SKIPPED_FILES.has(e) || e.startsWith('.')) continue;
    const p = join(src, e);
    if (e.endsWith('.som') || statSync(p).isDirectory()) symlinkSync(p, join(view, e));
  }
  return view;
}

/** Builds the image running one benchmark: library + SOM-Compat (joins because the sources are SOM) + the suite's SOM sources + driver. */
export function buildBenchImage(somDirs: string[], benchmark: string, inner: number, workDir: string, reps = 1): Uint8Array {
  const driverDir = join(workDir, `driver-${benchmark}`);
  mkdirSync(driverDir, { recursive: true });
  writeFileSync(join(driverDir, `${DRIVER_CLASS}.som`), driverSource(benchmark, inner, reps));
  for (const d of somDirs) if (!existsSync(d)) throw new Error(`${d}: no such directory`);
  return buildImage({ dirs: [...somDirs, driverDir], entry: `${DRIVER_CLASS} class>>main` }).image;
}

export function geomean(xs: number[]): number {
  const v = xs.filter((x) => x > 0 && Number.isFinite(x));
  return v.length === 0 ? NaN : Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length);
}

/** One benchmark's results: our time per target (µs, or why there is none) and V8's. */
export interface Row {
  name: string;
  inner: number;
  times: Record<string, number | string>;
  /** V8's first (cold) iteration and the median of all its iterations (warm), in µs. */
  js?: { first: number; median: number };
}

/**
 * A Markdown table: time per target, V8's cold and warm times, and each target's ratio to V8's
 * warm time (the median of its iterations), with the ratios' geometric means; a last row gives
 * the geometric mean against V8's first (cold) iteration instead.
 */
export function formatTable(rows: Row[], targets: string[]): string {
  const head = ['benchmark', 'inner', ...targets.map((t) => `${t} µs`), 'JS first µs', 'JS median µs', ...targets.map((t) => `${t}/JS`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const ratios: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t, []]));
  const coldRatios: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t, []]));
  for (const r of rows) {
    const cells = [r.name, String(r.inner)];
    for (const t of targets) cells.push(String(r.times[t] ?? '-'));
    cells.push(r.js ? String(r.js.first) : '-', r.js ? String(Math.round(r.js.median)) : '-');
    for (const t of targets) {
      const v = r.times[t];
      if (typeof v === 'number' && r.js && r.js.median > 0) {
        const ratio = v / r.js.median;
        ratios[t].push(ratio);
        if (r.js.first > 0) coldRatios[t].push(v / r.js.first);
        cells.push(ratio.toFixed(1));
      } else cells.push('-');
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const footer = (label: string, rs: Record<string, number[]>): string =>
    `| ${[label, '', ...targets.map(() => ''), '', '', ...targets.map((t) => (rs[t].length ? geomean(rs[t]).toFixed(1) : '-'))].join(' | ')} |`;
  lines.push(footer('geomean', ratios), footer('geomean vs JS first', coldRatios));
  return lines.join('\n');
}
