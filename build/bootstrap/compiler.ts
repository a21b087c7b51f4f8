// Smalltalk → SistaV1 compiler. Produces image-independent descriptions of CompiledMethods and
// CompiledBlocks (header fields, literal frame, bytecodes); the image builder turns them into
// objects. Follows Squeak's compiler: inlined control structures, full block closures with
// copied values, remote temp vectors for captured-and-written temps, non-local return.
import type { Expr, Literal, MethodNode, Statement, VarDecl } from './ast.ts';
import { BytecodeEmitter, type Label, numArgsOf } from './bytecode-emitter.ts';
import { errorAt, type SourceFile } from './source-error.ts';
import { quickPrimitiveOf } from './quick-methods.ts';
import { needsOuterContext } from './clean-blocks.ts';

/** A variable whose value lives in an Association (global or class variable). */
export interface BindingRef {
  readonly kind: 'global' | 'classVar';
  readonly name: string;
  readonly owner: string; // class that owns the pool, or 'Smalltalk'
}

export type LiteralRef =
  | { k: 'value'; value: Literal }
  | { k: 'binding'; binding: BindingRef }
  | { k: 'block'; code: CompiledCode }
  | { k: 'namedPrimitive'; module: string | null; name: string }
  | { k: 'methodClass' }
  | { k: 'outerCode' };

export interface CompiledCode {
  isBlock: boolean;
  selector: string; // for blocks, the home method's selector
  numArgs: number;
  numTemps: number;
  primitive: number;
  largeFrame: boolean;
  literals: LiteralRef[];
  bytecodes: Uint8Array;
}

export interface CompileEnvironment {
  className: string; // "Foo" or "Foo class"
  instVarNames: readonly string[]; // inherited first
  /** Class variables visible from the class (its pool and its superclasses'), or undefined. */
  classVar(name: string): BindingRef | undefined;
  global(name: string): BindingRef | undefined;
}

const PSEUDO = new Set(['self', 'super', 'nil', 'true', 'false', 'thisContext']);
export const LARGE_FRAME = 56;
const SMALL_FRAME = 16;

// ---- scopes ----

class Variable {
  captured = false;
  written = false;
  remote = false;
  remoteIndex = -1;
  /** The name scope whose temp vector holds this variable when it is remote. */
  owner: NameScope | undefined;
  /** The hidden temp holding that vector. */
  vectorVar: Variable | undefined;
  constructor(
    readonly name: string,
    readonly kind: 'arg' | 'temp' | 'hidden',
    readonly scope: CodeScope,
    readonly pos: number,
  ) {}
}

/** A method or a non-inlined block: one frame at run time. */
class CodeScope {
  args: Variable[] = [];
  locals: Variable[] = [];
  free: Variable[] = []; // variables of outer scopes referenced here or in nested blocks
  copied: Variable[] = [];
  /** Temp vectors of this frame: the scope's own (created on entry) and those of inlined blocks. */
  vectors: Variable[] = [];
  ownVector: Variable | undefined;
  layout = new Map<Variable, number>();
  errorTemp: Variable | undefined;
  constructor(readonly parent: CodeScope | undefined) {}

  addFree(v: Variable): void {
    if (!this.free.includes(v)) this.free.push(v);
  }
}

/** Lexical name scope (a method, a block, or an inlined block). */
class NameScope {
  names = new Map<string, Variable>();
  /** Captured-and-written temps declared here that live in this scope's temp vector. */
  remotes: Variable[] = [];
  vector: Variable | undefined;
  constructor(
    readonly parent: NameScope | undefined,
    readonly code: CodeScope,
    /** Inlined blocks (ifTrue:, loops...) share their enclosing frame. */
    readonly inlined = false,
  ) {}
  lookup(name: string): Variable | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
}

type BlockExpr = Expr & { type: 'block' };
type SendExpr = Expr & { type: 'send' };

const isBlock = (e: Expr | undefined, nargs: number): e is BlockExpr =>
  e !== undefined && e.type === 'block' && e.args.length === nargs;

