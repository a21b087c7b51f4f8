// How a test driver (the spec-suite runner, the differential fuzzer) runs WebAssembly modules:
// instantiate, register under a name, invoke exports, read globals. Two implementations:
// v8-session.ts (Node's own WebAssembly, the reference) and native-session.ts (our AOT code on
// the `linux` target). Runners are written against this interface only.

export type ValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'funcref' | 'externref';

/** A value crossing the boundary: numbers as raw bits (so NaN payloads survive); refs as
 *  null or an opaque host number. */
export interface WasmValue {
  type: ValueType;
  /** i32/f32: low 32 bits; i64/f64: 64 bits; refs: null, or a host reference number. */
  bits: bigint | null;
}

export type InvokeOutcome =
  | { kind: 'return'; results: WasmValue[] }
  | { kind: 'trap'; message: string } // message names the trap kind, e.g. "integer divide by zero"
  | { kind: 'exhaustion'; message: string }; // call stack exhausted

export type InstantiateOutcome =
  | { kind: 'ok' }
  | { kind: 'trap'; message: string } // start function or segment initialisation trapped
  | { kind: 'unlinkable'; message: string } // an import is missing or of the wrong type
  | { kind: 'error'; message: string }; // malformed or invalid module, or unsupported feature

export interface WasmSession {
  /** Instantiates a module; `name` lets later commands refer to it (`$M` in .wast). The most
   *  recently instantiated module is the default target of invoke/get. Imports resolve against
   *  registered instances and the spec suite's `spectest` module. */
  instantiate(bytes: Uint8Array, name?: string): Promise<InstantiateOutcome>;
  /** Makes an instance's exports importable under module name `as`. */
  register(as: string, name?: string): Promise<void>;
  invoke(name: string | undefined, field: string, args: WasmValue[]): Promise<InvokeOutcome>;
  get(name: string | undefined, field: string): Promise<WasmValue>;
  close(): Promise<void>;
}
