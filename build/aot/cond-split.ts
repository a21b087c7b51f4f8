// Conditions built as `i32.and` / `i32.or` of a comparison (Binaryen folds nested
// `if (a) { if (b) ... }` into `if (i32.and a (cmp ...))`). Materialised they cost
// `setcc; movzx; and; je`; split, the comparison's flags feed a jump of their own:
//   and:  j!cc false; test a, 1; je false     (and's result is non-zero iff b and a's bit 0,
//                                               b being 0/1)
//   or:   jcc true;   test a, a; je false     (`if` only: its then-arm is `true`)
// `false` is the `if`'s else label or the code after the br_if (lower.ts binds it), `true`
// the start of the then-arm. The comparison's setcc/movzx, the last code emitted, are taken back.
import type { Assembler, Cond, Label } from './x64/encoder.ts';
import { invertCond } from './x64/encoder.ts';
import type { Val } from './regalloc.ts';

/** A comparison result just materialised: `setcc r; movzx r, r` at [at, end). */
export interface SetCond { r: number; cc: Cond; at: number; end: number; binds: number }

/** Where the split jump goes: lower.ts binds `onFalse` on the false path of the consuming
 *  if/br_if, or `onTrue` at the start of the `if`'s then-arm. */
export interface Split { onFalse?: Label; onTrue?: Label }

export interface SplitContext {
  asm: Assembler;
  stack: { length: number; peek(n?: number): Val; pop(): Val; free(v: Val): void; flush(): void; push(v: Val): void };
  last: SetCond | undefined;
  /** The opcode after the and/or, and whether the branch it makes can take the split jump
   *  (no values carried, no block parameters, not a rotated loop's head). */
  next: number;
  nextOk: boolean;
}

/** Emits the split form of i32.and (0x71) / i32.or (0x72) when its operands allow; returns the
 *  labels to bind, or undefined (nothing emitted). Leaves `test` flags meaning "true" on NE and
 *  the stack with a placeholder for the condition (as lower.ts's pending conditions). */
export function splitCondition(op: number, cx: SplitContext): Split | undefined {
  const a = cx.asm, s = cx.stack, ls = cx.last;
  if (!cx.nextOk || !(cx.next === 0x04 || (op === 0x71 && cx.next === 0x0d))) return undefined;
  if (!ls || ls.end !== a.pos || ls.binds !== a.binds || s.length < 2) return undefined;
  const b = s.peek(0), x = s.peek(1);
  if (b.t !== 'i32' || b.loc.k !== 'reg' || b.loc.r !== ls.r) return undefined;
  if (x.t !== 'i32' || x.loc.k !== 'reg') return undefined;
  s.pop();
  s.pop();
  s.free(b);
  a.rewind(ls.at); // flags still hold b's comparison
  s.flush(); // (movs only) the values below are where the branch's other path puts them
  const split: Split = {};
  if (op === 0x71) {
    split.onFalse = a.label();
    a.jcc(invertCond(ls.cc), split.onFalse);
    a.testRI(4, x.loc.r, 1);
  } else {
    split.onTrue = a.label();
    a.jcc(ls.cc, split.onTrue);
    a.testRR(4, x.loc.r, x.loc.r);
  }
  s.free(x);
  s.push({ t: 'i32', loc: { k: 'const', bits: 0n } });
  return split;
}