/** Which inlining applies to a send, if any (Squeak's MessageNode macros). */
function inlineKind(send: SendExpr): string | undefined {
  const [a0, a1] = send.args;
  switch (send.selector) {
    case 'ifTrue:': case 'ifFalse:': case 'and:': case 'or:':
      return isBlock(a0, 0) ? send.selector : undefined;
    case 'ifTrue:ifFalse:': case 'ifFalse:ifTrue:':
      return isBlock(a0, 0) && isBlock(a1, 0) ? send.selector : undefined;
    case 'ifNil:':
      return isBlock(a0, 0) ? send.selector : undefined;
    case 'ifNotNil:':
      return isBlock(a0, 0) || isBlock(a0, 1) ? send.selector : undefined;
    case 'ifNil:ifNotNil:':
      return isBlock(a0, 0) && (isBlock(a1, 0) || isBlock(a1, 1)) ? send.selector : undefined;
    case 'ifNotNil:ifNil:':
      return (isBlock(a0, 0) || isBlock(a0, 1)) && isBlock(a1, 0) ? send.selector : undefined;
    case 'whileTrue:': case 'whileFalse:':
      return isBlock(send.receiver, 0) && isBlock(a0, 0) ? send.selector : undefined;
    case 'whileTrue': case 'whileFalse': case 'repeat':
      return isBlock(send.receiver, 0) ? send.selector : undefined;
    case 'timesRepeat:':
      return isBlock(a0, 0) ? send.selector : undefined;
    case 'to:do:':
      return isBlock(a1, 1) ? send.selector : undefined;
    case 'to:by:do:': {
      const step = send.args[1];
      const ok = step.type === 'literal' && step.value.kind === 'number' && step.value.value.kind === 'int' && step.value.value.value !== 0n && step.value.value.value >= -32768n && step.value.value.value <= 32767n;
      return ok && isBlock(send.args[2], 1) ? send.selector : undefined;
    }
  }
  return undefined;
}

/** The blocks of an inlined send that are compiled in line (not closures). */
function inlinedBlocks(send: SendExpr, kind: string): BlockExpr[] {
  const out: BlockExpr[] = [];
  if (kind.startsWith('while') || kind === 'repeat') out.push(send.receiver as BlockExpr);
  for (const a of send.args) if (a.type === 'block') out.push(a);
  return out;
}

export class MethodCompiler {
  private inlined = new Set<BlockExpr>();
  private hidden = new Map<Expr, Variable>(); // to:do: limits, timesRepeat: counters
  private blockScopes = new Map<BlockExpr, { code: CodeScope; names: NameScope }>();
  private inlinedNames = new Map<BlockExpr, NameScope>();
  private methodScope!: CodeScope;
  private methodNames!: NameScope;

  constructor(
    readonly file: SourceFile,
    readonly method: MethodNode,
    readonly env: CompileEnvironment,
  ) {}

  private fail(pos: number, message: string): never {
    throw errorAt(this.file, pos, message);
  }

  compile(): CompiledCode {
    this.analyzeMethod();
    this.allocate();
    return this.generateMethod();
  }

  // ================= analysis =================

  private frameNames = new Map<CodeScope, NameScope>();
  private allNames: NameScope[] = [];

  private declare(names: NameScope, decl: VarDecl, kind: 'arg' | 'temp', inlinedArg = false): Variable {
    if (PSEUDO.has(decl.name)) this.fail(decl.pos, `'${decl.name}' is a reserved name and cannot be declared`);
    if (names.names.has(decl.name)) this.fail(decl.pos, `duplicate ${kind === 'arg' ? 'argument' : 'temporary'} '${decl.name}'`);
    if (names.parent?.lookup(decl.name)) this.fail(decl.pos, `'${decl.name}' shadows a variable of an outer scope`);
    if (this.env.instVarNames.includes(decl.name)) this.fail(decl.pos, `'${decl.name}' shadows an instance variable of ${this.env.className}`);
    const v = new Variable(decl.name, kind, names.code, decl.pos);
    // Temps of an inlined block get a fresh temp vector each time the block's code is entered
    // (each loop iteration), as Squeak's compiler does; everything else uses the frame's.
    v.owner = names.inlined && !inlinedArg ? names : this.frameNames.get(names.code)!;
    names.names.set(decl.name, v);
    if (kind === 'arg') names.code.args.push(v);
    else names.code.locals.push(v);
    return v;
  }

