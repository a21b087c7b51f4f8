// Validation of one function body: the spec's operand-stack algorithm (Appendix "Validation
// Algorithm") with typed control frames and the polymorphic stack after unreachable code.
// Stack and frames are reused across functions; no allocation per instruction.
import { WasmError } from './module.ts';
import * as opcodes from './opcodes.ts';
import { OpReader } from './op-reader.ts';
import type { ValidationContext } from './validation-context.ts';
import { typeCodeText, valTypeCode } from './value-types.ts';

// Local copy of the opcode numbers this file switches on: a const enum is inlined only within
// its own file (tsx/esbuild transform files one by one), so `case O.Block:` is a literal and the
// switch compiles to a jump table instead of a chain of property loads. Values as in opcodes.ts.
// Imported bindings are read once: under tsx every access to an import is a getter call.
const { MEM_ALIGN, MEM_TYPE, SIG_PARAMS0, SIG_PARAMS1, SIG_RESULT } = opcodes;

const enum O {
  Unreachable = 0x0,
  Nop = 0x1,
  Block = 0x2,
  Loop = 0x3,
  If = 0x4,
  Else = 0x5,
  End = 0xb,
  Br = 0xc,
  BrIf = 0xd,
  BrTable = 0xe,
  Return = 0xf,
  Call = 0x10,
  CallIndirect = 0x11,
  Drop = 0x1a,
  Select = 0x1b,
  SelectT = 0x1c,
  LocalGet = 0x20,
  LocalSet = 0x21,
  LocalTee = 0x22,
  GlobalGet = 0x23,
  GlobalSet = 0x24,
  TableGet = 0x25,
  TableSet = 0x26,
  I64Load32U = 0x35,
  MemorySize = 0x3f,
  MemoryGrow = 0x40,
  I32Const = 0x41,
  I64Const = 0x42,
  F32Const = 0x43,
  F64Const = 0x44,
  RefNull = 0xd0,
  RefIsNull = 0xd1,
  RefFunc = 0xd2,
  MemoryInit = 0x108,
  DataDrop = 0x109,
  MemoryCopy = 0x10a,
  MemoryFill = 0x10b,
  TableInit = 0x10c,
  ElemDrop = 0x10d,
  TableCopy = 0x10e,
  TableGrow = 0x10f,
  TableSize = 0x110,
  TableFill = 0x111,
}
const enum T {
  I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
  FuncRef = 0x70,
  ExternRef = 0x6f,
}

const enum Kind { Block, Loop, If, Else, Func }

interface Frame {
  kind: Kind;
  start: Uint8Array;
  end: Uint8Array;
  height: number;
  unreachable: boolean;
}

const EMPTY = new Uint8Array(0);
const SINGLE: Record<number, Uint8Array> = {};
for (const t of [T.I32, T.I64, T.F32, T.F64, T.FuncRef, T.ExternRef]) SINGLE[t] = Uint8Array.of(t);

