// A small binary module writer: enough to build test modules and host-side helper modules
// (e.g. the V8 session's bit-exact call thunks). Not used by the compiler proper.
import type { ValType } from './module.ts';
import { valTypeCode } from './value-types.ts';

export function uleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

export function sleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

export function nameBytes(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

/** Appends `src` to `out` (no spread: bodies may be megabytes). */
function append(out: number[], src: ArrayLike<number>): number[] {
  for (let i = 0; i < src.length; i++) out.push(src[i]);
  return out;
}

export function vec(items: number[][]): number[] {
  const out = uleb(items.length);
  for (const item of items) append(out, item);
  return out;
}

export function section(id: number, body: number[]): number[] {
  return append([id, ...uleb(body.length)], body);
}

const KIND = { func: 0, table: 1, memory: 2, global: 3 } as const;

export class ModuleBuilder {
  private types: number[][] = [];
  private imports: number[][] = [];
  private funcs: number[][] = [];
  private bodies: number[][] = [];
  private tables: number[][] = [];
  private memories: number[][] = [];
  private globals: number[][] = [];
  private exports: number[][] = [];
  private extra: { after: number; bytes: number[] }[] = [];
  private importedFuncs = 0;
  private importedGlobals = 0;
  start?: number;

  type(params: ValType[], results: ValType[]): number {
    const enc = [0x60, ...vec(params.map((t) => [valTypeCode(t)])), ...vec(results.map((t) => [valTypeCode(t)]))];
    const key = enc.join(',');
    const i = this.types.findIndex((t) => t.join(',') === key);
    if (i >= 0) return i;
    this.types.push(enc);
    return this.types.length - 1;
  }

  importFunc(module: string, name: string, typeIndex: number): number {
    this.imports.push([...nameBytes(module), ...nameBytes(name), 0, ...uleb(typeIndex)]);
    return this.importedFuncs++;
  }

  importGlobal(module: string, name: string, type: ValType, mutable: boolean): number {
    this.imports.push([...nameBytes(module), ...nameBytes(name), 3, valTypeCode(type), mutable ? 1 : 0]);
    return this.importedGlobals++;
  }

  importTable(module: string, name: string, elemType: 'funcref' | 'externref', min: number, max?: number): void {
    this.imports.push([...nameBytes(module), ...nameBytes(name), 1, valTypeCode(elemType), ...limits(min, max)]);
  }

  importMemory(module: string, name: string, min: number, max?: number): void {
    this.imports.push([...nameBytes(module), ...nameBytes(name), 2, ...limits(min, max)]);
  }

  /** Adds a function; `code` is the body's instructions without the final `end`. */
  func(typeIndex: number, locals: ValType[], code: number[]): number {
    this.funcs.push(uleb(typeIndex));
    const groups = locals.map((t) => [1, valTypeCode(t)]);
    const body = append(vec(groups), code);
    body.push(0x0b);
    this.bodies.push(append(uleb(body.length), body));
    return this.importedFuncs + this.funcs.length - 1;
  }

  table(elemType: 'funcref' | 'externref', min: number, max?: number): void {
    this.tables.push([valTypeCode(elemType), ...limits(min, max)]);
  }

  memory(min: number, max?: number): void {
    this.memories.push(limits(min, max));
  }

  global(type: ValType, mutable: boolean, init: number[]): number {
    this.globals.push([valTypeCode(type), mutable ? 1 : 0, ...init, 0x0b]);
    return this.importedGlobals + this.globals.length - 1;
  }

  export(name: string, kind: keyof typeof KIND, index: number): void {
    this.exports.push([...nameBytes(name), KIND[kind], ...uleb(index)]);
  }

  /** Appends a raw section after the standard section with id `after` (0 = at the very end). */
  raw(after: number, bytes: number[]): void {
    this.extra.push({ after, bytes });
  }

  toBytes(): Uint8Array {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const add = (id: number, items: number[][], single?: number[]): void => {
      if (single) append(out, section(id, single));
      else if (items.length) append(out, section(id, vec(items)));
      for (const e of this.extra) if (e.after === id) append(out, e.bytes);
    };
    add(1, this.types);
    add(2, this.imports);
    add(3, this.funcs);
    add(4, this.tables);
    add(5, this.memories);
    add(6, this.globals);
    add(7, this.exports);
    if (this.start !== undefined) add(8, [], uleb(this.start));
    else add(8, []);
    add(10, this.bodies);
    for (const e of this.extra) if (e.after === 0) append(out, e.bytes);
    return Uint8Array.from(out);
  }
}

function limits(min: number, max?: number): number[] {
  return max === undefined ? [0, ...uleb(min)] : [1, ...uleb(min), ...uleb(max)];
}
