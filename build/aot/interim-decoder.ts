// A minimal, non-validating module decoder for the back end's own tests and CLI, used only until
// the front end (build/aot/wasm/index.ts: decodeModule/validateModule) lands. It produces the
// shared WasmModule type; malformed input gives a WasmError with a byte offset.
import { WasmError, type ConstExpr, type RefType, type ValType, type WasmModule } from './wasm/module.ts';

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

function constExpr(r: Reader): ConstExpr {
  const op = r.u8();
  let e: ConstExpr;
  switch (op) {
    case 0x41: e = { kind: 'i32.const', value: r.s32() }; break;
    case 0x42: e = { kind: 'i64.const', value: r.s64() }; break;
    case 0x43: e = { kind: 'f32.const', bits: r.f32bits() }; break;
    case 0x44: e = { kind: 'f64.const', bits: r.f64bits() }; break;
    case 0xd0: e = { kind: 'ref.null', type: r.valType() as RefType }; break;
    case 0xd2: e = { kind: 'ref.func', funcIndex: r.u32() }; break;
    case 0x23: e = { kind: 'global.get', globalIndex: r.u32() }; break;
    default: r.pos--; r.fail(`unsupported constant expression opcode 0x${op.toString(16)}`);
  }
  if (r.u8() !== 0x0b) { r.pos--; r.fail('constant expression must end with end'); }
  return e;
}

export function decodeModuleInterim(bytes: Uint8Array): WasmModule {
  const r = new Reader(bytes);
  if (bytes.length < 8 || r.f32bits() !== 0x6d736100) throw new WasmError('malformed', 'magic header not detected', 0);
  if (r.f32bits() !== 1) throw new WasmError('malformed', 'unknown binary version', 4);
  const m: WasmModule = {
    types: [], imports: [], funcs: [], tables: [], memories: [], globals: [], exports: [], elems: [], datas: [], bodies: [],
    funcNames: new Map(), customSections: [], numImportedFuncs: 0, numImportedTables: 0, numImportedMemories: 0, numImportedGlobals: 0,
  };
  const limits = () => {
    const flag = r.u8();
    const min = r.u32();
    return flag & 1 ? { min, max: r.u32() } : { min };
  };
  while (r.pos < bytes.length) {
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    if (end > bytes.length) r.fail('section size exceeds the module');
    const count = id === 0 || id === 8 ? 0 : r.u32();
    switch (id) {
      case 0: {
        const name = r.name();
        if (name === 'name') {
          while (r.pos < end) {
            const sub = r.u8(), len = r.u32(), subEnd = r.pos + len;
            if (sub === 0) m.moduleName = r.name();
            else if (sub === 1) {
              const n = r.u32();
              for (let i = 0; i < n; i++) { const idx = r.u32(); m.funcNames.set(idx, r.name()); }
            }
            r.pos = subEnd;
          }
        } else m.customSections.push({ name, offset: r.pos, bytes: bytes.subarray(r.pos, end) });
        break;
      }
      case 1:
        for (let i = 0; i < count; i++) {
          if (r.u8() !== 0x60) r.fail('expected function type');
          const params = Array.from({ length: r.u32() }, () => r.valType());
          const results = Array.from({ length: r.u32() }, () => r.valType());
          m.types.push({ params, results });
        }
        break;
      case 2:
        for (let i = 0; i < count; i++) {
          const module = r.name(), name = r.name(), kind = r.u8();
          if (kind === 0) { m.imports.push({ module, name, desc: { kind: 'func', typeIndex: r.u32() } }); m.numImportedFuncs++; }
          else if (kind === 1) { const elemType = r.valType() as RefType; m.imports.push({ module, name, desc: { kind: 'table', elemType, limits: limits() } }); m.numImportedTables++; }
          else if (kind === 2) { m.imports.push({ module, name, desc: { kind: 'memory', limits: limits() } }); m.numImportedMemories++; }
          else if (kind === 3) { const type = r.valType(); m.imports.push({ module, name, desc: { kind: 'global', type, mutable: r.u8() === 1 } }); m.numImportedGlobals++; }
          else r.fail('bad import kind');
        }
        break;
      case 3: for (let i = 0; i < count; i++) m.funcs.push(r.u32()); break;
      case 4: for (let i = 0; i < count; i++) { const elemType = r.valType() as RefType; m.tables.push({ elemType, limits: limits() }); } break;
      case 5: for (let i = 0; i < count; i++) m.memories.push(limits()); break;
      case 6: for (let i = 0; i < count; i++) { const type = r.valType(); const mutable = r.u8() === 1; m.globals.push({ type, mutable, init: constExpr(r) }); } break;
      case 7: for (let i = 0; i < count; i++) { const name = r.name(); const k = r.u8(); m.exports.push({ name, kind: (['func', 'table', 'memory', 'global'] as const)[k], index: r.u32() }); } break;
      case 8: m.start = r.u32(); break;
      case 9:
        for (let i = 0; i < count; i++) {
          const flags = r.u32();
          const passiveOrDecl = flags & 1, explicitTable = flags & 2, usesExprs = flags & 4;
          const tableIndex = !passiveOrDecl && explicitTable ? r.u32() : 0;
          const offset = passiveOrDecl ? undefined : constExpr(r);
          let elemType: RefType = 'funcref';
          if (passiveOrDecl || explicitTable) {
            if (usesExprs) elemType = r.valType() as RefType;
            else r.u8();
          }
          const n = r.u32();
          const items: ConstExpr[] = [];
          for (let j = 0; j < n; j++) items.push(usesExprs ? constExpr(r) : { kind: 'ref.func', funcIndex: r.u32() });
          m.elems.push({ mode: !passiveOrDecl ? 'active' : explicitTable ? 'declarative' : 'passive', tableIndex, offset, elemType, items });
        }
        break;
      case 10:
        for (let i = 0; i < count; i++) {
          const bodySize = r.u32(), bodyEnd = r.pos + bodySize;
          const locals: ValType[] = [];
          const groups = r.u32();
          for (let g = 0; g < groups; g++) { const n = r.u32(); const t = r.valType(); for (let k = 0; k < n; k++) locals.push(t); }
          m.bodies.push({ locals, code: bytes.subarray(r.pos, bodyEnd), codeOffset: r.pos });
          r.pos = bodyEnd;
        }
        break;
      case 11:
        for (let i = 0; i < count; i++) {
          const flags = r.u32();
          const memoryIndex = flags === 2 ? r.u32() : 0;
          const offset = flags === 1 ? undefined : constExpr(r);
          const n = r.u32();
          m.datas.push({ mode: flags === 1 ? 'passive' : 'active', memoryIndex, offset, bytes: bytes.subarray(r.pos, r.pos + n) });
          r.pos += n;
        }
        break;
      case 12: m.dataCount = count; break;
      default: r.pos--; r.fail(`unknown section id ${id}`);
    }
    r.pos = end;
  }
  return m;
}
