// Builds the VM (or any AssemblyScript entry that uses vm/ and "platform") into a .wasm for one
// target: asc with `--path targets/<target>` so `import ... from "platform"` binds to that
// target's platform implementation. Results are cached under .cache/vm/<target>/ keyed by a hash
// of every source file that can reach the build (vm/, targets/<target>/, the entry's folder) and
// of the options, so a test or `xenolith run` pays for asc only when something changed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const TARGETS = ['node', 'linux', 'xen'] as const;
export type Target = (typeof TARGETS)[number];

export interface CompileVmOptions {
  target?: Target;
  /** The AssemblyScript entry file, relative to the repository root; default vm/main.ts. */
  entry?: string;
  /** -O3 --noAssert (the default) or a debug build with names, assertions and no inlining. */
  optimize?: boolean;
  /** Where to write the .wasm; default .cache/vm/<target>/<name>-<hash>.wasm. */
  out?: string;
  /** Linear memory limits in 64 KiB pages (initial defaults to 256 = 16 MiB). */
  initialMemoryPages?: number;
  maximumMemoryPages?: number;
  /** Called with progress lines ("asc vm/main.ts (node, -O3)"). */
  progress?: (line: string) => void;
}

export interface CompileVmResult {
  wasmPath: string;
  cached: boolean;
  milliseconds: number;
}

function listSources(dir: string, into: string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) listSources(p, into);
    else if (name.endsWith('.ts')) into.push(p);
  }
}

/** The asc command line (without the leading "asc") for these options. */
export function ascArguments(opts: CompileVmOptions, outFile: string): string[] {
  const target = opts.target ?? 'node';
  const entry = opts.entry ?? 'vm/main.ts';
  const optimize = opts.optimize ?? true;
  const args = [
    entry,
    '--path', `targets/${target}`,
    '--outFile', outFile,
    '--runtime', 'minimal',
    '--initialMemory', String(opts.initialMemoryPages ?? 256),
    // No env.abort import: a failed assertion (debug builds) traps as `unreachable`.
    '--use', 'abort=',
  ];
  if (opts.maximumMemoryPages) args.push('--maximumMemory', String(opts.maximumMemoryPages));
  if (optimize) args.push('-O3', '--noAssert', '--converge');
  else args.push('--debug', '-O0');
  return args;
}

/** Compiles (or reuses a cached build of) the VM for a target. Throws with asc's diagnostics. */
export async function compileVm(opts: CompileVmOptions = {}): Promise<CompileVmResult> {
  const t0 = Date.now();
  const target = opts.target ?? 'node';
  if (!TARGETS.includes(target)) throw new Error(`unknown target '${target}' (one of ${TARGETS.join(', ')})`);
  const entry = opts.entry ?? 'vm/main.ts';
  const entryPath = join(repoRoot, entry);
  if (!existsSync(entryPath)) throw new Error(`no such entry: ${entry}`);
  const platformDir = join(repoRoot, 'targets', target);
  if (!existsSync(join(platformDir, 'platform', 'index.ts'))) {
    throw new Error(`target '${target}' has no platform implementation (targets/${target}/platform/index.ts)`);
  }

  const files: string[] = [];
  listSources(join(repoRoot, 'vm'), files);
  listSources(platformDir, files);
  if (target === 'xen') for (const d of ['kernel', 'drivers']) listSources(join(repoRoot, d), files);
  if (!entry.startsWith('vm/')) listSources(dirname(entryPath), files);
  const hash = createHash('sha256');
  hash.update(JSON.stringify(ascArguments({ ...opts, target }, 'OUT')));
  hash.update(readFileSync(join(repoRoot, 'node_modules/assemblyscript/package.json'), 'utf8'));
  for (const f of [...new Set(files)].sort()) {
    hash.update(relative(repoRoot, f));
    hash.update(readFileSync(f, 'utf8'));
  }
  const digest = hash.digest('hex').slice(0, 16);
  const base = entry.replace(/\.ts$/, '').replace(/[\\/]/g, '_');
  const outFile = opts.out ?? join(repoRoot, '.cache', 'vm', target, `${base}-${digest}.wasm`);
  if (!opts.out && existsSync(outFile)) return { wasmPath: outFile, cached: true, milliseconds: Date.now() - t0 };

  mkdirSync(dirname(outFile), { recursive: true });
  const tmp = `${outFile}.${process.pid}.tmp`;
  const args = ascArguments({ ...opts, target }, relative(repoRoot, tmp));
  opts.progress?.(`asc ${entry} (${target}, ${opts.optimize === false ? 'debug' : '-O3'})`);
  let errText = '';
  // asc (with its Binaryen) takes seconds to load: only when something must be compiled
  const asc = (await import('assemblyscript/asc')).default;
  const result = await asc.main(args, {
    stdout: { write: (s: string | Uint8Array) => { errText += String(s); return true; } } as never,
    stderr: { write: (s: string | Uint8Array) => { errText += String(s); return true; } } as never,
    readFile: (name: string, baseDir: string) => {
      const p = resolve(repoRoot, baseDir, name);
      return existsSync(p) ? readFileSync(p, 'utf8') : null;
    },
    writeFile: (name: string, contents: Uint8Array | string, baseDir: string) => {
      const p = resolve(repoRoot, baseDir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, contents);
    },
    listFiles: (dirname_: string, baseDir: string) => {
      const p = resolve(repoRoot, baseDir, dirname_);
      return existsSync(p) ? readdirSync(p).filter((f) => f.endsWith('.ts')) : null;
    },
  });
  if (result.error) {
    throw new Error(`asc failed on ${entry} for target ${target}:\n${errText.trim() || result.error.message}`);
  }
  renameSync(tmp, outFile);
  return { wasmPath: outFile, cached: false, milliseconds: Date.now() - t0 };
}
