// A minimal WASI preview 1 shim for running the compute workloads on Node's own WebAssembly
// (V8): fd_write to stdout/stderr, proc_exit, clock_time_get and empty args. Output is captured
// (not printed) so callers can compare it across the three implementations.

export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`proc_exit(${code})`);
  }
}

export interface WasiRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** WebAssembly.compile only. */
  compileMs: number;
  /** Instantiation (data segments, start function). */
  instantiateMs: number;
  /** The _start call. */
  runMs: number;
}

const ERRNO_BADF = 8;

function decode(chunks: Uint8Array[]): string {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}
const ERRNO_INVAL = 28;

export function wasiImports(getMemory: () => WebAssembly.Memory, out: { stdout: Uint8Array[]; stderr: Uint8Array[] }) {
  const view = () => new DataView(getMemory().buffer);
  return {
    fd_write(fd: number, iovs: number, count: number, nwritten: number): number {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      const v = view();
      let total = 0;
      for (let i = 0; i < count; i++) {
        const base = v.getUint32(iovs + 8 * i, true);
        const len = v.getUint32(iovs + 8 * i + 4, true);
        (fd === 1 ? out.stdout : out.stderr).push(new Uint8Array(getMemory().buffer, base, len).slice());
        total += len;
      }
      v.setUint32(nwritten, total, true);
      return 0;
    },
    proc_exit(code: number): never {
      throw new WasiExit(code);
    },
    clock_time_get(clock: number, _precision: bigint, out_: number): number {
      if (clock > 3) return ERRNO_INVAL;
      const ns = clock === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
      view().setBigUint64(out_, ns, true);
      return 0;
    },
    args_sizes_get(argcOut: number, sizeOut: number): number {
      view().setUint32(argcOut, 0, true);
      view().setUint32(sizeOut, 0, true);
      return 0;
    },
    args_get(): number {
      return 0;
    },
  };
}

/** Compiles, instantiates and runs a WASI command module (its `_start` export). A trap is
 *  reported like a crashed process: exit code 134 and the trap message on stderr. */
export async function runWasi(bytes: Uint8Array): Promise<WasiRun> {
  const out = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
  let memory: WebAssembly.Memory | undefined;
  const getMemory = () => {
    if (!memory) throw new Error('the module does not export its memory');
    return memory;
  };
  const t0 = performance.now();
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const t1 = performance.now();
  let exitCode = 0;
  let t2 = t1;
  let t3 = t1;
  try {
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasiImports(getMemory, out) });
    memory = instance.exports.memory as WebAssembly.Memory;
    const start = instance.exports._start;
    if (typeof start !== 'function') throw new Error('the module has no _start export');
    t2 = performance.now();
    try {
      (start as () => void)();
    } finally {
      t3 = performance.now();
    }
  } catch (e) {
    if (e instanceof WasiExit) exitCode = e.code;
    else if (e instanceof WebAssembly.RuntimeError) {
      exitCode = 134;
      out.stderr.push(new TextEncoder().encode(`wasm trap: ${e.message}\n`));
    } else throw e;
  }
  return {
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
    exitCode,
    compileMs: t1 - t0,
    instantiateMs: t2 - t1,
    runMs: t3 - t2,
  };
}
