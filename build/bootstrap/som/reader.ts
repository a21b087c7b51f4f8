// SOM class-file reader: `Name = Superclass ( | fields | pattern = ( body ) ... ---- | classFields | ... )`
// turned into the same class/method model the Tonel reader produces, so compiler.ts compiles it.
// Method bodies are Smalltalk syntax and go through the existing Parser. `primitive` bodies are
// dropped: the Squeak-style library underneath provides those methods.
import type { Token } from '../lexer.ts';
import { TokenScanner } from '../token-scanner.ts';
import { Parser } from '../parser.ts';
import type { SourceFile } from '../source-error.ts';
import { copyAssignedArguments } from './arguments.ts';
import { applySomSelectors } from './dialect.ts';
import { keepLoopReceivers } from './loop-results.ts';
import { renameLocals } from './shadowing.ts';
import { decodeStringLiterals, quoteEscapesToDoubled } from './escapes.ts';
import type { TonelClass, TonelMethod } from '../tonel.ts';

export interface SomClassFile {
  definition: TonelClass;
  methods: TonelMethod[];
}

/** `| a b |` (also `||`, an empty list); returns the names. */
function fieldList(s: TokenScanner): string[] {
  const names: string[] = [];
  if (s.isBinary('||')) {
    s.advance();
    return names;
  }
  if (!s.isBinary('|')) return names;
  s.advance();
  for (;;) {
    const t = s.tk();
    if (t.t === 'ident') names.push(t.v);
    else if (t.t === 'binary' && t.v === '|') break;
    else s.fail(t.pos, "field name or '|' expected");
    s.advance();
  }
  s.advance();
  return names;
}

/** `----` (four or more dashes) divides instance side from class side. */
function isSeparator(file: SourceFile, t: Token): boolean {
  return t.t === 'binary' && t.v.startsWith('-') && /^-{4,}/.test(file.text.slice(t.pos, t.pos + 4));
}

/** Consumes the dash tokens of the separator (the lexer may split it into several). */
function skipSeparator(s: TokenScanner): void {
  let end = s.tk().pos;
  for (;;) {
    const t = s.tk();
    if (t.t !== 'binary' || t.pos !== end || !/^-+$/.test(t.v)) return;
    end = t.end;
    s.advance();
  }
}

function methods(s: TokenScanner, file: SourceFile, className: string, meta: boolean, out: TonelMethod[]): void {
  for (;;) {
    const t = s.tk();
    if (t.t === ')' || isSeparator(file, t)) return;
    if (t.t === 'eof') s.fail(t.pos, "')' expected to close the class body");
    const patternStart = t.pos;
    // The pattern runs up to the '=' followed by '(' or 'primitive'.
    let eq: Token | undefined;
    for (;;) {
      const p = s.tk();
      if (p.t === 'eof') s.fail(patternStart, "method definition 'pattern = ( ... )' expected");
      s.advance();
      if (p.t === 'binary' && p.v === '=' && p.pos > patternStart &&
          (s.tk().t === '(' || (s.tk().t === 'ident' && (s.tk() as { v: string }).v === 'primitive'))) {
        eq = p;
        break;
      }
      if (p.t === '(' || p.t === ')') s.fail(p.pos, "'=' expected after the method pattern");
    }
    const pattern = new Parser(file, patternStart, eq.pos).parsePattern();
    if (s.tk().t === 'ident') {
      s.advance(); // primitive: provided by the library
      continue;
    }
    const open = s.advance();
    let depth = 1;
    let close: Token | undefined;
    while (depth > 0) {
      const b = s.tk();
      if (b.t === 'eof') s.fail(open.pos, "unterminated method body: ')' expected");
      if (b.t === '(' || b.t === '#(') depth++;
      else if (b.t === ')') depth--;
      if (depth === 0) close = b;
      s.advance();
    }
    const body = new Parser(file, open.end, close!.pos).parseMethodBody();
    decodeStringLiterals(body);
    const node = { selector: pattern.selector, args: pattern.args, pos: patternStart, ...body };
    renameLocals(node);
    copyAssignedArguments(node);
    applySomSelectors(node);
    keepLoopReceivers(node);
    out.push({ className, meta, category: 'SOM', file, pos: patternStart, node });
  }
}

export function parseSomFile(original: SourceFile): SomClassFile {
  const file: SourceFile = { path: original.path, text: quoteEscapesToDoubled(original.text) };
  const s = new TokenScanner(file);
  const nameTok = s.expect('ident', 'class name');
  const name = (nameTok as { v: string }).v;
  if (!s.isBinary('=')) s.fail(s.tk().pos, "'=' expected after the class name");
  s.advance();
  let superclass: string | null = 'Object';
  const sup = s.tk();
  if (sup.t === 'ident') {
    superclass = sup.v === 'nil' ? null : sup.v;
    s.advance();
  }
  s.expect('(', "'(' to open the class body");
  const instVars = fieldList(s);
  const out: TonelMethod[] = [];
  methods(s, file, name, false, out);
  let classInstVars: string[] = [];
  if (isSeparator(file, s.tk())) {
    skipSeparator(s);
    classInstVars = fieldList(s);
    methods(s, file, name, true, out);
  }
  s.expect(')', "')' to close the class body");
  if (s.tk().t !== 'eof') s.fail(s.tk().pos, 'end of file expected after the class body');
  const definition: TonelClass = {
    kind: 'class', name, superclass, instVars, classVars: [], classInstVars, pools: [],
    type: undefined, category: 'SOM', comment: '', file, pos: nameTok.pos,
  };
  return { definition, methods: out };
}