  private analyzeMethod(): void {
    const m = this.method;
    this.methodScope = new CodeScope(undefined);
    this.methodNames = new NameScope(undefined, this.methodScope);
    this.frameNames.set(this.methodScope, this.methodNames);
    this.allNames.push(this.methodNames);
    for (const a of m.args) this.declare(this.methodNames, a, 'arg');
    if (m.args.length > 15) this.fail(m.pos, 'a method has at most 15 arguments');
    for (const t of m.temps) this.declare(this.methodNames, t, 'temp');
    for (const p of m.pragmas) {
      if (p.errorTemp) {
        const v = this.declare(this.methodNames, p.errorTemp, 'temp');
        // The error code temp must be the last temp (the VM's store after callPrimitive is then a no-op).
        this.methodScope.errorTemp = v;
      }
    }
    this.analyzeStatements(m.body, this.methodNames);
  }

  private analyzeStatements(stmts: Statement[], names: NameScope): void {
    for (const s of stmts) this.analyze(s.type === 'return' ? s.value : s, names);
  }

  private analyze(e: Expr, names: NameScope): void {
    switch (e.type) {
      case 'literal':
        return;
      case 'variable':
        this.reference(e.name, e.pos, names, false);
        return;
      case 'assign':
        this.reference(e.variable.name, e.variable.pos, names, true);
        this.analyze(e.value, names);
        return;
      case 'cascade':
        this.analyze(e.receiver, names);
        for (const m of e.messages) for (const a of m.args) this.analyze(a, names);
        return;
      case 'brace':
        for (const x of e.elements) this.analyze(x, names);
        return;
      case 'block': {
        const code = new CodeScope(names.code);
        const inner = new NameScope(names, code);
        this.frameNames.set(code, inner);
        this.allNames.push(inner);
        this.blockScopes.set(e, { code, names: inner });
        for (const a of e.args) this.declare(inner, a, 'arg');
        if (e.args.length > 15) this.fail(e.pos, 'a block has at most 15 arguments');
        for (const t of e.temps) this.declare(inner, t, 'temp');
        this.analyzeStatements(e.body, inner);
        return;
      }
      case 'send': {
        const kind = inlineKind(e);
        if (!kind) {
          if (e.receiver.type !== 'variable' || e.receiver.name !== 'super') this.analyze(e.receiver, names);
          for (const a of e.args) this.analyze(a, names);
          return;
        }
        const blocks = inlinedBlocks(e, kind);
        for (const b of blocks) this.inlined.add(b);
        if (kind === 'to:do:' || kind === 'to:by:do:' || kind === 'timesRepeat:') {
          const limit = kind === 'timesRepeat:' ? e.receiver : e.args[0];
          const needsHidden = kind === 'timesRepeat:' || !(limit.type === 'literal' && limit.value.kind === 'number' && limit.value.value.kind === 'int');
          if (needsHidden) {
            const h = new Variable(kind === 'timesRepeat:' ? '<counter>' : '<limit>', 'hidden', names.code, e.pos);
            names.code.locals.push(h);
            this.hidden.set(e, h);
          }
          if (kind === 'timesRepeat:') {
            const lim = new Variable('<times>', 'hidden', names.code, e.pos);
            names.code.locals.push(lim);
            this.hidden.set(e.receiver, lim);
          }
        }
        if (!blocks.includes(e.receiver as BlockExpr)) this.analyze(e.receiver, names);
        for (const a of e.args) if (!blocks.includes(a as BlockExpr)) this.analyze(a, names);
        for (const b of blocks) {
          const inner = new NameScope(names, names.code, true);
          this.allNames.push(inner);
          this.inlinedNames.set(b, inner);
          for (const a of b.args) {
            // Arguments of inlined blocks become temps of the enclosing frame, written by the loop.
            const v = this.declare(inner, a, 'temp', true);
            v.written = true;
          }
          for (const t of b.temps) this.declare(inner, t, 'temp');
          this.analyzeStatements(b.body, inner);
        }
        return;
      }
    }
  }

  private reference(name: string, pos: number, names: NameScope, write: boolean): void {
    if (PSEUDO.has(name)) {
      if (write) this.fail(pos, `cannot assign to '${name}'`);
      return;
    }
    const v = names.lookup(name);
    if (v) {
      if (write) {
        if (v.kind === 'arg') this.fail(pos, `cannot assign to argument '${name}'`);
        v.written = true;
      }
      if (v.scope !== names.code) {
        v.captured = true;
        for (let s: CodeScope | undefined = names.code; s && s !== v.scope; s = s.parent) s.addFree(v);
      }
      return;
    }
    if (this.env.instVarNames.includes(name)) return;
    const b = this.env.classVar(name) ?? this.env.global(name);
    if (!b) this.fail(pos, `undeclared variable '${name}'`);
  }

