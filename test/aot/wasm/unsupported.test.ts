// Post-MVP features we do not compile: rejected as 'unsupported', naming the feature, the
// function (name-section name, else index) and the byte offset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModuleBuilder, section } from '../../../build/aot/wasm/encoder.ts';
import { decodeModule } from '../../../build/aot/wasm/index.ts';
import { expectError, nameSection, raw } from './lib/helpers.ts';

/** Module with function 0 = nop and function 1 = `code`, optionally named. */
function withCode(code: number[], name?: string): { bytes: Uint8Array; at: number } {
  const b = new ModuleBuilder();
  b.memory(1, 1);
  const t = b.type([], []);
  b.func(t, [], []);
  const marker = [0x01, 0x01, 0x01]; // three nops before the code under test
  b.func(t, [], [...marker, ...code]);
  if (name) b.raw(0, nameSection([[1, name]]));
  const bytes = b.toBytes();
  const at = decodeModule(bytes).bodies[1].codeOffset + marker.length;
  return { bytes, at };
}

const CASES: [string, number[], RegExp][] = [
  ['SIMD', [0x41, 0, 0xfd, 0x0f, 0x1a], /SIMD/],
  ['threads', [0x41, 0, 0xfe, 0x10, 2, 0, 0x1a], /threads/],
  ['exceptions', [0x06, 0x40, 0x0b], /exception handling \(try\)/],
  ['tail calls', [0x12, 0], /tail calls \(return_call\)/],
  ['GC', [0xfb, 0x01, 0], /GC/],
  ['function references', [0x14, 0], /typed function references/],
];

test('unsupported instructions name the feature, the function and the offset', () => {
  for (const [what, code, re] of CASES) {
    const named = withCode(code, 'worker');
    const lead = code[0] === 0x41 ? 2 : 0; // offset of the unsupported opcode in `code`
    const e = expectError(named.bytes, 'unsupported', re, named.at + lead);
    assert.match(e.message, /in function \$worker \(index 1\)/, what);
    assert.equal(e.funcIndex, 1);
    const anon = withCode(code);
    const e2 = expectError(anon.bytes, 'unsupported', re, anon.at + lead);
    assert.match(e2.message, /in function 1$/, what);
  }
});

test('unsupported types and sections', () => {
  // v128 local in a named function: reported after the name section is read
  const body = [1, 1, 0x7b, 0x0b];
  const bytes = raw(section(1, [1, 0x60, 0, 0]), section(3, [1, 0]), section(10, [1, body.length, ...body]), nameSection([[0, 'vec']]));
  const e = expectError(bytes, 'unsupported', /SIMD \(v128\) local is not supported in function \$vec \(index 0\)/);
  assert.equal(bytes[e.offset], 0x7b);
  expectError(raw(section(1, [1, 0x60, 1, 0x7b, 0])), 'unsupported', /SIMD/, 13);
  expectError(raw(section(1, [1, 0x5f, 0])), 'unsupported', /GC/);
  expectError(raw(section(5, [1, 0x03, 1, 1])), 'unsupported', /threads \(shared memory\)/, 11);
  expectError(raw(section(5, [1, 0x04, 1])), 'unsupported', /memory64/, 11);
  expectError(raw(section(13, [0])), 'unsupported', /exception handling \(tag section\)/, 8);
  expectError(raw(section(1, [1, 0x60, 1, 0x64, 0x70, 0])), 'unsupported', /typed function references/);
});

test('a malformed section after an unsupported local still reports malformed', () => {
  const body = [1, 1, 0x7b, 0x0b];
  const bytes = raw(section(1, [1, 0x60, 0, 0]), section(3, [1, 0]), section(10, [1, body.length, ...body]), [0x0b, 0x01]);
  expectError(bytes, 'malformed', /section/);
});
