// WasmSession on the `linux` target: one native process (the session driver, runtime/linux/
// session-driver.ts) runs every module of a script. Each module is compiled by our back end,
// linked at its own fixed window of the address space, loaded into the running process, and
// instantiated there with a vmctx of its own; imports are bound by writing the exporter's
// addresses into the importer's vmctx, so instances share memories, tables, globals and
// functions exactly as the spec requires. Traps are recovered to the driver's command loop.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstantiateOutcome, InvokeOutcome, WasmSession, WasmValue, ValueType } from './session.ts';
import { loadModule, WasmError, type FuncType, type WasmModule, type ValType, type Limits } from '../wasm/index.ts';
import { ProgramObject } from '../object.ts';
import { compileModule, funcTypeOf, type CompiledModule } from '../compile.ts';
import { MEM_BASE, MEM_MAX, MEM_PAGES, TBL_MAX, TBL_SIZE, TRAP, TypeRegistry, VM_MEMBASE, VM_MEMDESC, VM_STACK_LIMIT } from '../abi.ts';
import { emitTrapTable } from '../../runtime/linux/start.ts';
import { buildSessionDriver, MAX_CALL_WORDS, OP } from '../../runtime/linux/session-driver.ts';
import { linkObject } from '../../link/linux/link.ts';
import type { LinkedImage } from '../../link/linux/link.ts';

const WINDOW_BASE = 0x10_0000_0000n; // module k is linked at WINDOW_BASE + k * WINDOW_SIZE
const WINDOW_SIZE = 0x1_0000_0000n;
const PAGE = 4096n;
const SESSION_TARGET = 'session'; // no intrinsics: every import is bound through the vmctx

type ExportValue =
  | { kind: 'func'; code: bigint; vmctx: bigint; type: FuncType }
  | { kind: 'global'; cell: bigint; type: ValType; mutable: boolean }
  | { kind: 'memory'; desc: bigint; base: bigint }
  | { kind: 'table'; desc: bigint; elemType: ValType };

interface Instance {
  exports: Map<string, ExportValue>;
}

