// decodeModule: the binary format, section by section, with the spec's malformed-module rules
// (magic/version, section order and sizes, vector counts, function/code and data-count
// agreement, no junk after the last section). Function bodies are split into locals + code here;
// their instructions are decoded by the validator (OpReader). Errors: WasmError 'malformed',
// 'unsupported' (a post-MVP feature we do not compile) or 'invalid' (a constant expression that
// is not constant: reported only after the whole binary decoded cleanly).
import {
  WasmError,
  type ConstExpr, type DataSegment, type ElemSegment, type Export, type FuncBody, type FuncType,
  type Global, type Import, type Limits, type RefType, type Table, type ValType, type WasmModule,
} from './module.ts';
import { readConstExpr } from './const-expr.ts';
import { parseNameSection } from './name-section.ts';
import { Reader } from './reader.ts';
import {
  isValTypeCode, readRefType, readValType, refTypeName, unsupportedTypeFeature, valTypeName,
} from './value-types.ts';

const SECTION_ORDER: Record<number, number> = {
  1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13,
};
const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global',
  'export', 'start', 'element', 'code', 'data', 'data count', 'tag'];
const EXTERNAL_KINDS = ['func', 'table', 'memory', 'global'] as const;
/** Locals beyond this are an implementation limit (V8's is the same). */
export const MAX_LOCALS = 50000;

function unsupported(feature: string, at: number): never {
  throw new WasmError('unsupported', `${feature} is not supported`, at);
}

class Decoder {
  readonly r: Reader;
  deferred: WasmError | undefined;
  deferredUnsupported: { feature: string; offset: number; funcIndex: number } | undefined;
  readonly m: WasmModule = {
    types: [], imports: [], funcs: [], tables: [], memories: [], globals: [], exports: [],
    elems: [], datas: [], bodies: [], funcNames: new Map(), customSections: [],
    numImportedFuncs: 0, numImportedTables: 0, numImportedMemories: 0, numImportedGlobals: 0,
  };

  constructor(readonly bytes: Uint8Array) {
    this.r = new Reader(bytes);
  }

  private readonly defer = (e: WasmError): void => {
    this.deferred ??= e;
  };

  private vt(): ValType {
    return valTypeName(readValType(this.r, unsupported));
  }

  private rt(): RefType {
    return refTypeName(readRefType(this.r, unsupported));
  }

  private constExpr(): ConstExpr {
    return readConstExpr(this.r, this.defer);
  }

  /** A vector count, checked against the bytes left (each element takes at least one byte). */
  private count(minBytes = 1): number {
    const at = this.r.pos;
    const n = this.r.u32();
    if (n * minBytes > this.r.end - this.r.pos) this.r.fail('unexpected end: vector count larger than section', at);
    return n;
  }

  decode(): WasmModule {
    const r = this.r;
    if (this.bytes.length < 4 || r.u32le() !== 0x6d736100) r.fail('magic header not detected', 0);
    if (this.bytes.length < 8) r.fail('unexpected end', 4);
    const version = r.u32le();
    if (version !== 1) {
      if (version === 0x1000d) unsupported('the component model', 4);
      r.fail('unknown binary version', 4);
    }
    let lastOrder = 0;
    let codeSeen = false;
    while (r.pos < this.bytes.length) {
      const idAt = r.pos;
      const id = r.u8();
      const size = r.u32();
      const start = r.pos;
      if (size > this.bytes.length - start) r.fail('section size mismatch: unexpected end', idAt);
      const end = start + size;
      if (id !== 0) {
        const order = SECTION_ORDER[id];
        if (order === undefined) r.fail(`malformed section id ${id}`, idAt);
        if (order <= lastOrder) r.fail(`unexpected content after last section (${SECTION_NAMES[id]} section out of order)`, idAt);
        lastOrder = order;
      }
      r.end = end;
      this.section(id, idAt, end);
      if (id === 10) codeSeen = true;
      if (r.pos !== end) r.fail(`section size mismatch (${SECTION_NAMES[id]} section)`, r.pos);
      r.end = this.bytes.length;
    }
    const m = this.m;
    if (!codeSeen && m.funcs.length !== 0) {
      r.fail('function and code section have inconsistent lengths', this.bytes.length);
    }
    if (m.dataCount !== undefined && m.dataCount !== m.datas.length) {
      r.fail('data count and data section have inconsistent lengths', this.bytes.length);
    }
    const u = this.deferredUnsupported;
    if (u) {
      const name = m.funcNames.get(u.funcIndex);
      const where = name !== undefined ? `$${name} (index ${u.funcIndex})` : `${u.funcIndex}`;
      throw new WasmError('unsupported', `${u.feature} is not supported in function ${where}`, u.offset, u.funcIndex);
    }
    if (this.deferred) throw this.deferred;
    return m;
  }

