// LEB128 and name decoding: sizes, overflow and sign rules of the binary format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleb, uleb } from '../../../build/aot/wasm/encoder.ts';
import { WasmError } from '../../../build/aot/wasm/index.ts';
import { Reader } from '../../../build/aot/wasm/reader.ts';

const rd = (bytes: number[]): Reader => new Reader(Uint8Array.from(bytes));

function fails(f: () => unknown, re: RegExp, offset?: number): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof WasmError, String(e));
    assert.equal(e.kind, 'malformed');
    assert.match(e.message, re);
    if (offset !== undefined) assert.equal(e.offset, offset);
    return true;
  });
}

test('u32: values, padding, limits', () => {
  assert.equal(rd([0x00]).u32(), 0);
  assert.equal(rd([0x7f]).u32(), 127);
  assert.equal(rd([0x80, 0x01]).u32(), 128);
  assert.equal(rd([0xe5, 0x8e, 0x26]).u32(), 624485);
  assert.equal(rd([0xff, 0xff, 0xff, 0xff, 0x0f]).u32(), 0xffffffff);
  assert.equal(rd([0x80, 0x80, 0x80, 0x80, 0x00]).u32(), 0, 'non-minimal 5-byte encoding is allowed');
  const r = rd([0x83, 0x80, 0x00, 0x05]);
  assert.equal(r.u32(), 3);
  assert.equal(r.pos, 3);
  fails(() => rd([0xff, 0xff, 0xff, 0xff, 0x1f]).u32(), /integer too large/, 4);
  fails(() => rd([0xff, 0xff, 0xff, 0xff, 0x4f]).u32(), /integer too large/, 4);
  fails(() => rd([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).u32(), /representation too long/, 4);
  fails(() => rd([0x80]).u32(), /unexpected end/, 1);
  fails(() => rd([]).u32(), /unexpected end/, 0);
});

test('s32: sign extension and the unused bits of the fifth byte', () => {
  assert.equal(rd([0x7f]).s32(), -1);
  assert.equal(rd([0x3f]).s32(), 63);
  assert.equal(rd([0x40]).s32(), -64);
  assert.equal(rd([0x80, 0x7f]).s32(), -128);
  assert.equal(rd([0xff, 0xff, 0xff, 0xff, 0x07]).s32(), 0x7fffffff);
  assert.equal(rd([0x80, 0x80, 0x80, 0x80, 0x78]).s32(), -0x80000000);
  assert.equal(rd([0xff, 0xff, 0xff, 0xff, 0x7f]).s32(), -1);
  fails(() => rd([0xff, 0xff, 0xff, 0xff, 0x0f]).s32(), /integer too large/, 4);
  fails(() => rd([0x80, 0x80, 0x80, 0x80, 0x70]).s32(), /integer too large/, 4);
  fails(() => rd([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).s32(), /too long/);
});

test('s33 (block types): 33-bit range', () => {
  assert.equal(rd([0x40]).s33(), -64);
  assert.equal(rd([0x7f]).s33(), -1);
  assert.equal(rd([0xff, 0xff, 0xff, 0xff, 0x0f]).s33(), 0xffffffff);
  assert.equal(rd([0x80, 0x80, 0x80, 0x80, 0x70]).s33(), -(2 ** 32));
  fails(() => rd([0x80, 0x80, 0x80, 0x80, 0x20]).s33(), /integer too large/, 4);
});

test('s64: fast path, 10-byte limits', () => {
  assert.equal(rd([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]).s64(), -(2n ** 48n));
  assert.equal(rd([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]).s64(), 0x7fffffffffffffffn);
  assert.equal(rd([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]).s64(), -(2n ** 63n));
  assert.equal(rd([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).s64(), -1n);
  fails(() => rd([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).s64(), /integer too large/, 9);
  fails(() => rd([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7e]).s64(), /integer too large/, 9);
  fails(() => rd([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).s64(), /too long/, 9);
  fails(() => rd([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]).s64(), /unexpected end/, 8);
});

test('round trip against the encoder for many values', () => {
  let x = 0x12345678n;
  const next = (): bigint => (x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn);
  for (let i = 0; i < 2000; i++) {
    const v = next() >> BigInt(i % 64);
    const s64 = BigInt.asIntN(64, v);
    assert.equal(rd(sleb(s64)).s64(), s64);
    const u32 = Number(v & 0xffffffffn);
    assert.equal(rd(uleb(u32)).u32(), u32);
    const s32 = Number(BigInt.asIntN(32, v));
    assert.equal(rd(sleb(s32)).s32(), s32);
  }
});

test('names: UTF-8 checked, BOM kept, offsets reported', () => {
  assert.equal(rd([3, 0x61, 0x62, 0x63]).name(), 'abc');
  assert.equal(rd([3, 0xef, 0xbb, 0xbf]).name(), '\ufeff');
  assert.equal(rd([4, 0xf0, 0x9f, 0x98, 0x80]).name(), '\u{1f600}');
  fails(() => rd([2, 0xc0, 0x80]).name(), /malformed UTF-8/, 1); // overlong
  fails(() => rd([3, 0xed, 0xa0, 0x80]).name(), /malformed UTF-8/, 1); // surrogate
  fails(() => rd([4, 0xf4, 0x90, 0x80, 0x80]).name(), /malformed UTF-8/, 1); // > U+10FFFF
  fails(() => rd([1, 0x80]).name(), /malformed UTF-8/);
  fails(() => rd([5, 0x61]).name(), /unexpected end/);
});