function isNum(t: number): boolean {
  return t === 0 || (t >= T.F64 && t <= T.I32);
}
function isRef(t: number): boolean {
  return t === 0 || t === T.FuncRef || t === T.ExternRef;
}
function sameTypes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class FuncValidator {
  private vals = new Uint8Array(256);
  private sp = 0;
  private frames: Frame[] = [];
  private depth = 0;
  private cur!: Frame;
  private r!: OpReader;
  private fi = 0;
  private blockParams: Uint8Array = EMPTY;
  private blockResults: Uint8Array = EMPTY;
  private tmp = new Uint8Array(64);

  constructor(private readonly ctx: ValidationContext) {}

  private err(message: string): never {
    const r = this.r;
    const where = r.funcName !== undefined ? `$${r.funcName} (index ${this.fi})` : `${this.fi}`;
    throw new WasmError('invalid', `${message} in function ${where}`, r.offset, this.fi);
  }

  private push(t: number): void {
    if (this.sp === this.vals.length) {
      const bigger = new Uint8Array(this.vals.length * 2);
      bigger.set(this.vals);
      this.vals = bigger;
    }
    this.vals[this.sp++] = t;
  }

  private pop(expect: number): number {
    const f = this.cur;
    if (this.sp === f.height) {
      if (f.unreachable) return 0;
      this.err(`type mismatch: expected ${typeCodeText(expect)} but the stack is empty`);
    }
    const actual = this.vals[--this.sp];
    if (actual !== expect && actual !== 0 && expect !== 0) {
      this.err(`type mismatch: expected ${typeCodeText(expect)}, found ${typeCodeText(actual)}`);
    }
    return actual;
  }

  private pushAll(ts: Uint8Array): void {
    for (let i = 0; i < ts.length; i++) this.push(ts[i]);
  }

  private popAll(ts: Uint8Array): void {
    for (let i = ts.length - 1; i >= 0; i--) this.pop(ts[i]);
  }

  private pushFrame(kind: Kind, start: Uint8Array, end: Uint8Array): void {
    let f = this.frames[this.depth];
    if (!f) {
      f = { kind, start, end, height: 0, unreachable: false };
      this.frames.push(f);
    }
    f.kind = kind;
    f.start = start;
    f.end = end;
    f.height = this.sp;
    f.unreachable = false;
    this.depth++;
    this.cur = f;
    this.pushAll(start);
  }

  private popFrame(): Frame {
    const f = this.cur;
    this.popAll(f.end);
    if (this.sp !== f.height) this.err('type mismatch: values remaining on the stack at end of block');
    this.depth--;
    if (this.depth > 0) this.cur = this.frames[this.depth - 1];
    return f;
  }

  private setUnreachable(): void {
    this.sp = this.cur.height;
    this.cur.unreachable = true;
  }

  private label(n: number): Frame {
    if (n >= this.depth) this.err(`unknown label ${n}`);
    return this.frames[this.depth - 1 - n];
  }

  private static labelTypes(f: Frame): Uint8Array {
    return f.kind === Kind.Loop ? f.start : f.end;
  }

  private blockType(bt: number): void {
    if (bt >= 0) {
      if (bt >= this.ctx.types.length) this.err(`unknown type ${bt}`);
      const t = this.ctx.types[bt];
      this.blockParams = t.params;
      this.blockResults = t.results;
    } else {
      this.blockParams = EMPTY;
      this.blockResults = bt === -64 ? EMPTY : SINGLE[bt + 0x80];
    }
  }

  private needMemory(): void {
    if (this.ctx.memoryCount === 0) this.err('unknown memory 0');
  }

  private table(i: number): number {
    if (i >= this.ctx.tableTypes.length) this.err(`unknown table ${i}`);
    return this.ctx.tableTypes[i];
  }

  private elem(i: number): number {
    if (i >= this.ctx.elemTypes.length) this.err(`unknown elem segment ${i}`);
    return this.ctx.elemTypes[i];
  }

  private data(i: number): void {
    if (this.ctx.dataCount === undefined) this.r.fail('data count section required');
    if (i >= this.ctx.dataCount) this.err(`unknown data segment ${i}`);
  }

  /** Validates defined function `definedIndex` (0-based among the module's own functions). */
  validate(definedIndex: number): void {
    const ctx = this.ctx;
    const m = ctx.m;
    const fi = m.numImportedFuncs + definedIndex;
    this.fi = fi;
    const r = OpReader.forBody(m, definedIndex);
    this.r = r;
    const sig = ctx.types[ctx.funcTypes[fi]];
    const body = m.bodies[definedIndex];
    const locals = new Uint8Array(sig.params.length + body.locals.length);
    locals.set(sig.params);
    for (let i = 0; i < body.locals.length; i++) locals[sig.params.length + i] = valTypeCode(body.locals[i]);
    const globals = ctx.globalTypes;
    this.sp = 0;
    this.depth = 0;
    this.pushFrame(Kind.Func, EMPTY, sig.results);
    this.sp = 0;

    while (this.depth > 0) {
      if (r.done) r.fail('unexpected end of function body (END opcode expected)');
      r.next();
      const op = r.op;
      const p0 = SIG_PARAMS0[op];
      if (p0 !== 0) {
        const p1 = SIG_PARAMS1[op];
        if (p1 !== 0) this.pop(p1);
        this.pop(p0);
        this.push(SIG_RESULT[op]);
        continue;
      }
      const align = MEM_ALIGN[op];
      if (align >= 0) {
        this.needMemory();
        if (r.imm0 > align) this.err('alignment must not be larger than natural');
        if (op <= O.I64Load32U) {
          this.pop(T.I32);
          this.push(MEM_TYPE[op]);
        } else {
          this.pop(MEM_TYPE[op]);
          this.pop(T.I32);
        }
        continue;
      }
      switch (op) {
        case O.Unreachable:
          this.setUnreachable();
          break;
        case O.Nop:
          break;
        case O.Block:
        case O.Loop:
          this.blockType(r.blockType);
          this.popAll(this.blockParams);
          this.pushFrame(op === O.Block ? Kind.Block : Kind.Loop, this.blockParams, this.blockResults);
          break;
        case O.If:
          this.blockType(r.blockType);
          this.pop(T.I32);
          this.popAll(this.blockParams);
          this.pushFrame(Kind.If, this.blockParams, this.blockResults);
          break;
        case O.Else: {
          if (this.cur.kind !== Kind.If) r.fail('else without matching if', r.offset - (r.moduleOffset - r.pos));
          const f = this.popFrame();
          this.pushFrame(Kind.Else, f.start, f.end);
          break;
        }
        case O.End: {
          const f = this.popFrame();
          if (f.kind === Kind.If && !sameTypes(f.start, f.end)) this.err('type mismatch: if without else must leave its parameters');
          this.pushAll(f.end);
          break;
        }
        case O.Br:
          this.popAll(FuncValidator.labelTypes(this.label(r.imm0)));
          this.setUnreachable();
          break;
        case O.BrIf: {
          this.pop(T.I32);
          const ts = FuncValidator.labelTypes(this.label(r.imm0));
          this.popAll(ts);
          this.pushAll(ts);
          break;
        }
        case O.BrTable: {
          this.pop(T.I32);
          const dflt = FuncValidator.labelTypes(this.label(r.imm0));
          const arity = dflt.length;
          if (this.tmp.length < arity) this.tmp = new Uint8Array(arity * 2);
          for (let i = 0; i < r.labelCount; i++) {
            const ts = FuncValidator.labelTypes(this.label(r.labels[i]));
            if (ts.length !== arity) this.err('type mismatch: br_table targets have different arities');
            for (let j = arity - 1; j >= 0; j--) this.tmp[j] = this.pop(ts[j]);
            for (let j = 0; j < arity; j++) this.push(this.tmp[j]);
          }
          this.popAll(dflt);
          this.setUnreachable();
          break;
        }
        case O.Return:
          this.popAll(sig.results);
          this.setUnreachable();
          break;
        case O.Call: {
          if (r.imm0 >= ctx.funcTypes.length) this.err(`unknown function ${r.imm0}`);
          const t = ctx.types[ctx.funcTypes[r.imm0]];
          this.popAll(t.params);
          this.pushAll(t.results);
          break;
        }
        case O.CallIndirect: {
          if (this.table(r.imm1) !== T.FuncRef) this.err('type mismatch: call_indirect needs a funcref table');
          if (r.imm0 >= ctx.types.length) this.err(`unknown type ${r.imm0}`);
          const t = ctx.types[r.imm0];
          this.pop(T.I32);
          this.popAll(t.params);
          this.pushAll(t.results);
          break;
        }
        case O.Drop:
          this.pop(0);
          break;
        case O.Select: {
          this.pop(T.I32);
          const t1 = this.pop(0);
          const t2 = this.pop(0);
          if (!isNum(t1) || !isNum(t2)) this.err('type mismatch: select without type needs numeric operands');
          if (t1 !== t2 && t1 !== 0 && t2 !== 0) this.err('type mismatch: select operands differ');
          this.push(t1 === 0 ? t2 : t1);
          break;
        }
        case O.SelectT: {
          if (r.imm0 !== 1) this.err('invalid result arity: select takes exactly one type');
          this.pop(T.I32);
          this.pop(r.imm1);
          this.pop(r.imm1);
          this.push(r.imm1);
          break;
        }
        case O.LocalGet:
          if (r.imm0 >= locals.length) this.err(`unknown local ${r.imm0}`);
          this.push(locals[r.imm0]);
          break;
        case O.LocalSet:
          if (r.imm0 >= locals.length) this.err(`unknown local ${r.imm0}`);
          this.pop(locals[r.imm0]);
          break;
        case O.LocalTee:
          if (r.imm0 >= locals.length) this.err(`unknown local ${r.imm0}`);
          this.pop(locals[r.imm0]);
          this.push(locals[r.imm0]);
          break;
        case O.GlobalGet:
          if (r.imm0 >= globals.length) this.err(`unknown global ${r.imm0}`);
          this.push(globals[r.imm0]);
          break;
        case O.GlobalSet:
          if (r.imm0 >= globals.length) this.err(`unknown global ${r.imm0}`);
          if (!ctx.globalMutable[r.imm0]) this.err(`global is immutable: global.set ${r.imm0}`);
          this.pop(globals[r.imm0]);
          break;
        case O.TableGet: {
          const t = this.table(r.imm0);
          this.pop(T.I32);
          this.push(t);
          break;
        }
        case O.TableSet: {
          const t = this.table(r.imm0);
          this.pop(t);
          this.pop(T.I32);
          break;
        }
        case O.MemorySize:
          this.needMemory();
          this.push(T.I32);
          break;
        case O.MemoryGrow:
          this.needMemory();
          this.pop(T.I32);
          this.push(T.I32);
          break;
        case O.I32Const: this.push(T.I32); break;
        case O.I64Const: this.push(T.I64); break;
        case O.F32Const: this.push(T.F32); break;
        case O.F64Const: this.push(T.F64); break;
        case O.RefNull:
          this.push(r.imm0);
          break;
        case O.RefIsNull: {
          const t = this.pop(0);
          if (!isRef(t)) this.err(`type mismatch: ref.is_null needs a reference, found ${typeCodeText(t)}`);
          this.push(T.I32);
          break;
        }
        case O.RefFunc:
          if (r.imm0 >= ctx.funcTypes.length) this.err(`unknown function ${r.imm0}`);
          if (!ctx.refs[r.imm0]) this.err(`undeclared function reference ${r.imm0}`);
          this.push(T.FuncRef);
          break;
        case O.MemoryInit:
          this.data(r.imm0);
          this.needMemory();
          this.pop(T.I32);
          this.pop(T.I32);
          this.pop(T.I32);
          break;
        case O.DataDrop:
          this.data(r.imm0);
          break;
        case O.MemoryCopy:
        case O.MemoryFill:
          this.needMemory();
          this.pop(T.I32);
          this.pop(T.I32);
          this.pop(T.I32);
          break;
        case O.TableInit: {
          const tt = this.table(r.imm1);
          const et = this.elem(r.imm0);
          if (tt !== et) this.err('type mismatch: table.init element type differs from the table');
          this.pop(T.I32);
          this.pop(T.I32);
          this.pop(T.I32);
          break;
        }
        case O.ElemDrop:
          this.elem(r.imm0);
          break;
        case O.TableCopy: {
          const dst = this.table(r.imm0);
          const src = this.table(r.imm1);
          if (dst !== src) this.err('type mismatch: table.copy between tables of different types');
          this.pop(T.I32);
          this.pop(T.I32);
          this.pop(T.I32);
          break;
        }
        case O.TableGrow: {
          const t = this.table(r.imm0);
          this.pop(T.I32);
          this.pop(t);
          this.push(T.I32);
          break;
        }
        case O.TableSize:
          this.table(r.imm0);
          this.push(T.I32);
          break;
        case O.TableFill: {
          const t = this.table(r.imm0);
          this.pop(T.I32);
          this.pop(t);
          this.pop(T.I32);
          break;
        }
        default:
          throw new Error(`validator: unhandled opcode ${op}`);
      }
    }
    if (!r.done) r.fail('operators remaining after the end of the function');
  }
}
