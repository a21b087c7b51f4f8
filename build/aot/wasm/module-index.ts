// Index-space helpers over a WasmModule: imports come first in every index space.
import type { FuncType, Limits, RefType, ValType, WasmModule } from './module.ts';

/** Type index of function `fi` (full index space). */
export function funcTypeIndex(m: WasmModule, fi: number): number {
  if (fi < m.numImportedFuncs) {
    let k = 0;
    for (const imp of m.imports) {
      if (imp.desc.kind !== 'func') continue;
      if (k++ === fi) return imp.desc.typeIndex;
    }
  }
  return m.funcs[fi - m.numImportedFuncs];
}

export function funcType(m: WasmModule, fi: number): FuncType {
  return m.types[funcTypeIndex(m, fi)];
}

/** Type index of every function, imports first. */
export function allFuncTypeIndices(m: WasmModule): number[] {
  const out: number[] = [];
  for (const imp of m.imports) if (imp.desc.kind === 'func') out.push(imp.desc.typeIndex);
  return out.concat(m.funcs);
}

export function allGlobals(m: WasmModule): { type: ValType; mutable: boolean; imported: boolean }[] {
  const out: { type: ValType; mutable: boolean; imported: boolean }[] = [];
  for (const imp of m.imports) {
    if (imp.desc.kind === 'global') out.push({ type: imp.desc.type, mutable: imp.desc.mutable, imported: true });
  }
  for (const g of m.globals) out.push({ type: g.type, mutable: g.mutable, imported: false });
  return out;
}

export function allTables(m: WasmModule): { elemType: RefType; limits: Limits; imported: boolean }[] {
  const out: { elemType: RefType; limits: Limits; imported: boolean }[] = [];
  for (const imp of m.imports) {
    if (imp.desc.kind === 'table') out.push({ elemType: imp.desc.elemType, limits: imp.desc.limits, imported: true });
  }
  for (const t of m.tables) out.push({ ...t, imported: false });
  return out;
}

/** The module's one memory (imported or defined), if any. */
export function theMemory(m: WasmModule): { limits: Limits; imported: boolean } | undefined {
  for (const imp of m.imports) if (imp.desc.kind === 'memory') return { limits: imp.desc.limits, imported: true };
  return m.memories.length ? { limits: m.memories[0], imported: false } : undefined;
}

/** Display name of function `fi`: its name-section name, else its index. */
export function funcDisplayName(m: WasmModule, fi: number): string {
  const n = m.funcNames.get(fi);
  return n !== undefined ? `$${n}` : `${fi}`;
}
