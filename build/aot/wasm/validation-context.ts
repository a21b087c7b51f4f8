// The module-wide facts the function validator needs, as numeric tables (type codes from
// opcodes.ts T): built once per module by validateModule.
import type { WasmModule } from './module.ts';
import { valTypeCode } from './value-types.ts';

export interface SigCodes {
  params: Uint8Array;
  results: Uint8Array;
}

export interface ValidationContext {
  m: WasmModule;
  types: SigCodes[];
  /** Type index of every function (imports first). */
  funcTypes: Uint32Array;
  /** Element type code of every table (imports first). */
  tableTypes: Uint8Array;
  memoryCount: number;
  globalTypes: Uint8Array;
  globalMutable: Uint8Array;
  elemTypes: Uint8Array;
  dataCount: number | undefined;
  /** 1 where a function may be referenced by ref.func in code (declared outside functions). */
  refs: Uint8Array;
}

export function buildContext(m: WasmModule): ValidationContext {
  const types = m.types.map((t) => ({
    params: Uint8Array.from(t.params, valTypeCode),
    results: Uint8Array.from(t.results, valTypeCode),
  }));
  const funcTypes: number[] = [];
  const tableTypes: number[] = [];
  const globalTypes: number[] = [];
  const globalMutable: number[] = [];
  let memoryCount = 0;
  for (const imp of m.imports) {
    const d = imp.desc;
    if (d.kind === 'func') funcTypes.push(d.typeIndex);
    else if (d.kind === 'table') tableTypes.push(valTypeCode(d.elemType));
    else if (d.kind === 'memory') memoryCount++;
    else {
      globalTypes.push(valTypeCode(d.type));
      globalMutable.push(d.mutable ? 1 : 0);
    }
  }
  for (const t of m.funcs) funcTypes.push(t);
  for (const t of m.tables) tableTypes.push(valTypeCode(t.elemType));
  memoryCount += m.memories.length;
  for (const g of m.globals) {
    globalTypes.push(valTypeCode(g.type));
    globalMutable.push(g.mutable ? 1 : 0);
  }
  const refs = new Uint8Array(funcTypes.length);
  const declare = (fi: number): void => {
    if (fi < refs.length) refs[fi] = 1;
  };
  for (const e of m.elems) for (const item of e.items) if (item.kind === 'ref.func') declare(item.funcIndex);
  for (const g of m.globals) if (g.init.kind === 'ref.func') declare(g.init.funcIndex);
  for (const x of m.exports) if (x.kind === 'func') declare(x.index);
  return {
    m,
    types,
    funcTypes: Uint32Array.from(funcTypes),
    tableTypes: Uint8Array.from(tableTypes),
    memoryCount,
    globalTypes: Uint8Array.from(globalTypes),
    globalMutable: Uint8Array.from(globalMutable),
    elemTypes: Uint8Array.from(m.elems, (e) => valTypeCode(e.elemType)),
    dataCount: m.dataCount,
    refs,
  };
}
