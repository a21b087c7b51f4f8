// Instruction counts from valgrind (cachegrind without cache simulation): repeatable figures for
// the same binary and input whatever else the machine is doing, unlike times.
import { spawnSync } from 'node:child_process';

export interface CountedRun { instructions: number; status: number | null; stdout: string; stderr: string }

/** Whether valgrind can run here. */
export function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version']).status === 0;
}

/** Runs `elf image` under cachegrind; per-function counts go to outFile (default: discarded). */
export function countInstructions(elf: string, image: string, outFile = '/dev/null'): CountedRun {
  const r = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${outFile}`, elf, image],
    { encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`valgrind gave no instruction count (status ${r.status}): ${(r.stderr ?? '').slice(-500)}`);
  return { instructions: Number(m[1].replace(/,/g, '')), status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The instruction count of a run that must exit with status 0. */
export function instructionsOf(elf: string, image: string): number {
  const r = countInstructions(elf, image);
  if (r.status !== 0) throw new Error(`valgrind run failed (status ${r.status}): ${r.stderr.slice(-500)}`);
  return r.instructions;
}
