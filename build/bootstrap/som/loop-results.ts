// SOM's `to:do:`, `to:by:do:` (and `downTo:do:`, which dialect.ts turns into it) and
// `timesRepeat:` answer their receiver; the compiler inlines these loops with literal blocks as
// Squeak's does, answering nil, which the library keeps. Where SOM code uses a loop's value, the
// loop becomes `((t := receiver) to: ... do: [...]) ifNil: [t]`: still inlined, receiver
// evaluated once and first, and the value is the receiver (a loop that is not inlined already
// answers it, so the ifNil: is then not taken). A loop whose value is dropped is left alone.
import type { Expr, MethodNode, Statement, VarDecl } from '../ast.ts';

type SendExpr = Extract<Expr, { type: 'send' }>;
type BlockExpr = Extract<Expr, { type: 'block' }>;
type Scope = { temps: VarDecl[] };

const LOOPS = new Set(['to:do:', 'to:by:do:', 'timesRepeat:']);
// Control sends the compiler inlines whose argument blocks answer the send's value.
const VALUE_BLOCKS = new Set(['ifTrue:', 'ifFalse:', 'ifTrue:ifFalse:', 'ifFalse:ifTrue:', 'and:', 'or:',
  'ifNil:', 'ifNotNil:', 'ifNil:ifNotNil:', 'ifNotNil:ifNil:']);

class LoopResults {
  private count = 0;

  statements(body: Statement[], lastUsed: boolean, scope: Scope): void {
    body.forEach((s, i) => {
      if (s.type === 'return') this.expr(s.value, true, scope);
      else this.expr(s, lastUsed && i === body.length - 1, scope);
    });
  }

  private block(b: BlockExpr, lastUsed: boolean): void {
    this.statements(b.body, lastUsed, b);
  }

  /** An argument or receiver of a send: a literal block's last statement is used as `used` says. */
  private operand(e: Expr, blockUsed: boolean, scope: Scope): void {
    if (e.type === 'block') this.block(e, blockUsed);
    else this.expr(e, true, scope);
  }

  expr(e: Expr, used: boolean, scope: Scope): void {
    switch (e.type) {
      case 'assign': this.expr(e.value, true, scope); return;
      case 'block': this.block(e, true); return;
      case 'brace': for (const x of e.elements) this.expr(x, true, scope); return;
      case 'cascade':
        this.expr(e.receiver, true, scope);
        for (const m of e.messages) for (const a of m.args) this.expr(a, true, scope);
        return;
      case 'send': this.send(e, used, scope); return;
      default: return;
    }
  }

  private send(e: SendExpr, used: boolean, scope: Scope): void {
    const sel = e.selector;
    if (sel === 'whileTrue:' || sel === 'whileFalse:') {
      this.operand(e.receiver, true, scope);
      this.operand(e.args[0], false, scope);
    } else if (sel === 'whileTrue' || sel === 'whileFalse' || sel === 'repeat') {
      this.operand(e.receiver, sel !== 'repeat', scope);
    } else if (LOOPS.has(sel)) {
      this.expr(e.receiver, true, scope);
      e.args.forEach((a, i) => this.operand(a, i < e.args.length - 1, scope));
    } else {
      this.expr(e.receiver, true, scope);
      for (const a of e.args) this.operand(a, VALUE_BLOCKS.has(sel) ? used : true, scope);
    }
    if (used && LOOPS.has(sel)) this.answerReceiver(e, scope);
  }

  /** Rewrites the loop in place into `((t := receiver) loop...) ifNil: [t]`. */
  private answerReceiver(e: SendExpr, scope: Scope): void {
    const name = `loop__r${++this.count}`;
    scope.temps.push({ name, pos: e.pos });
    const loop: SendExpr = {
      ...e,
      receiver: { type: 'assign', variable: { name, pos: e.pos }, value: e.receiver, pos: e.pos },
    };
    e.receiver = loop;
    e.selector = 'ifNil:';
    e.args = [{ type: 'block', args: [], temps: [], body: [{ type: 'variable', name, pos: e.pos }], pos: e.pos }];
  }
}

/** Makes every loop of a SOM method whose value is used answer its receiver, as SOM's do. */
export function keepLoopReceivers(m: MethodNode): void {
  new LoopResults().statements(m.body, false, m);
}
