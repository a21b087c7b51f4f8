// Runs images made by SpurBuilder on the VM's test entry (test/vm/interp/assembly/entry.ts):
// the entry method's return value is decoded back into JS (integers of any size, nil/true/false,
// strings and symbols, or the raw oop).

import { readFileSync } from 'node:fs';
import { compileVm } from '../../../build/vm/compile-vm.ts';
import { NodeHost, BufferInput, HostStop } from '../../../build/targets/node-host.ts';

let modulePromise: Promise<WebAssembly.Module> | null = null;

/** The compiled test entry (cached across tests and runs). */
export function testModule(): Promise<WebAssembly.Module> {
  if (!modulePromise) {
    modulePromise = compileVm({ target: 'node', entry: 'test/vm/interp/assembly/entry.ts' })
      .then((r) => WebAssembly.compile(new Uint8Array(readFileSync(r.wasmPath))));
  }
  return modulePromise;
}

export interface VmResult {
  value: unknown;        // decoded result (bigint for integers, string for byte objects, ...)
  raw: bigint;
  stdout: string;
  status: number | null; // exit status when the image quit
  crash: string | null;
  activations: bigint;   // frames activated plus backward jumps taken
  primitiveCalls: bigint; // primitives run through the primitive table
  heapFault: number;     // vm/objmem/verify.ts code after the run (0 = consistent), -1 when not checked
  inspected?: unknown;   // what opts.inspect answered
}

interface Exports {
  testRun(): bigint; testSlot(o: bigint, i: number): bigint; testNumSlots(o: bigint): number;
  testFormat(o: bigint): number; testClassIndex(o: bigint): number; testByteSize(o: bigint): number;
  testActivations(): bigint; testPrimitiveCalls(): bigint; testVerifyHeap(): number; testSetMemoryBudget(bytes: bigint): void; memory: WebAssembly.Memory;
}
export type VmExports = Exports;

export interface RunOptions {
  input?: string; args?: string[]; signals?: number[];
  /** Bytes the object memory may take beyond what the loaded image holds (the low-space tests). */
  memoryBudget?: number;
  /** Check the heap after a run that returned or quit (verify.ts) and report it in heapFault. */
  verify?: boolean;
  /** Called after a run that returned, with the result oop and the test entry's exports. */
  inspect?: (raw: bigint, x: Exports) => unknown;
}

export async function runImage(image: Uint8Array, opts: RunOptions = {}): Promise<VmResult> {
  const out: Uint8Array[] = [];
  const host = new NodeHost({ image, args: opts.args, input: new BufferInput(new TextEncoder().encode(opts.input ?? '')), write: (b) => out.push(b) });
  for (const i of opts.signals ?? []) host.signal(i);
  const inst = await host.instantiate(await testModule());
  const x = inst.exports as unknown as Exports;
  const res: VmResult = { value: undefined, raw: 0n, stdout: '', status: null, crash: null, activations: 0n, primitiveCalls: 0n, heapFault: -1 };
  if (opts.memoryBudget) x.testSetMemoryBudget(BigInt(opts.memoryBudget));
  try {
    res.raw = BigInt.asUintN(64, x.testRun());
    if (opts.verify) res.heapFault = x.testVerifyHeap();
    if (opts.inspect) res.inspected = opts.inspect(res.raw, x);
    else res.value = decode(x, res.raw);
  } catch (e) {
    if (e instanceof HostStop) {
      if (e.crashed) res.crash = e.message;
      else {
        res.status = e.status;
        // the image quit: its heap is as it left it, so it can be checked as after a return
        if (opts.verify) res.heapFault = x.testVerifyHeap();
      }
    }
    else if (e instanceof WebAssembly.RuntimeError) res.crash = `wasm trap: ${e.message}`;
    else throw e;
  }
  res.activations = BigInt(x.testActivations());
  res.primitiveCalls = BigInt(x.testPrimitiveCalls());
  res.stdout = Buffer.concat(out).toString('utf8');
  return res;
}

function decode(x: Exports, o: bigint): unknown {
  const tag = o & 7n;
  if (tag === 1n) return BigInt.asIntN(64, o) >> 3n;
  if (tag === 2n) return { char: Number(o >> 3n) };
  if (tag === 4n) {
    let bits = o >> 3n;
    if (bits <= 1n) return bits === 0n ? 0 : -0;
    const sign = bits & 1n;
    bits = (bits >> 1n) + (896n << 52n);
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigUint64(0, bits | (sign << 63n), true);
    return dv.getFloat64(0, true);
  }
  const ci = x.testClassIndex(o);
  const fmt = x.testFormat(o);
  if (ci === 32 || ci === 33) {
    const n = x.testByteSize(o);
    const mem = new Uint8Array(x.memory.buffer, Number(o) + 8, n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(mem[i]);
    return ci === 32 ? -v : v;
  }
  if (ci === 34) return new DataView(x.memory.buffer).getFloat64(Number(o) + 8, true);
  if (fmt >= 16 && fmt < 24) {
    const n = x.testByteSize(o);
    return new TextDecoder().decode(new Uint8Array(x.memory.buffer, Number(o) + 8, n));
  }
  if (fmt === 2) {
    const n = x.testNumSlots(o);
    return Array.from({ length: n }, (_, i) => decode(x, BigInt.asUintN(64, x.testSlot(o, i))));
  }
  return { oop: o, classIndex: ci, format: fmt };
}
