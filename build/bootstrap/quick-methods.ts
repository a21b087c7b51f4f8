// Squeak's quick methods: a method without arguments or a primitive whose whole body is
// `^self`, `^true`, `^false`, `^nil`, `^-1`, `^0`, `^1`, `^2` or `^instVar` (also an empty body,
// which returns self) gets a quick-return primitive, 256 (self), 257-259 (true, false, nil),
// 260-263 (-1..2) or 264 + the instance variable's 0-based index (up to 255). The method keeps
// its bytecodes (after the callPrimitive that SistaV1 uses to carry the number); the VM answers
// the value without activating it. smalltalk/Compiler (MethodCompiler>>quickPrimitive) applies
// the same rule, so both compilers make identical methods.
import type { MethodNode } from './ast.ts';

export const QUICK_SELF = 256;
export const QUICK_FIRST_CONSTANT = 257; // true, false, nil, -1, 0, 1, 2
export const QUICK_FIRST_INST_VAR = 264;
export const QUICK_MAX_INST_VAR = 255;

/** The quick-return primitive for a method, or 0 when it is not a quick method. */
export function quickPrimitiveOf(m: MethodNode, instVarNames: readonly string[]): number {
  if (m.args.length > 0) return 0;
  if (m.body.length === 0) return QUICK_SELF;
  if (m.body.length !== 1) return 0;
  const s = m.body[0];
  if (s.type !== 'return') return 0;
  const e = s.value;
  if (e.type === 'variable') {
    if (e.name === 'self') return QUICK_SELF;
    // (a temp may not share an instance variable's name, so the name is the instance variable)
    const iv = instVarNames.indexOf(e.name);
    return iv >= 0 && iv <= QUICK_MAX_INST_VAR ? QUICK_FIRST_INST_VAR + iv : 0;
  }
  if (e.type !== 'literal') return 0;
  const lit = e.value;
  if (lit.kind === 'true') return QUICK_FIRST_CONSTANT;
  if (lit.kind === 'false') return QUICK_FIRST_CONSTANT + 1;
  if (lit.kind === 'nil') return QUICK_FIRST_CONSTANT + 2;
  if (lit.kind === 'number' && lit.value.kind === 'int' && lit.value.value >= -1n && lit.value.value <= 2n) {
    return QUICK_FIRST_CONSTANT + 4 + Number(lit.value.value);
  }
  return 0;
}
