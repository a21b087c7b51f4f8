// npm run bench:awfy -- <are-we-fast-yet checkout> [options]: the suite's SOM benchmarks on our
// VM (node target) against its JavaScript versions on Node, with ratios and their geomean.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileVm } from '../../build/vm/compile-vm.ts';
import { runCaptured } from '../../build/targets/node-host.ts';
import { BENCHMARKS, DEFAULT_INNER, buildBenchImage, formatTable, linkSomSources, parseDriverOutput, parseJsOutput, type Row } from './lib.ts';

const HELP = `usage: npm run bench:awfy -- <path to are-we-fast-yet> [--only A,B] [--inner N] [--no-js]

Runs the Are We Fast Yet benchmarks from <path>/benchmarks/SOM (read in place) on the Xenolith
VM (node target), each verifying its own result, and <path>/benchmarks/JavaScript on Node;
prints a table of times (µs) and ratios with their geometric mean.
  --only A,B   run only these benchmarks (default: all 14)
  --inner N    inner iterations for every benchmark (default: a per-benchmark count)
  --no-js      skip the JavaScript runs
`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const positional: string[] = [];
  let only: string[] = [...BENCHMARKS];
  let inner: number | undefined;
  let js = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--inner') inner = Number(argv[++i]);
    else if (a === '--no-js') js = false;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a} (see --help)`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new Error('one path to an are-we-fast-yet checkout expected (see --help)');
  const suite = resolve(positional[0]);
  for (const b of only) if (!(BENCHMARKS as readonly string[]).includes(b)) throw new Error(`unknown benchmark ${b}`);
  if (inner !== undefined && (!Number.isInteger(inner) || inner < 1)) throw new Error('--inner must be a positive integer');

  const work = mkdtempSync(join(tmpdir(), 'xenolith-awfy-'));
  try {
    const somDir = linkSomSources(join(suite, 'benchmarks', 'SOM'), work);
    const wasm = new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath));
    const module = await WebAssembly.compile(wasm);
    const rows: Row[] = [];
    let failures = 0;
    for (const name of only) {
      const n = inner ?? DEFAULT_INNER[name];
      const row: Row = { name, inner: n, times: {} };
      try {
        const image = buildBenchImage([somDir], name, n, work);
        const r = await runCaptured(module, image);
        const res = parseDriverOutput(r.stdout);
        if (!res) row.times.node = `crashed (${(r.stdout.split('\n').find((l) => l.trim()) ?? 'no output').slice(0, 60)})`;
        else row.times.node = res.ok ? res.micros : 'wrong result';
      } catch (e) {
        row.times.node = `error: ${(e as Error).message.split('\n')[0].slice(0, 80)}`;
      }
      if (typeof row.times.node !== 'number') failures++;
      if (js) {
        try {
          const out = execFileSync(process.execPath, ['harness.js', name, '1', String(n)], { cwd: join(suite, 'benchmarks', 'JavaScript'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
          row.js = parseJsOutput(out);
        } catch {
          process.stderr.write(`${name}: the JavaScript version failed\n`);
        }
      }
      process.stderr.write(`${name}: ${row.times.node} µs (JS ${row.js ?? '-'} µs)\n`);
      rows.push(row);
    }
    process.stdout.write(`${formatTable(rows, ['node'])}\n`);
    return failures === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then((s) => { process.exitCode = s; }, (e: Error) => {
  process.stderr.write(`bench:awfy: ${e.message}\n`);
  process.exitCode = 2;
});
