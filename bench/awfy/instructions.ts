// Machine instructions per inner iteration of Are We Fast Yet benchmarks on the linux VM, counted
// by valgrind (cachegrind without cache simulation), so the figure does not move with the load of
// a shared machine the way times do. Each benchmark runs at inner counts n and 2n; the
// difference divided by n is one inner iteration (start-up and image loading cancel out).
//
//   node --import tsx bench/awfy/instructions.ts <are-we-fast-yet checkout> [--only A,B] [--inner N] [--annotate DIR]
//
// --annotate DIR keeps cachegrind's per-function counts of the 2n run in DIR/<benchmark>.txt.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildLinuxVm } from '../../build/pipeline/linux-vm.ts';
import { countInstructions, hasValgrind } from '../support/valgrind.ts';
import { BENCHMARKS, buildBenchImage, linkSomSources, parseDriverOutput } from './lib.ts';

/** Small inner counts that still do each benchmark's real work (cachegrind runs ~50× slower). */
const INNER: Record<string, number> = {
  Richards: 1, DeltaBlue: 50, Havlak: 1, Json: 2, CD: 2, NBody: 2000, Bounce: 10, List: 10,
  Mandelbrot: 50, Permute: 10, Queens: 10, Sieve: 10, Storage: 5, Towers: 2,
};

/** Instructions of one run; the benchmark must have run to its result line (a count without an
 *  expected result in the suite, such as NBody's 2000, reports "failed": the work is the same). */
function instructions(elf: string, image: string, outFile: string): number {
  const r = countInstructions(elf, image, outFile);
  if (!parseDriverOutput(r.stdout)) throw new Error(`valgrind run failed (status ${r.status}): ${r.stdout.slice(-300)} ${r.stderr.slice(-300)}`);
  return r.instructions;
}

async function main(argv: string[]): Promise<number> {
  const positional: string[] = [];
  let only: string[] = [...BENCHMARKS];
  let inner: number | undefined;
  let annotate: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--inner') inner = Number(argv[++i]);
    else if (a === '--annotate') annotate = resolve(argv[++i] ?? '.');
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new Error('usage: instructions.ts <are-we-fast-yet checkout> [--only A,B] [--inner N] [--annotate DIR]');
  for (const b of only) if (!(BENCHMARKS as readonly string[]).includes(b)) throw new Error(`unknown benchmark ${b}`);
  if (inner !== undefined && !(Number.isInteger(inner) && inner > 0)) throw new Error('--inner must be a positive integer');
  if (!hasValgrind()) { process.stderr.write('valgrind is not installed: nothing measured\n'); return 1; }
  if (process.platform !== 'linux' || process.arch !== 'x64') { process.stderr.write('needs x86-64 Linux\n'); return 1; }
  const { elfPath } = await buildLinuxVm();
  const work = mkdtempSync(join(tmpdir(), 'xenolith-awfy-instr-'));
  if (annotate) mkdirSync(annotate, { recursive: true });
  try {
    const somDir = linkSomSources(join(resolve(positional[0]), 'benchmarks', 'SOM'), work);
    console.log('| benchmark | inner n | instructions per inner iteration |');
    console.log('|---|---|---|');
    for (const name of only) {
      const n = inner ?? INNER[name];
      const count = (k: number): number => {
        const path = join(work, `${name}-${k}.image`);
        writeFileSync(path, buildBenchImage([somDir], name, k, work));
        const out = join(work, `${name}-${k}.cg`);
        const c = instructions(elfPath, path, out);
        if (annotate && k === 2 * n) {
          const a = spawnSync('cg_annotate', [out], { encoding: 'utf8', maxBuffer: 1 << 26 });
          writeFileSync(join(annotate, `${name}.txt`), a.stdout);
        }
        return c;
      };
      const per = (count(2 * n) - count(n)) / n;
      console.log(`| ${name} | ${n} | ${Math.round(per)} |`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return 0;
}

main(process.argv.slice(2)).then((s) => { process.exitCode = s; }, (e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
});
