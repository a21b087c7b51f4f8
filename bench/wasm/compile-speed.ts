// AOT compile speed on the largest wasm module we have: the Smalltalk VM (vm/main.ts built by
// build/vm/compile-vm.ts, cached in .cache/vm/). Measured in a fresh Node process (so the first
// compile pays the compiler's own JIT warm-up, as a one-shot `xenolith build` does) and then,
// after a few more unmeasured compiles, repeated in that process (the steady state). Decoding + validation + code generation, in
// memory; imports are left to be bound at run time (allowImports) since the VM's platform
// imports are not all WASI.
//
//   node --import tsx bench/wasm/compile-speed.ts [module.wasm]   prints one JSON line
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runProcess } from './native-run.ts';
import { repoRoot } from './workloads.ts';
import { median } from './report.ts';

export interface CompileSpeed {
  module: string;
  bytes: number;
  /** The first compile in a fresh process. */
  firstMs: number;
  /** Median of STEADY_REPS compiles in the same process after WARM_UP more. */
  steadyMs: number;
  reps: number;
}

export const STEADY_REPS = 7;
const WARM_UP = 3;

/** Finds (building if needed) the VM's wasm: the linux build when its platform exists, else node. */
export async function vmWasm(): Promise<string> {
  const { compileVm } = await import('../../build/vm/compile-vm.ts');
  try {
    return (await compileVm({ target: 'linux' })).wasmPath;
  } catch {
    return (await compileVm({ target: 'node' })).wasmPath;
  }
}

/** Measures in a child process; throws with the child's error output on failure. */
export async function measureCompileSpeed(wasmPath: string): Promise<CompileSpeed> {
  const self = fileURLToPath(import.meta.url);
  const r = await runProcess(process.execPath, ['--import', 'tsx', self, wasmPath], 300_000);
  if (r.exitCode !== 0) throw new Error(`compile-speed: exit ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CompileSpeed;
}

export function describeCompileSpeed(s: CompileSpeed): string {
  const mbs = (ms: number) => (s.bytes / 1e6 / (ms / 1000)).toFixed(2);
  return `${mbs(s.steadyMs)} MB/s on ${s.module} (${s.bytes} bytes: ${s.steadyMs.toFixed(0)} ms, median of ${s.reps} compiles ` +
    `after ${WARM_UP + 1} warm-up compiles in a fresh process); the first compile in that process, which includes the compiler's JIT warm-up, ${s.firstMs.toFixed(0)} ms = ${mbs(s.firstMs)} MB/s`;
}

async function child(wasmPath: string): Promise<void> {
  const { loadModule } = await import('../../build/aot/wasm/index.ts');
  const { compileModule } = await import('../../build/aot/compile.ts');
  const { ProgramObject } = await import('../../build/aot/object.ts');
  const { TypeRegistry } = await import('../../build/aot/abi.ts');
  const b = readFileSync(wasmPath);
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.length);
  const once = () => {
    const t0 = performance.now();
    const m = loadModule(bytes);
    const obj = new ProgramObject();
    compileModule(obj, m, { target: 'linux', types: new TypeRegistry(), prefix: 'm', allowImports: true });
    obj.asm.finish();
    return performance.now() - t0;
  };
  const firstMs = once();
  for (let i = 0; i < WARM_UP; i++) once(); // let the compiler's own code reach V8's optimising tier
  const times: number[] = [];
  for (let i = 0; i < STEADY_REPS; i++) times.push(once());
  const module = wasmPath.startsWith(repoRoot) ? wasmPath.slice(repoRoot.length + 1) : wasmPath;
  const out: CompileSpeed = { module, bytes: bytes.length, firstMs, steadyMs: median(times), reps: STEADY_REPS };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = process.argv[2];
  await child(arg ?? (await vmWasm())).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}

