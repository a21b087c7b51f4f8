// The machine-level ABI of compiled code (prose: build/aot/abi.md). Everything that two pieces
// of emitted code must agree on lives here: pinned registers, the vmctx layout, frame layout,
// table entry layout, trap codes.
import { Reg } from './x64/encoder.ts';
import type { FuncType, WasmModule } from './wasm/module.ts';

/** Pinned: the current instance's vmctx and its linear-memory base. Preserved across calls. */
export const VMCTX = Reg.r15;
export const MEMBASE = Reg.r14;

/** Allocatable general registers, in order of preference (rax is scratch: constants, copies,
 *  addresses). rcx and rdx come last: they also serve as fixed operands (shift counts in cl,
 *  rdx:rax of division, br_table and call_indirect indices), where the lowering claims them
 *  (ValueStack.claim: any stack value in them moves elsewhere first). */
export const GPR_POOL: Reg[] = [Reg.rbx, Reg.rsi, Reg.rdi, Reg.r8, Reg.r9, Reg.r10, Reg.r11, Reg.r12, Reg.r13, Reg.rcx, Reg.rdx];
/** Pool registers the lowering also uses as fixed operands: never pinned nor reserved for block
 *  results (a claim only sees values on the stack). */
export const CLAIMABLE_GPRS: Reg[] = [Reg.rcx, Reg.rdx];
/** Allocatable xmm registers; xmm14/xmm15 are scratch. */
export const XMM_POOL: number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
export const XMM_SCRATCH = 15;
export const XMM_SCRATCH2 = 14;

// ---- vmctx (one per instance) -------------------------------------------------------------
export const VM_MEMBASE = 0; // u64 copy of the memory's base (never moves)
export const VM_MEMDESC = 8; // pointer to the memory descriptor
export const VM_STACK_LIMIT = 16; // lowest rsp a frame may reach
export const VM_HEADER = 32;

// memory descriptor: { base u64, pages u64, maxPages u64 }
export const MEM_BASE = 0;
export const MEM_PAGES = 8;
export const MEM_MAX = 16;
export const MEMDESC_SIZE = 24;
/** Virtual space reserved per memory: any 32-bit index plus 32-bit offset plus access size. */
export const MEMORY_RESERVATION = 8n * 1024n * 1024n * 1024n + 65536n;
export const WASM_PAGE = 65536;
export const MAX_PAGES = 65536;

// table descriptor: { elems u64, size u64, max u64, capacity u64 }; entries are reference
// values (TABLE_ENTRY bytes): 0 = null; a funcref is a pointer to a funcref record.
export const TBL_ELEMS = 0;
export const TBL_SIZE = 8;
export const TBL_MAX = 16;
export const TBL_CAP = 24;
export const TBLDESC_SIZE = 32;
export const TABLE_ENTRY = 8;
export const TABLE_ENTRY_SHIFT = 3;
// funcref record (one per function per instance, static): { typeId u64, code u64, vmctx u64, pad }
export const FUNCREF_SIZE = 32;
export const ENT_TYPE = 0;
export const ENT_CODE = 8;
export const ENT_VMCTX = 16;

export interface VmctxLayout {
  size: number;
  /** per imported function: { code u64, vmctx u64 } */
  importFunc(i: number): number;
  /** per table (imported or defined): pointer to its descriptor */
  tablePtr(i: number): number;
  /** per global (imported or defined): pointer to its 8-byte cell */
  globalPtr(i: number): number;
  /** cells of defined globals */
  globalCell(definedIndex: number): number;
  /** descriptor of the defined memory, if any */
  memDesc: number;
  /** descriptors of defined tables */
  tableDesc(definedIndex: number): number;
  /** per data segment: its current length (0 once dropped, or once an active segment is applied) */
  dataLen(segment: number): number;
  /** per element segment: its current length (same rules) */
  elemLen(segment: number): number;
}

export function vmctxLayout(m: WasmModule): VmctxLayout {
  const nTables = m.numImportedTables + m.tables.length;
  const nGlobals = m.numImportedGlobals + m.globals.length;
  const imports = VM_HEADER;
  const tables = imports + 16 * m.numImportedFuncs;
  const globals = tables + 8 * nTables;
  const cells = globals + 8 * nGlobals;
  const memDesc = cells + 8 * m.globals.length;
  const tableDescs = memDesc + MEMDESC_SIZE;
  const dataLens = tableDescs + TBLDESC_SIZE * m.tables.length;
  const elemLens = dataLens + 8 * m.datas.length;
  const size = elemLens + 8 * m.elems.length;
  return {
    size,
    importFunc: (i) => imports + 16 * i,
    tablePtr: (i) => tables + 8 * i,
    globalPtr: (i) => globals + 8 * i,
    globalCell: (i) => cells + 8 * i,
    memDesc,
    tableDesc: (i) => tableDescs + TBLDESC_SIZE * i,
    dataLen: (k) => dataLens + 8 * k,
    elemLen: (k) => elemLens + 8 * k,
  };
}

// ---- frames -----------------------------------------------------------------------------------
// [rbp+16+8i]  argument i on entry, result i on return (caller reserves max(params, results))
// [rbp+8]      return address          [rbp] caller's rbp
// [rbp-8]      saved vmctx (r15), reloaded after calls that switch instance (written only by
//              functions that make such calls: prologue-scan.ts)
// [rbp-16-8j]  declared local j (zeroed in the prologue unless written before every read)
// below        value-stack spill slots, one per stack depth, then the outgoing argument area at rsp
export const FRAME_SAVED_VMCTX = -8;
export const argOffset = (i: number) => 16 + 8 * i;

// ---- traps (codes shared with docs/xen-intrinsics.md rule 5: ud2 then one code byte) ---------
export const TRAP = {
  unreachable: 0,
  divideByZero: 1,
  overflow: 2,
  invalidConversion: 3,
  outOfBoundsMemory: 4,
  indirectTypeMismatch: 5,
  uninitializedElement: 6,
  stackExhausted: 7,
  outOfBoundsTable: 8,
  nullReference: 9,
  undefinedElement: 10,
} as const;
export type TrapKind = keyof typeof TRAP;
/** The wording of the WebAssembly spec test suite. */
export const TRAP_MESSAGE: Record<TrapKind, string> = {
  unreachable: 'unreachable',
  divideByZero: 'integer divide by zero',
  overflow: 'integer overflow',
  invalidConversion: 'invalid conversion to integer',
  outOfBoundsMemory: 'out of bounds memory access',
  indirectTypeMismatch: 'indirect call type mismatch',
  uninitializedElement: 'uninitialized element',
  stackExhausted: 'call stack exhausted',
  outOfBoundsTable: 'out of bounds table access',
  nullReference: 'null reference',
  undefinedElement: 'undefined element',
};

/** Canonical signature ids, shared by every module linked into one program (call_indirect
 *  compares them, so structurally equal types from different modules match). */
export class TypeRegistry {
  private ids = new Map<string, number>();
  idOf(t: FuncType): number {
    const key = `${t.params.join(',')}->${t.results.join(',')}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size + 1; // 0 never matches: it marks an empty entry
      this.ids.set(key, id);
    }
    return id;
  }
}
