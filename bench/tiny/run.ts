// bench/tiny: tinyBenchmarks on the VM. Builds an image from bench/tiny/smalltalk with the class
// library, runs it on each available target and prints bytecodes/s and sends/s as a table row
// in bench/RESULTS.md's format (`--record` appends the rows to bench/RESULTS.md).
//
//   node --import tsx bench/tiny/run.ts [--record]
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../../build/bootstrap/image-builder.ts';
import { compileVm } from '../../build/vm/compile-vm.ts';
import { runCaptured } from '../../build/targets/node-host.ts';

const here = dirname(fileURLToPath(import.meta.url));
const COMMAND = 'node --import tsx bench/tiny/run.ts';

interface Row { target: string; bytecodes: number; sends: number; detail: string }

/** The same two workloads in plain JavaScript, timed in this run: the ratio to them is less
 *  sensitive to machine load than the absolute numbers. */
function jsReference(sieveRuns: number, fibN: number): { sieveMs: number; fibMs: number } {
  const sieve = (runs: number): number => {
    let found = 0;
    for (let r = 0; r < runs; r++) {
      found = 0;
      const flags = new Array<boolean>(8191).fill(true);
      for (let i = 1; i <= 8190; i++) {
        if (flags[i]) { const step = i + 1; for (let j = i + step; j <= 8190; j += step) flags[j] = false; found++; }
      }
    }
    return found;
  };
  const fib = (n: number): number => (n < 2 ? 1 : fib(n - 1) + fib(n - 2) + 1);
  let t = performance.now(); sieve(sieveRuns); const sieveMs = performance.now() - t;
  t = performance.now(); fib(fibN); const fibMs = performance.now() - t;
  return { sieveMs, fibMs };
}

async function runNode(image: Uint8Array): Promise<Row> {
  const { wasmPath } = await compileVm({ target: 'node' });
  const r = await runCaptured(new Uint8Array(readFileSync(wasmPath)), image);
  if (r.status !== 0) throw new Error(`tiny benchmarks failed (status ${r.status}): ${r.message}\n${r.stdout}`);
  const m = /bytecodes\/s (\d+) sends\/s (\d+) sieveRuns (\d+) fib (\d+) ms (\d+) (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`unexpected output: ${r.stdout}`);
  const js = jsReference(Number(m[3]), Number(m[4]));
  const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(0)}×` : 'n/a');
  return {
    target: 'node', bytecodes: Number(m[1]), sends: Number(m[2]),
    detail: `sieve ×${m[3]} in ${m[5]} ms (${ratio(Number(m[5]), js.sieveMs)} plain JS), fib ${m[4]} in ${m[6]} ms (${ratio(Number(m[6]), js.fibMs)} plain JS)`,
  };
}

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n.toLocaleString('en'));

async function main(): Promise<void> {
  const { image } = buildImage({ dirs: [join(here, 'smalltalk')], entry: 'TinyBench class>>main' });
  const rows: Row[] = [await runNode(image)];
  // linux: the AOT compiler cannot compile the VM yet; the row appears once it can.
  const date = new Date().toISOString().slice(0, 10);
  const lines = rows.map((r) => `| ${date} | tiny | ${r.target} | ${fmt(r.bytecodes)} bytecodes/s | ${fmt(r.sends)} sends/s | ${r.detail} | \`${COMMAND}\` |`);
  const header = '| date | benchmark | target | bytecodes/s | sends/s | detail | command |\n|---|---|---|---|---|---|---|';
  process.stdout.write(`${header}\n${lines.join('\n')}\n`);
  if (process.argv.includes('--record')) {
    const file = join(here, '..', 'RESULTS.md');
    if (!existsSync(file)) writeFileSync(file, `# Benchmark results\n\n${header}\n`);
    appendFileSync(file, lines.join('\n') + '\n');
  }
}

await main();
