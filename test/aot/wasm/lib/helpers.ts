// Helpers for front-end tests: decode expectations and small raw-module pieces.
import assert from 'node:assert/strict';
import { nameBytes, section, uleb, vec } from '../../../../build/aot/wasm/encoder.ts';
import { loadModule, WasmError, type WasmModule } from '../../../../build/aot/wasm/index.ts';

export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A "name" custom section with function names. */
export function nameSection(funcs: [number, string][], moduleName?: string): number[] {
  const subs: number[] = [];
  if (moduleName !== undefined) subs.push(...section(0, nameBytes(moduleName)));
  subs.push(...section(1, vec(funcs.map(([i, n]) => [...uleb(i), ...nameBytes(n)]))));
  return section(0, [...nameBytes('name'), ...subs]);
}

/** Raw module from section byte arrays. */
export function raw(...sections: number[][]): Uint8Array {
  return Uint8Array.from([...HEADER, ...sections.flat()]);
}

/** Loads and expects a WasmError of `kind` whose message matches `re` (and offset, if given). */
export function expectError(bytes: Uint8Array, kind: WasmError['kind'], re: RegExp, offset?: number): WasmError {
  let err: unknown;
  let m: WasmModule | undefined;
  try {
    m = loadModule(bytes);
  } catch (e) {
    err = e;
  }
  assert.ok(!m, `expected a ${kind} error matching ${re}, but the module loaded`);
  assert.ok(err instanceof WasmError, `expected a WasmError, got ${err instanceof Error ? err.stack : String(err)}`);
  assert.equal(err.kind, kind, err.message);
  assert.match(err.message, re);
  if (offset !== undefined) assert.equal(err.offset, offset, `offset of: ${err.message}`);
  return err;
}
