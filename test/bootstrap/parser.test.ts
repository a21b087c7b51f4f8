// Smalltalk-80 scanner and parser: every syntax form, and errors reported as file:line:col.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Expr, Literal, MethodNode, Statement } from '../../build/bootstrap/ast.ts';
import { Lexer } from '../../build/bootstrap/lexer.ts';
import { parseDoit, parseMethod } from '../../build/bootstrap/parser.ts';
import { SourceError } from '../../build/bootstrap/source-error.ts';

const file = (text: string) => ({ path: 'test.st', text });
const method = (text: string): MethodNode => parseMethod(file(text));
const expr = (text: string): Expr => {
  const m = parseDoit(file(text));
  assert.equal(m.body.length, 1);
  return m.body[0] as Expr;
};
const lit = (text: string): Literal => {
  const e = expr(text);
  assert.equal(e.type, 'literal', `${text} is a literal`);
  return (e as Expr & { type: 'literal' }).value;
};
const int = (text: string): bigint => {
  const l = lit(text);
  assert.ok(l.kind === 'number' && l.value.kind === 'int', `${text} is an integer`);
  return (l as { value: { value: bigint } }).value.value;
};
const float = (text: string): number => {
  const l = lit(text);
  assert.ok(l.kind === 'number' && l.value.kind === 'float', `${text} is a float`);
  return (l as { value: { value: number } }).value.value;
};
/** A compact rendering of expressions to compare structure. */
function show(e: Expr | Statement): string {
  switch (e.type) {
    case 'return': return `^${show(e.value)}`;
    case 'literal': return showLit(e.value);
    case 'variable': return e.name;
    case 'assign': return `(${e.variable.name} := ${show(e.value)})`;
    case 'send': return `(${show(e.receiver)} ${e.selector}${e.args.map((a) => ' ' + show(a)).join('')})`;
    case 'cascade': return `(${show(e.receiver)} ${e.messages.map((m) => m.selector + m.args.map((a) => ' ' + show(a)).join('')).join('; ')})`;
    case 'block': return `[${e.args.map((a) => ':' + a.name).join(' ')}|${e.temps.map((t) => t.name).join(' ')}| ${e.body.map(show).join('. ')}]`;
    case 'brace': return `{${e.elements.map(show).join('. ')}}`;
  }
}
function showLit(l: Literal): string {
  switch (l.kind) {
    case 'number': return l.value.kind === 'scaled' ? `${l.value.num}/${l.value.den}s${l.value.scale}` : String(l.value.value);
    case 'char': return `$${String.fromCodePoint(l.value)}`;
    case 'string': return `'${l.value}'`;
    case 'symbol': return `#${l.value}`;
    case 'array': return `#(${l.elements.map(showLit).join(' ')})`;
    case 'bytes': return `#[${l.bytes.join(' ')}]`;
    default: return l.kind;
  }
}
const errorOf = (f: () => unknown): SourceError => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SourceError, `expected a SourceError, got ${e}`);
    return e;
  }
  assert.fail('no error');
};

test('integers in any radix, with exponents, large and negative', () => {
  assert.equal(int('42'), 42n);
  assert.equal(int('16r1F'), 31n);
  assert.equal(int('2r1010'), 10n);
  assert.equal(int('36rZZ'), 36n * 36n - 1n);
  assert.equal(int('1e3'), 1000n);
  assert.equal(int('2r1e4'), 16n);
  assert.equal(int('-7'), -7n);
  assert.equal(int('16r-FF'), -255n);
  assert.equal(int('123456789012345678901234567890'), 123456789012345678901234567890n);
});

test('floats, exponents, radix floats and scaled decimals', () => {
  assert.equal(float('1.5'), 1.5);
  assert.equal(float('1.5e-3'), 0.0015);
  assert.equal(float('2.0e10'), 2e10);
  assert.equal(float('1.0d2'), 100);
  assert.equal(float('-0.25'), -0.25);
  assert.equal(float('2r1.1'), 1.5);
  assert.equal(showLit(lit('1.5s2')), '15/10s2');
  assert.equal(showLit(lit('3s')), '3/1s0');
  assert.equal(showLit(lit('0.125s')), '125/1000s3');
});

