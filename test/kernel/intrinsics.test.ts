// The three descriptions of the xen intrinsics agree: the compiler's table
// (build/aot/targets/xen-intrinsics.ts), the AssemblyScript declarations
// (kernel/xen/intrinsics.ts, checked through the wasm asc emits) and docs/xen-intrinsics.md.
// Also: the xen platform exports exactly the reference platform's names and signatures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import wabtInit from 'wabt';
import { XEN_INTRINSICS, XEN_RUNTIME_EXPORTS } from '../../build/aot/targets/xen-intrinsics.ts';
import { compileAssemblyScript, REPO_ROOT } from './support/asc.ts';

const read = (p: string) => readFileSync(path.join(REPO_ROOT, p), 'utf8');

/** name -> "(params)->(results)" for the imports of module `mod` and for exports. */
async function signatures(wasm: Uint8Array) {
  const wabt = await wabtInit();
  const m = wabt.readWasm(wasm, { readDebugNames: true });
  m.generateNames();
  m.applyNames();
  const text = m.toText({});
  m.destroy();
  const types = new Map<string, string>();
  for (const t of text.matchAll(/\(type (\$[^\s)]+) \(func(?: \(param ([^)]*)\))?(?: \(result ([^)]*)\))?\)\)/g)) {
    types.set(t[1], `(${t[2] ?? ''})->(${t[3] ?? ''})`);
  }
  const imports = new Map<string, string>();
  for (const i of text.matchAll(/\(import "(\w+)" "(\w+)" \(func [^ ]+ \(type (\$[^\s)]+)\)\)\)/g)) {
    imports.set(`${i[1]}.${i[2]}`, types.get(i[3]) ?? '?');
  }
  return { imports, text, types };
}

test('every AssemblyScript declaration is in the compiler table with the same wasm type', async () => {
  const decl = read('kernel/xen/intrinsics.ts');
  const declared = [...decl.matchAll(/@external\("xen", "(\w+)"\)/g)].map((m) => m[1]).sort();
  assert.deepEqual(declared, XEN_INTRINSICS.map((i) => i.name).sort());
  // the wasm types asc gives the declarations that the whole kernel uses
  const wasm = await compileAssemblyScript('test/kernel/assembly/whole-kernel.ts', ['--use', 'abort=kernel/boot/xenAbort']);
  const { imports } = await signatures(wasm);
  let checked = 0;
  for (const i of XEN_INTRINSICS) {
    const got = imports.get(`xen.${i.name}`);
    if (got === undefined) continue; // not used by the kernel
    assert.equal(got, `(${i.params.join(' ')})->(${i.results.join(' ')})`, i.name);
    checked++;
  }
  assert.ok(checked >= 15, `only ${checked} intrinsics checked`);
  for (const name of imports.keys()) assert.match(name, /^xen\./, `the kernel imports ${name}`);
});

test('docs/xen-intrinsics.md lists every intrinsic and every runtime export', () => {
  const doc = read('docs/xen-intrinsics.md');
  for (const i of XEN_INTRINSICS) assert.ok(doc.includes(`\`${i.name}\``), `doc lacks ${i.name}`);
  for (const e of XEN_RUNTIME_EXPORTS) assert.ok(doc.includes(`\`${e.name}\``), `doc lacks export ${e.name}`);
});

test('the whole kernel exports what the runtime calls, with the documented types', async () => {
  const wasm = await compileAssemblyScript('test/kernel/assembly/whole-kernel.ts', ['--use', 'abort=kernel/boot/xenAbort']);
  const { text, types } = await signatures(wasm);
  for (const e of XEN_RUNTIME_EXPORTS) {
    const ex = text.match(new RegExp(`\\(export "${e.name}" \\(func (\\$[^\\s)]+)\\)\\)`));
    assert.ok(ex, `export ${e.name}`);
    const fn = text.match(new RegExp(`\\(func ${ex![1].replace(/[$.*+?^(){}|[\]\\/]/g, '\\$&')} \\(type (\\$[^\\s)]+)\\)`));
    assert.ok(fn, `func of ${e.name}`);
    assert.equal(types.get(fn![1]), `(${e.params.join(' ')})->(${e.results.join(' ')})`, e.name);
  }
});

function platformSignatures(file: string, pattern: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of read(file).matchAll(pattern)) {
    const params = m[2].split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split(':')[1].trim());
    out.set(m[1], `(${params.join(', ')}): ${m[3].trim()}`);
  }
  return out;
}

test('the xen platform has exactly the reference platform names and signatures', () => {
  // the reference declares host imports, and defines in AssemblyScript what needs no host
  const ref = platformSignatures('targets/node/platform/index.ts', /export (?:declare )?function (\w+)\(([^)]*)\):\s*([\w]+)\s*[;{]/g);
  const xen = platformSignatures('targets/xen/platform/index.ts', /export function (\w+)\(([^)]*)\):\s*([\w]+)\s*\{/g);
  assert.ok(ref.size >= 10);
  assert.deepEqual([...xen.entries()].sort(), [...ref.entries()].sort());
});
