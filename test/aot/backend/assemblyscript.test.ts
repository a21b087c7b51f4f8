// A real AssemblyScript program (asc -O3, incremental GC runtime, bulk memory) compiled to a
// static Linux executable: its output and exit status must equal V8's run of the same module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { buildExe } from './support/native.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

async function compile(entry: string): Promise<Uint8Array> {
  let wasm: Uint8Array | undefined;
  const stderr: string[] = [];
  const { error } = await asc.main([entry, '-O3', '--runtime', 'incremental', '--use', 'abort=', '--outFile', 'out.wasm'], {
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith('.wasm')) wasm = contents as Uint8Array;
    },
    stderr: { write: (s: string) => (stderr.push(s), true) } as never,
    stdout: { write: () => true } as never,
  });
  if (error || !wasm) throw new Error(`asc failed: ${error?.message ?? ''} ${stderr.join('')}`);
  return wasm;
}

function runInV8(wasm: Uint8Array): { stdout: string; status: number } {
  let mem: WebAssembly.Memory | undefined;
  let out = '';
  class Exit { constructor(readonly code: number) {} }
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), {
    wasi_snapshot_preview1: {
      fd_write: (_fd: number, iov: number, n: number, written: number) => {
        const dv = new DataView(mem!.buffer);
        let total = 0;
        for (let i = 0; i < n; i++) {
          const p = dv.getUint32(iov + 8 * i, true), l = dv.getUint32(iov + 8 * i + 4, true);
          out += new TextDecoder().decode(new Uint8Array(mem!.buffer, p, l));
          total += l;
        }
        dv.setUint32(written, total, true);
        return 0;
      },
      proc_exit: (code: number) => {
        throw new Exit(code);
      },
    },
  });
  mem = inst.exports.memory as WebAssembly.Memory;
  try {
    (inst.exports._start as () => void)();
    return { stdout: out, status: 0 };
  } catch (e) {
    if (e instanceof Exit) return { stdout: out, status: e.code };
    throw e;
  }
}

test('an AssemblyScript WASI program behaves as in V8', { timeout: 60_000 }, async () => {
  const wasm = await compile(join(here, 'assembly/wasi-program.ts'));
  const expected = runInV8(wasm);
  const { path } = buildExe(wasm);
  const r = spawnSync(path, [], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, expected.stdout);
  assert.equal(r.status, expected.status);
  assert.match(r.stdout, /^sum=332833500 /);
});
