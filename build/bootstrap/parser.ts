// Recursive-descent parser for Smalltalk-80 method source (Squeak/Pharo syntax): message
// patterns, temporaries, pragmas, statements, cascades, blocks, literals of every kind.
// Errors are SourceErrors at the offending token (file:line:col).
import type { CascadePart, Expr, Literal, MethodNode, Pragma, Statement, VarDecl } from './ast.ts';
import { Lexer, type Token } from './lexer.ts';
import type { SourceFile } from './source-error.ts';

export class Parser {
  private readonly lexer: Lexer;
  private tok: Token;
  private ahead: Token | undefined;

  constructor(
    readonly file: SourceFile,
    start = 0,
    end = file.text.length,
  ) {
    this.lexer = new Lexer(file, start, end);
    this.tok = this.lexer.next();
  }

  isBinary(op: string): boolean {
    const t = this.tok;
    return t.t === 'binary' && t.v === op;
  }

  private tk(): Token {
    return this.tok;
  }

  private advanceText(): string {
    const t = this.advance();
    return 'v' in t && typeof t.v === 'string' ? t.v : '';
  }

  private advance(): Token {
    const t = this.tk();
    if (this.ahead) {
      this.tok = this.ahead;
      this.ahead = undefined;
    } else this.tok = this.lexer.next();
    return t;
  }

  private peek2(): Token {
    this.ahead ??= this.lexer.next();
    return this.ahead;
  }

  private fail(pos: number, message: string): never {
    return this.lexer.fail(pos, message);
  }

  private describe(t: Token): string {
    switch (t.t) {
      case 'eof': return 'end of source';
      case 'ident': case 'keyword': case 'binary': return `'${t.v}'`;
      case 'number': return 'a number';
      case 'string': return 'a string';
      case 'symbol': return 'a symbol';
      case 'char': return 'a character';
      default: return `'${t.t}'`;
    }
  }

  private expect(kind: Token['t'], what: string): Token {
    if (this.tk().t !== kind) this.fail(this.tk().pos, `${what} expected, found ${this.describe(this.tk())}`);
    return this.advance();
  }

  private isBar(): boolean {
    return this.isBinary('|');
  }

  // ---- methods ----

  /** Parses a whole method: pattern, then body up to the end of the range. */
  parseMethod(): MethodNode {
    const pos = this.tk().pos;
    const { selector, args } = this.parsePattern();
    const body = this.parseMethodBody();
    return { selector, args, pos, ...body };
  }

  /** Just a message pattern (Tonel's `Class >> pattern [`). */
  parsePattern(): { selector: string; args: VarDecl[] } {
    const t = this.tk();
    if (t.t === 'ident') {
      this.advance();
      return { selector: t.v, args: [] };
    }
    if (t.t === 'binary') {
      this.advance();
      return { selector: t.v, args: [this.parseArgName()] };
    }
    if (t.t === 'keyword') {
      let selector = '';
      const args: VarDecl[] = [];
      while (this.tk().t === 'keyword') {
        selector += this.advanceText();
        args.push(this.parseArgName());
      }
      return { selector, args };
    }
    this.fail(t.pos, `message pattern expected, found ${this.describe(t)}`);
  }

  private parseArgName(): VarDecl {
    const t = this.expect('ident', 'argument name') as { v: string; pos: number };
    return { name: t.v, pos: t.pos };
  }

  /** Temporaries, pragmas and statements up to the end of the range. */
  parseMethodBody(): { temps: VarDecl[]; pragmas: Pragma[]; body: Statement[] } {
    const pragmas: Pragma[] = [];
    let temps: VarDecl[] = [];
    let sawTemps = false;
    for (;;) {
      if (this.isBinary('<') && this.looksLikePragma()) {
        pragmas.push(this.parsePragma());
      } else if (!sawTemps && (this.isBar() || (this.isBinary('||')))) {
        temps = this.parseTemps();
        sawTemps = true;
      } else break;
    }
    const body = this.parseStatements('eof');
    if (this.tk().t !== 'eof') this.fail(this.tk().pos, `statement expected, found ${this.describe(this.tk())}`);
    return { temps, pragmas, body };
  }