  private section(id: number, idAt: number, end: number): void {
    const r = this.r;
    const m = this.m;
    switch (id) {
      case 0: {
        const nameAt = r.pos;
        const name = r.name();
        const bytes = r.take(end - r.pos);
        m.customSections.push({ name, offset: nameAt, bytes });
        if (name === 'name') parseNameSection(bytes, m);
        return;
      }
      case 1: {
        const n = this.count();
        for (let i = 0; i < n; i++) {
          const at = r.pos;
          const form = r.u8();
          if (form !== 0x60) {
            if (form === 0x5e || form === 0x5f || form === 0x4e || form === 0x50 || form === 0x4f) unsupported('GC (composite types)', at);
            r.fail(`malformed function type form 0x${form.toString(16)} (expected 0x60)`, at);
          }
          const np = this.count();
          const params: ValType[] = new Array(np);
          for (let j = 0; j < np; j++) params[j] = this.vt();
          const nr = this.count();
          const results: ValType[] = new Array(nr);
          for (let j = 0; j < nr; j++) results[j] = this.vt();
          m.types.push({ params, results } satisfies FuncType);
        }
        return;
      }
      case 2: {
        const n = this.count(3);
        for (let i = 0; i < n; i++) {
          const module = r.name();
          const name = r.name();
          const kindAt = r.pos;
          const kind = r.u8();
          let imp: Import | undefined;
          switch (kind) {
            case 0: imp = { module, name, desc: { kind: 'func', typeIndex: r.u32() } }; m.numImportedFuncs++; break;
            case 1: {
              const elemType = this.rt();
              imp = { module, name, desc: { kind: 'table', elemType, limits: this.limits(false) } };
              m.numImportedTables++;
              break;
            }
            case 2: imp = { module, name, desc: { kind: 'memory', limits: this.limits(true) } }; m.numImportedMemories++; break;
            case 3: {
              const type = this.vt();
              imp = { module, name, desc: { kind: 'global', type, mutable: this.mutability() } };
              m.numImportedGlobals++;
              break;
            }
            case 4: unsupported('exception handling (tag import)', kindAt); break;
            default: r.fail(`malformed import kind ${kind}`, kindAt);
          }
          m.imports.push(imp!);
        }
        return;
      }
      case 3: {
        const n = this.count();
        for (let i = 0; i < n; i++) m.funcs.push(r.u32());
        return;
      }
      case 4: {
        const n = this.count(2);
        for (let i = 0; i < n; i++) {
          const at = r.pos;
          if (r.peek() === 0x40) unsupported('typed function references (table initialiser)', at);
          const elemType = this.rt();
          m.tables.push({ elemType, limits: this.limits(false) } satisfies Table);
        }
        return;
      }
      case 5: {
        const n = this.count(2);
        for (let i = 0; i < n; i++) m.memories.push(this.limits(true));
        return;
      }
      case 13:
        unsupported('exception handling (tag section)', idAt);
        return;
      case 6: {
        const n = this.count(3);
        for (let i = 0; i < n; i++) {
          const type = this.vt();
          const mutable = this.mutability();
          m.globals.push({ type, mutable, init: this.constExpr() } satisfies Global);
        }
        return;
      }
      case 7: {
        const n = this.count(3);
        for (let i = 0; i < n; i++) {
          const name = r.name();
          const kindAt = r.pos;
          const kind = r.u8();
          if (kind === 4) unsupported('exception handling (tag export)', kindAt);
          if (kind > 3) r.fail(`malformed export kind ${kind}`, kindAt);
          m.exports.push({ name, kind: EXTERNAL_KINDS[kind], index: r.u32() } satisfies Export);
        }
        return;
      }
      case 8:
        m.start = r.u32();
        return;
      case 9: {
        const n = this.count();
        for (let i = 0; i < n; i++) m.elems.push(this.elemSegment());
        return;
      }
      case 12:
        m.dataCount = r.u32();
        return;
      case 10: {
        const countAt = r.pos;
        const n = this.count();
        if (n !== m.funcs.length) r.fail('function and code section have inconsistent lengths', countAt);
        for (let i = 0; i < n; i++) m.bodies.push(this.body(m.numImportedFuncs + i));
        return;
      }
      case 11: {
        const n = this.count();
        for (let i = 0; i < n; i++) m.datas.push(this.dataSegment());
        return;
      }
    }
  }

  private mutability(): boolean {
    const at = this.r.pos;
    const b = this.r.u8();
    if (b > 1) this.r.fail('malformed mutability', at);
    return b === 1;
  }

  private limits(memory: boolean): Limits {
    const r = this.r;
    const at = r.pos;
    const flags = r.u8();
    if (flags === 0) return { min: r.u32() };
    if (flags === 1) {
      const min = r.u32();
      return { min, max: r.u32() };
    }
    if (memory && (flags === 2 || flags === 3)) unsupported('threads (shared memory)', at);
    if (memory && flags >= 4 && flags <= 7) unsupported('memory64', at);
    if (!memory && (flags === 4 || flags === 5)) unsupported('table64', at);
    return r.fail(`integer too large: malformed limits flags 0x${flags.toString(16)}`, at);
  }

