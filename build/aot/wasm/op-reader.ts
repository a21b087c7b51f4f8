// Walks the instructions of a function body (or a constant expression) one at a time, without
// allocating: next() decodes one instruction into the reader's fields.
//
//   const r = OpReader.forBody(module, i);
//   while (!r.done) { r.next(); switch (r.op) { case O.I32Const: use(r.imm0); ... } }
//
// Fields after next():
//   op       opcode number (see Op; 0xFC-prefixed ones are 0x100 + sub-opcode)
//   offset   byte offset of the instruction in the module binary
//   imm0/1   immediates: index (local/global/func/label/table/elem/data/type), memarg align
//            (imm0) and offset (imm1), call_indirect type (imm0) and table (imm1), i32.const
//            value (imm0, signed), f32.const bits (imm0, unsigned), f64.const bits (imm0 low,
//            imm1 high word), ref.null type code (imm0), select_t count (imm0) and type (imm1),
//            table.copy dst (imm0) src (imm1), table.init elem (imm0) table (imm1),
//            memory.init data (imm0)
//   i64      i64.const value
//   blockType  for block/loop/if: >= 0 a type index, else -64 empty or -(0x80 - valtype code)
//   labels / labelCount  br_table targets (imm0 is the default target); the array is reused
//            by the next br_table, so copy it if you keep it
import { WasmError, type FuncBody, type WasmModule } from './module.ts';
import { Op, PREFIX_FC_BASE as FC_BASE } from './opcodes.ts';
import { Reader } from './reader.ts';
import * as valueTypes from './value-types.ts';

// Local copy of the opcode numbers this file switches on: a const enum is inlined only within
// its own file (tsx/esbuild transform files one by one), so `case O.Block:` is a literal and the
// switch compiles to a jump table instead of a chain of property loads. Values as in opcodes.ts.
// Imported bindings are read once: under tsx every access to an import is a getter call.
const { isValTypeCode, unsupportedTypeFeature } = valueTypes;
const PREFIX_FC_BASE = FC_BASE;

const enum O {
  Block = 0x2,
  Loop = 0x3,
  If = 0x4,
  Br = 0xc,
  BrIf = 0xd,
  BrTable = 0xe,
  Call = 0x10,
  CallIndirect = 0x11,
  SelectT = 0x1c,
  LocalGet = 0x20,
  LocalSet = 0x21,
  LocalTee = 0x22,
  GlobalGet = 0x23,
  GlobalSet = 0x24,
  TableGet = 0x25,
  TableSet = 0x26,
  MemorySize = 0x3f,
  MemoryGrow = 0x40,
  I32Const = 0x41,
  I64Const = 0x42,
  F32Const = 0x43,
  F64Const = 0x44,
  RefNull = 0xd0,
  RefFunc = 0xd2,
}

const UNSUPPORTED_OPS = new Map<number, string>([
  [0x06, 'exception handling (try)'], [0x07, 'exception handling (catch)'],
  [0x08, 'exception handling (throw)'], [0x09, 'exception handling (rethrow)'],
  [0x0a, 'exception handling (throw_ref)'], [0x18, 'exception handling (delegate)'],
  [0x19, 'exception handling (catch_all)'], [0x1f, 'exception handling (try_table)'],
  [0x12, 'tail calls (return_call)'], [0x13, 'tail calls (return_call_indirect)'],
  [0x14, 'typed function references (call_ref)'], [0x15, 'typed function references (return_call_ref)'],
  [0xd3, 'GC (ref.eq)'], [0xd4, 'typed function references (ref.as_non_null)'],
  [0xd5, 'typed function references (br_on_null)'], [0xd6, 'typed function references (br_on_non_null)'],
  [0xfb, 'GC'], [0xfd, 'SIMD'], [0xfe, 'threads (atomics)'],
]);

/** Smallest byte that cannot start an instruction of ours (for the dispatch table). */
const VALID_SINGLE = new Uint8Array(256);
for (const v of Object.values(Op)) {
  if (typeof v === 'number' && v < 0x100) VALID_SINGLE[v] = 1;
}

export class OpReader extends Reader {
  op = 0;
  offset = 0;
  imm0 = 0;
  imm1 = 0;
  i64 = 0n;
  blockType = 0;
  labels = new Uint32Array(16);
  labelCount = 0;
  private readonly base: number;

  /**
   * @param bytes   buffer holding the code
   * @param start   first instruction's position in `bytes`
   * @param end     position just past the last byte
   * @param base    module offset of bytes[0] (offsets reported = base + position)
   */
  constructor(
    bytes: Uint8Array,
    start: number,
    end: number,
    base: number,
    readonly funcIndex?: number,
    readonly funcName?: string,
  ) {
    super(bytes, start, end);
    this.base = base;
  }

