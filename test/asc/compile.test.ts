// build/asc: compiling AssemblyScript through asc's API, diagnostics as file:line:col, and the
// optional wasm-opt step.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AscCompileError, compileAsc, formatDiagnostic } from '../../build/asc/compile.ts';
import { lineColumn } from '../../build/asc/diagnostics.ts';
import { wasmOpt } from '../../build/asc/wasm-opt.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xenolith-asc-test-'));
  writeFileSync(join(dir, 'ok.ts'), 'export function addMul(a: i32, b: i32): i32 {\n  return (a + b) * 3;\n}\n');
  // Line 3, column 14 (the semicolon) is where the expression is missing.
  writeFileSync(join(dir, 'syntax.ts'), 'export function f(): i32 {\n  let x: i32 = 1;\n  return x + ;\n}\n');
  writeFileSync(join(dir, 'type.ts'), '// a comment line\nexport function g(): i32 {\n  return nowhere;\n}\n');
  mkdirSync(join(dir, 'libs', 'mylib'), { recursive: true });
  writeFileSync(join(dir, 'libs', 'mylib', 'index.ts'), 'export function h(): i32 {\n  return 1 +\n    missingName;\n}\n');
  writeFileSync(join(dir, 'uses-lib.ts'), 'import { h } from "mylib";\nexport function k(): i32 { return h(); }\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('lineColumn counts 1-based lines and columns', () => {
  assert.deepEqual(lineColumn('ab\ncd\n', 0), { line: 1, column: 1 });
  assert.deepEqual(lineColumn('ab\ncd\n', 4), { line: 2, column: 2 });
  assert.deepEqual(lineColumn('ab\ncd\n', 6), { line: 3, column: 1 });
});

test('compiles a tiny program to wasm that runs, with text and a source map on request', { timeout: 60_000 }, async () => {
  const outFile = join(dir, 'out', 'ok.wasm');
  const r = await compileAsc({ entry: 'ok.ts', baseDir: dir, optimizeLevel: 0, debug: true, emitText: true, sourceMap: true, outFile });
  assert.equal(r.diagnostics.filter((d) => d.severity === 'error').length, 0);
  assert.deepEqual([...r.binary.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
  assert.deepEqual(new Uint8Array(readFileSync(outFile)), r.binary);
  const { instance } = await WebAssembly.instantiate(r.binary as Uint8Array<ArrayBuffer>, {});
  assert.equal((instance.exports.addMul as (a: number, b: number) => number)(4, 5), 27);
  assert.match(r.text ?? '', /\(func \$ok\/addMul/);
  const map = JSON.parse(r.sourceMap ?? '{}') as { sources?: string[] };
  assert.ok(map.sources?.includes('ok.ts'), `source map lists ok.ts: ${JSON.stringify(map.sources)}`);
  assert.ok(readFileSync(`${outFile}.map`, 'utf8').includes('"mappings"'));
});

test('a syntax error comes back as file:line:col', { timeout: 60_000 }, async () => {
  const err = await compileAsc({ entry: 'syntax.ts', baseDir: dir }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof AscCompileError, String(err));
  const d = err.diagnostics[0];
  assert.equal(d.file, 'syntax.ts');
  assert.equal(d.line, 3);
  assert.equal(d.column, 14);
  assert.equal(d.severity, 'error');
  assert.match(err.message, /^syntax\.ts:3:14: error AS1109: Expression expected\.$/m);
});

test('a type error names the file, line and column', { timeout: 60_000 }, async () => {
  const err = await compileAsc({ entry: 'type.ts', baseDir: dir }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof AscCompileError);
  assert.equal(formatDiagnostic(err.diagnostics[0]), "type.ts:3:10: error AS2304: Cannot find name 'nowhere'.");
});

test('--path packages resolve, and their errors point at the real file', { timeout: 60_000 }, async () => {
  const err = await compileAsc({ entry: 'uses-lib.ts', baseDir: dir, paths: ['libs'] }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof AscCompileError);
  assert.match(err.message, /libs\/mylib\/index\.ts:3:5: error AS2304: Cannot find name 'missingName'\./);
  // Without the path the import itself fails, at the import line.
  const err2 = await compileAsc({ entry: 'uses-lib.ts', baseDir: dir }).then(() => undefined, (e: unknown) => e);
  assert.ok(err2 instanceof AscCompileError);
  assert.match(err2.message, /uses-lib\.ts:1:\d+: error/);
});

test('a missing entry or a bad option is a clear error, not a crash', { timeout: 60_000 }, async () => {
  await assert.rejects(compileAsc({ entry: 'nope.ts', baseDir: dir }), /nope\.ts: no such file/);
  await assert.rejects(compileAsc({ entry: 'ok.ts', baseDir: dir, optimizeLevel: 7 }), /optimizeLevel must be 0\.\.3/);
  await assert.rejects(compileAsc({ entry: 'ok.ts', baseDir: dir, runtime: 'nonsense' as never }), /asc failed on ok\.ts:\n.*nonsense/);
});

test('wasm-opt is a separate step: shrinks a debug build, keeps behaviour, rejects garbage', { timeout: 60_000 }, async () => {
  const r = await compileAsc({ entry: 'ok.ts', baseDir: dir, optimizeLevel: 0, debug: true });
  const o = await wasmOpt(r.binary, { optimizeLevel: 3, flags: ['--strip-debug'] });
  assert.ok(o.binary.length < r.binary.length, `${o.binary.length} < ${r.binary.length}`);
  const { instance } = await WebAssembly.instantiate(o.binary as Uint8Array<ArrayBuffer>, {});
  assert.equal((instance.exports.addMul as (a: number, b: number) => number)(-1, 8), 21);
  await assert.rejects(wasmOpt(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])), /wasm-opt .* failed: /);
});
