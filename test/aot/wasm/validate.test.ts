// Validation: operand typing, control frames, the polymorphic stack, indices, module-level rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModuleBuilder, nameBytes, section, vec } from '../../../build/aot/wasm/encoder.ts';
import { loadModule, type ValType } from '../../../build/aot/wasm/index.ts';
import { expectError, nameSection } from './lib/helpers.ts';

interface FuncSpec {
  params?: ValType[];
  results?: ValType[];
  locals?: ValType[];
  code: number[];
}

/** One function (plus an optional memory / table / globals) around `code`. */
function mod(f: FuncSpec, opts: { memory?: boolean; table?: boolean; name?: string; globals?: [ValType, boolean][] } = {}): Uint8Array {
  const b = new ModuleBuilder();
  if (opts.memory) b.memory(1);
  if (opts.table) b.table('funcref', 1);
  for (const [t, mut] of opts.globals ?? []) b.global(t, mut, t === 'i32' ? [0x41, 0] : [0x42, 0]);
  b.func(b.type(f.params ?? [], f.results ?? []), f.locals ?? [], f.code);
  if (opts.name) b.raw(0, nameSection([[0, opts.name]]));
  return b.toBytes();
}

const ok = (bytes: Uint8Array): void => void loadModule(bytes);

test('operand types and stack heights', () => {
  ok(mod({ results: ['i32'], code: [0x41, 1, 0x41, 2, 0x6a] }));
  const e = expectError(mod({ results: ['i32'], code: [0x41, 1, 0x42, 2, 0x6a] }, { name: 'add' }), 'invalid', /type mismatch.*in function \$add/);
  assert.equal(e.funcIndex, 0);
  expectError(mod({ results: ['i32'], code: [0x41, 1, 0x6a] }), 'invalid', /type mismatch/);
  expectError(mod({ results: ['i32'], code: [] }), 'invalid', /type mismatch/);
  expectError(mod({ code: [0x41, 1] }), 'invalid', /type mismatch: values remaining/);
  expectError(mod({ results: ['i64'], code: [0x41, 1] }), 'invalid', /type mismatch/);
});

test('offsets point at the offending instruction', () => {
  const bytes = mod({ results: ['i32'], code: [0x41, 1, 0x42, 2, 0x6a] });
  const e = expectError(bytes, 'invalid', /type mismatch/);
  assert.equal(bytes[e.offset], 0x6a);
});

test('unreachable code: the polymorphic stack', () => {
  ok(mod({ results: ['i32'], code: [0x00] }));
  ok(mod({ results: ['i32'], code: [0x00, 0x6a] }));
  ok(mod({ results: ['i64'], code: [0x00, 0x1b] })); // select on unknowns
  ok(mod({ results: ['i32'], code: [0x02, 0x7f, 0x41, 1, 0x0c, 0, 0x6a, 0x0b] }));
  expectError(mod({ results: ['i32'], code: [0x00, 0x42, 0, 0x6a] }), 'invalid', /type mismatch/);
  expectError(mod({ code: [0x00, 0x41, 0] }), 'invalid', /type mismatch/);
  ok(mod({ code: [0x0f, 0x1a] })); // return; drop
});

test('blocks, if/else, labels, br_table', () => {
  ok(mod({ results: ['i32'], code: [0x41, 1, 0x04, 0x7f, 0x41, 2, 0x05, 0x41, 3, 0x0b] }));
  expectError(mod({ results: ['i32'], code: [0x41, 1, 0x04, 0x7f, 0x41, 2, 0x0b] }), 'invalid', /if without else/);
  expectError(mod({ code: [0x0c, 1] }), 'invalid', /unknown label 1/);
  ok(mod({ code: [0x03, 0x40, 0x0c, 0, 0x0b] }));
  // loop label takes the loop's parameters: br to a loop with result i32 needs nothing
  ok(mod({ results: ['i32'], code: [0x03, 0x7f, 0x41, 0, 0x0d, 0, 0x41, 1, 0x0b] }));
  // br_table with different arities
  expectError(mod({ params: ['i32'], results: ['i32'], code: [0x02, 0x40, 0x41, 1, 0x20, 0, 0x0e, 1, 0, 1, 0x0b, 0x41, 0] }),
    'invalid', /arities|type mismatch/);
  ok(mod({ params: ['i32'], code: [0x02, 0x40, 0x20, 0, 0x0e, 1, 0, 1, 0x0b] }));
});

test('multi-value block types by type index', () => {
  const b = new ModuleBuilder();
  const bt = b.type(['i32', 'i32'], ['i32', 'i32']);
  const ft = b.type([], ['i32']);
  b.func(ft, [], [0x41, 1, 0x41, 2, 0x02, bt, 0x0b, 0x6a]);
  ok(b.toBytes());
  const c = new ModuleBuilder();
  c.func(c.type([], []), [], [0x02, 0x05, 0x0b]);
  expectError(c.toBytes(), 'invalid', /unknown type 5/);
});

