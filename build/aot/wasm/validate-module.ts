// validateModule: the module-level rules of the spec (types and indices of imports, functions,
// tables, memories, globals, exports, start, segments; constant expressions; limits) and then
// every function body (validate-func.ts). Errors are WasmError 'invalid' (or 'malformed' for a
// binary-format rule that only shows while reading code, e.g. a missing data count section).
import { WasmError, type ConstExpr, type Limits, type WasmModule } from './module.ts';
import { T } from './opcodes.ts';
import { buildContext, type ValidationContext } from './validation-context.ts';
import { FuncValidator } from './validate-func.ts';
import { typeCodeText, valTypeCode } from './value-types.ts';

const MAX_PAGES = 65536;

function invalid(message: string, offset = 0, funcIndex?: number): never {
  throw new WasmError('invalid', message, offset, funcIndex);
}

function checkLimits(l: Limits, range: number, what: string): void {
  if (l.min > range) invalid(`${what} size must be at most ${range}${what === 'memory' ? ' pages (4GiB)' : ''}`);
  if (l.max !== undefined) {
    if (l.max > range) invalid(`${what} size must be at most ${range}${what === 'memory' ? ' pages (4GiB)' : ''}`);
    if (l.max < l.min) invalid(`size minimum must not be greater than maximum (${what})`);
  }
}

/** Type code of a constant expression; checks its indices (only imported, immutable globals). */
function constExprType(ctx: ValidationContext, e: ConstExpr): number {
  switch (e.kind) {
    case 'i32.const': return T.I32;
    case 'i64.const': return T.I64;
    case 'f32.const': return T.F32;
    case 'f64.const': return T.F64;
    case 'ref.null': return valTypeCode(e.type);
    case 'ref.func':
      if (e.funcIndex >= ctx.funcTypes.length) invalid(`unknown function ${e.funcIndex}`);
      return T.FuncRef;
    case 'global.get': {
      const g = e.globalIndex;
      if (g >= ctx.m.numImportedGlobals) invalid(`unknown global ${g}: constant expressions may only read imported globals`);
      if (ctx.globalMutable[g]) invalid(`constant expression required: global ${g} is mutable`);
      return ctx.globalTypes[g];
    }
  }
}

function checkConst(ctx: ValidationContext, e: ConstExpr, expect: number, what: string): void {
  const t = constExprType(ctx, e);
  if (t !== expect) invalid(`type mismatch: ${what} is ${typeCodeText(t)}, expected ${typeCodeText(expect)}`);
}

export function validateModule(m: WasmModule): void {
  const ctx = buildContext(m);
  const ntypes = m.types.length;
  for (const imp of m.imports) {
    const d = imp.desc;
    if (d.kind === 'func' && d.typeIndex >= ntypes) invalid(`unknown type ${d.typeIndex} (import ${imp.module}.${imp.name})`);
    if (d.kind === 'table') checkLimits(d.limits, 0xffffffff, 'table');
    if (d.kind === 'memory') checkLimits(d.limits, MAX_PAGES, 'memory');
  }
  for (const t of m.funcs) if (t >= ntypes) invalid(`unknown type ${t}`);
  for (const t of m.tables) checkLimits(t.limits, 0xffffffff, 'table');
  for (const mem of m.memories) checkLimits(mem, MAX_PAGES, 'memory');
  if (ctx.memoryCount > 1) invalid('multiple memories');
  for (const g of m.globals) checkConst(ctx, g.init, valTypeCode(g.type), 'global initialiser');
  const names = new Set<string>();
  const counts = { func: ctx.funcTypes.length, table: ctx.tableTypes.length, memory: ctx.memoryCount, global: ctx.globalTypes.length };
  for (const x of m.exports) {
    if (names.has(x.name)) invalid(`duplicate export name "${x.name}"`);
    names.add(x.name);
    if (x.index >= counts[x.kind]) invalid(`unknown ${x.kind} ${x.index} (export "${x.name}")`);
  }
  if (m.start !== undefined) {
    if (m.start >= ctx.funcTypes.length) invalid(`unknown function ${m.start} (start)`);
    const t = ctx.types[ctx.funcTypes[m.start]];
    if (t.params.length || t.results.length) invalid('start function must have type [] -> []');
  }
  for (const e of m.elems) {
    const et = valTypeCode(e.elemType);
    if (e.mode === 'active') {
      if (e.tableIndex >= ctx.tableTypes.length) invalid(`unknown table ${e.tableIndex}`);
      checkConst(ctx, e.offset!, T.I32, 'element segment offset');
      if (ctx.tableTypes[e.tableIndex] !== et) invalid('type mismatch: element segment type differs from its table');
    }
    for (const item of e.items) checkConst(ctx, item, et, 'element');
  }
  for (const d of m.datas) {
    if (d.mode === 'active') {
      if (d.memoryIndex >= ctx.memoryCount) invalid(`unknown memory ${d.memoryIndex}`);
      checkConst(ctx, d.offset!, T.I32, 'data segment offset');
    }
  }
  const fv = new FuncValidator(ctx);
  for (let i = 0; i < m.bodies.length; i++) fv.validate(i);
}
