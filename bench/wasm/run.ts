// The AOT compute benchmarks: every workload in bench/wasm/workloads/assembly, built once with
// asc (cached), run three ways in the same run and checked to print the same thing:
//   V8        Node's WebAssembly (TurboFan only, see V8_FLAGS) in a fresh process; time of
//             _start alone, and of compile + instantiate + _start
//   wasm2c    wasm2c + gcc -O2 -fno-gcse with guard pages (bench/wasm/wasm2c.ts); time of _start
//   ours      `xenolith aot` (build/aot, linux target) static ELF; wall time of the process
// Each measurement is repeated (--reps, default 3) and the median reported. Prints a table and
// writes it, with the command, into bench/RESULTS.md (our section only).
//
//   node --import tsx bench/wasm/run.ts [--reps N] [--only a,b] [--no-write] [--json]
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAotCompiler } from './aot.ts';
import { runProcess, type NativeRun } from './native-run.ts';
import { RESULTS_HEADING, fmtMs, fmtRatio, geomean, markdownTable, median, updateResultsFile, type Cell } from './report.ts';
import { buildWasm2c, wasm2cUnavailable } from './wasm2c.ts';
import { describeCompileSpeed, measureCompileSpeed, vmWasm } from './compile-speed.ts';
import { buildWorkload, cacheDir, listWorkloads, repoRoot, type BuiltWorkload } from './workloads.ts';

const RUN_TIMEOUT_MS = 60_000;
/** V8's optimising tier only, compiled eagerly: the steady-state code quality an AOT compiler
 *  competes with, and a compile time that is all inside WebAssembly.compile. (By default V8
 *  starts in Liftoff and tiers up per function at call time, without on-stack replacement, so a
 *  workload whose hot loop is one long call would measure Liftoff, more so on a loaded machine.) */
export const V8_FLAGS = ['--no-liftoff', '--no-wasm-tier-up', '--no-wasm-lazy-compilation'];

export interface Options {
  reps: number;
  only?: string[];
  write: boolean;
  json: boolean;
}

export const USAGE = `usage: node --import tsx bench/wasm/run.ts [options]
  --reps N       repetitions per measurement, median reported (default 3)
  --only a,b     run only these workloads
  --no-write     do not update bench/RESULTS.md
  --json         print the results as JSON instead of a table
  --help         this text`;