  /** Decides remote temps, temp vectors, copied values and frame slot numbers. */
  private allocate(): void {
    const scopes = [this.methodScope, ...[...this.blockScopes.values()].map((b) => b.code)];
    for (const s of scopes) {
      for (const v of s.locals) {
        if (v.captured && v.written && v.kind === 'temp') {
          v.remote = true;
          v.owner!.remotes.push(v);
        }
      }
    }
    for (const n of this.allNames) {
      if (n.remotes.length === 0) continue;
      n.vector = new Variable('<tempVector>', 'hidden', n.code, 0);
      n.code.vectors.push(n.vector);
      if (!n.inlined) n.code.ownVector = n.vector;
      n.remotes.forEach((v, i) => {
        v.remoteIndex = i;
        v.vectorVar = n.vector;
      });
    }
    for (const s of scopes) {
      for (const v of s.free) {
        const c = v.remote ? v.vectorVar! : v;
        if (!s.copied.includes(c)) s.copied.push(c);
      }
      let i = 0;
      for (const a of s.args) s.layout.set(a, i++);
      for (const c of s.copied) s.layout.set(c, i++);
      for (const l of s.locals) if (!l.remote && l !== s.errorTemp) s.layout.set(l, i++);
      for (const v of s.vectors) s.layout.set(v, i++);
      if (s.errorTemp) s.layout.set(s.errorTemp, i++);
    }
  }

  private numTemps(s: CodeScope): number {
    return s.layout.size;
  }

  // ================= code generation =================

  private generateMethod(): CompiledCode {
    const m = this.method;
    const scope = this.methodScope;
    const gen = new CodeGen(this, scope, false);
    let primitive = 0;
    const namedLits: LiteralRef[] = [];
    for (const p of m.pragmas) {
      if (p.keyword === 'primitive:' || p.keyword === 'primitive:error:') {
        const a = p.args[0];
        if (a.kind === 'number' && a.value.kind === 'int') primitive = Number(a.value.value);
        else if (a.kind === 'string' || a.kind === 'symbol') {
          primitive = 117;
          namedLits.push({ k: 'namedPrimitive', module: null, name: a.value });
        } else this.fail(p.pos, 'primitive: expects an integer or a name');
      } else if (p.keyword === 'primitive:module:' || p.keyword === 'primitive:module:error:') {
        const [n, mod] = p.args;
        if ((n.kind !== 'string' && n.kind !== 'symbol') || (mod.kind !== 'string' && mod.kind !== 'symbol')) this.fail(p.pos, 'primitive:module: expects two strings');
        primitive = 117;
        namedLits.push({ k: 'namedPrimitive', module: mod.value, name: n.value });
      }
    }
    if (primitive > 0 && primitive !== 117 && (primitive < 1 || primitive > 8191)) this.fail(m.pos, `primitive number ${primitive} out of range`);
    if (primitive === 0) primitive = quickPrimitiveOf(m, this.env.instVarNames);
    for (const l of namedLits) gen.literalIndex(l);
    if (primitive > 0) {
      gen.em.callPrimitive(primitive);
      if (scope.errorTemp) gen.em.storeTemp(scope.layout.get(scope.errorTemp)!, false);
    }
    gen.prologue();
    gen.methodBody(m.body);
    return gen.finish({ isBlock: false, numArgs: m.args.length, primitive });
  }

  // accessors for CodeGen
  inlinedBlock(b: BlockExpr): boolean { return this.inlined.has(b); }
  hiddenFor(e: Expr): Variable | undefined { return this.hidden.get(e); }
  blockInfo(b: BlockExpr) { return this.blockScopes.get(b)!; }
  inlinedScope(b: BlockExpr): NameScope { return this.inlinedNames.get(b)!; }
  frameScopeOf(s: CodeScope): NameScope { return this.frameNames.get(s)!; }
  names(): NameScope { return this.methodNames; }
  tempCount(s: CodeScope): number { return this.numTemps(s); }
  failAt(pos: number, msg: string): never { return this.fail(pos, msg); }
}

