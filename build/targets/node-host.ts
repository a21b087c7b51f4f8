// The `node` target's host: implements the platform imports of module "xenolith" (reference
// declarations and meanings: targets/node/platform/index.ts, docs/platform.md) over Node.
//
// Two ways to run a guest:
// - `NodeHost` in the calling thread: console input comes from a buffer given up front (tests,
//   `--eval` runs with stdin closed), wait_event really sleeps (Atomics.wait) until the deadline.
// - `runInWorker`: the guest runs in a worker thread so it can block in wait_event while the main
//   thread keeps reading stdin; input bytes travel through a SharedArrayBuffer ring and wake the
//   guest with Atomics.notify. This is what `xenolith run` uses.
// `exit` and `crash` never return: they throw a HostStop, which unwinds the wasm stack and ends
// the run with that status.
import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export class HostStop extends Error {
  constructor(readonly status: number, readonly crashed: boolean, message: string) {
    super(message);
  }
}

/** Exit status used when the guest reports a crash (EX_SOFTWARE). */
export const CRASH_STATUS = 70;

/** A byte source for console_read: pull() copies up to max bytes, -1 at end of input. */
export interface ConsoleInput {
  read(into: Uint8Array): number;
  /** Whether bytes (or end of input) are available now. */
  ready(): boolean;
  /** Sleep until input is ready or timeoutMs passes (Infinity: no limit). */
  wait(timeoutMs: number): void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Input fixed up front; after it is consumed, end of input (or silence when `open`). */
export class BufferInput implements ConsoleInput {
  private pos = 0;
  private eofSeen = false;
  constructor(private bytes: Uint8Array = new Uint8Array(0), private open = false) {}
  read(into: Uint8Array): number {
    if (this.pos >= this.bytes.length) { if (this.open) return 0; this.eofSeen = true; return -1; }
    const n = Math.min(into.length, this.bytes.length - this.pos);
    into.set(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
  /** Bytes are waiting, or an end of input the guest has not read yet. */
  ready(): boolean {
    return this.pos < this.bytes.length || (!this.open && !this.eofSeen);
  }
  wait(timeoutMs: number): void {
    if (this.pos < this.bytes.length) return;
    // nothing more can ever arrive in a fixed buffer: waiting without a deadline is a deadlock
    if (timeoutMs === Infinity) throw new HostStop(CRASH_STATUS, true, 'deadlock: the guest waits for input that can never come and has no deadline');
    Atomics.wait(sleeper, 0, 0, Math.max(0, timeoutMs));
  }
}

// Shared ring layout (Int32 control words, then data): [0] write count, [1] read count,
// [2] end of input, [3] wake-up counter (Atomics.wait target).
const RING_CTRL = 4;
export const RING_BYTES = 1 << 16;

/** The worker side of stdin: reads what the main thread put in the shared ring. */
export class RingInput implements ConsoleInput {
  private eofSeen = false;
  private ctrl: Int32Array;
  private data: Uint8Array;
  constructor(sab: SharedArrayBuffer) {
    this.ctrl = new Int32Array(sab, 0, RING_CTRL);
    this.data = new Uint8Array(sab, RING_CTRL * 4);
  }
  read(into: Uint8Array): number {
    const w = Atomics.load(this.ctrl, 0);
    let r = Atomics.load(this.ctrl, 1);
    if (w === r) { if (Atomics.load(this.ctrl, 2)) { this.eofSeen = true; return -1; } return 0; }
    let n = 0;
    while (r !== w && n < into.length) {
      into[n++] = this.data[r % this.data.length];
      r = (r + 1) | 0;
    }
    Atomics.store(this.ctrl, 1, r);
    return n;
  }
  ready(): boolean {
    return Atomics.load(this.ctrl, 0) !== Atomics.load(this.ctrl, 1) || (Atomics.load(this.ctrl, 2) !== 0 && !this.eofSeen);
  }
  private eofNotified = false;
  wait(timeoutMs: number): void {
    const seen = Atomics.load(this.ctrl, 3);
    if (Atomics.load(this.ctrl, 0) !== Atomics.load(this.ctrl, 1)) return;
    // the end of input is an event once (not a reason to spin)
    if (Atomics.load(this.ctrl, 2) !== 0 && !this.eofSeen && !this.eofNotified) { this.eofNotified = true; return; }
    if (timeoutMs === Infinity && Atomics.load(this.ctrl, 2) !== 0) {
      throw new HostStop(CRASH_STATUS, true, 'deadlock: every process waits, no timer is armed and the input is closed');
    }
    Atomics.wait(this.ctrl, 3, seen, timeoutMs === Infinity ? undefined : Math.max(0, timeoutMs));
  }
}

export interface NodeHostOptions {
  image: Uint8Array;
  /** Boot arguments, joined with spaces; an argument with a space or quote is wrapped in single
   *  quotes with inner quotes doubled (Smalltalk string syntax), so the image can split them. */
  args?: string[];
  input?: ConsoleInput;
  /** Console output sink; default: synchronous writes to fd 1. */
  write?: (bytes: Uint8Array) => void;
  /** Path for snapshot_write; without one, a snapshot fails (-1). */
  snapshotPath?: string;
}

export function encodeArgs(args: string[]): string {
  return args.map((a) => (a === '' || /[\s']/.test(a) ? `'${a.replace(/'/g, "''")}'` : a)).join(' ');
}

export class NodeHost {
  memory: WebAssembly.Memory | null = null;
  readonly imports: { xenolith: Record<string, (...a: never[]) => unknown> };
  private readonly input: ConsoleInput;
  private readonly write: (bytes: Uint8Array) => void;
  private readonly argBytes: Uint8Array;
  private readonly signals: number[] = [];
  private snapshotFd = -1;

  constructor(private readonly opts: NodeHostOptions) {
    this.input = opts.input ?? new BufferInput();
    this.write = opts.write ?? ((b) => { let off = 0; while (off < b.length) off += writeSync(1, b, off); });
    this.argBytes = new TextEncoder().encode(encodeArgs(opts.args ?? []));
    const mem = (): Uint8Array => {
      if (!this.memory) throw new Error('node-host: the guest memory is not attached yet');
      return new Uint8Array(this.memory.buffer);
    };
    const image = opts.image;
    const x: Record<string, (...a: never[]) => unknown> = {
      console_write: (ptr: number, len: number) => {
        this.write(mem().slice(ptr >>> 0, (ptr >>> 0) + len));
      },
      console_read: (ptr: number, max: number) => {
        if (max <= 0) return 0;
        return this.input.read(mem().subarray(ptr >>> 0, (ptr >>> 0) + max));
      },
      clock_monotonic_ns: () => process.hrtime.bigint(),
      clock_wall_ns: () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)),
      wait_event: (deadline: bigint) => {
        if (this.signals.length > 0) return;
        let timeoutMs = Infinity;
        if (deadline >= 0n) {
          const now = process.hrtime.bigint();
          if (deadline <= now) return;
          timeoutMs = Number(deadline - now) / 1e6;
        }
        this.input.wait(timeoutMs);
      },
      next_signal: () => (this.signals.length ? this.signals.shift()! : -1),
      image_size: () => BigInt(image.length),
      image_read: (dst: number, offset: bigint, len: number) => {
        const off = Number(offset);
        if (off < 0 || off > image.length || len < 0) return -1;
        const n = Math.min(len, image.length - off);
        mem().set(image.subarray(off, off + n), dst >>> 0);
        return n;
      },
      snapshot_write: (src: number, offset: bigint, len: number) => {
        if (!this.opts.snapshotPath) return -1;
        try {
          if (offset === 0n) {
            if (this.snapshotFd >= 0) closeSync(this.snapshotFd);
            this.snapshotFd = openSync(this.opts.snapshotPath, 'w');
          }
          if (this.snapshotFd < 0) return -1;
          return writeSync(this.snapshotFd, mem(), src >>> 0, len, Number(offset));
        } catch {
          return -1;
        }
      },
      random_fill: (ptr: number, len: number) => {
        randomFillSync(mem(), ptr >>> 0, len);
      },
      args_size: () => this.argBytes.length,
      args_read: (dst: number, max: number) => {
        const n = Math.max(0, Math.min(max, this.argBytes.length));
        mem().set(this.argBytes.subarray(0, n), dst >>> 0);
        return n;
      },
      exit: (status: number) => {
        this.closeSnapshot();
        throw new HostStop(status, false, `exit ${status}`);
      },
      crash: (ptr: number, len: number) => {
        this.closeSnapshot();
        const msg = new TextDecoder().decode(mem().slice(ptr >>> 0, (ptr >>> 0) + len));
        throw new HostStop(CRASH_STATUS, true, msg);
      },
    };
    this.imports = { xenolith: x };
  }

  /** Signals external semaphore `index` (delivered through next_signal). */
  signal(index: number): void {
    this.signals.push(index);
  }

  private closeSnapshot(): void {
    if (this.snapshotFd >= 0) { closeSync(this.snapshotFd); this.snapshotFd = -1; }
  }

  /** Instantiates the module against this host and attaches its exported memory. */
  async instantiate(wasm: Uint8Array | WebAssembly.Module): Promise<WebAssembly.Instance> {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
    const instance = await WebAssembly.instantiate(module, this.imports as unknown as WebAssembly.Imports);
    const memory = instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error('node-host: the module exports no memory');
    this.memory = memory;
    return instance;
  }

  /** Calls export `entry` (default "main") and returns the exit status. A guest that returns
   *  without calling exit ends with status 0; a wasm trap becomes a crash report. */
  run(instance: WebAssembly.Instance, entry = 'main'): RunOutcome {
    const fn = instance.exports[entry];
    if (typeof fn !== 'function') throw new Error(`node-host: the module exports no function '${entry}'`);
    try {
      (fn as () => void)();
      this.closeSnapshot();
      return { status: 0, crashed: false, message: '' };
    } catch (e) {
      this.closeSnapshot();
      if (e instanceof HostStop) return { status: e.status, crashed: e.crashed, message: e.crashed ? e.message : '' };
      if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
        return { status: CRASH_STATUS, crashed: true, message: `wasm trap: ${(e as Error).message}` };
      }
      throw e;
    }
  }
}

export interface RunOutcome {
  status: number;
  crashed: boolean;
  /** The crash report (empty on a normal exit). */
  message: string;
}

/** Runs a guest in this thread with the given input; output is collected and returned. */
export async function runCaptured(wasm: Uint8Array | WebAssembly.Module, image: Uint8Array, opts: {
  args?: string[]; input?: string | Uint8Array; entry?: string; snapshotPath?: string;
} = {}): Promise<RunOutcome & { stdout: string }> {
  const chunks: Uint8Array[] = [];
  const input = typeof opts.input === 'string' ? new TextEncoder().encode(opts.input) : opts.input;
  const host = new NodeHost({ image, args: opts.args, input: new BufferInput(input), write: (b) => chunks.push(b), snapshotPath: opts.snapshotPath });
  const instance = await host.instantiate(wasm);
  const outcome = host.run(instance, opts.entry);
  return { ...outcome, stdout: Buffer.concat(chunks).toString('utf8') };
}

// The worker: a plain-JS bootstrap that loads tsx, then this module, then runs the guest.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsxApi);
  register();
  const host = await import(workerData.hostModule);
  const outcome = await host.workerMain(workerData);
  parentPort.postMessage(outcome);
})().catch((e) => { parentPort.postMessage({ status: ${CRASH_STATUS}, crashed: true, message: 'host error: ' + (e && e.stack || e) }); });
`;

interface WorkerData {
  tsxApi: string;
  hostModule: string;
  wasmPath: string;
  imagePath: string;
  args: string[];
  snapshotPath?: string;
  ring: SharedArrayBuffer;
}

/** Entry of the worker thread (called by WORKER_SOURCE). */
export async function workerMain(d: WorkerData): Promise<RunOutcome> {
  const host = new NodeHost({
    image: new Uint8Array(readFileSync(d.imagePath)),
    args: d.args,
    input: new RingInput(d.ring),
    snapshotPath: d.snapshotPath,
  });
  const instance = await host.instantiate(new Uint8Array(readFileSync(d.wasmPath)));
  return host.run(instance);
}

/** Runs the VM in a worker thread with this process's stdin and stdout as the console. */
export async function runInWorker(opts: {
  wasmPath: string; imagePath: string; args?: string[]; snapshotPath?: string; stdin?: NodeJS.ReadableStream | null;
}): Promise<RunOutcome> {
  const ring = new SharedArrayBuffer(RING_CTRL * 4 + RING_BYTES);
  const ctrl = new Int32Array(ring, 0, RING_CTRL);
  const data = new Uint8Array(ring, RING_CTRL * 4);
  const wake = () => { Atomics.add(ctrl, 3, 1); Atomics.notify(ctrl, 3); };
  const stdin = opts.stdin === undefined ? process.stdin : opts.stdin;
  let pending: Buffer[] = [];
  let timer: NodeJS.Timeout | null = null;
  const pump = () => {
    timer = null;
    while (pending.length) {
      const chunk = pending[0];
      const w = Atomics.load(ctrl, 0);
      const r = Atomics.load(ctrl, 1);
      const room = RING_BYTES - ((w - r) | 0);
      const n = Math.min(room, chunk.length);
      for (let i = 0; i < n; i++) data[((w + i) >>> 0) % RING_BYTES] = chunk[i];
      Atomics.store(ctrl, 0, (w + n) | 0);
      if (n > 0) wake();
      if (n < chunk.length) { pending[0] = chunk.subarray(n); timer = setTimeout(pump, 2); return; }
      pending.shift();
    }
  };
  const onData = (b: Buffer) => { pending.push(b); if (!timer) pump(); };
  const onEnd = () => {
    const finish = () => { if (pending.length) { setTimeout(finish, 2); return; } Atomics.store(ctrl, 2, 1); wake(); };
    finish();
  };
  if (stdin) { stdin.on('data', onData); stdin.on('end', onEnd); } else { Atomics.store(ctrl, 2, 1); }

  const workerData: WorkerData = {
    tsxApi: import.meta.resolve('tsx/esm/api'),
    hostModule: import.meta.url,
    wasmPath: opts.wasmPath,
    imagePath: opts.imagePath,
    args: opts.args ?? [],
    snapshotPath: opts.snapshotPath,
    ring,
  };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
  try {
    return await new Promise<RunOutcome>((resolve, reject) => {
      worker.once('message', (m: RunOutcome) => resolve(m));
      worker.once('error', reject);
      worker.once('exit', (code) => resolve({ status: code || CRASH_STATUS, crashed: true, message: `worker ended (${code}) without a status` }));
    });
  } finally {
    if (stdin) { stdin.off('data', onData); stdin.off('end', onEnd); (stdin as NodeJS.ReadStream).pause?.(); }
    if (timer) clearTimeout(timer);
    pending = [];
    await worker.terminate();
  }
}