export function parseArgs(argv: string[]): Options {
  const o: Options = { reps: 3, write: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reps') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--reps wants an integer 1..50, got ${argv[i]}`);
      o.reps = n;
    } else if (a === '--only') {
      const v = argv[++i];
      if (!v) throw new Error('--only wants a comma-separated list of workloads');
      o.only = v.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (a === '--no-write') o.write = false;
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown option '${a}'\n${USAGE}`);
  }
  return o;
}

interface Row {
  name: string;
  wasmBytes: number;
  expected?: string;
  v8Run: number[];
  v8Total: number[];
  gcc: number[];
  ours: number[];
  oursCompile: number[];
  v8Problem?: string;
  gccProblem?: string;
  oursProblem?: string;
}

function progress(line: string): void {
  process.stderr.write(`bench/wasm: ${line}\n`);
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

/** Why a run's result is not the reference output, or undefined when it is. */
function wrongOutput(run: { stdout: string; stderr: string; exitCode: number }, expected: string | undefined): string | undefined {
  if (run.exitCode !== 0) return `exit ${run.exitCode}${run.stderr.trim() ? ` (${firstLine(run.stderr)})` : ''}`;
  if (expected !== undefined && run.stdout !== expected) return `wrong output: ${firstLine(run.stdout) || '(none)'}`;
  return undefined;
}

async function runV8(wasmPath: string): Promise<NativeRun & { compileMs: number; instantiateMs: number }> {
  const r = await runProcess(process.execPath, [...V8_FLAGS, '--import', 'tsx', join(repoRoot, 'bench/wasm/v8-child.ts'), wasmPath], RUN_TIMEOUT_MS);
  let timing = { compileMs: NaN, instantiateMs: NaN, runMs: NaN };
  const stderr = r.stderr.replace(/^xenolith-v8 (.*)\n?/m, (_m, j: string) => {
    timing = JSON.parse(j);
    return '';
  });
  return { ...r, stderr, ...timing };
}

function toolVersion(cmd: string, args: string[]): string {
  try {
    return firstLine(execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000 }));
  } catch {
    return 'n/a';
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const opts = parseArgs(argv);
  const t0 = performance.now();
  const load0 = loadavg()[0];
  let workloads = listWorkloads();
  if (opts.only) {
    const unknown = opts.only.filter((n) => !workloads.some((w) => w.name === n));
    if (unknown.length) throw new Error(`unknown workload(s): ${unknown.join(', ')} (have: ${workloads.map((w) => w.name).join(', ')})`);
    workloads = workloads.filter((w) => opts.only!.includes(w.name));
  }

  // 1. Build everything once.
  const built: BuiltWorkload[] = [];
  for (const w of workloads) {
    const b = await buildWorkload(w);
    progress(`asc ${w.entry}: ${b.bytes} bytes${b.cached ? ' (cached)' : ` in ${b.ms.toFixed(0)} ms`}`);
    built.push(b);
  }
  const gccMissing = await wasm2cUnavailable();
  const exes = new Map<string, string>();
  if (!gccMissing) {
    for (const b of built) {
      const x = await buildWasm2c(b.name, b.wasmPath);
      progress(`wasm2c + gcc ${b.name}${x.cached ? ' (cached)' : ` in ${x.ms.toFixed(0)} ms`}`);
      exes.set(b.name, x.exePath);
    }
  }
  const aot = await findAotCompiler();
  const aotMissing = 'unavailable' in aot ? aot.unavailable : undefined;
  const rows: Row[] = built.map((b) => ({ name: b.name, wasmBytes: b.bytes, v8Run: [], v8Total: [], gcc: [], ours: [], oursCompile: [] }));
  const elves = new Map<string, string>();
  if (!('unavailable' in aot) && built.length) {
    // One unmeasured compile first, so the compiler's own JIT warm-up is not charged to a workload.
    await aot.compile(built[0].wasmPath, join(cacheDir, 'aot', 'warm-up.elf')).catch(() => undefined);
    for (const [i, b] of built.entries()) {
      const out = join(cacheDir, 'aot', `${b.name}.elf`);
      try {
        for (let r = 0; r < opts.reps; r++) rows[i].oursCompile.push(await aot.compile(b.wasmPath, out));
        elves.set(b.name, out);
        progress(`xenolith aot ${b.name}: ${median(rows[i].oursCompile).toFixed(0)} ms`);
      } catch (e) {
        rows[i].oursProblem = `n/a: aot failed: ${firstLine(e instanceof Error ? e.message : String(e)).slice(0, 80)}`;
        progress(`xenolith aot ${b.name}: ${rows[i].oursProblem}`);
      }
    }
  }

  // 2. Measure, interleaving the contestants so drift in machine load hits all of them alike.
  for (let rep = 0; rep < opts.reps; rep++) {
    for (const [i, b] of built.entries()) {
      const row = rows[i];
      if (!row.v8Problem) {
        const r = await runV8(b.wasmPath);
        if (row.expected === undefined && r.exitCode === 0) row.expected = r.stdout;
        const bad = wrongOutput(r, row.expected);
        if (bad) row.v8Problem = `FAILED: ${bad}`;
        else {
          row.v8Run.push(r.runMs ?? NaN);
          row.v8Total.push(r.compileMs + r.instantiateMs + (r.runMs ?? NaN));
        }
      }
      const exe = exes.get(b.name);
      if (exe && !row.gccProblem) {
        const r = await runProcess(exe, [], RUN_TIMEOUT_MS);
        const bad = wrongOutput(r, row.expected);
        if (bad) row.gccProblem = `FAILED: ${bad}`;
        else row.gcc.push(r.runMs ?? r.wallMs);
      }
      const elf = elves.get(b.name);
      if (elf && !row.oursProblem) {
        const r = await runProcess(elf, [], RUN_TIMEOUT_MS);
        const bad = wrongOutput(r, row.expected);
        if (bad) row.oursProblem = `FAILED: ${bad}`;
        else row.ours.push(r.wallMs);
      }
      const show = (c: Cell) => (typeof c === 'number' ? `${fmtMs(c)} ms` : c);
      progress(`rep ${rep + 1}/${opts.reps} ${b.name}: v8 ${show(row.v8Problem ?? row.v8Run.at(-1) ?? NaN)}, ` +
        `gcc ${show(row.gccProblem ?? (gccMissing ? 'n/a' : row.gcc.at(-1) ?? NaN))}, ours ${show(row.oursProblem ?? (aotMissing ? 'n/a' : row.ours.at(-1) ?? NaN))}`);
    }
  }

  // 3. Report.
  const cell = (xs: number[], problem: string | undefined, missing: string | undefined): Cell =>
    problem ?? (missing ? `n/a: ${missing}` : xs.length ? median(xs) : 'n/a');
  const ratio = (a: Cell, b: Cell): Cell => (typeof a === 'number' && typeof b === 'number' ? a / b : '–');
  const table = rows.map((r) => {
    const v8 = cell(r.v8Run, r.v8Problem, undefined);
    const v8t = cell(r.v8Total, r.v8Problem, undefined);
    const gcc = cell(r.gcc, r.gccProblem, gccMissing);
    const ours = cell(r.ours, r.oursProblem, aotMissing);
    return { name: r.name, kib: r.wasmBytes / 1024, v8, v8t, gcc, ours, oursV8: ratio(ours, v8), oursGcc: ratio(ours, gcc), gccV8: ratio(gcc, v8) };
  });
  const nums = (k: 'v8' | 'v8t' | 'gcc' | 'ours' | 'oursV8' | 'oursGcc' | 'gccV8') =>
    table.map((t) => t[k]).filter((x): x is number => typeof x === 'number');
  const gm = (k: Parameters<typeof nums>[0]): Cell => (nums(k).length === table.length && table.length ? geomean(nums(k)) : nums(k).length ? `${geomean(nums(k)).toFixed(2)} (partial)` : '–');
  const header = ['workload', 'wasm KiB', 'V8 ms', 'V8 ms incl. compile', 'wasm2c+gcc ms', 'ours ms', 'ours/V8', 'ours/gcc', 'gcc/V8'];
  const body = table.map((t) => [t.name, t.kib.toFixed(1), fmtMs(t.v8), fmtMs(t.v8t), fmtMs(t.gcc), fmtMs(t.ours), fmtRatio(t.oursV8), fmtRatio(t.oursGcc), fmtRatio(t.gccV8)]);
  body.push(['geometric mean', '', fmtMs(gm('v8')), fmtMs(gm('v8t')), fmtMs(gm('gcc')), fmtMs(gm('ours')), fmtRatio(gm('oursV8')), fmtRatio(gm('oursGcc')), fmtRatio(gm('gccV8'))]);
  const md = markdownTable(header, body);

  const compiled = rows.filter((r) => r.oursCompile.length && !r.oursProblem?.startsWith('n/a'));
  const compileBytes = compiled.reduce((a, r) => a + r.wasmBytes, 0);
  const compileMs = compiled.reduce((a, r) => a + median(r.oursCompile), 0);
  const speed = aotMissing
    ? `n/a: ${aotMissing}`
    : compiled.length
      ? `${(compileBytes / 1e6 / (compileMs / 1000)).toFixed(2)} MB/s (${compileBytes} bytes of wasm in ${compileMs.toFixed(0)} ms, ${compiled.length} workloads, ` +
        `median of ${opts.reps} compiles each, in-process after a warm-up; the modules are small, so this is mostly per-module cost)`
      : 'n/a: no workload compiled';

  // Compile speed where it means something: the largest module we have (the VM).
  let vmSpeed: string;
  if (aotMissing) vmSpeed = `n/a: ${aotMissing}`;
  else {
    try {
      vmSpeed = describeCompileSpeed(await measureCompileSpeed(await vmWasm()));
    } catch (e) {
      vmSpeed = `n/a: ${firstLine(e instanceof Error ? e.message : String(e)).slice(0, 120)}`;
    }
  }
  progress(`AOT compile speed (VM): ${vmSpeed}`);

  const command = `npm run bench -- wasm${opts.reps !== 3 ? ` --reps ${opts.reps}` : ''}${opts.only ? ` --only ${opts.only.join(',')}` : ''}` +
    `   (or: node --import tsx bench/wasm/run.ts${argv.length ? ` ${argv.filter((a) => a !== '--no-write' && a !== '--json').join(' ')}` : ''})`;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const env = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${cpu}, ${cpus().length} cores, load average ${load0.toFixed(1)} at start ` +
    `(the machine is shared); Node ${process.version}; ${toolVersion('gcc', ['--version'])}; wasm2c ${toolVersion(process.execPath, [join(repoRoot, 'node_modules/wabt/bin/wasm2c'), '--version'])} (npm wabt)`;
  const failures = rows.filter((r) => r.v8Problem || r.gccProblem || r.oursProblem?.startsWith('FAILED'));

  if (opts.json) {
    const aotCompileMs = Object.fromEntries(rows.filter((r) => r.oursCompile.length).map((r) => [r.name, median(r.oursCompile)]));
    process.stdout.write(`${JSON.stringify({ rows: table, aotCompile: speed, aotCompileVm: vmSpeed, aotCompileMs, environment: env, failures: failures.map((r) => r.name) }, null, 2)}\n`);
  } else {
    process.stdout.write(`\n${md}\n\nAOT compile speed: ${vmSpeed}.\nOn the workloads: ${speed}\n`);
  }

  if (opts.write) {
    const section = [
      RESULTS_HEADING,
      '',
      `Command: \`${command}\``,
      '',
      `Measured ${env}. Total run ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
      '',
      md,
      '',
      `AOT compile speed (target: at least 1 MB/s): ${vmSpeed}. On the small workload modules: ${speed}.`,
      '',
      `Medians of ${opts.reps} runs. V8 ms: the \`_start\` call alone in a fresh Node process, TurboFan only`,
      `(\`node ${V8_FLAGS.join(' ')}\`); "incl. compile" adds WebAssembly.compile (eager) and instantiation.`,
      'wasm2c+gcc: wasm2c (npm wabt) + gcc -O2 -fno-gcse with bench/wasm/wasm2c-rt (guard-page bounds',
      'checks), `_start` timed inside the process. ours: `xenolith aot` (linux target) static ELF, wall time',
      'of the process. Ratios below 1× mean ours is faster. Every run must print exactly what V8 printed',
      'and exit 0; each workload also checks its own result. Workloads: bench/wasm/workloads/assembly/.',
      '',
    ].join('\n');
    updateResultsFile(join(repoRoot, 'bench/RESULTS.md'), section);
    progress('updated bench/RESULTS.md');
  }
  if (failures.length) {
    process.stderr.write(`bench/wasm: FAILED: ${failures.map((r) => `${r.name}: ${r.v8Problem ?? r.gccProblem ?? r.oursProblem}`).join('; ')}\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`bench/wasm: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
