// WasmSession on Node's own WebAssembly (V8): the reference the native session is compared with.
//
// Values cross the JS boundary bit-exactly: every invoke goes through a small "thunk" module
// that imports the export with its exact type and takes/returns floats as integers
// (f32.reinterpret_i32 ...), so NaN payloads survive. Export types come from our own decoder.
// The spec suite's `spectest` module is a real wasm module (so imports are type-checked).
import {
  decodeModule, funcType, allGlobals, type FuncType, type ValType, type WasmModule,
} from '../wasm/index.ts';
import { ModuleBuilder } from '../wasm/encoder.ts';
import type { InstantiateOutcome, InvokeOutcome, WasmSession, WasmValue } from './session.ts';

interface Inst {
  module: WasmModule;
  exports: WebAssembly.Exports;
  thunks: Map<string, (...args: unknown[]) => unknown>;
}

/** Extra import modules (name -> exports), e.g. the fuzzer's `fuzzing-support`. */
export type HostImports = Record<string, Record<string, unknown>>;

function spectestBytes(): Uint8Array {
  const b = new ModuleBuilder();
  const sigs: [string, ValType[]][] = [
    ['print', []], ['print_i32', ['i32']], ['print_i64', ['i64']], ['print_f32', ['f32']],
    ['print_f64', ['f64']], ['print_i32_f32', ['i32', 'f32']], ['print_f64_f64', ['f64', 'f64']],
  ];
  for (const [name, params] of sigs) b.export(name, 'func', b.func(b.type(params, []), [], []));
  const f32 = new Uint8Array(new Float32Array([666.6]).buffer);
  const f64 = new Uint8Array(new Float64Array([666.6]).buffer);
  b.export('global_i32', 'global', b.global('i32', false, [0x41, 0x9a, 0x05]));
  b.export('global_i64', 'global', b.global('i64', false, [0x42, 0x9a, 0x05]));
  b.export('global_f32', 'global', b.global('f32', false, [0x43, ...f32]));
  b.export('global_f64', 'global', b.global('f64', false, [0x44, ...f64]));
  b.table('funcref', 10, 20);
  b.export('table', 'table', 0);
  b.memory(1, 2);
  b.export('memory', 'memory', 0);
  return b.toBytes();
}

const thunkModules = new Map<string, WebAssembly.Module>();

/** A module importing "m"."f" of type t, exporting "t" that takes/returns floats as int bits. */
function thunkModule(t: FuncType): WebAssembly.Module {
  const key = `${t.params.join(',')}>${t.results.join(',')}`;
  let mod = thunkModules.get(key);
  if (mod) return mod;
  const asInt = (v: ValType): ValType => (v === 'f32' ? 'i32' : v === 'f64' ? 'i64' : v);
  const b = new ModuleBuilder();
  const f = b.importFunc('m', 'f', b.type(t.params, t.results));
  const code: number[] = [];
  t.params.forEach((p, i) => {
    code.push(0x20, i);
    if (p === 'f32') code.push(0xbe);
    if (p === 'f64') code.push(0xbf);
  });
  code.push(0x10, f);
  const np = t.params.length;
  for (let i = t.results.length - 1; i >= 0; i--) code.push(0x21, np + i);
  t.results.forEach((r, i) => {
    code.push(0x20, np + i);
    if (r === 'f32') code.push(0xbc);
    if (r === 'f64') code.push(0xbd);
  });
  const ti = b.type(t.params.map(asInt), t.results.map(asInt));
  b.export('t', 'func', b.func(ti, t.results, code));
  mod = new WebAssembly.Module(b.toBytes() as BufferSource);
  thunkModules.set(key, mod);
  return mod;
}

