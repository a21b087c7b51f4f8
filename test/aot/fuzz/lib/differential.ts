// Differential execution: instantiate one module in two WasmSessions (with the fuzz imports),
// call every exported function with fixed arguments, and compare outcomes (return values, trap
// vs return vs exhaustion), the hash of everything the module logged, and the exported globals.
import type { InvokeOutcome, WasmSession, WasmValue } from '../../../../build/aot/host/session.ts';
import { allGlobals, funcType, type ValType, type WasmModule } from '../../../../build/aot/wasm/index.ts';
import { sameTrapReason } from '../../../spec/lib/trap-class.ts';
import { buildImportModules, LOG_HASH } from './fuzz-imports.ts';

export interface DiffResult {
  calls: number;
  traps: number;
  mismatches: string[];
}

/** Fixed arguments: one set per export call round. */
const ARGS: Record<ValType, bigint | null>[] = [
  { i32: 0n, i64: 0n, f32: 0n, f64: 0n, funcref: null, externref: null },
  { i32: 0xffffff85n, i64: 0x8000000000000001n, f32: 0x3fc00000n, f64: 0xc00921fb54442d18n, funcref: null, externref: null },
];

function same(a: WasmValue, b: WasmValue): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'funcref' || a.type === 'externref') return (a.bits === null) === (b.bits === null);
  if (a.bits === b.bits) return true;
  // NaN payloads may legitimately differ between engines
  if (a.type === 'f32') return isNaN32(a.bits!) && isNaN32(b.bits!);
  if (a.type === 'f64') return isNaN64(a.bits!) && isNaN64(b.bits!);
  return false;
}
const isNaN32 = (b: bigint): boolean => (b & 0x7f800000n) === 0x7f800000n && (b & 0x7fffffn) !== 0n;
const isNaN64 = (b: bigint): boolean =>
  (b & 0x7ff0000000000000n) === 0x7ff0000000000000n && (b & 0xfffffffffffffn) !== 0n;

function show(o: InvokeOutcome): string {
  if (o.kind !== 'return') return `${o.kind} (${o.message})`;
  return `return [${o.results.map((v) => `${v.type}:${v.bits === null ? 'null' : '0x' + v.bits.toString(16)}`).join(' ')}]`;
}

function sameOutcome(a: InvokeOutcome, b: InvokeOutcome): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'trap' && b.kind === 'trap') return a.message === b.message || sameTrapReason(a.message, b.message);
  if (a.kind !== 'return' || b.kind !== 'return') return true;
  return a.results.length === b.results.length && a.results.every((v, i) => same(v, b.results[i]));
}

export async function runDifferential(
  bytes: Uint8Array,
  m: WasmModule,
  sessions: [WasmSession, WasmSession],
  names: [string, string] = ['A', 'B'],
): Promise<DiffResult> {
  const res: DiffResult = { calls: 0, traps: 0, mismatches: [] };
  const support = buildImportModules(m);
  for (const s of sessions) {
    for (const [name, mod] of support) {
      const out = await s.instantiate(mod, `$support:${name}`);
      if (out.kind !== 'ok') throw new Error(`support module ${name}: ${out.kind} ${out.message}`);
      await s.register(name, `$support:${name}`);
    }
  }
  const inst = await Promise.all(sessions.map((s) => s.instantiate(bytes, '$m')));
  if (inst[0].kind !== inst[1].kind) {
    const why = (o: (typeof inst)[number]): string => (o.kind === 'ok' ? 'ok' : `${o.kind} (${o.message.split('\n')[0]})`);
    res.mismatches.push(`instantiate: ${names[0]} ${why(inst[0])}, ${names[1]} ${why(inst[1])}`);
    return res;
  }
  if (inst[0].kind !== 'ok') return res;
  const logHash = async (s: WasmSession): Promise<string> => {
    const parts: string[] = [];
    for (const name of support.keys()) parts.push(String((await s.get(`$support:${name}`, LOG_HASH)).bits));
    return parts.join(',');
  };
  const funcs = m.exports.filter((x) => x.kind === 'func');
  let logsDiverged = false;
  for (const args of ARGS) {
    for (const x of funcs) {
      const t = funcType(m, x.index);
      const values: WasmValue[] = t.params.map((p) => ({ type: p, bits: args[p] }));
      const a = await sessions[0].invoke('$m', x.name, values);
      const b = await sessions[1].invoke('$m', x.name, values);
      res.calls++;
      if (a.kind !== 'return') res.traps++;
      if (!sameOutcome(a, b)) res.mismatches.push(`${x.name}: ${names[0]} ${show(a)}, ${names[1]} ${show(b)}`);
      if (!logsDiverged) {
        // the hash is cumulative: report the first divergence only
        const [ha, hb] = [await logHash(sessions[0]), await logHash(sessions[1])];
        if (ha !== hb) {
          logsDiverged = true;
          res.mismatches.push(`${x.name}: logged values differ (hash ${ha} vs ${hb}); later logs not compared`);
        }
      }
      if (res.mismatches.length > 20) return res;
    }
  }
  const globals = allGlobals(m);
  for (const x of m.exports) {
    if (x.kind !== 'global') continue;
    const t = globals[x.index].type;
    if (t === 'funcref' || t === 'externref') continue;
    const [a, b] = [await sessions[0].get('$m', x.name), await sessions[1].get('$m', x.name)];
    if (!same(a, b)) res.mismatches.push(`global ${x.name}: ${a.bits} vs ${b.bits}`);
  }
  return res;
}
