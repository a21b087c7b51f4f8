// Spec-script values <-> session values, and result matching (nan:canonical, nan:arithmetic).
import type { WasmValue } from '../../../build/aot/host/session.ts';
import type { JsonValue } from './wast-json.ts';

export function argValue(v: JsonValue): WasmValue {
  if (v.type === 'funcref' || v.type === 'externref') {
    return { type: v.type, bits: v.value === undefined || v.value === 'null' ? null : BigInt(v.value) };
  }
  return { type: v.type, bits: BigInt(v.value!) };
}

const F32_EXP = 0x7f800000n;
const F32_QUIET = 0x00400000n;
const F64_EXP = 0x7ff0000000000000n;
const F64_QUIET = 0x0008000000000000n;

/** Does `actual` satisfy the expected spec value? */
export function matches(expected: JsonValue, actual: WasmValue): boolean {
  if (actual.type !== expected.type) return false;
  const v = expected.value;
  const bits = actual.bits;
  switch (expected.type) {
    case 'funcref':
    case 'externref':
      if (v === 'null') return bits === null;
      if (v === undefined) return bits !== null; // (ref.func) / (ref.extern): any non-null
      return bits === BigInt(v);
    case 'f32':
      if (bits === null) return false;
      if (v === 'nan:canonical') return (bits & 0x7fffffffn) === (F32_EXP | F32_QUIET);
      if (v === 'nan:arithmetic') return (bits & (F32_EXP | F32_QUIET)) === (F32_EXP | F32_QUIET);
      return bits === BigInt(v!);
    case 'f64':
      if (bits === null) return false;
      if (v === 'nan:canonical') return (bits & 0x7fffffffffffffffn) === (F64_EXP | F64_QUIET);
      if (v === 'nan:arithmetic') return (bits & (F64_EXP | F64_QUIET)) === (F64_EXP | F64_QUIET);
      return bits === BigInt(v!);
    default:
      return bits === BigInt(v!);
  }
}

export function showValue(v: WasmValue | JsonValue): string {
  const raw = 'bits' in v ? (v.bits === null ? 'null' : `0x${v.bits.toString(16)}`) : v.value ?? '(non-null)';
  return `${v.type}:${raw}`;
}
