// Binaryen's wasm-opt (the npm `binaryen` package, a node script) as a separate, optional step
// after asc: bytes in, optimised bytes out. Runs in a child process so a Binaryen abort cannot
// take the caller down, and so asc's pinned Binaryen and the top-level one never share a heap.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The features asc 0.28 emits by default (see shared/notes/toolchain.md). */
export const ASC_DEFAULT_FEATURES = ['sign-ext', 'mutable-globals', 'nontrapping-float-to-int', 'bulk-memory'] as const;

export interface WasmOptOptions {
  /** 0..4 (-O0..-O4); default 3. */
  optimizeLevel?: number;
  /** 0..2 (-Os = 1, -Oz = 2 together with optimizeLevel 2); default 0. */
  shrinkLevel?: number;
  /** Features to allow beyond MVP; default ASC_DEFAULT_FEATURES. wasm-opt never adds others. */
  features?: readonly string[];
  /** Extra passes or flags, verbatim (e.g. ["--converge", "--strip-debug"]). */
  flags?: string[];
  /** An input source map to carry through; the result then has `sourceMap`. */
  sourceMap?: string;
  /** Kill wasm-opt after this long (default 120 s). */
  timeoutMs?: number;
}

export interface WasmOptResult {
  binary: Uint8Array;
  sourceMap?: string;
  args: string[];
  milliseconds: number;
}

export function wasmOptPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('binaryen/package.json')), 'bin', 'wasm-opt');
}

export function wasmOptArgs(opts: WasmOptOptions): string[] {
  const level = opts.optimizeLevel ?? 3;
  const shrink = opts.shrinkLevel ?? 0;
  if (!Number.isInteger(level) || level < 0 || level > 4) throw new RangeError(`optimizeLevel must be 0..4, got ${level}`);
  if (!Number.isInteger(shrink) || shrink < 0 || shrink > 2) throw new RangeError(`shrinkLevel must be 0..2, got ${shrink}`);
  const args = ['--mvp-features'];
  for (const f of opts.features ?? ASC_DEFAULT_FEATURES) args.push(`--enable-${f}`);
  args.push(shrink === 0 ? `-O${level}` : shrink === 1 ? '-Os' : '-Oz');
  args.push(...(opts.flags ?? []));
  return args;
}

/** Runs wasm-opt over a module. Throws with wasm-opt's own message (it names the bad
 *  function or byte offset) when the input does not parse or validate. */
export async function wasmOpt(input: Uint8Array, opts: WasmOptOptions = {}): Promise<WasmOptResult> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-wasm-opt-'));
  try {
    const inFile = join(dir, 'in.wasm');
    const outFile = join(dir, 'out.wasm');
    writeFileSync(inFile, input);
    const args = wasmOptArgs(opts);
    const fileArgs = [inFile, '-o', outFile];
    if (opts.sourceMap !== undefined) {
      writeFileSync(join(dir, 'in.wasm.map'), opts.sourceMap);
      fileArgs.push('--input-source-map', join(dir, 'in.wasm.map'), '--output-source-map', join(dir, 'out.wasm.map'));
    }
    await new Promise<void>((ok, fail) => {
      execFile(process.execPath, [wasmOptPath(), ...fileArgs, ...args], { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 << 20 },
        (err, _stdout, stderr) => {
          if (err) fail(new Error(`wasm-opt ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
          else ok();
        });
    });
    const binary = new Uint8Array(readFileSync(outFile));
    const sourceMap = opts.sourceMap !== undefined ? readFileSync(join(dir, 'out.wasm.map'), 'utf8') : undefined;
    return { binary, ...(sourceMap !== undefined ? { sourceMap } : {}), args, milliseconds: performance.now() - t0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