/** A byte queue over the child's stdout. */
class Pipe {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private waiting?: { n: number; resolve: (b: DataView) => void; reject: (e: Error) => void };
  private closed?: Error;
  push(b: Uint8Array) {
    this.chunks.push(b);
    this.size += b.length;
    this.pump();
  }
  close(e: Error) {
    this.closed = e;
    if (this.waiting) this.waiting.reject(e);
    this.waiting = undefined;
  }
  private pump() {
    if (!this.waiting || this.size < this.waiting.n) return;
    const all = concat(this.chunks);
    const out = all.slice(0, this.waiting.n);
    this.chunks = [all.subarray(this.waiting.n)];
    this.size = all.length - this.waiting.n;
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(new DataView(out.buffer));
  }
  read(n: number): Promise<DataView> {
    return new Promise((resolve, reject) => {
      if (this.closed && this.size < n) return reject(this.closed);
      this.waiting = { n, resolve, reject };
      this.pump();
    });
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const words = (...v: bigint[]): Uint8Array => {
  const dv = new DataView(new ArrayBuffer(8 * v.length));
  v.forEach((x, i) => dv.setBigUint64(8 * i, BigInt.asUintN(64, x), true));
  return new Uint8Array(dv.buffer);
};
const u64 = (dv: DataView, i = 0) => dv.getBigUint64(8 * i, true);

class NativeSession implements WasmSession {
  private dir = mkdtempSync(join(tmpdir(), 'xenolith-session-'));
  private driver: LinkedImage;
  private child: ChildProcessWithoutNullStreams;
  private out = new Pipe();
  private stderr = '';
  private types = new TypeRegistry();
  private windows = 0;
  private instances = new Map<string, Instance>();
  private registered = new Map<string, Instance>();
  private current?: Instance;
  private trapMessages = new Map<bigint, { code: number; message: string }>();
  private stackLimit?: bigint;
  private queue: Promise<unknown> = Promise.resolve();

  constructor() {
    this.driver = buildSessionDriver();
    const path = join(this.dir, 'driver');
    writeFileSync(path, this.driver.elf);
    chmodSync(path, 0o755);
    this.child = spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (b: Uint8Array) => this.out.push(b));
    this.child.stderr.on('data', (b: Uint8Array) => (this.stderr += new TextDecoder().decode(b)));
    this.child.on('exit', (code, signal) => this.out.close(new Error(`native session driver exited (status ${code}, signal ${signal}) ${this.stderr}`)));
    this.child.stdin.on('error', () => {});
  }

  /** Runs commands one at a time (the protocol is strictly request/response). */
  private serial<R>(f: () => Promise<R>): Promise<R> {
    const p = this.queue.then(f, f);
    this.queue = p.catch(() => {});
    return p;
  }
  private async command(op: number, a1 = 0n, a2 = 0n, a3 = 0n, payload?: Uint8Array): Promise<bigint> {
    this.child.stdin.write(payload ? concat([words(BigInt(op), a1, a2, a3), payload]) : words(BigInt(op), a1, a2, a3));
    const status = u64(await this.out.read(8));
    if (op === OP.read || op === OP.newmem || status !== 0n) {
      const v = u64(await this.out.read(8));
      if (status === 2n) throw new Error(`native session: command ${op} failed`);
      return v;
    }
    return 0n;
  }
  private write(addr: bigint, value: bigint) {
    return this.command(OP.write, addr, BigInt.asUintN(64, value));
  }
  private read(addr: bigint) {
    return this.command(OP.read, addr);
  }
  /** Calls code with the words as its argument/result area: results, or the trap. */
  private async call(code: bigint, vmctx: bigint, args: bigint[], nwords: number): Promise<{ results: bigint[] } | { trap: { code: number; message: string } }> {
    const area = [...args];
    while (area.length < nwords) area.push(0n);
    this.child.stdin.write(concat([words(BigInt(OP.call), code, vmctx, BigInt(nwords)), words(...area)]));
    const status = u64(await this.out.read(8));
    if (status === 0n) {
      const b = await this.out.read(8 * nwords);
      return { results: Array.from({ length: nwords }, (_, i) => u64(b, i)) };
    }
    const entry = u64(await this.out.read(8));
    if (status === 2n) throw new Error('native session: call failed');
    return { trap: this.trapMessages.get(entry) ?? { code: -1, message: `trap at unknown site 0x${entry.toString(16)}` } };
  }

  instantiate(bytes: Uint8Array, name?: string): Promise<InstantiateOutcome> {
    return this.serial(() => this.doInstantiate(bytes, name));
  }

  private async doInstantiate(bytes: Uint8Array, name?: string): Promise<InstantiateOutcome> {
    let m: WasmModule;
    try {
      m = loadModule(bytes);
    } catch (e) {
      if (e instanceof WasmError) return { kind: 'error', message: e.message };
      throw e;
    }
    // resolve imports first: an unlinkable module loads nothing
    const bound: ExportValue[] = [];
    for (const imp of m.imports) {
      const inst = this.registered.get(imp.module);
      const ex = inst?.exports.get(imp.name);
      if (!ex) return { kind: 'unlinkable', message: `unknown import ${imp.module}.${imp.name}` };
      const bad = await this.incompatible(m, imp.desc, ex);
      if (bad) return { kind: 'unlinkable', message: `incompatible import type for ${imp.module}.${imp.name}: ${bad}` };
      bound.push(ex);
    }
    const k = this.windows++;
    const prefix = `m${k}`;
    const obj = new ProgramObject();
    let cm: CompiledModule;
    try {
      cm = compileModule(obj, m, { target: SESSION_TARGET, types: this.types, prefix, allowImports: true, memoryGrowSymbol: 'rt.memory_grow' });
    } catch (e) {
      if (e instanceof WasmError) return { kind: 'error', message: e.message };
      throw e;
    }
    emitTrapTable(obj);
    const sites = [...obj.trapSites].sort((x, y) => x.pc - y.pc);
    const linked = linkObject(obj, WINDOW_BASE + BigInt(k) * WINDOW_SIZE, (s) => {
      try {
        return this.driver.address(s);
      } catch {
        return undefined;
      }
    });
    const table = linked.address('rt.trap_table');
    sites.forEach((s, i) => this.trapMessages.set(table + BigInt(24 * i), { code: s.code, message: s.message }));
    const load = async (addr: bigint, data: Uint8Array, size: number, prot: number) => {
      const len = ((BigInt(Math.max(size, 1)) + PAGE - 1n) / PAGE) * PAGE;
      const payload = new Uint8Array(Number(len));
      payload.set(data);
      await this.command(OP.load, addr, len, BigInt(prot), payload);
    };
    await load(linked.base.text, linked.text, linked.text.length, 5);
    await load(linked.base.rodata, linked.rodata, linked.rodata.length, 1);
    await load(linked.base.data, linked.data, linked.data.length, 3);
    await load(linked.base.bss, new Uint8Array(0), linked.bssSize, 3);
    await this.command(OP.traps, table, BigInt(sites.length));

    const vm = linked.address(cm.vmctxSymbol);
    const L = cm.layout;
    this.stackLimit ??= await this.read(this.driver.address('rt.stack_limit'));
    await this.write(vm + BigInt(VM_STACK_LIMIT), this.stackLimit);
    if (m.memories.length) this.declaredMax.set(vm + BigInt(L.memDesc), m.memories[0].max !== undefined);
    m.tables.forEach((t, i) => this.declaredMax.set(vm + BigInt(L.tableDesc(i)), t.limits.max !== undefined));
    if (m.memories.length) {
      const base = await this.command(OP.newmem, BigInt(m.memories[0].min));
      await this.write(vm + BigInt(VM_MEMBASE), base);
      await this.write(vm + BigInt(L.memDesc + MEM_BASE), base);
    }
    let fi = 0, ti = 0, gi = 0;
    for (let i = 0; i < m.imports.length; i++) {
      const ex = bound[i];
      if (ex.kind === 'func') {
        await this.write(vm + BigInt(L.importFunc(fi)), ex.code);
        await this.write(vm + BigInt(L.importFunc(fi) + 8), ex.vmctx);
        fi++;
      } else if (ex.kind === 'table') await this.write(vm + BigInt(L.tablePtr(ti++)), ex.desc);
      else if (ex.kind === 'global') await this.write(vm + BigInt(L.globalPtr(gi++)), ex.cell);
      else {
        await this.write(vm + BigInt(VM_MEMDESC), ex.desc);
        await this.write(vm + BigInt(VM_MEMBASE), ex.base);
      }
    }
    // exports
    const exports = new Map<string, ExportValue>();
    for (const e of m.exports) {
      if (e.kind === 'func') {
        if (e.index < m.numImportedFuncs) exports.set(e.name, bound[this.nthImport(m, 'func', e.index)]);
        else exports.set(e.name, { kind: 'func', code: linked.address(cm.funcSymbol(e.index)!), vmctx: vm, type: funcTypeOf(m, e.index) });
      } else if (e.kind === 'global') {
        if (e.index < m.numImportedGlobals) exports.set(e.name, bound[this.nthImport(m, 'global', e.index)]);
        else {
          const g = m.globals[e.index - m.numImportedGlobals];
          exports.set(e.name, { kind: 'global', cell: vm + BigInt(L.globalCell(e.index - m.numImportedGlobals)), type: g.type, mutable: g.mutable });
        }
      } else if (e.kind === 'memory') {
        if (e.index < m.numImportedMemories) exports.set(e.name, bound[this.nthImport(m, 'memory', e.index)]);
        else exports.set(e.name, { kind: 'memory', desc: vm + BigInt(L.memDesc), base: await this.read(vm + BigInt(VM_MEMBASE)) });
      } else {
        if (e.index < m.numImportedTables) exports.set(e.name, bound[this.nthImport(m, 'table', e.index)]);
        else exports.set(e.name, { kind: 'table', desc: vm + BigInt(L.tableDesc(e.index - m.numImportedTables)), elemType: m.tables[e.index - m.numImportedTables].elemType });
      }
    }
    const r = await this.call(linked.address(cm.initSymbol), vm, [], 1);
    if ('trap' in r) return { kind: 'trap', message: r.trap.message };
    const inst: Instance = { exports };
    this.current = inst;
    if (name) this.instances.set(name, inst);
    return { kind: 'ok' };
  }

  private nthImport(m: WasmModule, kind: string, index: number): number {
    let k = 0;
    for (let i = 0; i < m.imports.length; i++) if (m.imports[i].desc.kind === kind && k++ === index) return i;
    throw new Error(`no ${kind} import ${index}`);
  }

  private async incompatible(m: WasmModule, desc: WasmModule['imports'][number]['desc'], ex: ExportValue): Promise<string | undefined> {
    if (desc.kind !== ex.kind) return `expected a ${desc.kind}, found a ${ex.kind}`;
    const limits = async (want: Limits, descAddr: bigint, sizeOff: number, maxOff: number, declaredMax: boolean) => {
      const size = Number(await this.read(descAddr + BigInt(sizeOff)));
      const max = Number(await this.read(descAddr + BigInt(maxOff)));
      if (size < want.min) return `size ${size} below the minimum ${want.min}`;
      if (want.max !== undefined && (!declaredMax || max > want.max)) return `maximum does not fit ${want.max}`;
      return undefined;
    };
    switch (desc.kind) {
      case 'func': {
        const want = m.types[desc.typeIndex];
        const got = (ex as { type: FuncType }).type;
        return want.params.join() === got.params.join() && want.results.join() === got.results.join() ? undefined : 'function type mismatch';
      }
      case 'global': {
        const g = ex as Extract<ExportValue, { kind: 'global' }>;
        return g.type === desc.type && g.mutable === desc.mutable ? undefined : 'global type mismatch';
      }
      case 'memory': {
        const d = (ex as Extract<ExportValue, { kind: 'memory' }>).desc;
        const declared = this.declaredMax.get(d) ?? true;
        return limits(desc.limits, d, MEM_PAGES, MEM_MAX, declared);
      }
      case 'table': {
        const t = ex as Extract<ExportValue, { kind: 'table' }>;
        if (t.elemType !== desc.elemType) return 'element type mismatch';
        return limits(desc.limits, t.desc, TBL_SIZE, TBL_MAX, this.declaredMax.get(t.desc) ?? true);
      }
    }
  }
  /** Whether a memory/table descriptor had a declared maximum (absent: implicit maximum). */
  private declaredMax = new Map<bigint, boolean>();

  register(as: string, name?: string): Promise<void> {
    const inst = name ? this.instances.get(name) : this.current;
    if (!inst) return Promise.reject(new Error(`no instance ${name ?? '(current)'} to register`));
    this.registered.set(as, inst);
    return Promise.resolve();
  }

  invoke(name: string | undefined, field: string, args: WasmValue[]): Promise<InvokeOutcome> {
    return this.serial(async () => {
      const ex = this.lookup(name, field);
      if (ex.kind !== 'func') throw new Error(`${field} is not a function`);
      const nwords = Math.max(ex.type.params.length, ex.type.results.length, 1);
      if (nwords > MAX_CALL_WORDS) throw new Error('too many arguments');
      const r = await this.call(ex.code, ex.vmctx, args.map((a) => toBits(a)), nwords);
      if ('trap' in r) {
        if (r.trap.code === TRAP.stackExhausted) return { kind: 'exhaustion', message: r.trap.message };
        return { kind: 'trap', message: r.trap.message };
      }
      return { kind: 'return', results: ex.type.results.map((t, i) => fromBits(t, r.results[i])) };
    });
  }

  get(name: string | undefined, field: string): Promise<WasmValue> {
    return this.serial(async () => {
      const ex = this.lookup(name, field);
      if (ex.kind !== 'global') throw new Error(`${field} is not a global`);
      return fromBits(ex.type, await this.read(ex.cell));
    });
  }

  private lookup(name: string | undefined, field: string): ExportValue {
    const inst = name ? this.instances.get(name) : this.current;
    if (!inst) throw new Error(`no instance ${name ?? '(current)'}`);
    const ex = inst.exports.get(field);
    if (!ex) throw new Error(`no export ${field}`);
    return ex;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => {});
    this.child.stdin.end(words(BigInt(OP.exit), 0n, 0n, 0n));
    await new Promise<void>((res) => (this.child.exitCode !== null ? res() : this.child.once('exit', () => res())));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The spectest module, compiled natively like any other, registered as `spectest`. */
  async registerSpectest(): Promise<void> {
    const r = await this.instantiate(spectestModule(), '$spectest');
    if (r.kind !== 'ok') throw new Error(`spectest: ${JSON.stringify(r)}`);
    await this.register('spectest', '$spectest');
  }
}

function toBits(v: WasmValue): bigint {
  if (v.type === 'funcref' || v.type === 'externref') return v.bits === null ? 0n : v.bits + 1n;
  return BigInt.asUintN(v.type === 'i32' || v.type === 'f32' ? 32 : 64, v.bits ?? 0n);
}
function fromBits(t: ValType, bits: bigint): WasmValue {
  if (t === 'funcref' || t === 'externref') return { type: t as ValueType, bits: bits === 0n ? null : bits - 1n };
  return { type: t as ValueType, bits: t === 'i32' || t === 'f32' ? bits & 0xffffffffn : bits };
}

/** The spec suite's `spectest` module (prints are no-ops: their output is not checked). */
export function spectestModule(): Uint8Array {
  const u = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const str = (s: string) => [...u(s.length), ...new TextEncoder().encode(s)];
  const section = (id: number, body: number[]) => [id, ...u(body.length), ...body];
  const vec = (items: number[][]) => [...u(items.length), ...items.flat()];
  const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c;
  const sigs = [[], [I32], [I64], [F32], [F64], [I32, F32], [F64, F64]];
  const names = ['print', 'print_i32', 'print_i64', 'print_f32', 'print_f64', 'print_i32_f32', 'print_f64_f64'];
  const f32 = new Uint8Array(new Float32Array([666.6]).buffer);
  const f64 = new Uint8Array(new Float64Array([666.6]).buffer);
  const globals: [number, number[]][] = [
    [I32, [0x41, ...[0x9a, 0x05], 0x0b]], // i32.const 666
    [I64, [0x42, ...[0x9a, 0x05], 0x0b]],
    [F32, [0x43, ...f32, 0x0b]],
    [F64, [0x44, ...f64, 0x0b]],
  ];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(sigs.map((p) => [0x60, ...vec(p.map((t) => [t])), 0]))),
    ...section(3, vec(sigs.map((_, i) => [i]))),
    ...section(4, vec([[0x70, 1, 10, 20]])),
    ...section(5, vec([[1, 1, 2]])),
    ...section(6, vec(globals.map(([t, init]) => [t, 0, ...init]))),
    ...section(7, vec([
      ...names.map((n, i) => [...str(n), 0, i]),
      [...str('table'), 1, 0], [...str('memory'), 2, 0],
      [...str('global_i32'), 3, 0], [...str('global_i64'), 3, 1], [...str('global_f32'), 3, 2], [...str('global_f64'), 3, 3],
    ])),
    ...section(10, vec(sigs.map(() => [2, 0, 0x0b]))),
  ];
  return Uint8Array.from(bytes);
}

/** A session whose `spectest` module is already registered. */
export function createNativeSession(): WasmSession {
  const s = new NativeSession();
  const ready = s.registerSpectest();
  ready.catch(() => {});
  // every call waits for the spectest registration first
  return {
    instantiate: async (b, n) => (await ready, s.instantiate(b, n)),
    register: async (as, n) => (await ready, s.register(as, n)),
    invoke: async (n, f, a) => (await ready, s.invoke(n, f, a)),
    get: async (n, f) => (await ready, s.get(n, f)),
    close: async () => {
      await ready.catch(() => {});
      await s.close();
    },
  };
}
