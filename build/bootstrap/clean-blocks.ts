// Which blocks may be created without their outer context (Sista 249's ignoreOuterContext
// flag): those that neither return non-locally (^) nor read thisContext, themselves or in any
// block nested in them. Such a closure never reaches its home, so the VM need not give the
// creating frame a Context. The in-image compiler (ParseNode>>needsOuterContext) must agree.
import type { Expr, Statement } from './ast.ts';

/** True when the block `b` (or a block inside it) uses `^` or `thisContext`. */
export function needsOuterContext(b: Expr & { type: 'block' }): boolean {
  return b.body.some(statementNeedsOuter);
}

function statementNeedsOuter(s: Statement): boolean {
  return s.type === 'return' || exprNeedsOuter(s);
}

function exprNeedsOuter(e: Expr): boolean {
  switch (e.type) {
    case 'literal': return false;
    case 'variable': return e.name === 'thisContext';
    case 'assign': return exprNeedsOuter(e.value);
    case 'send': return exprNeedsOuter(e.receiver) || e.args.some(exprNeedsOuter);
    case 'cascade': return exprNeedsOuter(e.receiver) || e.messages.some(m => m.args.some(exprNeedsOuter));
    case 'block': return needsOuterContext(e);
    case 'brace': return e.elements.some(exprNeedsOuter);
  }
}