test('locals, globals, memory, alignment, tables', () => {
  expectError(mod({ code: [0x20, 0, 0x1a] }), 'invalid', /unknown local 0/);
  ok(mod({ params: ['i64'], locals: ['f32'], code: [0x20, 1, 0x1a, 0x20, 0, 0x1a] }));
  expectError(mod({ code: [0x41, 0, 0x24, 0] }, { globals: [['i32', false]] }), 'invalid', /global is immutable/);
  ok(mod({ code: [0x41, 0, 0x24, 0] }, { globals: [['i32', true]] }));
  expectError(mod({ code: [0x23, 1, 0x1a] }, { globals: [['i32', true]] }), 'invalid', /unknown global 1/);
  expectError(mod({ code: [0x41, 0, 0x28, 2, 0, 0x1a] }), 'invalid', /unknown memory/);
  ok(mod({ code: [0x41, 0, 0x28, 2, 0, 0x1a] }, { memory: true }));
  expectError(mod({ code: [0x41, 0, 0x28, 3, 0, 0x1a] }, { memory: true }), 'invalid', /alignment/);
  expectError(mod({ code: [0x41, 0, 0x2d, 1, 0, 0x1a] }, { memory: true }), 'invalid', /alignment/);
  expectError(mod({ code: [0x41, 0, 0x11, 0, 0] }), 'invalid', /unknown table/);
  expectError(mod({ code: [0x41, 0, 0x25, 0, 0x1a] }), 'invalid', /unknown table/);
  ok(mod({ code: [0x41, 0, 0x25, 0, 0xd1, 0x1a] }, { table: true }));
  expectError(mod({ code: [0x41, 0, 0xd1, 0x1a] }), 'invalid', /ref.is_null/);
  expectError(mod({ code: [0xd0, 0x70, 0xd0, 0x70, 0x41, 0, 0x1b, 0x1a] }), 'invalid', /select/);
  ok(mod({ code: [0xd0, 0x70, 0xd0, 0x70, 0x41, 0, 0x1c, 1, 0x70, 0x1a] }));
  expectError(mod({ code: [0x41, 0, 0x41, 0, 0x41, 0, 0x1c, 2, 0x7f, 0x7f, 0x1a] }), 'invalid', /arity/);
  expectError(mod({ code: [0xfc, 13, 0] }), 'invalid', /unknown elem segment/);
  expectError(mod({ code: [0xd2, 0, 0x1a] }), 'invalid', /undeclared function reference/);
});

test('module level: exports, start, globals, segments, limits', () => {
  const base = (): ModuleBuilder => {
    const b = new ModuleBuilder();
    b.func(b.type([], []), [], []);
    return b;
  };
  let b = base();
  b.export('x', 'func', 0);
  b.export('x', 'func', 0);
  expectError(b.toBytes(), 'invalid', /duplicate export name "x"/);
  b = base();
  b.export('x', 'global', 0);
  expectError(b.toBytes(), 'invalid', /unknown global 0/);
  b = new ModuleBuilder();
  b.func(b.type(['i32'], []), [], []);
  b.start = 0;
  expectError(b.toBytes(), 'invalid', /start function/);
  b = base();
  b.global('i32', false, [0x42, 0]);
  expectError(b.toBytes(), 'invalid', /type mismatch/);
  b = base();
  b.global('i32', false, [0x41, 0, 0x41, 1, 0x6a]);
  expectError(b.toBytes(), 'invalid', /constant expression required/);
  b = base();
  b.global('i32', false, []);
  expectError(b.toBytes(), 'invalid', /type mismatch/);
  b = base();
  b.global('i32', false, [0x41, 0]);
  b.global('i32', false, [0x23, 0]);
  expectError(b.toBytes(), 'invalid', /only read imported globals/);
  b = base();
  b.importGlobal('m', 'g', 'i32', true);
  b.global('i32', false, [0x23, 0]);
  expectError(b.toBytes(), 'invalid', /mutable/);
  b = base();
  b.memory(65537);
  expectError(b.toBytes(), 'invalid', /at most 65536 pages/);
  b = base();
  b.memory(2, 1);
  expectError(b.toBytes(), 'invalid', /minimum must not be greater/);
  b = base();
  b.memory(1);
  b.memory(1);
  expectError(b.toBytes(), 'invalid', /multiple memories/);
  b = base();
  b.raw(8, section(9, vec([[0x00, 0x41, 0, 0x0b, 0]])));
  expectError(b.toBytes(), 'invalid', /unknown table 0/);
  b = base();
  b.table('externref', 1);
  b.raw(8, section(9, vec([[0x00, 0x41, 0, 0x0b, 1, 0]])));
  expectError(b.toBytes(), 'invalid', /element segment type differs/);
  b = base();
  b.raw(10, section(11, vec([[0x00, 0x41, 0, 0x0b, 0]])));
  expectError(b.toBytes(), 'invalid', /unknown memory 0/);
  b = base();
  b.export(String.fromCharCode(0xe9), 'func', 0);
  b.raw(0, section(0, [...nameBytes('name'), 0xff]));
  ok(b.toBytes());
});