  private looksLikePragma(): boolean {
    const n = this.peek2();
    return n.t === 'keyword' || n.t === 'ident';
  }

  private parseTemps(): VarDecl[] {
    if (this.isBinary('||')) {
      this.advance();
      return [];
    }
    this.advance(); // |
    const temps: VarDecl[] = [];
    while (this.tk().t === 'ident') {
      const t = this.advance() as { v: string; pos: number };
      temps.push({ name: t.v, pos: t.pos });
    }
    if (!this.isBar()) this.fail(this.tk().pos, `'|' expected to end the temporaries, found ${this.describe(this.tk())}`);
    this.advance();
    return temps;
  }

  private parsePragma(): Pragma {
    const pos = this.advance().pos; // <
    if (this.tk().t === 'ident') {
      const keyword = this.advanceText();
      this.expectPragmaEnd();
      return { keyword, args: [], pos };
    }
    let keyword = '';
    const args: Literal[] = [];
    let errorTemp: VarDecl | undefined;
    while (this.tk().t === 'keyword') {
      const kw = this.advanceText();
      keyword += kw;
      if (kw === 'error:' && keyword.startsWith('primitive:') && this.tk().t === 'ident') {
        const t = this.advance() as { v: string; pos: number };
        errorTemp = { name: t.v, pos: t.pos };
        args.push({ kind: 'symbol', value: t.v });
      } else args.push(this.parsePragmaLiteral());
    }
    this.expectPragmaEnd();
    return { keyword, args, errorTemp, pos };
  }

  private expectPragmaEnd(): void {
    if (!(this.isBinary('>'))) this.fail(this.tk().pos, `'>' expected to end the pragma, found ${this.describe(this.tk())}`);
    this.advance();
  }

  private parsePragmaLiteral(): Literal {
    const t = this.tk();
    if (t.t === 'ident' && (t.v === 'true' || t.v === 'false' || t.v === 'nil')) {
      this.advance();
      return { kind: t.v };
    }
    const lit = this.tryLiteral();
    if (!lit) this.fail(t.pos, `literal expected as pragma argument, found ${this.describe(t)}`);
    return lit.value;
  }

  // ---- statements and expressions ----

  private parseStatements(closer: 'eof' | ']' | '}'): Statement[] {
    const stmts: Statement[] = [];
    for (;;) {
      while (this.tk().t === '.') this.advance();
      if (this.tk().t === closer || this.tk().t === 'eof') return stmts;
      if (this.tk().t === '^') {
        const pos = this.advance().pos;
        if (closer === '}') this.fail(pos, 'return not allowed inside a brace array');
        stmts.push({ type: 'return', value: this.parseExpression(), pos });
        while (this.tk().t === '.') this.advance();
        if (this.tk().t !== closer && this.tk().t !== 'eof') this.fail(this.tk().pos, 'statement after a return is unreachable');
        return stmts;
      }
      stmts.push(this.parseExpression());
      if (this.tk().t === '.') continue;
      if (this.tk().t === closer || this.tk().t === 'eof') return stmts;
      this.fail(this.tk().pos, `'.' or ${closer === 'eof' ? 'end of method' : `'${closer}'`} expected, found ${this.describe(this.tk())}`);
    }
  }

  parseExpression(): Expr {
    if (this.tk().t === 'ident' && this.peek2().t === ':=') {
      const v = this.advance() as { v: string; pos: number };
      const pos = this.advance().pos;
      return { type: 'assign', variable: { name: v.v, pos: v.pos }, value: this.parseExpression(), pos };
    }
    const first = this.parseKeywordExpr();
    if (this.tk().t !== ';') return first;
    if (first.type !== 'send') this.fail(this.tk().pos, 'cascade needs a message send before the first ;');
    const messages: CascadePart[] = [{ selector: first.selector, args: first.args, pos: first.pos }];
    while (this.tk().t === ';') {
      this.advance();
      messages.push(this.parseCascadeMessage());
    }
    return { type: 'cascade', receiver: first.receiver, messages, pos: first.pos };
  }