class CodeGen {
  readonly em: BytecodeEmitter;
  private literals: LiteralRef[] = [];
  private literalKeys = new Map<string, number>();
  private names: NameScope;

  constructor(
    readonly c: MethodCompiler,
    readonly scope: CodeScope,
    readonly isBlock: boolean,
    names?: NameScope,
  ) {
    this.em = new BytecodeEmitter((msg) => c.failAt(c.method.pos, msg));
    this.names = names ?? c.names();
  }

  literalIndex(ref: LiteralRef): number {
    let key: string | undefined;
    if (ref.k === 'value') key = 'v:' + literalKey(ref.value);
    else if (ref.k === 'binding') key = `b:${ref.binding.kind}:${ref.binding.owner}:${ref.binding.name}`;
    if (key !== undefined) {
      const found = this.literalKeys.get(key);
      if (found !== undefined) return found;
    }
    const i = this.literals.length;
    this.literals.push(ref);
    if (key !== undefined) this.literalKeys.set(key, i);
    return i;
  }

  private selectorLiteral(selector: string): number {
    return this.literalIndex({ k: 'value', value: { kind: 'symbol', value: selector } });
  }

  prologue(): void {
    this.createVector(this.c.frameScopeOf(this.scope));
  }

  /** Creates a name scope's temp vector (on entry to a frame, or to an inlined block's code). */
  createVector(n: NameScope): void {
    if (!n.vector) return;
    this.em.pushNewArray(n.remotes.length, false);
    this.em.storeTemp(this.scope.layout.get(n.vector)!, true);
  }

  finish(info: { isBlock: boolean; numArgs: number; primitive: number }): CompiledCode {
    const bytecodes = this.em.assemble();
    const numTemps = this.c.tempCount(this.scope);
    if (numTemps > 63) this.c.failAt(this.c.method.pos, 'too many temporaries (more than 63)');
    const frame = numTemps + this.em.maxDepth;
    if (frame > LARGE_FRAME) this.c.failAt(this.c.method.pos, `method needs a frame of ${frame} slots (limit ${LARGE_FRAME})`);
    const literals = [...this.literals];
    if (info.isBlock) literals.push({ k: 'outerCode' });
    else {
      literals.push({ k: 'value', value: { kind: 'symbol', value: this.c.method.selector } });
      literals.push({ k: 'methodClass' });
    }
    if (literals.length > 32767) this.c.failAt(this.c.method.pos, 'too many literals');
    return {
      isBlock: info.isBlock, selector: this.c.method.selector, numArgs: info.numArgs, numTemps,
      primitive: info.primitive, largeFrame: frame > SMALL_FRAME, literals, bytecodes,
    };
  }

  methodBody(body: Statement[]): void {
    for (let i = 0; i < body.length; i++) {
      const s = body[i];
      if (s.type === 'return') {
        this.genReturn(s.value);
        return;
      }
      this.genEffect(s);
    }
    this.em.returnReceiver();
  }

  blockBody(body: Statement[]): void {
    if (body.length === 0) {
      this.em.blockReturnNil();
      return;
    }
    for (let i = 0; i < body.length; i++) {
      const s = body[i];
      if (s.type === 'return') {
        this.genReturn(s.value);
        return;
      }
      if (i === body.length - 1) {
        this.genValue(s);
        this.em.blockReturnTop();
      } else this.genEffect(s);
    }
  }

  /** ^expr: a method return (non-local when inside a block). */
  private genReturn(e: Expr): void {
    if (e.type === 'variable' && e.name === 'self') this.em.returnReceiver();
    else if (e.type === 'literal' && e.value.kind === 'true') this.em.returnTrue();
    else if (e.type === 'literal' && e.value.kind === 'false') this.em.returnFalse();
    else if (e.type === 'literal' && e.value.kind === 'nil') this.em.returnNil();
    else {
      this.genValue(e);
      this.em.returnTop();
    }
  }

  private genEffect(e: Expr): void {
    if (e.type === 'assign') {
      this.genValue(e.value);
      this.genStore(e.variable.name, e.variable.pos, true);
      return;
    }
    if (e.type === 'send') {
      const kind = inlineKind(e);
      if (kind) {
        this.genInlined(e, kind, false);
        return;
      }
    }
    if (e.type === 'literal' || (e.type === 'variable')) return; // no effect
    this.genValue(e);
    this.em.pop();
  }

