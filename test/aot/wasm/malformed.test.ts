// Malformed binaries: the binary-format rules, then every truncation and many byte flips of a
// module using all sections: the front end must answer with a module or a WasmError, never
// with any other exception.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameBytes, section, uleb } from '../../../build/aot/wasm/encoder.ts';
import { loadModule, WasmError } from '../../../build/aot/wasm/index.ts';
import { HEADER, expectError, raw } from './lib/helpers.ts';
import { richModule } from './lib/rich-module.ts';

const TYPE = section(1, [1, 0x60, 0, 0]);
const FUNC = section(3, [1, 0]);
const CODE = section(10, [1, 2, 0, 0x0b]);

test('header: magic and version', () => {
  expectError(Uint8Array.of(), 'malformed', /magic header/, 0);
  expectError(Uint8Array.of(0x00, 0x61, 0x73), 'malformed', /magic header/, 0);
  expectError(Uint8Array.of(0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0), 'malformed', /magic header/, 0);
  expectError(Uint8Array.of(...HEADER.slice(0, 6)), 'malformed', /unexpected end/, 4);
  expectError(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0), 'malformed', /unknown binary version/, 4);
  expectError(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0), 'unsupported', /component model/, 4);
});

test('sections: order, duplicates, unknown ids, sizes, junk', () => {
  expectError(raw(FUNC, TYPE, CODE), 'malformed', /out of order|unexpected content/, 12);
  expectError(raw(TYPE, TYPE), 'malformed', /out of order|unexpected content/, 14);
  expectError(raw(section(14, [])), 'malformed', /malformed section id 14/, 8);
  expectError(raw(TYPE, [0x01, 0x10, 0x00]), 'malformed', /section size|unexpected end/);
  expectError(raw(section(1, [1, 0x60, 0, 0, 0])), 'malformed', /section size mismatch/, 14);
  expectError(raw(section(1, [1, 0x60, 0])), 'malformed', /unexpected end/);
  expectError(raw(TYPE, [0x00]), 'malformed', /unexpected end/);
  expectError(raw(section(1, [2, 0x60, 0, 0])), 'malformed', /unexpected end/);
  expectError(raw(section(0, [5, 0x61])), 'malformed', /unexpected end/);
  expectError(raw(section(0, [2, 0xc0, 0x80])), 'malformed', /UTF-8/, 11);
  // data count section must come before code
  expectError(raw(TYPE, FUNC, CODE, section(12, [0])), 'malformed', /out of order|unexpected content/);
});

test('function / code / data count agreement', () => {
  expectError(raw(TYPE, FUNC), 'malformed', /function and code section have inconsistent lengths/);
  expectError(raw(TYPE, CODE), 'malformed', /function and code section have inconsistent lengths/);
  expectError(raw(TYPE, section(3, [2, 0, 0]), CODE), 'malformed', /inconsistent lengths/);
  expectError(raw(section(5, [1, 0, 1]), section(12, [1])), 'malformed', /data count and data section/);
  expectError(raw(section(5, [1, 0, 1]), section(12, [0]), section(11, [1, 1, 0])), 'malformed', /data count and data section/);
  // memory.init without a data count section
  const initCode = [0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 0, 0, 0x0b];
  const body = [0, ...initCode];
  expectError(raw(TYPE, FUNC, section(5, [1, 0, 1]), section(10, [1, body.length, ...body]), section(11, [1, 1, 0])),
    'malformed', /data count section required/);
});

