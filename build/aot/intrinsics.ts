// Target intrinsics: imports the compiler emits inline instead of calling through the vmctx.
// A target registers a table keyed by (module, name); the lowering looks an import up there
// first. Registering a target's intrinsics is one call:
//
//   registerIntrinsics('xen', 'xen', 'pause', { params: [], results: [], emit: ({ asm }) => asm.bytes(0xf3, 0x90) });
//
// Calling convention of an emitter (the lowering arranges it):
// - integer arguments (i32 zero-extended, i64) arrive in rdi, rsi, rdx, rcx, r8, r9, then
//   r10, r11, rax for the 7th to 9th (WASI path_open has 9), in order; float arguments in xmm0,
//   xmm1, ... (their own sequence). At most 9 integer and 8 float arguments (lower.ts
//   callIntrinsic refuses more).
// - the (single) result is left in rax (i32 zero-extended / i64) or xmm0 (f32/f64).
// - every allocatable register may be clobbered (the value stack is spilled before the call);
//   r14 (linear-memory base), r15 (vmctx), rbp and rsp must be preserved, and rsp must be
//   restored to its value on entry. rsp is 16-byte aligned on entry.
// - `ctx.trapLabel(kind)` returns a label that raises a precise wasm trap (attributed to the call
//   site) when the emitter jumps to it; `ctx.trapIf(cond, kind)` jumps there when cond holds.
import type { Assembler, Cond, Label } from './x64/encoder.ts';
import type { ProgramObject } from './object.ts';
import type { TrapKind } from './abi.ts';
import type { ValType } from './wasm/module.ts';

export interface IntrinsicContext {
  asm: Assembler;
  obj: ProgramObject;
  /** A label that raises the given trap, reported at the call site. */
  trapLabel(kind: TrapKind): Label;
  /** Jump to a trap when `cond` holds. */
  trapIf(cond: Cond, kind: TrapKind): void;
}

export interface Intrinsic {
  params: ValType[];
  results: ValType[];
  emit(ctx: IntrinsicContext): void;
}

const tables = new Map<string, Map<string, Intrinsic>>();
const key = (module: string, name: string) => `${module}\u0000${name}`;

/** Registers an intrinsic for a target. Registering the same (module, name) twice is an error. */
export function registerIntrinsics(target: string, module: string, name: string, intrinsic: Intrinsic): void {
  let t = tables.get(target);
  if (!t) tables.set(target, (t = new Map()));
  const k = key(module, name);
  if (t.has(k)) throw new Error(`intrinsic ${module}.${name} registered twice for target ${target}`);
  t.set(k, intrinsic);
}

export function lookupIntrinsic(target: string, module: string, name: string): Intrinsic | undefined {
  return tables.get(target)?.get(key(module, name));
}

export function intrinsicNames(target: string): string[] {
  return [...(tables.get(target)?.keys() ?? [])].map((k) => k.replace('\u0000', '.'));
}
