// Decoding of every section and segment form, the name section, and the OpReader walk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModuleBuilder, nameBytes, section } from '../../../build/aot/wasm/encoder.ts';
import {
  decodeModule, detectFeatures, funcType, loadModule, Op, opName, OpReader,
} from '../../../build/aot/wasm/index.ts';
import { raw } from './lib/helpers.ts';
import { richModule } from './lib/rich-module.ts';

test('rich module: every section decodes into the WasmModule contract', () => {
  const bytes = richModule();
  const m = loadModule(bytes);
  assert.equal(m.types.length, 4);
  assert.deepEqual(m.types[2], { params: ['i32', 'i64'], results: ['i64', 'i32'] });
  assert.deepEqual(m.imports.map((i) => `${i.module}.${i.name}:${i.desc.kind}`), ['env.log:func', 'env.table:table', 'env.mem:memory', 'env.g:global']);
  assert.deepEqual(m.imports[1].desc, { kind: 'table', elemType: 'funcref', limits: { min: 10 } });
  assert.deepEqual(m.imports[2].desc, { kind: 'memory', limits: { min: 1, max: 2 } });
  assert.equal(m.numImportedFuncs, 1);
  assert.equal(m.numImportedTables, 1);
  assert.equal(m.numImportedMemories, 1);
  assert.equal(m.numImportedGlobals, 1);
  assert.deepEqual(m.funcs, [0, 2, 3]);
  assert.deepEqual(m.tables, [{ elemType: 'funcref', limits: { min: 5 } }]);
  assert.deepEqual(m.memories, []);
  assert.deepEqual(m.globals.map((g) => g.init), [
    { kind: 'global.get', globalIndex: 0 },
    { kind: 'i64.const', value: -5n },
    { kind: 'f32.const', bits: 0x3f800000 },
    { kind: 'f64.const', bits: 0x3ff0000000000000n },
    { kind: 'ref.func', funcIndex: 2 },
    { kind: 'ref.null', type: 'externref' },
  ]);
  assert.equal(m.globals[0].mutable, true);
  assert.deepEqual(m.exports, [
    { name: 'main', kind: 'func', index: 3 }, { name: 'mem', kind: 'memory', index: 0 },
    { name: 'g1', kind: 'global', index: 1 }, { name: 'tab', kind: 'table', index: 1 },
  ]);
  assert.equal(m.start, 1);
  assert.deepEqual(m.elems.map((e) => `${e.mode}:${e.tableIndex}:${e.elemType}:${e.items.length}`), [
    'active:0:funcref:1', 'passive:0:funcref:1', 'active:1:funcref:1', 'declarative:0:funcref:1',
    'active:0:funcref:2', 'passive:0:funcref:1', 'active:1:funcref:1', 'declarative:0:funcref:1',
  ]);
  assert.deepEqual(m.elems[4].items, [{ kind: 'ref.func', funcIndex: 2 }, { kind: 'ref.null', type: 'funcref' }]);
  assert.deepEqual(m.elems[2].offset, { kind: 'i32.const', value: 1 });
  assert.equal(m.dataCount, 3);
  assert.deepEqual(m.datas.map((d) => [d.mode, d.memoryIndex, [...d.bytes]]), [
    ['active', 0, [0x68, 0x69]], ['passive', 0, [0x78, 0x79, 0x7a]], ['active', 0, [0x21]],
  ]);
  assert.equal(m.bodies.length, 3);
  assert.deepEqual(m.bodies[2].locals, ['f32', 'i64']);
  const b = m.bodies[2];
  assert.equal(bytes[b.codeOffset], b.code[0], 'codeOffset points at the code in the module');
  assert.equal(b.code[b.code.length - 1], 0x0b);
  assert.deepEqual([...m.funcNames], [[1, 'start'], [3, 'main']]);
  assert.equal(m.moduleName, 'rich');
  assert.deepEqual(m.customSections.map((c) => c.name), ['hello', 'name']);
  assert.deepEqual([...m.customSections[0].bytes], [1, 2, 3]);
  assert.deepEqual(funcType(m, 0), { params: ['i32'], results: [] });
  assert.deepEqual(funcType(m, 2), m.types[2]);
  const f = detectFeatures(m);
  assert.deepEqual(f.features, ['bulk-memory', 'multi-value', 'mutable-globals', 'nontrapping-float-to-int', 'reference-types', 'sign-extension']);
  assert.equal(f.counts.functions, 4);
});