test('characters, strings, symbols of every form', () => {
  assert.equal(showLit(lit('$a')), '$a');
  assert.equal(showLit(lit('$ ')), '$ ');
  assert.equal(showLit(lit("$'")), "$'");
  assert.equal(showLit(lit("'it''s'")), "'it's'");
  assert.equal(showLit(lit('#foo')), '#foo');
  assert.equal(showLit(lit('#at:put:')), '#at:put:');
  assert.equal(showLit(lit('#+')), '#+');
  assert.equal(showLit(lit('#->')), '#->');
  assert.equal(showLit(lit("#'hello world'")), '#hello world');
  assert.equal(showLit(lit('##foo')), '#foo');
});

test('literal arrays with nesting, bare words, keywords, booleans; byte arrays', () => {
  assert.equal(showLit(lit("#(1 $a 'str' #sym bare at:put: + true false nil (1 2) #(3) #[4 5] -6 2.5)")),
    "#(1 $a 'str' #sym #bare #at:put: #+ true false nil #(1 2) #(3) #[4 5] -6 2.5)");
  assert.equal(showLit(lit('#[1 2 255]')), '#[1 2 255]');
  assert.equal(showLit(lit('#()')), '#()');
});

test('message precedence: unary > binary > keyword, parentheses, negative literals', () => {
  assert.equal(show(expr('a foo + b bar * 2 max: c baz')), '((((a foo) + (b bar)) * 2) max: (c baz))');
  assert.equal(show(expr('3 - -2')), '(3 - -2)');
  assert.equal(show(expr('x-1')), '(x - 1)');
  assert.equal(show(expr('a at: 1 put: (b at: 2)')), '(a at:put: 1 (b at: 2))');
  assert.equal(show(expr('x := y := 3 + 4')), '(x := (y := (3 + 4)))');
  assert.equal(show(expr('a ->b')), '(a -> b)');
  // as in Squeak, '-' inside a binary selector ends it only before a digit
  assert.equal(show(expr('3--2')), '(3 - -2)');
  assert.equal(show(expr('x+-1')), '(x + -1)');
  assert.equal(show(expr('a --> b -- c')), '((a --> b) -- c)');
});

test('cascades, brace arrays, blocks with args and temps', () => {
  assert.equal(show(expr("Transcript show: 'a'; cr; show: 1 printString")), "(Transcript show: 'a'; cr; show: (1 printString))");
  assert.equal(show(expr('OrderedCollection new add: 1; add: 2; yourself')), '((OrderedCollection new) add: 1; add: 2; yourself)');
  assert.equal(show(expr('{1. 2 + 3. x}')), '{1. (2 + 3). x}');
  assert.equal(show(expr('{}')), '{}');
  assert.equal(show(expr('[:a :b | | t | t := a. ^ t + b]')), '[:a :b|t| (t := a). ^(t + b)]');
  assert.equal(show(expr('[]')), '[|| ]');
  assert.equal(show(expr('[:x]')), '[:x|| ]');
  assert.equal(show(expr('[:x || t | t]')), '[:x|t| t]');
});

test('methods: patterns, temps, pragmas (primitives with module and error code), thisContext, super', () => {
  const m = method("at: index put: value\n\t<primitive: 61>\n\t| a b |\n\t^ super at: index put: thisContext");
  assert.equal(m.selector, 'at:put:');
  assert.deepEqual(m.args.map((a) => a.name), ['index', 'value']);
  assert.deepEqual(m.temps.map((t) => t.name), ['a', 'b']);
  assert.equal(m.pragmas[0].keyword, 'primitive:');
  assert.equal(show(m.body[0]), '^(super at:put: index thisContext)');
  const n = method("write: s <primitive: 'primitiveConsoleWrite' module: 'Xenolith'> ^ nil");
  assert.equal(n.pragmas[0].keyword, 'primitive:module:');
  assert.deepEqual(n.pragmas[0].args.map(showLit), ["'primitiveConsoleWrite'", "'Xenolith'"]);
  const e = method('foo <primitive: 1 error: ec> ^ ec');
  assert.equal(e.pragmas[0].keyword, 'primitive:error:');
  assert.equal(e.pragmas[0].errorTemp?.name, 'ec');
  assert.equal(method('+ other ^ 1').selector, '+');
  assert.equal(method('foo <inline> <bar: #baz with: -1> ^ 1').pragmas.map((p) => p.keyword).join(','), 'inline,bar:with:');
});