  static forBody(m: WasmModule, definedIndex: number): OpReader {
    const body: FuncBody = m.bodies[definedIndex];
    const fi = m.numImportedFuncs + definedIndex;
    return new OpReader(body.code, 0, body.code.length, body.codeOffset, fi, m.funcNames.get(fi));
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Module offset of the current read position. */
  get moduleOffset(): number {
    return this.base + this.pos;
  }

  get f64Bits(): bigint {
    return (BigInt(this.imm1 >>> 0) << 32n) | BigInt(this.imm0 >>> 0);
  }

  private where(): string {
    if (this.funcIndex === undefined) return '';
    return this.funcName !== undefined
      ? ` in function $${this.funcName} (index ${this.funcIndex})`
      : ` in function ${this.funcIndex}`;
  }

  override fail(message: string, at = this.pos): never {
    throw new WasmError('malformed', message + this.where(), this.base + at, this.funcIndex);
  }

  unsupported(feature: string, at: number): never {
    throw new WasmError('unsupported', `${feature} is not supported${this.where()}`, this.base + at, this.funcIndex);
  }

  private readonly unsupportedType = (feature: string, at: number): never => this.unsupported(feature, at);

  private blockTypeImm(): void {
    const at = this.pos;
    const b = this.peek();
    if (b === 0x40 || isValTypeCode(b)) {
      this.pos++;
      this.blockType = b - 0x80;
      return;
    }
    const feature = unsupportedTypeFeature(b);
    if (feature) this.unsupported(feature, at);
    const bt = this.s33();
    if (bt < 0) this.fail(`malformed block type`, at);
    this.blockType = bt;
  }

  private zeroByte(): void {
    const at = this.pos;
    if (this.u8() !== 0) this.fail('zero byte expected (multiple memories are not supported)', at);
  }

  /** Decodes the next instruction. */
  next(): void {
    const at = this.pos;
    this.offset = this.base + at;
    const b = this.u8();
    this.op = b;
    if (b < 0x41 || b > 0xc4) {
      switch (b) {
        case O.Block: case O.Loop: case O.If:
          this.blockTypeImm();
          return;
        case O.Br: case O.BrIf: case O.Call: case O.LocalGet: case O.LocalSet: case O.LocalTee:
        case O.GlobalGet: case O.GlobalSet: case O.TableGet: case O.TableSet: case O.RefFunc:
          this.imm0 = this.u32();
          return;
        case O.BrTable: {
          const n = this.u32();
          if (n > this.end - this.pos) this.fail('unexpected end', this.pos);
          if (n > this.labels.length) this.labels = new Uint32Array(Math.max(n, this.labels.length * 2));
          const labels = this.labels;
          for (let i = 0; i < n; i++) labels[i] = this.u32();
          this.labelCount = n;
          this.imm0 = this.u32();
          return;
        }
        case O.CallIndirect:
          this.imm0 = this.u32();
          this.imm1 = this.u32();
          return;
        case O.SelectT: {
          const n = this.u32();
          this.imm0 = n;
          this.imm1 = 0;
          for (let i = 0; i < n; i++) {
            const tat = this.pos;
            const t = this.u8();
            if (!isValTypeCode(t)) {
              const feature = unsupportedTypeFeature(t);
              if (feature) this.unsupported(feature, tat);
              this.fail('malformed value type', tat);
            }
            if (i === 0) this.imm1 = t;
          }
          return;
        }
        case O.MemorySize: case O.MemoryGrow:
          this.zeroByte();
          return;
        case O.RefNull: {
          const tat = this.pos;
          const t = this.u8();
          if (t !== 0x70 && t !== 0x6f) {
            const feature = unsupportedTypeFeature(t);
            if (feature) this.unsupported(feature, tat);
            this.fail('malformed reference type', tat);
          }
          this.imm0 = t;
          return;
        }
        case 0xfc:
          this.prefixedFC(at);
          return;
        default:
          if (b >= 0x28 && b <= 0x3e) {
            this.imm0 = this.u32();
            this.imm1 = this.u32();
            return;
          }
          if (VALID_SINGLE[b]) return;
          {
            const feature = UNSUPPORTED_OPS.get(b);
            if (feature) this.unsupported(feature, at);
          }
          this.fail(`illegal opcode 0x${b.toString(16)}`, at);
      }
    }
    switch (b) {
      case O.I32Const:
        this.imm0 = this.s32();
        return;
      case O.I64Const:
        this.i64 = this.s64();
        return;
      case O.F32Const:
        this.imm0 = this.u32le();
        return;
      case O.F64Const:
        this.imm0 = this.u32le();
        this.imm1 = this.u32le();
        return;
      default:
        return; // 0x45..0xc4: numeric, no immediates
    }
  }

  private prefixedFC(at: number): void {
    const sub = this.u32();
    if (sub > 17) this.fail(`illegal opcode 0xfc ${sub}`, at);
    this.op = PREFIX_FC_BASE + sub;
    switch (sub) {
      case 8: // memory.init data, 0x00
        this.imm0 = this.u32();
        this.zeroByte();
        return;
      case 9: case 13: case 15: case 16: case 17: // data.drop, elem.drop, table.grow/size/fill
        this.imm0 = this.u32();
        return;
      case 10: // memory.copy 0x00 0x00
        this.zeroByte();
        this.zeroByte();
        return;
      case 11:
        this.zeroByte();
        return;
      case 12: case 14: // table.init elem table; table.copy dst src
        this.imm0 = this.u32();
        this.imm1 = this.u32();
        return;
      default:
        return; // 0..7 saturating truncations
    }
  }
}