  private parseCascadeMessage(): CascadePart {
    const t = this.tk();
    if (t.t === 'ident') {
      this.advance();
      let part: CascadePart = { selector: t.v, args: [], pos: t.pos };
      // Further unary/binary/keyword messages in one cascade part go to the result of this one:
      // not valid Smalltalk-80, so reject them clearly.
      if (this.tk().t === 'ident') this.fail(this.tk().pos, 'only one message per cascade part');
      if (this.tk().t === 'binary' || this.tk().t === 'keyword') this.fail(this.tk().pos, 'only one message per cascade part');
      return part;
    }
    if (t.t === 'binary') {
      this.advance();
      const arg = this.parseBinaryOperand();
      if (this.tk().t === 'binary' || this.tk().t === 'keyword') this.fail(this.tk().pos, 'only one message per cascade part');
      return { selector: t.v, args: [arg], pos: t.pos };
    }
    if (t.t === 'keyword') {
      let selector = '';
      const args: Expr[] = [];
      while (this.tk().t === 'keyword') {
        selector += this.advanceText();
        args.push(this.parseBinaryExpr());
      }
      return { selector, args, pos: t.pos };
    }
    this.fail(t.pos, `message expected after ';', found ${this.describe(t)}`);
  }

  private parseKeywordExpr(): Expr {
    const receiver = this.parseBinaryExpr();
    if (this.tk().t !== 'keyword') return receiver;
    const pos = this.tk().pos;
    let selector = '';
    const args: Expr[] = [];
    while (this.tk().t === 'keyword') {
      selector += this.advanceText();
      args.push(this.parseBinaryExpr());
    }
    return { type: 'send', receiver, selector, args, pos };
  }

  private parseBinaryExpr(): Expr {
    let receiver = this.parseUnaryExpr();
    while (this.tk().t === 'binary') {
      const op = this.advance() as { v: string; pos: number };
      const arg = this.parseBinaryOperand();
      receiver = { type: 'send', receiver, selector: op.v, args: [arg], pos: op.pos };
    }
    return receiver;
  }

  private parseBinaryOperand(): Expr {
    return this.parseUnaryExpr();
  }

  private parseUnaryExpr(): Expr {
    let receiver = this.parsePrimary();
    while (this.tk().t === 'ident') {
      const t = this.advance() as { v: string; pos: number };
      receiver = { type: 'send', receiver, selector: t.v, args: [], pos: t.pos };
    }
    return receiver;
  }

  private parsePrimary(): Expr {
    const t = this.tk();
    switch (t.t) {
      case 'ident':
        this.advance();
        if (t.v === 'nil' || t.v === 'true' || t.v === 'false') return { type: 'literal', value: { kind: t.v }, pos: t.pos };
        return { type: 'variable', name: t.v, pos: t.pos };
      case '(': {
        this.advance();
        const e = this.parseExpression();
        this.expect(')', "')'");
        return e;
      }
      case '[':
        return this.parseBlock();
      case '{': {
        this.advance();
        const elements = this.parseStatements('}') as Expr[];
        this.expect('}', "'}'");
        return { type: 'brace', elements, pos: t.pos };
      }
    }
    const lit = this.tryLiteral();
    if (lit) return { type: 'literal', value: lit.value, pos: t.pos };
    this.fail(t.pos, `expression expected, found ${this.describe(t)}`);
  }

  private parseBlock(): Expr {
    const pos = this.advance().pos; // [
    const args: VarDecl[] = [];
    let temps: VarDecl[] = [];
    if (this.tk().t === ':') {
      while (this.tk().t === ':') {
        this.advance();
        args.push(this.parseArgName());
      }
      if (this.isBinary('||')) {
        // [:x || t | ...]: end of arguments and start of temporaries in one token
        this.advance();
        temps = this.parseTempNamesUntilBar();
      } else if (this.isBar()) this.advance();
      else if (this.tk().t !== ']') this.fail(this.tk().pos, `'|' expected after block arguments, found ${this.describe(this.tk())}`);
    }
    if (this.isBar() || (this.isBinary('||'))) temps = temps.concat(this.parseTemps());
    const body = this.parseStatements(']');
    this.expect(']', "']'");
    return { type: 'block', args, temps, body, pos };
  }

