// npm run bench:awfy -- <are-we-fast-yet checkout> [options]: the suite's SOM benchmarks on our
// VM (node target: the VM as wasm in V8; linux target: the VM compiled ahead of time to x86-64)
// against its JavaScript versions on Node, with ratios and their geomean.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileVm } from '../../build/vm/compile-vm.ts';
import { runCaptured } from '../../build/targets/node-host.ts';
import { buildLinuxVm } from '../../build/pipeline/linux-vm.ts';
import {
  BENCHMARKS, DEFAULT_INNER, buildBenchImage, formatTable, linkSomSources, median, parseDriverOutput, parseJsOutput, type Row,
} from './lib.ts';

const HELP = `usage: npm run bench:awfy -- <path to are-we-fast-yet> [--only A,B] [--inner N] [--targets node,linux] [--js-iterations N] [--no-js]

Runs the Are We Fast Yet benchmarks from <path>/benchmarks/SOM (read in place) on the Xenolith
VM, each verifying its own result, and <path>/benchmarks/JavaScript on Node; prints a table of
times (µs) and ratios to V8's warm time with their geometric mean.
  --only A,B          run only these benchmarks (default: all 14)
  --inner N           inner iterations for every benchmark (default: a per-benchmark count)
  --targets T,U       VM targets: node (the VM's wasm in V8), linux (the VM compiled ahead of
                      time, x86-64 Linux only); default: both where they can run
  --js-iterations N   outer iterations of the JavaScript version (default 10): the first is
                      the cold time, the median the warm one the ratios use
  --no-js             skip the JavaScript runs
`;

interface Options { suite: string; only: string[]; inner?: number; targets: string[]; js: boolean; jsIterations: number }

function parseArgs(argv: string[]): Options | undefined {
  if (argv.includes('--help') || argv.includes('-h')) return undefined;
  const positional: string[] = [];
  const linuxHost = process.platform === 'linux' && process.arch === 'x64';
  const o: Options = { suite: '', only: [...BENCHMARKS], targets: linuxHost ? ['node', 'linux'] : ['node'], js: true, jsIterations: 10 };
  const count = (v: string | undefined, what: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') o.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--inner') o.inner = count(argv[++i], '--inner');
    else if (a === '--targets') o.targets = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--js-iterations') o.jsIterations = count(argv[++i], '--js-iterations');
    else if (a === '--no-js') o.js = false;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a} (see --help)`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new Error('one path to an are-we-fast-yet checkout expected (see --help)');
  o.suite = resolve(positional[0]);
  for (const b of o.only) if (!(BENCHMARKS as readonly string[]).includes(b)) throw new Error(`unknown benchmark ${b}`);
  for (const t of o.targets) if (t !== 'node' && t !== 'linux') throw new Error(`unknown target ${t} (node, linux)`);
  if (o.targets.includes('linux') && !linuxHost) throw new Error(`the linux target needs x86-64 Linux; this is ${process.platform}/${process.arch}`);
  return o;
}

/** Our time in µs, or why there is none, from a run's output. */
function outcome(stdout: string, failure: string): number | string {
  const res = parseDriverOutput(stdout);
  if (!res) return `crashed (${(stdout.split('\n').find((l) => l.trim()) ?? failure).slice(0, 60)})`;
  return res.ok ? res.micros : 'wrong result';
}

function runJs(suite: string, name: string, inner: number, iterations: number): Row['js'] {
  try {
    const out = execFileSync(process.execPath, ['harness.js', name, String(iterations), String(inner)], {
      cwd: join(suite, 'benchmarks', 'JavaScript'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24,
    });
    const times = parseJsOutput(out);
    if (times.length === 0) throw new Error('no times in its output');
    return { first: times[0], median: median(times) };
  } catch (e) {
    process.stderr.write(`${name}: the JavaScript version failed: ${(e as Error).message.split('\n')[0]}\n`);
    return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  if (!o) {
    process.stdout.write(HELP);
    return 0;
  }
  const work = mkdtempSync(join(tmpdir(), 'xenolith-awfy-'));
  try {
    const somDir = linkSomSources(join(o.suite, 'benchmarks', 'SOM'), work);
    const module = o.targets.includes('node')
      ? await WebAssembly.compile(new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath)))
      : undefined;
    const linuxVm = o.targets.includes('linux') ? (await buildLinuxVm()).elfPath : undefined;
    const rows: Row[] = [];
    let failures = 0;
    for (const name of o.only) {
      const n = o.inner ?? DEFAULT_INNER[name];
      const row: Row = { name, inner: n, times: {} };
      let image: Uint8Array | undefined;
      try {
        image = buildBenchImage([somDir], name, n, work);
      } catch (e) {
        for (const t of o.targets) row.times[t] = `error: ${(e as Error).message.split('\n')[0].slice(0, 80)}`;
      }
      if (image && module) {
        const r = await runCaptured(module, image);
        row.times.node = outcome(r.stdout, r.message ?? 'no output');
      }
      if (image && linuxVm) {
        const path = join(work, `${name}.image`);
        writeFileSync(path, image);
        const r = spawnSync(linuxVm, [path], { encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 24 });
        row.times.linux = outcome(r.stdout ?? '', r.error ? r.error.message : `status ${r.status} ${r.signal ?? ''} ${r.stderr ?? ''}`.trim());
      }
      for (const t of o.targets) if (typeof row.times[t] !== 'number') failures++;
      if (o.js) row.js = runJs(o.suite, name, n, o.jsIterations);
      const ours = o.targets.map((t) => `${t} ${row.times[t]}`).join(', ');
      process.stderr.write(`${name} (inner ${n}): ${ours} µs; JS first ${row.js?.first ?? '-'}, median ${row.js?.median ?? '-'} µs\n`);
      rows.push(row);
    }
    process.stdout.write(`${formatTable(rows, o.targets)}\n`);
    return failures === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then((s) => { process.exitCode = s; }, (e: Error) => {
  process.stderr.write(`bench:awfy: ${e.message}\n`);
  process.exitCode = 2;
});
