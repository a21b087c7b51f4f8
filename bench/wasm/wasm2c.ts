// The reference native build: wasm2c (the npm `wabt` CLI) translates a workload to C, and gcc
// -O2 -fno-gcse compiles it with our own minimal runtime (bench/wasm/wasm2c-rt/: guard-page
// bounds checks, WASI host). Per shared/notes/toolchain.md this is the fair gcc reference
// (plain -O2 loses ~20% to GCSE on interpreter loops). gcc is used only by this benchmark.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cacheDir, repoRoot } from './workloads.ts';

export const runtimeDir = join(repoRoot, 'bench/wasm/wasm2c-rt');
export const GCC_FLAGS = ['-O2', '-fno-gcse'];

function exec(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${file} ${args.join(' ')}: ${(stderr || err.message).trim().split('\n').slice(0, 8).join('\n')}`));
      else ok(stdout);
    });
  });
}

export function wasm2cScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('wabt/package.json')), 'bin', 'wasm2c');
}

/** Why the reference cannot be built here, or undefined when it can. */
export async function wasm2cUnavailable(): Promise<string | undefined> {
  try {
    if (!existsSync(wasm2cScript())) return 'npm wabt has no bin/wasm2c';
  } catch {
    return 'npm package wabt is not installed';
  }
  try {
    await exec('gcc', ['--version'], 10_000);
  } catch {
    return 'no gcc (apt-get install gcc)';
  }
  return undefined;
}

function runtimeHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(runtimeDir).sort()) h.update(f).update(new Uint8Array(readFileSync(join(runtimeDir, f))));
  h.update(GCC_FLAGS.join(' '));
  return h.digest('hex');
}

export interface Wasm2cBuild {
  exePath: string;
  cached: boolean;
  ms: number;
}

/** Translates and compiles one workload (cached by the wasm bytes, runtime sources and flags). */
export async function buildWasm2c(name: string, wasmPath: string): Promise<Wasm2cBuild> {
  const t0 = performance.now();
  const key = createHash('sha256').update(new Uint8Array(readFileSync(wasmPath))).update(runtimeHash()).digest('hex').slice(0, 16);
  const exePath = join(cacheDir, 'wasm2c', `${name}-${key}`);
  if (existsSync(exePath)) return { exePath, cached: true, ms: performance.now() - t0 };
  const work = join(cacheDir, 'wasm2c', `${name}-${key}.${process.pid}.d`);
  mkdirSync(work, { recursive: true });
  try {
    await exec(process.execPath, [wasm2cScript(), wasmPath, '-o', join(work, 'wl.c'), '-n', 'wl'], 60_000);
    const tmpExe = join(work, 'wl');
    await exec('gcc', [...GCC_FLAGS, '-I', work, '-I', runtimeDir, join(work, 'wl.c'),
      join(runtimeDir, 'wasm-rt-impl.c'), join(runtimeDir, 'wasi-main.c'), '-o', tmpExe, '-lm'], 180_000);
    renameSync(tmpExe, exePath);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { exePath, cached: false, ms: performance.now() - t0 };
}