  private parseTempNamesUntilBar(): VarDecl[] {
    const temps: VarDecl[] = [];
    while (this.tk().t === 'ident') {
      const t = this.advance() as { v: string; pos: number };
      temps.push({ name: t.v, pos: t.pos });
    }
    if (!this.isBar()) this.fail(this.tk().pos, `'|' expected to end the temporaries, found ${this.describe(this.tk())}`);
    this.advance();
    return temps;
  }

  // ---- literals ----

  private negate(v: Literal & { kind: 'number' }): Literal {
    const n = v.value;
    if (n.kind === 'int') return { kind: 'number', value: { kind: 'int', value: -n.value } };
    if (n.kind === 'float') return { kind: 'number', value: { kind: 'float', value: -n.value } };
    return { kind: 'number', value: { ...n, num: -n.num } };
  }

  /** A literal at the current token, or undefined (nothing consumed). */
  private tryLiteral(): { value: Literal } | undefined {
    const t = this.tk();
    switch (t.t) {
      case 'number':
        this.advance();
        return { value: { kind: 'number', value: t.v } };
      case 'binary': {
        if (t.v !== '-') return undefined;
        const n = this.peek2();
        if (n.t !== 'number' || n.pos !== t.end) return undefined;
        this.advance();
        this.advance();
        return { value: this.negate({ kind: 'number', value: n.v }) };
      }
      case 'char':
        this.advance();
        return { value: { kind: 'char', value: t.v } };
      case 'string':
        this.advance();
        return { value: { kind: 'string', value: t.v } };
      case 'symbol':
        this.advance();
        return { value: { kind: 'symbol', value: t.v } };
      case '#(':
        this.advance();
        return { value: this.parseLiteralArrayBody() };
      case '#[':
        this.advance();
        return { value: this.parseByteArrayBody(t.pos) };
    }
    return undefined;
  }

  private parseByteArrayBody(start: number): Literal {
    const bytes: number[] = [];
    for (;;) {
      const t = this.tk();
      if (t.t === ']') {
        this.advance();
        return { kind: 'bytes', bytes };
      }
      if (t.t === 'number' && t.v.kind === 'int' && t.v.value >= 0n && t.v.value <= 255n) {
        bytes.push(Number(t.v.value));
        this.advance();
        continue;
      }
      if (t.t === 'eof') this.fail(start, "unterminated byte array: ']' expected");
      this.fail(t.pos, 'byte array element must be an integer 0..255');
    }
  }

  private parseLiteralArrayBody(): Literal {
    const elements: Literal[] = [];
    for (;;) {
      const t = this.tk();
      switch (t.t) {
        case ')':
          this.advance();
          return { kind: 'array', elements };
        case '(':
          this.advance();
          elements.push(this.parseLiteralArrayBody());
          continue;
        case '[':
          this.advance();
          elements.push(this.parseByteArrayBody(t.pos));
          continue;
        case 'ident':
        case 'keyword': {
          if (t.t === 'ident' && (t.v === 'true' || t.v === 'false' || t.v === 'nil')) {
            this.advance();
            elements.push({ kind: t.v });
            continue;
          }
          // A bare word or keyword sequence (at:put:) is a symbol: rescan it as one.
          if (this.ahead) this.fail(t.pos, 'internal: lookahead in literal array');
          this.lexer.pos = t.pos;
          const word = this.lexer.scanSymbolWord();
          this.tok = this.lexer.next();
          elements.push({ kind: 'symbol', value: word });
          continue;
        }
        case 'binary': {
          const lit = this.tryLiteral();
          if (lit) elements.push(lit.value);
          else {
            this.advance();
            elements.push({ kind: 'symbol', value: t.v });
          }
          continue;
        }
        case 'eof':
          this.fail(t.pos, "unterminated literal array: ')' expected");
      }
      const lit = this.tryLiteral();
      if (!lit) this.fail(t.pos, `literal array element expected, found ${this.describe(t)}`);
      elements.push(lit.value);
    }
  }
}

export function parseMethod(file: SourceFile, start = 0, end = file.text.length): MethodNode {
  return new Parser(file, start, end).parseMethod();
}

/** Parses a doit: temporaries and statements, no pattern. */
export function parseDoit(file: SourceFile): MethodNode {
  const p = new Parser(file);
  const body = p.parseMethodBody();
  return { selector: 'DoIt', args: [], pos: 0, ...body };
}
