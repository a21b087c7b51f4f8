// Compiles an AssemblyScript entry file (kernel/drivers test fixtures) to wasm with asc's
// API, in-process, for the Node tests of the xen target. Results are cached in memory for
// the life of the process and on disk in .cache/asc-xen/, keyed by a hash of the flags, the
// asc version and every AssemblyScript source the fixtures can reach, so a run with nothing
// changed does not even load asc.

import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const cache = new Map<string, Promise<Uint8Array>>();

/** Compiles `entry` (a path relative to the repository root) and returns the wasm bytes.
 *  Throws with asc's diagnostics when compilation fails. */
export function compileAssemblyScript(entry: string, extraFlags: string[] = []): Promise<Uint8Array> {
  const key = [entry, ...extraFlags].join('\0');
  let p = cache.get(key);
  if (!p) {
    p = compile(entry, extraFlags);
    cache.set(key, p);
  }
  return p;
}

const SOURCE_DIRS = ['kernel', 'drivers', 'targets/xen', 'test/kernel/assembly', 'test/drivers/assembly'];

async function listSources(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(REPO_ROOT, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listSources(rel)));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

async function cacheKey(entry: string, flags: string[]): Promise<string> {
  const h = createHash('sha256');
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'node_modules/assemblyscript/package.json'), 'utf8'));
  h.update(`asc ${pkg.version}\0${entry}\0${flags.join('\0')}\0`);
  const files = (await Promise.all(SOURCE_DIRS.map(listSources))).flat().sort();
  for (const f of files) {
    h.update(f + '\0');
    h.update(await readFile(path.join(REPO_ROOT, f), 'utf8'));
  }
  return h.digest('hex').slice(0, 32);
}

async function compile(entry: string, extraFlags: string[]): Promise<Uint8Array> {
  const key = await cacheKey(entry, extraFlags);
  const cacheDir = path.join(REPO_ROOT, '.cache', 'asc-xen');
  const cached = path.join(cacheDir, `${key}.wasm`);
  try {
    return new Uint8Array(await readFile(cached));
  } catch {
    // not cached yet
  }
  const binary = await compileWithAsc(entry, extraFlags);
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  await writeFile(tmp, binary);
  await rename(tmp, cached); // atomic: parallel test files may race
  return binary;
}

async function compileWithAsc(entry: string, extraFlags: string[]): Promise<Uint8Array> {
  const { default: asc } = await import('assemblyscript/asc');
  let binary: Uint8Array | undefined;
  const errors: string[] = [];
  const { error, stderr } = await asc.main(
    [
      entry,
      '--outFile', 'out.wasm',
      '--runtime', 'stub',
      '--path', 'targets/xen',
      '--optimizeLevel', '1',
      '--debug',
      '--exportRuntime',
      ...extraFlags,
    ],
    {
      readFile: async (name: string, baseDir: string) => {
        const fs = await import('node:fs/promises');
        try {
          return await fs.readFile(path.resolve(REPO_ROOT, baseDir, name), 'utf8');
        } catch {
          return null;
        }
      },
      writeFile: async (name: string, contents: Uint8Array | string) => {
        if (name.endsWith('.wasm')) binary = contents as Uint8Array;
      },
      listFiles: async (dirname: string, baseDir: string) => {
        const fs = await import('node:fs/promises');
        try {
          return (await fs.readdir(path.resolve(REPO_ROOT, baseDir, dirname))).filter((f) => f.endsWith('.ts'));
        } catch {
          return null;
        }
      },
      reportDiagnostic: (d: { message: string }) => errors.push(d.message),
    } as never,
  );
  if (error) {
    throw new Error(`asc ${entry} failed: ${error.message}\n${stderr.toString()}\n${errors.join('\n')}`);
  }
  if (!binary) throw new Error(`asc ${entry}: no wasm output`);
  return binary;
}
