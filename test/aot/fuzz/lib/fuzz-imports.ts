// The imports of a Binaryen fuzz module (`fuzzing-support.*`, `__fuzz_import.*`), provided as
// small wasm modules built for exactly the imports the module asks for, so that every session
// (V8, native) links them the same way through WasmSession.register.
//
// Every imported function folds its name and its arguments into a 64-bit hash (FNV-style,
// exported as the mutable global `__log_hash`; NaNs are hashed as the canonical NaN since their
// payloads may legitimately differ) and returns zeros/nulls, except `sleep(ms, id)` which
// returns id. call-export / call-ref and friends do not call back (0 = "did not throw").
// Imported globals are zero / null; imported tables and memories get the imported limits.
import { ModuleBuilder, sleb } from '../../../../build/aot/wasm/encoder.ts';
import type { ValType, WasmModule } from '../../../../build/aot/wasm/index.ts';

export const LOG_HASH = '__log_hash';
const FNV_OFFSET = -3750763034362895579n; // 0xcbf29ce484222325 as i64
const FNV_PRIME = 0x100000001b3n;

function zero(t: ValType): number[] {
  switch (t) {
    case 'i32': return [0x41, 0];
    case 'i64': return [0x42, 0];
    case 'f32': return [0x43, 0, 0, 0, 0];
    case 'f64': return [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
    case 'funcref': return [0xd0, 0x70];
    case 'externref': return [0xd0, 0x6f];
  }
}

function nameTag(s: string): bigint {
  let h = 0n;
  for (const c of s) h = BigInt.asIntN(64, h * 131n + BigInt(c.codePointAt(0)!));
  return h;
}

/** Code that mixes the i64 on top of the stack into global 0. */
function mix(): number[] {
  return [0x23, 0, 0x85 /* i64.xor */, 0x42, ...sleb(FNV_PRIME), 0x7e /* i64.mul */, 0x24, 0];
}

/** Code pushing local i as an i64 (NaNs canonicalised; references as null/non-null). */
function asI64(t: ValType, i: number): number[] {
  switch (t) {
    case 'i32': return [0x20, i, 0xad];
    case 'i64': return [0x20, i];
    case 'f32': // select(bits, canonical, x == x)
      return [0x20, i, 0xbc, 0x41, ...sleb(0x7fc00000 | 0), 0x20, i, 0x20, i, 0x5b, 0x1b, 0xad];
    case 'f64':
      return [0x20, i, 0xbd, 0x42, ...sleb(0x7ff8000000000000n), 0x20, i, 0x20, i, 0x61, 0x1b];
    default: // 1 if non-null
      return [0x20, i, 0xd1, 0x45, 0xad];
  }
}

/** One support module per imported module name. */
export function buildImportModules(m: WasmModule): Map<string, Uint8Array> {
  const builders = new Map<string, ModuleBuilder>();
  const get = (name: string): ModuleBuilder => {
    let b = builders.get(name);
    if (!b) {
      b = new ModuleBuilder();
      b.export(LOG_HASH, 'global', b.global('i64', true, [0x42, ...sleb(FNV_OFFSET)]));
      builders.set(name, b);
    }
    return b;
  };
  const exported = new Set<string>();
  const tables = new Map<string, number>();
  const memories = new Map<string, number>();
  for (const imp of m.imports) {
    const key = `${imp.module}\0${imp.name}`;
    if (exported.has(key)) continue;
    exported.add(key);
    const b = get(imp.module);
    const d = imp.desc;
    if (d.kind === 'func') {
      const t = m.types[d.typeIndex];
      const code: number[] = [0x42, ...sleb(nameTag(imp.name)), ...mix()];
      t.params.forEach((p, i) => code.push(...asI64(p, i), ...mix()));
      if (imp.name === 'sleep' && t.results.length === 1 && t.params[1] === t.results[0]) code.push(0x20, 1);
      else for (const r of t.results) code.push(...zero(r));
      b.export(imp.name, 'func', b.func(b.type(t.params, t.results), [], code));
    } else if (d.kind === 'global') {
      b.export(imp.name, 'global', b.global(d.type, d.mutable, zero(d.type)));
    } else if (d.kind === 'table') {
      b.table(d.elemType, d.limits.min, d.limits.max);
      const n = tables.get(imp.module) ?? 0;
      tables.set(imp.module, n + 1);
      b.export(imp.name, 'table', n);
    } else {
      if (memories.has(imp.module)) throw new Error('fuzz module imports more than one memory');
      memories.set(imp.module, 1);
      b.memory(d.limits.min, d.limits.max);
      b.export(imp.name, 'memory', 0);
    }
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, b] of builders) out.set(name, b.toBytes());
  return out;
}