test('OpReader walks a body: opcodes, immediates, offsets', () => {
  const m = loadModule(richModule());
  const r = OpReader.forBody(m, 2);
  const seen: string[] = [];
  const body = m.bodies[2];
  while (!r.done) {
    r.next();
    assert.ok(r.offset >= body.codeOffset && r.offset < body.codeOffset + body.code.length);
    let text = opName(r.op);
    if (r.op === Op.Block) text += ` type=${r.blockType}`;
    if (r.op === Op.I32Const || r.op === Op.Call || r.op === Op.RefFunc || r.op === Op.TableSize) text += ` ${r.imm0}`;
    if (r.op === Op.I32Load) text += ` align=${r.imm0} offset=${r.imm1}`;
    if (r.op === Op.MemoryInit || r.op === Op.DataDrop) text += ` ${r.imm0}`;
    if (r.op === Op.F32Const) text += ` 0x${r.imm0.toString(16)}`;
    if (r.op === Op.I64Const) text += ` ${r.i64}`;
    seen.push(text);
  }
  assert.deepEqual(seen, [
    'block type=3', 'i32.const 7', 'end', 'i32.const 1', 'i32.add',
    'i32.const 0', 'i32.load align=2 offset=4', 'drop',
    'i32.const 0', 'i32.const 0', 'i32.const 1', 'memory.init 1', 'data.drop 1',
    'ref.func 2', 'drop', 'table.size 1', 'drop',
    'i32.const -1', 'i32.extend8_s', 'drop',
    'f32.const 0x3fc00000', 'i32.trunc_sat_f32_s', 'drop',
    'i32.const 0', 'i64.const 2', 'call 2', 'drop', 'drop', 'end',
  ]);
  const first = OpReader.forBody(m, 2);
  first.next();
  assert.equal(first.offset, body.codeOffset);
});

test('OpReader: br_table labels, f64 bits, block value types', () => {
  const b = new ModuleBuilder();
  const t = b.type(['i32'], ['f64']);
  b.func(t, [], [
    0x02, 0x7c, // block (result f64)
    0x44, 0x18, 0x2d, 0x44, 0x54, 0xfb, 0x21, 0x09, 0x40, // f64.const pi
    0x20, 0x00, 0x0e, 0x02, 0x00, 0x00, 0x00, // br_table 0 0 0
    0x0b,
  ]);
  const m = loadModule(b.toBytes());
  const r = OpReader.forBody(m, 0);
  r.next();
  assert.equal(r.op, Op.Block);
  assert.equal(r.blockType, 0x7c - 0x80);
  r.next();
  assert.equal(r.f64Bits, 0x400921fb54442d18n);
  r.next();
  r.next();
  assert.equal(r.op, Op.BrTable);
  assert.equal(r.labelCount, 2);
  assert.deepEqual([...r.labels.subarray(0, 2)], [0, 0]);
});

test('name section: broken or out-of-order subsections never fail the module', () => {
  const b = new ModuleBuilder();
  b.func(b.type([], []), [], []);
  const good = b.toBytes();
  const withName = (payload: number[]): Uint8Array =>
    Uint8Array.from([...good, ...section(0, [...nameBytes('name'), ...payload])]);
  // function names subsection claiming more entries than it has
  const broken = withName([1, 5, 3, 0, 1, 0x61]);
  assert.equal(decodeModule(broken).funcNames.size, 0);
  // invalid UTF-8 in a function name: the name is dropped, the module loads
  assert.equal(loadModule(withName([1, 4, 1, 0, 1, 0xff])).funcNames.size, 0);
  // good names followed by garbage: the names are kept
  const m = loadModule(withName([1, 4, 1, 0, 1, 0x66, 9, 0xff]));
  assert.equal(m.funcNames.get(0), 'f');
  // empty name section
  assert.equal(loadModule(withName([])).funcNames.size, 0);
});

test('empty module and custom sections anywhere', () => {
  assert.equal(loadModule(raw()).types.length, 0);
  const custom = section(0, [...nameBytes('x'), 0xff, 0xfe]);
  const m = loadModule(raw(custom, section(1, [1, 0x60, 0, 0]), custom, section(3, [1, 0]), custom, section(10, [1, 2, 0, 0x0b]), custom));
  assert.equal(m.customSections.length, 4);
  assert.equal(m.bodies.length, 1);
});
