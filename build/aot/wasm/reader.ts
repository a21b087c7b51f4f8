// A cursor over WebAssembly binary bytes: fixed-width and LEB128 integers with the spec's exact
// size and overflow rules (an N-bit integer takes at most ceil(N/7) bytes; unused bits of the last
// byte must be zero, or copies of the sign bit for signed integers), floats as raw bits, UTF-8 names.
// Every error is a WasmError 'malformed' carrying the absolute byte offset. No allocation except
// for names, byte slices and 64-bit values.
import { WasmError } from './module.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
    public end = bytes.length,
  ) {
    this.pos = pos;
  }

  fail(message: string, at = this.pos): never {
    throw new WasmError('malformed', message, at);
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end');
    return this.bytes[this.pos++];
  }

  peek(): number {
    if (this.pos >= this.end) this.fail('unexpected end');
    return this.bytes[this.pos];
  }

  /** Unsigned LEB128, at most 32 bits (5 bytes). */
  u32(): number {
    const b = this.bytes;
    let pos = this.pos;
    const end = this.end;
    if (pos < end && b[pos] < 0x80) {
      this.pos = pos + 1;
      return b[pos];
    }
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) this.fail(shift === 0 ? 'unexpected end' : 'unexpected end of LEB128 integer', pos);
      const byte = b[pos++];
      if (shift === 28) {
        if (byte & 0x80) this.fail('integer representation too long', pos - 1);
        if (byte & 0x70) this.fail('integer too large', pos - 1);
        result += byte * 0x10000000;
        this.pos = pos;
        return result;
      }
      result |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    return this.fail('integer representation too long');
  }

  /** Signed LEB128, at most 32 bits. */
  s32(): number {
    const b = this.bytes;
    let pos = this.pos;
    const end = this.end;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) this.fail('unexpected end of LEB128 integer', pos);
      const byte = b[pos++];
      if (shift === 28) {
        if (byte & 0x80) this.fail('integer representation too long', pos - 1);
        // bits 3..6 must all equal bit 3 (the sign of a 32-bit value)
        const high = byte & 0x78;
        if (high !== 0 && high !== 0x78) this.fail('integer too large', pos - 1);
        result |= byte << 28;
        this.pos = pos;
        return result | 0;
      }
      result |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        this.pos = pos;
        const bits = shift + 7;
        return bits >= 32 ? result | 0 : (result << (32 - bits)) >> (32 - bits);
      }
    }
    return this.fail('integer representation too long');
  }

  /** Signed LEB128, at most 33 bits (block types). Returns a JS number. */
  s33(): number {
    const b = this.bytes;
    let pos = this.pos;
    const end = this.end;
    let result = 0;
    let scale = 1;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) this.fail('unexpected end of LEB128 integer', pos);
      const byte = b[pos++];
      if (shift === 28) {
        if (byte & 0x80) this.fail('integer representation too long', pos - 1);
        const high = byte & 0x70; // bits 4..6 must equal bit 4 (sign of a 33-bit value)
        if (high !== 0 && high !== 0x70) this.fail('integer too large', pos - 1);
        result += (byte & 0x1f) * scale;
        this.pos = pos;
        return byte & 0x10 ? result - 2 ** 33 : result;
      }
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if (!(byte & 0x80)) {
        this.pos = pos;
        return byte & 0x40 ? result - scale : result;
      }
    }
    return this.fail('integer representation too long');
  }

  /** Signed LEB128, at most 64 bits (10 bytes). */
  s64(): bigint {
    const b = this.bytes;
    let pos = this.pos;
    const end = this.end;
    // Fast path: up to 7 bytes (49 bits) fit exactly in a double.
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= end) this.fail('unexpected end of LEB128 integer', pos);
      const byte = b[pos++];
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if (!(byte & 0x80)) {
        this.pos = pos;
        return BigInt(byte & 0x40 ? result - scale : result);
      }
    }
    let big = BigInt(result);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (pos >= end) this.fail('unexpected end of LEB128 integer', pos);
      const byte = b[pos++];
      if (i === 9) {
        if (byte & 0x80) this.fail('integer representation too long', pos - 1);
        // only bit 0 is value (bit 63); bits 1..6 must equal it
        if (byte !== 0 && byte !== 0x7f) this.fail('integer too large', pos - 1);
        big |= BigInt(byte & 1) << 63n;
        this.pos = pos;
        return BigInt.asIntN(64, big);
      }
      big |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (!(byte & 0x80)) {
        this.pos = pos;
        return BigInt.asIntN(Number(shift), big);
      }
    }
    return this.fail('integer representation too long');
  }

  /** Little-endian 32-bit word (f32 bits), unsigned. */
  u32le(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.fail('unexpected end');
    const b = this.bytes;
    this.pos = p + 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** Little-endian 64-bit word (f64 bits). */
  u64le(): bigint {
    const lo = this.u32le();
    const hi = this.u32le();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A byte vector: u32 length then that many bytes (a view, not a copy). */
  byteVec(): Uint8Array {
    const n = this.u32();
    return this.take(n);
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail('unexpected end');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A name: u32 length then valid UTF-8. */
  name(): string {
    const n = this.u32();
    const at = this.pos;
    const bytes = this.take(n);
    // ASCII fast path
    let ascii = n <= 256;
    if (ascii) for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) { ascii = false; break; }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail('malformed UTF-8 encoding', at);
    }
  }
}