  private elemKind(): RefType {
    const at = this.r.pos;
    if (this.r.u8() !== 0) this.r.fail('malformed element kind', at);
    return 'funcref';
  }

  private funcIndexItems(): ConstExpr[] {
    const n = this.count();
    const items: ConstExpr[] = new Array(n);
    for (let i = 0; i < n; i++) items[i] = { kind: 'ref.func', funcIndex: this.r.u32() };
    return items;
  }

  private exprItems(): ConstExpr[] {
    const n = this.count();
    const items: ConstExpr[] = new Array(n);
    for (let i = 0; i < n; i++) items[i] = this.constExpr();
    return items;
  }

  private elemSegment(): ElemSegment {
    const r = this.r;
    const at = r.pos;
    const flags = r.u32();
    switch (flags) {
      case 0: {
        const offset = this.constExpr();
        return { mode: 'active', tableIndex: 0, offset, elemType: 'funcref', items: this.funcIndexItems() };
      }
      case 1: {
        const elemType = this.elemKind();
        return { mode: 'passive', tableIndex: 0, elemType, items: this.funcIndexItems() };
      }
      case 2: {
        const tableIndex = r.u32();
        const offset = this.constExpr();
        const elemType = this.elemKind();
        return { mode: 'active', tableIndex, offset, elemType, items: this.funcIndexItems() };
      }
      case 3: {
        const elemType = this.elemKind();
        return { mode: 'declarative', tableIndex: 0, elemType, items: this.funcIndexItems() };
      }
      case 4: {
        const offset = this.constExpr();
        return { mode: 'active', tableIndex: 0, offset, elemType: 'funcref', items: this.exprItems() };
      }
      case 5: {
        const elemType = this.rt();
        return { mode: 'passive', tableIndex: 0, elemType, items: this.exprItems() };
      }
      case 6: {
        const tableIndex = r.u32();
        const offset = this.constExpr();
        const elemType = this.rt();
        return { mode: 'active', tableIndex, offset, elemType, items: this.exprItems() };
      }
      case 7: {
        const elemType = this.rt();
        return { mode: 'declarative', tableIndex: 0, elemType, items: this.exprItems() };
      }
      default:
        return r.fail(`malformed elements segment kind ${flags}`, at);
    }
  }

  private dataSegment(): DataSegment {
    const r = this.r;
    const at = r.pos;
    const flags = r.u32();
    switch (flags) {
      case 0: {
        const offset = this.constExpr();
        return { mode: 'active', memoryIndex: 0, offset, bytes: r.byteVec() };
      }
      case 1:
        return { mode: 'passive', memoryIndex: 0, bytes: r.byteVec() };
      case 2: {
        const memoryIndex = r.u32();
        const offset = this.constExpr();
        return { mode: 'active', memoryIndex, offset, bytes: r.byteVec() };
      }
      default:
        return r.fail(`malformed data segment kind ${flags}`, at);
    }
  }

  private body(funcIndex: number): FuncBody {
    const r = this.r;
    const sizeAt = r.pos;
    const size = r.u32();
    if (size > r.end - r.pos) r.fail('unexpected end: function body size', sizeAt);
    const end = r.pos + size;
    const sectionEnd = r.end;
    r.end = end;
    const groups = this.count(2);
    let total = 0;
    const counts: number[] = [];
    const types: ValType[] = [];
    for (let i = 0; i < groups; i++) {
      const n = r.u32();
      total += n;
      if (total > 0xffffffff) r.fail('too many locals', r.pos);
      counts.push(n);
      const at = r.pos;
      const code = r.u8();
      if (!isValTypeCode(code)) {
        const feature = unsupportedTypeFeature(code);
        if (!feature) r.fail(`malformed value type 0x${code.toString(16)}`, at);
        // Report after the name section is known (and only if nothing later is malformed).
        this.deferredUnsupported ??= { feature: `${feature} local`, offset: at, funcIndex };
        r.pos = end;
        r.end = sectionEnd;
        return { locals: [], code: new Uint8Array([0x0b]), codeOffset: end - 1 };
      }
      types.push(valTypeName(code));
    }
    if (total > MAX_LOCALS) {
      throw new WasmError('unsupported', `too many locals (${total}; the limit is ${MAX_LOCALS})`, sizeAt, funcIndex);
    }
    const locals: ValType[] = new Array(total);
    let k = 0;
    for (let i = 0; i < groups; i++) for (let j = 0; j < counts[i]; j++) locals[k++] = types[i];
    const codeOffset = r.pos;
    const code = r.take(end - r.pos);
    r.end = sectionEnd;
    if (code.length === 0 || code[code.length - 1] !== 0x0b) {
      r.fail('END opcode expected at end of function body', end);
    }
    return { locals, code, codeOffset };
  }
}

/** Decodes a binary module (without validating function bodies: see validateModule). */
export function decodeModule(bytes: Uint8Array): WasmModule {
  return new Decoder(bytes).decode();
}
