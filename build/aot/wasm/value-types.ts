// Value, reference and block type codes: decoding with the exact malformed/unsupported split,
// and conversion between binary codes and the module.ts string types.
import type { RefType, ValType } from './module.ts';
import { T } from './opcodes.ts';
import type { Reader } from './reader.ts';

/** Feature named by a type code we do not support, or undefined when the code is unknown. */
export function unsupportedTypeFeature(code: number): string | undefined {
  if (code === 0x7b) return 'SIMD (v128)';
  if (code === 0x64 || code === 0x63) return 'typed function references';
  if (code >= 0x6a && code <= 0x6e) return 'GC';
  if (code >= 0x71 && code <= 0x74) return 'GC';
  if (code === 0x69 || code === 0x68) return 'exception handling (exnref)';
  return undefined;
}

export function isValTypeCode(code: number): boolean {
  return (code >= 0x7c && code <= 0x7f) || code === 0x70 || code === 0x6f;
}

export function isRefTypeCode(code: number): boolean {
  return code === 0x70 || code === 0x6f;
}

export function isNumTypeCode(code: number): boolean {
  return code >= 0x7c && code <= 0x7f;
}

/** Reads a value type byte; `unsupported` reports a known-but-unsupported type code. */
export function readValType(r: Reader, unsupported: (feature: string, at: number) => never): number {
  const at = r.pos;
  const code = r.u8();
  if (isValTypeCode(code)) return code;
  const feature = unsupportedTypeFeature(code);
  if (feature) unsupported(feature, at);
  return r.fail(`malformed value type 0x${code.toString(16)}`, at);
}

export function readRefType(r: Reader, unsupported: (feature: string, at: number) => never): number {
  const at = r.pos;
  const code = r.u8();
  if (isRefTypeCode(code)) return code;
  const feature = unsupportedTypeFeature(code);
  if (feature && code !== 0x7b) unsupported(feature, at);
  return r.fail(`malformed reference type 0x${code.toString(16)}`, at);
}

const CODE_TO_NAME: Record<number, ValType> = {
  [T.I32]: 'i32', [T.I64]: 'i64', [T.F32]: 'f32', [T.F64]: 'f64',
  [T.FuncRef]: 'funcref', [T.ExternRef]: 'externref',
};
const NAME_TO_CODE: Record<ValType, number> = {
  i32: T.I32, i64: T.I64, f32: T.F32, f64: T.F64, funcref: T.FuncRef, externref: T.ExternRef,
};

export function valTypeName(code: number): ValType {
  const name = CODE_TO_NAME[code];
  if (!name) throw new Error(`not a value type code: 0x${code.toString(16)}`);
  return name;
}

export function refTypeName(code: number): RefType {
  return valTypeName(code) as RefType;
}

export function valTypeCode(t: ValType): number {
  return NAME_TO_CODE[t];
}

/** Text name of a type code for messages ('unknown' for the polymorphic bottom type). */
export function typeCodeText(code: number): string {
  return code === 0 ? 'unknown' : CODE_TO_NAME[code] ?? `0x${code.toString(16)}`;
}

/** Block type as read by OpReader: >= 0 is a type index; negative is the s33 reading of a single
 *  byte: -64 (0x40) empty, -1 i32, -2 i64, -3 f32, -4 f64, -16 funcref, -17 externref. */
export const BLOCK_EMPTY = -64;
export function blockTypeValCode(bt: number): number {
  return bt + 0x80;
}
