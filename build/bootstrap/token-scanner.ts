// A cursor over the Smalltalk lexer's tokens, with errors at file:line:col: what the Tonel and
// SOM class-file readers share (method bodies go through parser.ts instead).
import { Lexer, type Token } from './lexer.ts';
import { errorAt, type SourceFile } from './source-error.ts';

export class TokenScanner {
  readonly lexer: Lexer;
  tok: Token;
  constructor(readonly file: SourceFile) {
    this.lexer = new Lexer(file);
    this.tok = this.lexer.next();
  }
  tk(): Token {
    return this.tok;
  }
  advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }
  fail(pos: number, message: string): never {
    throw errorAt(this.file, pos, message);
  }
  isIdent(v: string): boolean {
    return this.tok.t === 'ident' && this.tok.v === v;
  }
  isBinary(op: string): boolean {
    return this.tok.t === 'binary' && this.tok.v === op;
  }
  expect(kind: Token['t'], what: string): Token {
    if (this.tok.t !== kind) this.fail(this.tok.pos, `${what} expected`);
    return this.advance();
  }
}
