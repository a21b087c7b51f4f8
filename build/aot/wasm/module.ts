// The decoded, validated form of a WebAssembly module: the contract between the
// front end (build/aot/wasm: decode + validate) and the back end (lowering, x86-64).
// Owned by the front end; the back end only reads it.

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | RefType;

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  max?: number;
}

export type ImportDesc =
  | { kind: 'func'; typeIndex: number }
  | { kind: 'table'; elemType: RefType; limits: Limits }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; type: ValType; mutable: boolean };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
}

export interface Export {
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global';
  index: number;
}

/** A constant expression (global initialisers, segment offsets, element items). */
export type ConstExpr =
  | { kind: 'i32.const'; value: number }
  | { kind: 'i64.const'; value: bigint }
  | { kind: 'f32.const'; bits: number } // raw IEEE bits, so NaN payloads survive
  | { kind: 'f64.const'; bits: bigint }
  | { kind: 'ref.null'; type: RefType }
  | { kind: 'ref.func'; funcIndex: number }
  | { kind: 'global.get'; globalIndex: number };

export interface Global {
  type: ValType;
  mutable: boolean;
  init: ConstExpr;
}

export interface Table {
  elemType: RefType;
  limits: Limits;
}

export interface ElemSegment {
  mode: 'active' | 'passive' | 'declarative';
  tableIndex: number; // active only
  offset?: ConstExpr; // active only
  elemType: RefType;
  items: ConstExpr[]; // each ref.func / ref.null / global.get
}

export interface DataSegment {
  mode: 'active' | 'passive';
  memoryIndex: number;
  offset?: ConstExpr;
  bytes: Uint8Array;
}

export interface FuncBody {
  /** Declared locals, expanded (params are not included). */
  locals: ValType[];
  /** The function's expression bytes, from the first instruction to the final `end` inclusive. */
  code: Uint8Array;
  /** Byte offset of code[0] in the module binary, for trap reports and diagnostics. */
  codeOffset: number;
}

export interface WasmModule {
  types: FuncType[];
  imports: Import[];
  /** Type index of each defined (non-imported) function, in order. */
  funcs: number[];
  tables: Table[]; // defined tables only
  memories: Limits[]; // defined memories only (at most one without multi-memory)
  globals: Global[]; // defined globals only
  exports: Export[];
  start?: number;
  elems: ElemSegment[];
  datas: DataSegment[];
  dataCount?: number;
  bodies: FuncBody[]; // one per defined function
  /** From the name section when present: function index (in the full index space) -> name. */
  funcNames: Map<number, string>;
  moduleName?: string;
  customSections: { name: string; offset: number; bytes: Uint8Array }[];

  // Index spaces include imports first, then definitions. Helpers in module-index.ts.
  numImportedFuncs: number;
  numImportedTables: number;
  numImportedMemories: number;
  numImportedGlobals: number;
}

/** An error in a module: malformed (bad binary) or invalid (fails validation). */
export class WasmError extends Error {
  constructor(
    readonly kind: 'malformed' | 'invalid' | 'unsupported',
    message: string,
    readonly offset: number,
    readonly funcIndex?: number,
  ) {
    super(`${kind} module at byte 0x${offset.toString(16)}: ${message}`);
  }
}