  private genValue(e: Expr): void {
    switch (e.type) {
      case 'literal':
        return this.genLiteral(e.value);
      case 'variable':
        return this.genPushVariable(e.name, e.pos);
      case 'assign':
        this.genValue(e.value);
        this.genStore(e.variable.name, e.variable.pos, false);
        return;
      case 'brace':
        for (const x of e.elements) this.genValue(x);
        this.em.pushNewArray(e.elements.length, true);
        if (e.elements.length === 0) return;
        return;
      case 'block':
        return this.genClosure(e);
      case 'cascade': {
        const isSuper = e.receiver.type === 'variable' && e.receiver.name === 'super';
        this.genValue(isSuper ? { type: 'variable', name: 'self', pos: e.receiver.pos } : e.receiver);
        e.messages.forEach((m, i) => {
          const last = i === e.messages.length - 1;
          if (!last) this.em.dup();
          for (const a of m.args) this.genValue(a);
          this.em.send(m.selector, () => this.selectorLiteral(m.selector), m.args.length, isSuper);
          if (!last) this.em.pop();
        });
        return;
      }
      case 'send': {
        const kind = inlineKind(e);
        if (kind) return this.genInlined(e, kind, true);
        const isSuper = e.receiver.type === 'variable' && e.receiver.name === 'super';
        if (isSuper) this.em.pushReceiver();
        else this.genValue(e.receiver);
        for (const a of e.args) this.genValue(a);
        if (numArgsOf(e.selector) !== e.args.length) this.c.failAt(e.pos, 'internal: argument count mismatch');
        this.em.send(e.selector, () => this.selectorLiteral(e.selector), e.args.length, isSuper);
        return;
      }
    }
  }

  private genLiteral(lit: Literal): void {
    switch (lit.kind) {
      case 'nil': return this.em.pushNil();
      case 'true': return this.em.pushTrue();
      case 'false': return this.em.pushFalse();
      case 'number':
        if (lit.value.kind === 'int' && lit.value.value >= -32768n && lit.value.value <= 32767n) {
          this.em.pushInteger(Number(lit.value.value));
          return;
        }
        break;
      case 'char':
        if (this.em.pushCharacter(lit.value)) return;
        break;
    }
    this.em.pushLiteral(this.literalIndex({ k: 'value', value: lit }));
  }

  // ---- variables ----

  private resolve(name: string): Variable | undefined {
    return this.names.lookup(name);
  }

  private tempSlot(v: Variable): number {
    const i = this.scope.layout.get(v);
    if (i === undefined) throw new Error(`internal: no slot for ${v.name}`);
    return i;
  }

  private genPushVariable(name: string, pos: number): void {
    switch (name) {
      case 'self': case 'super': return this.em.pushReceiver();
      case 'thisContext': return this.em.pushThisContext();
    }
    const v = this.resolve(name);
    if (v) {
      if (v.remote) this.em.pushRemoteTemp(v.remoteIndex, this.tempSlot(v.vectorVar!));
      else this.em.pushTemp(this.tempSlot(v));
      return;
    }
    const iv = this.c.env.instVarNames.indexOf(name);
    if (iv >= 0) return this.em.pushReceiverVariable(iv);
    const b = this.c.env.classVar(name) ?? this.c.env.global(name);
    if (!b) this.c.failAt(pos, `undeclared variable '${name}'`);
    this.em.pushLiteralVariable(this.literalIndex({ k: 'binding', binding: b }));
  }

  private genStore(name: string, pos: number, pop: boolean): void {
    const v = this.resolve(name);
    if (v) {
      if (v.remote) this.em.storeRemoteTemp(v.remoteIndex, this.tempSlot(v.vectorVar!), pop);
      else this.em.storeTemp(this.tempSlot(v), pop);
      return;
    }
    const iv = this.c.env.instVarNames.indexOf(name);
    if (iv >= 0) return this.em.storeReceiverVariable(iv, pop);
    const b = this.c.env.classVar(name) ?? this.c.env.global(name);
    if (!b) this.c.failAt(pos, `undeclared variable '${name}'`);
    this.em.storeLiteralVariable(this.literalIndex({ k: 'binding', binding: b }), pop);
  }

