// Random valid modules from Binaryen's translate-to-fuzz mode (`wasm-opt SEED -ttf`), restricted
// to the features our compiler supports. Seeds are bytes from a fixed PRNG, so a seed number
// always gives the same module; outputs are cached under .cache/fuzz/modules.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
export const WASM_OPT = join(REPO_ROOT, 'node_modules/binaryen/bin/wasm-opt');
const CACHE = join(REPO_ROOT, '.cache/fuzz/modules');

export const FEATURE_FLAGS = [
  '--mvp-features', '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-mutable-globals',
  '--enable-bulk-memory', '--enable-multivalue', '--enable-reference-types',
];

/** Deterministic seed bytes for seed number n (xorshift32), 2..34 KB. */
export function seedBytes(n: number): Uint8Array {
  let x = (n * 0x9e3779b9) >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const size = 2048 + (next() % 32768);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = next() & 0xff;
  return out;
}

function run(args: string[], timeoutMs: number): Promise<void> {
  return new Promise((ok, fail) => {
    execFile(process.execPath, [WASM_OPT, ...args], { timeout: timeoutMs }, (err, _out, stderr) => {
      if (err) fail(new Error(`wasm-opt ${args.join(' ')}: ${err.message}\n${stderr}`));
      else ok();
    });
  });
}

/** The fuzz module for these seed bytes (cached unless `cache` is false). */
/** A file's bytes as a plain Uint8Array view (no copy). */
export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export async function generateModule(seed: Uint8Array, { cache = true, timeoutMs = 60_000 } = {}): Promise<Uint8Array> {
  const key = createHash('sha256').update(seed).update(FEATURE_FLAGS.join(' ')).update('binaryen-132').digest('hex').slice(0, 20);
  const file = join(CACHE, `${key}.wasm`);
  if (existsSync(file)) return readBytes(file);
  mkdirSync(CACHE, { recursive: true });
  const tmp = mkdtempSync(join(CACHE, '.tmp-'));
  try {
    writeFileSync(join(tmp, 'seed'), seed);
    await run([join(tmp, 'seed'), '-ttf', ...FEATURE_FLAGS, '-o', join(tmp, 'out.wasm')], timeoutMs);
    if (!cache) return readBytes(join(tmp, 'out.wasm'));
    renameSync(join(tmp, 'out.wasm'), file);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return readBytes(file);
}
