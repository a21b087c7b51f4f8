// Constant expressions (global initialisers, segment offsets, element items): decoded into a
// ConstExpr. A well-formed expression that is not a single constant instruction followed by `end`
// is invalid; the error is handed to `deferInvalid` so that malformed errors later in the module
// still take precedence (as the spec's decode-then-validate order requires).
import { WasmError, type ConstExpr } from './module.ts';
import { Op } from './opcodes.ts';
import { OpReader } from './op-reader.ts';
import type { Reader } from './reader.ts';
import { refTypeName } from './value-types.ts';

const PLACEHOLDER: ConstExpr = { kind: 'i32.const', value: 0 };

export function readConstExpr(r: Reader, deferInvalid: (e: WasmError) => void): ConstExpr {
  const ops = new OpReader(r.bytes, r.pos, r.end, 0);
  const start = r.pos;
  let result: ConstExpr | undefined;
  let problem: string | undefined;
  let problemAt = start;
  let count = 0;
  let depth = 0;
  for (;;) {
    ops.next();
    const op = ops.op;
    if (op === Op.End) {
      if (depth === 0) break;
      depth--;
      continue;
    }
    if (op === Op.Block || op === Op.Loop || op === Op.If) depth++;
    count++;
    if (count > 1 || depth > 0) {
      // a non-constant instruction is the better diagnosis than "too many values"
      if (!problem || (!isConstOp(op) && !problem.startsWith('constant'))) {
        problem = isConstOp(op) ? 'type mismatch: constant expression must be a single instruction' : 'constant expression required';
        problemAt = ops.offset;
      }
      continue;
    }
    switch (op) {
      case Op.I32Const: result = { kind: 'i32.const', value: ops.imm0 }; break;
      case Op.I64Const: result = { kind: 'i64.const', value: ops.i64 }; break;
      case Op.F32Const: result = { kind: 'f32.const', bits: ops.imm0 }; break;
      case Op.F64Const: result = { kind: 'f64.const', bits: ops.f64Bits }; break;
      case Op.RefNull: result = { kind: 'ref.null', type: refTypeName(ops.imm0) }; break;
      case Op.RefFunc: result = { kind: 'ref.func', funcIndex: ops.imm0 }; break;
      case Op.GlobalGet: result = { kind: 'global.get', globalIndex: ops.imm0 }; break;
      default:
        problem = 'constant expression required';
        problemAt = ops.offset;
    }
  }
  r.pos = ops.pos;
  if (!problem && !result) {
    problem = 'type mismatch: empty constant expression';
    problemAt = start;
  }
  if (problem) {
    deferInvalid(new WasmError('invalid', problem, problemAt));
    return PLACEHOLDER;
  }
  return result!;
}

function isConstOp(op: number): boolean {
  return op === Op.I32Const || op === Op.I64Const || op === Op.F32Const || op === Op.F64Const ||
    op === Op.RefNull || op === Op.RefFunc || op === Op.GlobalGet;
}