/** A module importing float global "m"."g" and exporting "t" that returns its bits as an int. */
function globalBitsModule(type: 'f32' | 'f64', mutable: boolean): WebAssembly.Module {
  const key = `global:${type}:${mutable}`;
  let mod = thunkModules.get(key);
  if (mod) return mod;
  const b = new ModuleBuilder();
  b.importGlobal('m', 'g', type, mutable);
  const t = b.type([], [type === 'f32' ? 'i32' : 'i64']);
  b.export('t', 'func', b.func(t, [], [0x23, 0, type === 'f32' ? 0xbc : 0xbd]));
  mod = new WebAssembly.Module(b.toBytes() as BufferSource);
  thunkModules.set(key, mod);
  return mod;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class V8Session implements WasmSession {
  private readonly registry = new Map<string, WebAssembly.Exports>();
  private readonly named = new Map<string, Inst>();
  private current: Inst | undefined;
  private readonly externs = new Map<bigint, object>();
  private readonly externIds = new WeakMap<object, bigint>();
  private readonly funcIds = new WeakMap<object, bigint>();
  private nextRef = 1n << 32n;

  constructor(hostImports: HostImports = {}) {
    const spectest = new WebAssembly.Instance(new WebAssembly.Module(spectestBytes() as BufferSource), {});
    this.registry.set('spectest', spectest.exports);
    for (const [name, exports] of Object.entries(hostImports)) this.registry.set(name, exports as WebAssembly.Exports);
  }

  async instantiate(bytes: Uint8Array, name?: string): Promise<InstantiateOutcome> {
    let compiled: WebAssembly.Module;
    try {
      compiled = new WebAssembly.Module(bytes as BufferSource);
    } catch (e) {
      return { kind: 'error', message: message(e) };
    }
    let module: WasmModule;
    try {
      module = decodeModule(bytes);
    } catch (e) {
      return { kind: 'error', message: `V8 accepts the module but our decoder does not: ${message(e)}` };
    }
    const imports: Record<string, Record<string, unknown>> = {};
    for (const imp of WebAssembly.Module.imports(compiled)) {
      const from = this.registry.get(imp.module);
      if (!from || !(imp.name in from)) return { kind: 'unlinkable', message: `unknown import ${imp.module}.${imp.name}` };
      (imports[imp.module] ??= {})[imp.name] = from[imp.name];
    }
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(compiled, imports as WebAssembly.Imports);
    } catch (e) {
      if (e instanceof WebAssembly.LinkError) return { kind: 'unlinkable', message: message(e) };
      if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) return { kind: 'trap', message: message(e) };
      return { kind: 'error', message: message(e) };
    }
    const inst: Inst = { module, exports: instance.exports, thunks: new Map() };
    this.current = inst;
    if (name !== undefined) this.named.set(name, inst);
    return { kind: 'ok' };
  }

  private inst(name: string | undefined): Inst {
    const inst = name === undefined ? this.current : this.named.get(name);
    if (!inst) throw new Error(name === undefined ? 'no module instantiated' : `unknown module ${name}`);
    return inst;
  }

  async register(as: string, name?: string): Promise<void> {
    this.registry.set(as, this.inst(name).exports);
  }

  private toJs(v: WasmValue): unknown {
    const bits = v.bits;
    switch (v.type) {
      case 'i32': case 'f32': return Number(BigInt.asIntN(32, bits ?? 0n));
      case 'i64': case 'f64': return BigInt.asIntN(64, bits ?? 0n);
      case 'externref': {
        if (bits === null) return null;
        let o = this.externs.get(bits);
        if (!o) {
          o = { externref: bits };
          this.externs.set(bits, o);
          this.externIds.set(o, bits);
        }
        return o;
      }
      case 'funcref':
        if (bits === null) return null;
        throw new Error('funcref arguments other than null are not supported');
    }
  }

  private fromJs(type: ValType, x: unknown): WasmValue {
    switch (type) {
      case 'i32': case 'f32': return { type, bits: BigInt((x as number) >>> 0) };
      case 'i64': case 'f64': return { type, bits: BigInt.asUintN(64, x as bigint) };
      default: {
        if (x === null || x === undefined) return { type, bits: null };
        const o = x as object;
        const ids = type === 'externref' ? this.externIds : this.funcIds;
        let id = ids.get(o);
        if (id === undefined) {
          id = this.nextRef++;
          ids.set(o, id);
        }
        return { type, bits: id };
      }
    }
  }

  async invoke(name: string | undefined, field: string, args: WasmValue[]): Promise<InvokeOutcome> {
    const inst = this.inst(name);
    const exp = inst.module.exports.find((x) => x.name === field && x.kind === 'func');
    if (!exp) throw new Error(`no exported function "${field}"`);
    const type = funcType(inst.module, exp.index);
    let thunk = inst.thunks.get(field);
    if (!thunk) {
      const ti = new WebAssembly.Instance(thunkModule(type), { m: { f: inst.exports[field] } });
      thunk = ti.exports.t as (...a: unknown[]) => unknown;
      inst.thunks.set(field, thunk);
    }
    let out: unknown;
    try {
      out = thunk(...args.map((a) => this.toJs(a)));
    } catch (e) {
      if (e instanceof RangeError) return { kind: 'exhaustion', message: message(e) };
      if (e instanceof WebAssembly.RuntimeError) return { kind: 'trap', message: message(e) };
      return { kind: 'trap', message: `host error: ${message(e)}` };
    }
    const results = type.results.length === 1 ? [out] : type.results.length === 0 ? [] : (out as unknown[]);
    return { kind: 'return', results: type.results.map((t, i) => this.fromJs(t, results[i])) };
  }

  async get(name: string | undefined, field: string): Promise<WasmValue> {
    const inst = this.inst(name);
    const exp = inst.module.exports.find((x) => x.name === field && x.kind === 'global');
    if (!exp) throw new Error(`no exported global "${field}"`);
    const type = allGlobals(inst.module)[exp.index].type;
    const global = inst.exports[field] as WebAssembly.Global;
    if (type === 'f32' || type === 'f64') {
      // read the bits inside wasm: a JS number would not keep a NaN's payload
      const mutable = allGlobals(inst.module)[exp.index].mutable;
      const reader = new WebAssembly.Instance(globalBitsModule(type, mutable), { m: { g: global } });
      return this.fromJs(type, (reader.exports.t as () => unknown)());
    }
    return this.fromJs(type, global.value as unknown);
  }

  async close(): Promise<void> {
    this.registry.clear();
    this.named.clear();
    this.current = undefined;
  }
}

export function createV8Session(hostImports?: HostImports): WasmSession {
  return new V8Session(hostImports);
}
