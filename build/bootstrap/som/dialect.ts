// SOM is a dialect: a few selectors mean something else than in the Squeak-style library the
// program runs on (SOM's `Integer>>/` divides to an integer where Squeak answers a Fraction,
// `//` divides to a Double where Squeak floors). Overriding the library's methods would change
// them for the library's own code too, so SOM code is compiled to SOM-specific selectors instead,
// sends and method definitions alike, and smalltalk/SOM-Compat defines those on the library's
// classes with SOM's meaning. A SOM class that defines one of these selectors gets the renamed
// selector too, so sends to it still reach it.
import type { Expr, MethodNode } from '../ast.ts';

type SendExpr = Extract<Expr, { type: 'send' }>;

/** SOM selector → the selector it is compiled to (same number of arguments). */
export const SOM_SELECTORS: Readonly<Record<string, string>> = {
  // Integer: truncating integer division; Double: division.
  '/': 'somDivide:',
  // Division answering a Double.
  '//': 'somFloatDivide:',
  // SOM's Integer>>sqrt answers an Integer for a perfect square.
  'sqrt': 'somSqrt',
  // SOM's raisedTo: multiplies exponent times: 1 for an exponent below one.
  'raisedTo:': 'somRaisedTo:',
  // SOM's Array>>join: joins the receiver's elements; the library's receiver is the separator.
  'join:': 'somJoin:',
  // SOM's between:and: excludes both bounds.
  'between:and:': 'somBetween:and:',
  // SOM sends #value to the argument for every element (a block answers a new object each time).
  'new:withAll:': 'somNew:withAll:',
  'putAll:': 'somPutAll:',
  // SOM's Array>>indexOf: answers nil when absent; String>>indexOf: searches for a substring.
  'indexOf:': 'somIndexOf:',
  'indexOf:startingAt:': 'somIndexOf:startingAt:',
  // Squeak's `new` sends #initialize to the new instance; SOM's does not, and SOM classes define
  // #initialize to be sent explicitly (often with `new` on the class side doing so).
  'initialize': 'somInitialize',
};

/** The selector SOM code with this selector is compiled to. */
export function somSelector(selector: string): string {
  return Object.hasOwn(SOM_SELECTORS, selector) ? SOM_SELECTORS[selector] : selector;
}

/**
 * `a downTo: b do: [:i | ...]` (and `downTo:by:do:` with a literal step) means
 * `a to: b by: -step do: [...]`, which the compiler inlines as it does Squeak's loops; a block
 * that is not literal keeps the send (SOM-Compat defines it).
 */
function countDownToStep(send: SendExpr): void {
  const literalBlock = (e: Expr | undefined): boolean => e?.type === 'block' && e.args.length === 1;
  if (send.selector === 'downTo:do:' && literalBlock(send.args[1])) {
    const step: Expr = { type: 'literal', value: { kind: 'number', value: { kind: 'int', value: -1n } }, pos: send.pos };
    send.selector = 'to:by:do:';
    send.args = [send.args[0], step, send.args[1]];
  } else if (send.selector === 'downTo:by:do:' && literalBlock(send.args[2])) {
    const step = send.args[1];
    if (step.type !== 'literal' || step.value.kind !== 'number' || step.value.value.kind !== 'int') return;
    send.selector = 'to:by:do:';
    send.args = [send.args[0], { ...step, value: { kind: 'number', value: { kind: 'int', value: -step.value.value.value } } }, send.args[2]];
  }
}

/**
 * SOM's `a && [ b ]` and `a || [ b ]` are `a and: [ b ]` and `a or: [ b ]` (Boolean>>&& sends
 * and:), which the compiler inlines when the argument is a literal block.
 */
function shortCircuitToInlined(send: SendExpr): void {
  const arg = send.args[0];
  if ((send.selector === '&&' || send.selector === '||') && arg.type === 'block' && arg.args.length === 0) {
    send.selector = send.selector === '&&' ? 'and:' : 'or:';
  }
}

function walk(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'send' && typeof o.selector === 'string') {
    o.selector = somSelector(o.selector);
    countDownToStep(o as unknown as SendExpr);
    shortCircuitToInlined(o as unknown as SendExpr);
  }
  if (o.type === 'cascade') for (const m of o.messages as { selector: string }[]) m.selector = somSelector(m.selector);
  for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
}

/** Rewrites a SOM method's own selector and every selector it sends to the SOM dialect's. */
export function applySomSelectors(m: MethodNode): void {
  m.selector = somSelector(m.selector);
  walk(m.body);
}
