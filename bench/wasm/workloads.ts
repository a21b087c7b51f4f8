// The compute workloads (bench/wasm/workloads/assembly/*.ts, AssemblyScript WASI commands) and
// their build: asc through build/asc with the same flags for all, cached under
// .cache/bench/wasm/ by a hash of the sources, the flags and the asc version.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAsc, type AscCompileOptions } from '../../build/asc/compile.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const workloadDir = join(repoRoot, 'bench/wasm/workloads/assembly');
export const cacheDir = join(repoRoot, '.cache/bench/wasm');

export interface Workload {
  name: string;
  /** Entry file, relative to the repository root. */
  entry: string;
  /** The first comment block of the source: what it does and how it checks itself. */
  description: string;
}

/** Every workload: each .ts directly in workloads/assembly (lib/ holds shared code). */
export function listWorkloads(): Workload[] {
  return readdirSync(workloadDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(workloadDir, f), 'utf8');
      const description = text
        .split('\n')
        .filter((l) => l.startsWith('//'))
        .map((l) => l.replace(/^\/\/ ?/, ''))
        .join(' ');
      return { name: basename(f, '.ts'), entry: relative(repoRoot, join(workloadDir, f)), description };
    });
}

/** The asc options every workload is built with: -O3, no runtime (no managed objects), no
 *  env.abort (failed checks trap), and only WASI imports. */
export function workloadAscOptions(w: Workload): AscCompileOptions {
  return {
    entry: w.entry,
    baseDir: repoRoot,
    optimizeLevel: 3,
    shrinkLevel: 0,
    converge: true,
    runtime: 'stub',
    use: ['abort='],
    initialMemory: 1,
  };
}

function sourcesHash(w: Workload): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(workloadAscOptions(w)));
  h.update(readFileSync(join(repoRoot, 'node_modules/assemblyscript/package.json'), 'utf8'));
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, f.name);
      if (f.isDirectory()) {
        if (f.name === 'lib') walk(p);
      } else if (f.name.endsWith('.ts') && (dir !== workloadDir || f.name === basename(w.entry))) {
        h.update(relative(repoRoot, p));
        h.update(readFileSync(p, 'utf8'));
      }
    }
  };
  walk(workloadDir);
  return h.digest('hex').slice(0, 16);
}

export interface BuiltWorkload extends Workload {
  wasmPath: string;
  bytes: number;
  cached: boolean;
  ms: number;
}

/** Compiles a workload to .wasm, or reuses the cached build. Throws AscCompileError. */
export async function buildWorkload(w: Workload): Promise<BuiltWorkload> {
  const t0 = performance.now();
  const wasmPath = join(cacheDir, `${w.name}-${sourcesHash(w)}.wasm`);
  if (existsSync(wasmPath)) {
    return { ...w, wasmPath, bytes: readFileSync(wasmPath).length, cached: true, ms: performance.now() - t0 };
  }
  const r = await compileAsc(workloadAscOptions(w));
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${wasmPath}.${process.pid}.tmp`;
  writeFileSync(tmp, r.binary);
  renameSync(tmp, wasmPath);
  return { ...w, wasmPath, bytes: r.binary.length, cached: false, ms: performance.now() - t0 };
}