  private storeVar(v: Variable, pop: boolean): void {
    if (v.remote) this.em.storeRemoteTemp(v.remoteIndex, this.tempSlot(v.vectorVar!), pop);
    else this.em.storeTemp(this.tempSlot(v), pop);
  }

  private pushVar(v: Variable): void {
    if (v.remote) this.em.pushRemoteTemp(v.remoteIndex, this.tempSlot(v.vectorVar!));
    else this.em.pushTemp(this.tempSlot(v));
  }

  // ---- closures ----

  private genClosure(b: BlockExpr): void {
    const { code, names } = this.c.blockInfo(b);
    const gen = new CodeGen(this.c, code, true, names);
    gen.prologue();
    gen.blockBody(b.body);
    const compiled = gen.finish({ isBlock: true, numArgs: b.args.length, primitive: 0 });
    for (const v of code.copied) this.em.pushTemp(this.tempSlot(v));
    const lit = this.literalIndex({ k: 'block', code: compiled });
    this.em.pushFullClosure(lit, code.copied.length, !needsOuterContext(b));
  }

  // ---- inlined control structures ----

  /** Statements of an inlined block; leaves its value on the stack when `value`. */
  private genInlinedBody(b: BlockExpr, value: boolean): void {
    const saved = this.names;
    this.names = this.c.inlinedScope(b);
    try {
      this.createVector(this.names);
      const body = b.body;
      if (body.length === 0) {
        if (value) this.em.pushNil();
        return;
      }
      const start = this.em.depth;
      for (let i = 0; i < body.length; i++) {
        const s = body[i];
        if (s.type === 'return') {
          this.genReturn(s.value);
          this.em.setDepth(start + (value ? 1 : 0));
          return;
        }
        if (i === body.length - 1 && value) this.genValue(s);
        else this.genEffect(s);
      }
    } finally {
      this.names = saved;
    }
  }

  private genInlined(e: SendExpr, kind: string, value: boolean): void {
    const em = this.em;
    const [a0, a1] = e.args as BlockExpr[];
    switch (kind) {
      case 'ifTrue:':
      case 'ifFalse:': {
        this.genValue(e.receiver);
        const skip = em.newLabel();
        em.jumpIf(kind === 'ifFalse:', skip);
        this.genInlinedBody(a0, value);
        if (value) {
          const end = em.newLabel();
          em.jump(end);
          em.setDepth(em.depth - 1);
          em.place(skip);
          em.pushNil();
          em.place(end);
        } else em.place(skip);
        return;
      }
      case 'ifTrue:ifFalse:':
      case 'ifFalse:ifTrue:': {
        this.genValue(e.receiver);
        const other = em.newLabel();
        const end = em.newLabel();
        em.jumpIf(kind === 'ifFalse:ifTrue:', other);
        this.genInlinedBody(a0, value);
        em.jump(end);
        em.setDepth(other.depth);
        em.place(other);
        this.genInlinedBody(a1, value);
        em.place(end);
        return;
      }
      case 'and:':
      case 'or:': {
        this.genValue(e.receiver);
        const short = em.newLabel();
        const end = em.newLabel();
        em.jumpIf(kind === 'or:', short);
        this.genInlinedBody(a0, true);
        em.jump(end);
        em.setDepth(short.depth);
        em.place(short);
        if (kind === 'or:') em.pushTrue();
        else em.pushFalse();
        em.place(end);
        if (!value) em.pop();
        return;
      }
      case 'ifNil:':
      case 'ifNotNil:':
      case 'ifNil:ifNotNil:':
      case 'ifNotNil:ifNil:': {
        const nilBlock = kind === 'ifNil:' || kind === 'ifNil:ifNotNil:' ? a0 : kind === 'ifNotNil:ifNil:' ? a1 : undefined;
        const notNilBlock = kind === 'ifNotNil:' || kind === 'ifNotNil:ifNil:' ? a0 : kind === 'ifNil:ifNotNil:' ? a1 : undefined;
        this.genValue(e.receiver);
        em.dup();
        em.pushNil();
        em.send('==', () => 0, 1, false);
        const notNil = em.newLabel();
        const end = em.newLabel();
        em.jumpIf(false, notNil);
        // receiver is nil
        if (nilBlock) {
          em.pop();
          this.genInlinedBody(nilBlock, true);
        }
        em.jump(end);
        em.setDepth(notNil.depth);
        em.place(notNil);
        if (notNilBlock) {
          if (notNilBlock.args.length === 1) {
            const v = this.c.inlinedScope(notNilBlock).names.get(notNilBlock.args[0].name)!;
            this.storeVar(v, true);
          } else em.pop();
          this.genInlinedBody(notNilBlock, true);
        }
        em.place(end);
        if (!value) em.pop();
        return;
      }
      case 'whileTrue:':
      case 'whileFalse:':
      case 'whileTrue':
      case 'whileFalse': {
        const top = em.newLabel();
        const end = em.newLabel();
        em.place(top);
        this.genInlinedBody(e.receiver as BlockExpr, true);
        em.jumpIf(kind.startsWith('whileFalse'), end);
        if (a0) this.genInlinedBody(a0, false);
        em.jump(top);
        em.place(end);
        if (value) em.pushNil();
        return;
      }
      case 'repeat': {
        const top = em.newLabel();
        em.place(top);
        this.genInlinedBody(e.receiver as BlockExpr, false);
        em.jump(top);
        if (value) em.pushNil();
        return;
      }
      case 'timesRepeat:': {
        const counter = this.c.hiddenFor(e)!;
        const limit = this.c.hiddenFor(e.receiver)!;
        this.genValue(e.receiver);
        this.storeVar(limit, true);
        em.pushInteger(1);
        this.storeVar(counter, true);
        this.genCountedLoop(counter, () => this.pushVar(limit), 1, a0, value);
        return;
      }
      case 'to:do:':
      case 'to:by:do:': {
        const body = (kind === 'to:do:' ? e.args[1] : e.args[2]) as BlockExpr;
        const step = kind === 'to:do:' ? 1 : literalStep(e.args[1]);
        const loopVar = this.c.inlinedScope(body).names.get(body.args[0].name)!;
        const hiddenLimit = this.c.hiddenFor(e);
        this.genValue(e.receiver);
        this.storeVar(loopVar, true);
        let pushLimit: () => void;
        if (hiddenLimit) {
          this.genValue(e.args[0]);
          this.storeVar(hiddenLimit, true);
          pushLimit = () => this.pushVar(hiddenLimit);
        } else {
          const lim = e.args[0] as Expr & { type: 'literal' };
          pushLimit = () => this.genLiteral(lim.value);
        }
        this.genCountedLoop(loopVar, pushLimit, step, body, value);
        return;
      }
    }
    throw new Error(`internal: inline ${kind}`);
  }

