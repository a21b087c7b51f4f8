// Which post-MVP features a (decoded) module uses, and its size counts: for `xenolith validate`
// and for reports. Walks every function body once with OpReader.
import type { WasmModule } from './module.ts';
import { Op, PREFIX_FC_BASE } from './opcodes.ts';
import { OpReader } from './op-reader.ts';

// Read once: under tsx every access to an imported binding is a getter call.
const { Block, CallIndirect, I32Extend8S, I64Extend32S, If, Loop, MemoryInit, RefFunc, RefNull, SelectT, TableCopy, TableGet, TableGrow, TableSet } = Op;
const FC = PREFIX_FC_BASE;

export type Feature =
  | 'sign-extension' | 'nontrapping-float-to-int' | 'mutable-globals' | 'multi-value'
  | 'bulk-memory' | 'reference-types';

export interface FeatureReport {
  features: Feature[];
  counts: {
    types: number; imports: number; functions: number; tables: number; memories: number;
    globals: number; exports: number; elements: number; datas: number; instructions: number;
    codeBytes: number;
  };
}

export function detectFeatures(m: WasmModule): FeatureReport {
  const f = new Set<Feature>();
  for (const t of m.types) if (t.results.length > 1) f.add('multi-value');
  const isRef = (t: string): boolean => t === 'funcref' || t === 'externref';
  for (const t of m.types) if (t.params.some(isRef) || t.results.some(isRef)) f.add('reference-types');
  for (const imp of m.imports) {
    if (imp.desc.kind === 'global' && imp.desc.mutable) f.add('mutable-globals');
    if (imp.desc.kind === 'global' && isRef(imp.desc.type)) f.add('reference-types');
    if (imp.desc.kind === 'table' && imp.desc.elemType === 'externref') f.add('reference-types');
  }
  const importedGlobals = m.imports.filter((i) => i.desc.kind === 'global');
  for (const x of m.exports) {
    if (x.kind !== 'global') continue;
    const g = x.index < importedGlobals.length
      ? (importedGlobals[x.index].desc as { mutable: boolean })
      : m.globals[x.index - importedGlobals.length];
    if (g?.mutable) f.add('mutable-globals');
  }
  if (m.numImportedTables + m.tables.length > 1) f.add('reference-types');
  for (const t of m.tables) if (t.elemType === 'externref') f.add('reference-types');
  for (const g of m.globals) if (isRef(g.type)) f.add('reference-types');
  if (m.dataCount !== undefined || m.datas.some((d) => d.mode !== 'active')) f.add('bulk-memory');
  if (m.elems.some((e) => e.mode !== 'active' || e.tableIndex !== 0 || e.items.some((i) => i.kind !== 'ref.func'))) {
    f.add('bulk-memory');
  }
  let instructions = 0;
  let codeBytes = 0;
  for (let i = 0; i < m.bodies.length; i++) {
    const r = OpReader.forBody(m, i);
    codeBytes += m.bodies[i].code.length;
    for (const l of m.bodies[i].locals) if (isRef(l)) f.add('reference-types');
    while (!r.done) {
      r.next();
      instructions++;
      const op = r.op;
      if (op >= I32Extend8S && op <= I64Extend32S) f.add('sign-extension');
      else if (op >= FC && op <= FC + 7) f.add('nontrapping-float-to-int');
      else if (op >= MemoryInit && op <= TableCopy) f.add('bulk-memory');
      else if (op >= TableGrow || (op >= RefNull && op <= RefFunc) || op === TableGet ||
        op === TableSet || op === SelectT || (op === CallIndirect && r.imm1 !== 0)) f.add('reference-types');
      else if ((op === Block || op === Loop || op === If) && r.blockType >= 0) f.add('multi-value');
    }
  }
  return {
    features: [...f].sort(),
    counts: {
      types: m.types.length, imports: m.imports.length, functions: m.numImportedFuncs + m.funcs.length,
      tables: m.numImportedTables + m.tables.length, memories: m.numImportedMemories + m.memories.length,
      globals: m.numImportedGlobals + m.globals.length, exports: m.exports.length, elements: m.elems.length,
      datas: m.datas.length, instructions, codeBytes,
    },
  };
}