test('bodies: locals, end, trailing bytes', () => {
  expectError(raw(TYPE, FUNC, section(10, [1, 1, 0])), 'malformed', /END opcode expected/);
  expectError(raw(TYPE, FUNC, section(10, [1, 3, 0, 0x0b, 0x0b])), 'malformed', /operators remaining|after the end/);
  expectError(raw(TYPE, FUNC, section(10, [1, 4, 0, 0x02, 0x40, 0x0b])), 'malformed', /unexpected end|END opcode/);
  // too many locals: 2 x 0x80000000
  const locals = [2, ...uleb(0x80000000), 0x7f, ...uleb(0x80000000), 0x7f, 0x0b];
  expectError(raw(TYPE, FUNC, section(10, [1, locals.length, ...locals])), 'malformed', /too many locals/);
  const many = [1, ...uleb(100000), 0x7f, 0x0b];
  expectError(raw(TYPE, FUNC, section(10, [1, many.length, ...many])), 'unsupported', /too many locals/);
  expectError(raw(TYPE, FUNC, section(10, [1, 4, 1, 1, 0x40, 0x0b])), 'malformed', /value type/);
  expectError(raw(TYPE, FUNC, section(10, [1, 3, 0, 0xc5, 0x0b])), 'malformed', /illegal opcode 0xc5/);
  expectError(raw(TYPE, FUNC, section(10, [1, 4, 0, 0xfc, 0x12, 0x0b])), 'malformed', /illegal opcode 0xfc 18/);
  expectError(raw(TYPE, FUNC, section(10, [1, 5, 0, 0x3f, 0x01, 0x1a, 0x0b])), 'malformed', /zero byte expected/);
  expectError(raw(TYPE, FUNC, section(10, [1, 3, 0, 0x05, 0x0b])), 'malformed', /else without/);
});

test('imports, exports, limits, segments', () => {
  const imp = (kind: number, ...desc: number[]): number[] => section(2, [1, ...nameBytes('m'), ...nameBytes('n'), kind, ...desc]);
  expectError(raw(imp(5, 0)), 'malformed', /import kind/);
  expectError(raw(imp(3, 0x7f, 2)), 'malformed', /mutability/);
  expectError(raw(imp(2, 0x08, 0)), 'malformed', /limits flags/);
  expectError(raw(section(5, [1, 0x01, 2])), 'malformed', /unexpected end/);
  expectError(raw(section(7, [1, ...nameBytes('x'), 4, 0])), 'unsupported', /tag export/);
  expectError(raw(section(7, [1, ...nameBytes('x'), 5, 0])), 'malformed', /export kind/);
  expectError(raw(section(4, [1, 0x70, 0, 0]), section(9, [1, 8])), 'malformed', /elements segment kind/);
  expectError(raw(section(4, [1, 0x70, 0, 0]), section(9, [1, 1, 0x01, 0])), 'malformed', /element kind/);
  expectError(raw(section(5, [1, 0, 1]), section(11, [1, 3])), 'malformed', /data segment kind/);
  expectError(raw(section(1, [1, 0x61, 0, 0])), 'malformed', /function type form/);
  expectError(raw(section(6, [1, 0x7f, 0, 0x41, 0])), 'malformed', /unexpected end/);
});

test('every truncation of a valid module: a module or a WasmError', () => {
  const bytes = richModule();
  loadModule(bytes);
  let errors = 0;
  for (let n = 0; n < bytes.length; n++) {
    try {
      loadModule(bytes.subarray(0, n));
    } catch (e) {
      if (!(e instanceof WasmError)) assert.fail(`truncated at ${n}: ${e instanceof Error ? e.stack : e}`);
      assert.ok(e.offset >= 0 && e.offset <= n, `truncated at ${n}: offset ${e.offset} out of range`);
      errors++;
    }
  }
  assert.ok(errors > bytes.length * 0.9, `${errors} of ${bytes.length} truncations rejected`);
});

test('byte flips and random mutations: a module or a WasmError', () => {
  const bytes = richModule();
  let rejected = 0;
  let total = 0;
  const check = (mutated: Uint8Array, what: string): void => {
    total++;
    try {
      loadModule(mutated);
    } catch (e) {
      if (!(e instanceof WasmError)) assert.fail(`${what}: ${e instanceof Error ? e.stack : e}`);
      rejected++;
    }
  };
  for (let i = 8; i < bytes.length; i++) {
    for (const mask of [0x01, 0x02, 0x10, 0x40, 0x80, 0xff]) {
      const m = bytes.slice();
      m[i] ^= mask;
      check(m, `byte ${i} ^ 0x${mask.toString(16)}`);
    }
  }
  let x = 0x2545f491;
  const rnd = (n: number): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
  for (let k = 0; k < 3000; k++) {
    const m = bytes.slice();
    const edits = 1 + rnd(4);
    for (let e = 0; e < edits; e++) m[8 + rnd(m.length - 8)] = rnd(256);
    check(m, `random mutation ${k}`);
  }
  assert.ok(rejected > total / 2, `${rejected} of ${total} mutations rejected`);
});
