// Straight-line entry methods for primitive tests: each step pushes a receiver and arguments
// (literals, or temps kept by earlier steps) and sends a selector; the results are collected in
// an Array (at most 127 steps) or dropped. `primMethod` builds the `<primitive: N error: ec> ^ ec`
// methods the steps call, so a failing primitive answers its error (a Symbol from the error
// table, or nil for a plain failure) instead of running fallback code.

import { SpurBuilder, SObj, Val } from './spur-builder.ts';

export type Ref = { t: number };
export type Arg = Val | Ref;
export interface Step { rcv: Arg; sel: string; args?: Arg[]; keep?: number }

const RET_TOP = 92;
const pushLit = (i: number): number[] => (i < 32 ? [32 + i] : i < 256 ? [228, i] : [224, i >> 8, 228, i & 255]);
const sendLit = (i: number, n: number): number[] =>
  (i < 16 && n <= 2 ? [128 + 16 * n + i] : [224, i >> 5, 234, ((i & 31) << 3) | n]);

/** Installs `<primitive: prim error: ec> ^ ec` as selector in each class. */
export function primMethod(b: SpurBuilder, classes: string[], selector: string, prim: number, numArgs: number): void {
  const code = [245, numArgs, ...(numArgs < 12 ? [64 + numArgs] : [229, numArgs]), RET_TOP];
  for (const c of classes) b.install(c, selector, { numArgs, numTemps: numArgs + 1, prim, bytecodes: code });
}

/** The entry method running steps; answers an Array of the results (collect) or nil. */
export function stepsMethod(b: SpurBuilder, steps: Step[], collect: boolean): SObj {
  if (collect && steps.length > 127) throw new Error('at most 127 collected steps');
  const lits: Val[] = [];
  const litIndex = (v: Val): number => {
    let i = lits.indexOf(v);
    if (i < 0) { lits.push(v); i = lits.length - 1; }
    return i;
  };
  const code: number[] = [];
  const push = (a: Arg): void => {
    if (typeof a === 'object' && a !== null && 't' in a) code.push(64 + (a as Ref).t);
    else code.push(...pushLit(litIndex(a as Val)));
  };
  for (const s of steps) {
    push(s.rcv);
    for (const a of s.args ?? []) push(a);
    code.push(...sendLit(litIndex(b.sym(s.sel)), (s.args ?? []).length));
    if (s.keep !== undefined) code.push(83, 208 + s.keep); // dup, store-pop into the temp
    if (!collect) code.push(216); // pop
  }
  if (collect) code.push(231, 128 | steps.length, RET_TOP);
  else code.push(79, RET_TOP); // ^ nil
  return b.method({ numTemps: 8, literals: lits, bytecodes: code });
}
