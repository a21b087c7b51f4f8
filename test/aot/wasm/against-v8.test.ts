// Our decoder + validator against V8's (WebAssembly.validate) on mutated modules: they must
// agree on every module, except that we reject post-MVP features V8 accepts ('unsupported').
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { loadModule, WasmError } from '../../../build/aot/wasm/index.ts';
import { fixedSeedModules } from '../fuzz/lib/fixed-seeds.ts';
import { WASM_OPT } from '../fuzz/lib/generate.ts';
import { richModule } from './lib/rich-module.ts';

function compare(name: string, bytes: Uint8Array, mutations: number, seed: number): string[] {
  let x = seed >>> 0 || 1;
  const rnd = (n: number): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
  const disagreements: string[] = [];
  for (let k = 0; k <= mutations; k++) {
    const m = bytes.slice();
    if (k > 0) for (let e = 1 + rnd(2); e > 0; e--) m[8 + rnd(m.length - 8)] = rnd(256);
    let ours: WasmError | undefined;
    try {
      loadModule(m);
    } catch (e) {
      if (!(e instanceof WasmError)) throw e;
      ours = e;
    }
    const v8 = WebAssembly.validate(m as BufferSource);
    if (v8 && ours && ours.kind !== 'unsupported') disagreements.push(`${name} #${k}: V8 accepts, we reject: ${ours.message}`);
    if (!v8 && !ours) disagreements.push(`${name} #${k}: V8 rejects, we accept`);
  }
  return disagreements;
}

test('rich module: 3000 mutations, same verdict as V8', () => {
  assert.deepEqual(compare('rich', richModule(), 3000, 7), []);
});

test('fuzz modules: mutations, same verdict as V8', { timeout: 120_000 }, async (t) => {
  if (!existsSync(WASM_OPT)) return t.skip('no binaryen wasm-opt: npm ci');
  const all: string[] = [];
  for (const { seed, bytes } of await fixedSeedModules()) all.push(...compare(`seed ${seed}`, bytes, 300, seed));
  assert.deepEqual(all, []);
});