test('comments are skipped anywhere, including with quotes inside strings', () => {
  const m = method('foo "a comment" ^ \'not "a comment"\' "trailing"');
  assert.equal(show(m.body[0]), `^'not "a comment"'`);
});

test('errors carry file:line:col', () => {
  let e = errorOf(() => method('foo\n  ^ 1 +'));
  assert.equal(e.message, 'test.st:2:8: expression expected, found end of source');
  e = errorOf(() => method("foo\n  ^ 'abc"));
  assert.equal(`${e.line}:${e.col}`, '2:5');
  assert.match(e.message, /unterminated string/);
  e = errorOf(() => method('foo\n  | a \n  a := [ 1 .'));
  assert.match(e.message, /^test.st:3:5: '\|' expected to end the temporaries, found ':='/);
  e = errorOf(() => method('foo ^ #(1 2'));
  assert.match(e.message, /test.st:1:12: unterminated literal array/);
  e = errorOf(() => method('foo ^ 16r'));
  assert.match(e.message, /test.st:1:10: digit of radix 16 expected/);
  e = errorOf(() => method('foo 1. 2 3'));
  assert.match(e.message, /^test.st:1:10: '\.' or end of method expected, found a number/);
  e = errorOf(() => method('foo ^ 1. ^ 2'));
  assert.match(e.message, /^test.st:1:10: statement after a return is unreachable/);
  e = errorOf(() => method('foo ^ #[1 256]'));
  assert.match(e.message, /test.st:1:11: byte array element must be an integer 0..255/);
  e = errorOf(() => method('foo " never closed'));
  assert.match(e.message, /test.st:1:5: unterminated comment/);
  e = errorOf(() => method('foo ^ a foo; bar baz'));
  assert.match(e.message, /test.st:1:18: only one message per cascade part/);
});

test('the scanner reports token positions', () => {
  const lx = new Lexer(file('a := #(1) , "c" x'));
  const kinds: string[] = [];
  for (let t = lx.next(); t.t !== 'eof'; t = lx.next()) kinds.push(`${t.t}@${t.pos}`);
  assert.deepEqual(kinds, ['ident@0', ':=@2', '#(@5', 'number@7', ')@8', 'binary@10', 'ident@16']);
});

// Character>>isLetter in the image knows the same letters (Unicode general category L, from
// the bootstrapper's tables); the in-image compiler's tests are in
// smalltalk-tests/Library-Tests/CharacterTest.
test('letters beyond ASCII in identifiers, keywords, selectors and symbols', () => {
  const m = method('λ: é with: жук | ωμέγα _ß | ωμέγα := é + жук. ^ #λx:ÿ: -> #Ωmega');
  assert.equal(m.selector, 'λ:with:');
  assert.deepEqual(m.args.map((a) => a.name), ['é', 'жук']);
  assert.deepEqual(m.temps.map((t) => t.name), ['ωμέγα', '_ß']);
  assert.equal(show(m.body[1] as Expr), '^(#λx:ÿ: -> #Ωmega)');
  assert.equal(show(expr('ÀÉ δ: Ё')), '(ÀÉ δ: Ё)');
  // a number followed by a letter is still an error, whatever the script
  assert.match(errorOf(() => expr('3λ')).message, /bad character "λ" in number literal/);
  // letters of any script: CJK, Hebrew, Armenian, Devanagari (its digits are neither letters
  // nor, in names and number literals, digits: those stay ASCII)
  assert.equal(show(expr('中文 שלום: Աբ')), '(中文 שלום: Աբ)');
  assert.equal(show(expr('#日本語')), '#日本語');
  assert.match(errorOf(() => expr('क१')).message, /test.st:1:2: unexpected character "१"/);
  // not letters: the multiplication sign, the Greek question mark, the euro sign
  assert.match(errorOf(() => expr('a × b')).message, /test.st:1:3: unexpected character "×"/);
  assert.match(errorOf(() => expr('a\u037e b')).message, /test.st:1:2: unexpected character "\u037e"/);
  assert.match(errorOf(() => expr('€ foo')).message, /test.st:1:1: unexpected character "€"/);
});
