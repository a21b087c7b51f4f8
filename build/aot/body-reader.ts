// The lowering's byte reader for function bodies (LEB128 immediates, value types). Bodies have
// already been validated by the front end (build/aot/wasm), so this only decodes.
import { WasmError, type ValType } from './wasm/module.ts';

export class Reader {
  constructor(readonly bytes: Uint8Array, public pos = 0, readonly end = bytes.length) {}
  fail(msg: string): never {
    throw new WasmError('malformed', msg, this.pos);
  }
  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end');
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0, shift = 0;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (shift > 35) this.fail('integer too long');
    }
    return result;
  }
  s32(): number {
    return Number(BigInt.asIntN(32, this.sleb(33)));
  }
  s64(): bigint {
    return BigInt.asIntN(64, this.sleb(64));
  }
  private sleb(_bits: number): bigint {
    let result = 0n, shift = 0n, b: number;
    do {
      b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) this.fail('integer too long');
    } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    return result;
  }
  f32bits(): number {
    const v = this.bytes[this.pos] | (this.bytes[this.pos + 1] << 8) | (this.bytes[this.pos + 2] << 16) | (this.bytes[this.pos + 3] << 24);
    this.pos += 4;
    return v >>> 0;
  }
  f64bits(): bigint {
    const lo = BigInt(this.f32bits());
    const hi = BigInt(this.f32bits());
    return (hi << 32n) | lo;
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  valType(): ValType {
    const b = this.u8();
    const t = ({ 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x70: 'funcref', 0x6f: 'externref' } as Record<number, ValType>)[b];
    if (!t) this.fail(`bad value type 0x${b.toString(16)}`);
    return t;
  }
}

