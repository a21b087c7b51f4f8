// Compiles an AssemblyScript entry file (kernel/drivers test fixtures) to wasm with asc's
// API, in-process, for the Node tests of the xen target. Results are cached in memory per
// entry+flags for the life of the test process.

import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';
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

async function compile(entry: string, extraFlags: string[]): Promise<Uint8Array> {
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
        if (process.env.ASC_TRACE) console.error("readFile", name, baseDir);
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