  private genCountedLoop(v: Variable, pushLimit: () => void, step: number, body: BlockExpr, value: boolean): void {
    const em = this.em;
    const top = em.newLabel();
    const end = em.newLabel();
    em.place(top);
    this.pushVar(v);
    pushLimit();
    em.send(step > 0 ? '<=' : '>=', () => 0, 1, false);
    em.jumpIf(false, end);
    this.genInlinedBody(body, false);
    this.pushVar(v);
    if (!em.pushInteger(step)) this.genLiteral({ kind: 'number', value: { kind: 'int', value: BigInt(step) } });
    em.send('+', () => 0, 1, false);
    this.storeVar(v, true);
    em.jump(top);
    em.place(end);
    if (value) em.pushNil();
  }
}

function literalStep(e: Expr): number {
  if (e.type === 'literal' && e.value.kind === 'number' && e.value.value.kind === 'int') {
    const v = e.value.value.value;
    if (v >= -32768n && v <= 32767n) return Number(v);
  }
  throw new Error('internal: to:by:do: step');
}

export function literalKey(l: Literal): string {
  switch (l.kind) {
    case 'nil': case 'true': case 'false': return l.kind;
    case 'number': {
      const n = l.value;
      if (n.kind === 'int') return `i${n.value}`;
      if (n.kind === 'float') return `f${Object.is(n.value, -0) ? '-0' : n.value}`;
      return `s${n.num}/${n.den}/${n.scale}`;
    }
    case 'char': return `c${l.value}`;
    case 'string': return `'${l.value}`;
    case 'symbol': return `#${l.value}`;
    case 'array': return `(${l.elements.map(literalKey).join(' ')})`;
    case 'bytes': return `[${l.bytes.join(' ')}]`;
  }
}

export function compileMethod(file: SourceFile, method: MethodNode, env: CompileEnvironment): CompiledCode {
  return new MethodCompiler(file, method, env).compile();
}

export type { Label };
