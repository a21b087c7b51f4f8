// The SistaV1 compiler: bytecodes of known methods (checked by hand against EncoderForSistaV1's
// table), literal frames, headers, and semantic errors as file:line:col.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CompiledCode, compileMethod, type CompileEnvironment } from '../../build/bootstrap/compiler.ts';
import { parseMethod } from '../../build/bootstrap/parser.ts';
import { SourceError } from '../../build/bootstrap/source-error.ts';

const env: CompileEnvironment = {
  className: 'Foo',
  instVarNames: ['iv1', 'iv2'],
  classVar: (name) => (name === 'Count' ? { kind: 'classVar', name, owner: 'Foo' } : undefined),
  global: (name) => (['Transcript', 'Smalltalk', 'OrderedCollection'].includes(name) ? { kind: 'global', name, owner: 'Smalltalk' } : undefined),
};
const compile = (src: string): CompiledCode => compileMethod({ path: 'foo.st', text: src }, parseMethod({ path: 'foo.st', text: src }), env);
const hex = (c: CompiledCode): string => Buffer.from(c.bytecodes).toString('hex');
const block = (c: CompiledCode, i = 0): CompiledCode => {
  const blocks = c.literals.filter((l) => l.k === 'block');
  return (blocks[i] as { code: CompiledCode }).code;
};
const errorOf = (src: string): string => {
  try {
    compile(src);
  } catch (e) {
    assert.ok(e instanceof SourceError);
    return e.message;
  }
  assert.fail(`no error for ${src}`);
};

test('returns, sends, literal frame with selector and class binding last', () => {
  const c = compile("foo Transcript show: 'hi'; cr. ^ self");
  assert.equal(hex(c), '10532192d883d858');
  assert.deepEqual(c.literals.map((l) => l.k === 'value' ? (l.value as { value?: unknown }).value : l.k),
    ['binding', 'hi', 'show:', 'cr', 'foo', 'methodClass']);
  assert.equal(c.numArgs, 0);
  assert.equal(c.numTemps, 0);
  // quick methods keep their bytecodes after the callPrimitive carrying the quick primitive
  assert.equal(hex(compile('foo')), 'f8000158');
  assert.equal(hex(compile('foo ^ true')), 'f8010159');
  assert.equal(hex(compile('foo ^ false')), 'f802015a');
  assert.equal(hex(compile('foo ^ nil')), 'f803015b');
  assert.equal(hex(compile('foo: a ^ nil')), '5b');
  assert.equal(hex(compile('foo ^ super foo')), '4ceb005c');
  assert.equal(hex(compile('foo ^ self a: 1 b: 2 c: 3')), '4c51e802e803ea035c');
});

test("quick methods: Squeak's quick-return primitives 256-519, only for argument-less one-return bodies", () => {
  const quick = (src: string, ivs: string[] = ['iv1', 'iv2']): number => compileMethod({ path: 'q.st', text: src }, parseMethod({ path: 'q.st', text: src }), { ...env, instVarNames: ivs }).primitive;
  assert.equal(quick('foo'), 256);
  assert.equal(quick('foo ^ self'), 256);
  assert.equal(quick('foo | t | ^ self'), 256);
  assert.deepEqual(['true', 'false', 'nil', '-1', '0', '1', '2'].map((v) => quick(`foo ^ ${v}`)), [257, 258, 259, 260, 261, 262, 263]);
  assert.equal(quick('foo ^ iv1'), 264);
  assert.equal(quick('foo ^ iv2'), 265);
  const many = Array.from({ length: 300 }, (_, i) => `v${i}`);
  assert.equal(quick('foo ^ v255', many), 264 + 255);
  assert.equal(quick('foo ^ v256', many), 0, 'instance variables beyond 255 have no quick primitive');
  assert.equal(hex(compile('foo ^ iv2')), 'f80901015c'); // callPrimitive 265, push iv 1, return top
  for (const notQuick of ['foo ^ 3', 'foo ^ -2', 'foo ^ 1.0', "foo ^ #a", 'foo ^ Count', 'foo ^ super', 'foo ^ thisContext',
    'foo: a ^ self', 'foo: a ^ iv1', 'foo | t | ^ t', 'foo iv1', 'foo self. ^ self', 'foo ^ iv1 := 1', 'foo ^ self bar']) {
    assert.equal(quick(notQuick), 0, notQuick);
  }
  const p = compile('foo <primitive: 60> ^ self');
  assert.equal(p.primitive, 60, 'an explicit primitive wins');
});

test('special selectors and pushes of constants', () => {
  assert.equal(hex(compile('foo: a ^ a + 1 * 2 == a class')), '405160e802684077765c');
  assert.equal(hex(compile('foo: a ^ a + 1')), '4051605c');
  assert.equal(hex(compile('foo: a ^ a at: 1 put: a size')), '40514072715c');
  // 1, $a, 300 (ExtB 1), -5 (ExtB -1), 100000 (a literal); brace array of 5
  assert.equal(hex(compile('foo ^ {1. $a. 300. -5. 100000}')), '51e961e101e82ce1ffe8fb20e7855c');
  assert.equal(hex(compile('foo ^ iv2 := iv1')), '00f3015c');
  assert.equal(hex(compile('foo Count := 3')), 'e803f10058');
  assert.equal(hex(compile('foo ^ thisContext')), '525c');
});

test('primitives: numbered, named (117 with the {module. name. 0. 0} literal first), error code', () => {
  const p = compile('foo <primitive: 60> ^ nil');
  assert.equal(hex(p), 'f83c005b');
  assert.equal(p.primitive, 60);
  const n = compile("foo: s <primitive: 'primitiveConsoleWrite' module: 'Xenolith'> ^ nil");
  assert.equal(n.primitive, 117);
  assert.deepEqual(n.literals[0], { k: 'namedPrimitive', module: 'Xenolith', name: 'primitiveConsoleWrite' });
  assert.equal(hex(n), 'f875005b');
  // the error temp is the last temp; 245 (long store temp) right after callPrimitive
  const e = compile('foo <primitive: 60 error: ec> | t | ^ ec');
  assert.equal(hex(e), 'f83c00f501415c');
  assert.equal(e.numTemps, 2);
});

test('inlined conditionals, and:/or:, ifNil:ifNotNil:', () => {
  assert.equal(hex(compile('foo: a ^ (a > 1 and: [a < 5]) ifTrue: [#yes] ifFalse: [#no]')), '405163c440e80562b04ec120b0215c');
  assert.equal(hex(compile('foo: a a == nil ifTrue: [^ 1]. ^ 2')), '404f76c1515ce8025c');
  assert.equal(hex(compile('foo: a ^ a ifNil: [1] ifNotNil: [:x | x + 2]')), '40534f76c2d851b4d141e802605c');
  assert.equal(compile('foo: a ^ a ifTrue: [1]').literals.length, 2, 'no block literal when inlined');
  // a non-block argument is a real send
  assert.equal(hex(compile('foo: a ^ a ifTrue: a')), '4040905c');
});

test('loops: to:do: with a hidden limit temp, timesRepeat:, whileTrue:, backward jumps with ExtB', () => {
  assert.equal(hex(compile('foo | c | 1 to: self size do: [:i | c := self at: i. c isDigit ifFalse: [^ nil]. c := 3]')),
    '51d24c72d1424164ef134c4270d04080b85be803d0425160d2e1ffede858');
  assert.equal(hex(compile('foo: n | s | s := 0. n timesRepeat: [s := s + 1]. ^ s')),
    '50d140d351d2424364ef0c415160d1425160d2e1ffedef415c');
  assert.equal(hex(compile('foo | i | i := 0. [i < 10] whileTrue: [i := i + 1]. ^ i')),
    '50d040e80a62c7405160d0e1ffedf3405c');
});

test('full block closures: copied values, temp vectors, nesting, non-local return', () => {
  const c = compile('foo | a | a := 1. [a := a + 1] value. ^ a');
  assert.equal(hex(c), 'e701d051fd000040f9004179d8fb00005c');
  assert.equal(hex(block(c)), 'fb00005160fc00005e');
  assert.equal(block(c).numTemps, 1);
  assert.ok(block(c).isBlock);
  assert.equal(block(c).literals.at(-1)?.k, 'outerCode');
  const nested = compile('foo | a b | a := 1. b := [:x | [:y | a := x + y]]. ^ b');
  assert.equal(hex(nested), 'e701d151fd000141f90041d0405c');
  const outer = block(nested);
  assert.equal(hex(outer), '4140f900425e');
  assert.equal(hex(block(outer)), '424060fc00015e');
  const nlr = compile('foo #(1 2) do: [:x | ^ x]. ^ nil');
  assert.equal(hex(nlr), '20f901007bd85b');
  assert.equal(hex(block(nlr)), '405c', '^ in a block is a method return (92)');
  assert.equal(hex(block(compile('foo ^ [:x | ]'))), '5d', 'empty block answers nil');
  assert.equal(hex(block(compile('foo ^ [:x | x]'))), '405e');
  // a temp of an inlined loop body gets a fresh temp vector on every iteration (231 inside the loop)
  const loop = compile('foo | blocks | blocks := OrderedCollection new. 1 to: 3 do: [:i | | t | t := i * 10. blocks add: [t := t + 1]]. ^ blocks');
  assert.equal(hex(loop), '107cd051d141e80364ef19e701d241e80a68fd00024042f9014192d8415160d1e1ffede1405c');
  // read-only captured argument: copied, not in a vector
  const copied = compile('foo: a ^ [a]');
  assert.equal(hex(copied), '40f900415c');
  assert.equal(hex(block(copied)), '405e');
});

test('clean blocks: the ignoreOuterContext flag (64) of 249 only without ^ or thisContext inside', () => {
  // the flags byte of each 249 in the bytecodes, in order (no ExtA here: few literals)
  const flags = (c: CompiledCode): number[] => {
    const out: number[] = [];
    for (let i = 0; i < c.bytecodes.length; i++) if (c.bytecodes[i] === 0xf9) { out.push(c.bytecodes[i + 2]); i += 2; }
    return out;
  };
  const clean = (c: CompiledCode): boolean[] => flags(c).map((f) => (f & 64) !== 0);
  assert.deepEqual(clean(compile('foo ^ [:x | x + 1]')), [true], 'no ^, no thisContext');
  assert.deepEqual(clean(compile('foo: a ^ [a]')), [true], 'copied values do not need the context');
  assert.deepEqual(clean(compile('foo ^ [iv1 := self]')), [true], 'nor does the receiver');
  assert.deepEqual(clean(compile('foo #(1) do: [:x | ^ x]')), [false], 'a non-local return');
  assert.deepEqual(clean(compile('foo ^ [:x | x ifTrue: [^ 1]]')), [false], '^ in an inlined block');
  assert.deepEqual(clean(compile('foo ^ [thisContext]')), [false], 'thisContext');
  assert.deepEqual(clean(compile('foo ^ [Transcript show: 1; show: thisContext]')), [false], 'thisContext in a cascade part');
  assert.deepEqual(clean(compile('foo ^ [{thisContext}]')), [false], 'thisContext in a brace array');
  // an outer block holding a block with ^ keeps its context (the inner block reaches home
  // through it); a clean block inside a block with ^ stays clean
  const withInnerReturn = compile('foo ^ [:x | [:y | ^ y]]');
  assert.deepEqual(clean(withInnerReturn), [false]);
  assert.deepEqual(clean(block(withInnerReturn)), [false]);
  const cleanInside = compile('foo ^ [:x | x ifTrue: [^ 1]. [:y | y + 1]]');
  assert.deepEqual(clean(cleanInside), [false]);
  assert.deepEqual(clean(block(cleanInside)), [true]);
  assert.deepEqual(clean(compile('foo ^ [[thisContext]]')), [false], 'thisContext two blocks down');
  // numCopied stays in the low 6 bits
  assert.deepEqual(flags(compile('foo: a ^ [:x | a + x]')), [64 | 1]);
});

test('large frames and many literals use the extended forms', () => {
  const many = Array.from({ length: 40 }, (_, i) => `'s${i}'`).join('. ');
  const c = compile(`foo ^ {${many}}`);
  assert.ok(c.literals.length >= 40);
  assert.ok(hex(c).includes('e427'), 'literal 39 is pushed with 228 39');
  const deep = compile('foo ^ {' + Array.from({ length: 20 }, (_, i) => `${i + 2}`).join('. ') + '}');
  assert.equal(deep.largeFrame, true);
  assert.equal(compile('foo ^ 1').largeFrame, false);
});

test('semantic errors are reported at file:line:col', () => {
  assert.equal(errorOf('foo\n  ^ zork'), "foo.st:2:5: undeclared variable 'zork'");
  assert.equal(errorOf('foo: a\n  a := 3'), "foo.st:2:3: cannot assign to argument 'a'");
  assert.equal(errorOf('foo | a a | ^ a'), "foo.st:1:9: duplicate temporary 'a'");
  assert.equal(errorOf('foo self := 3'), "foo.st:1:5: cannot assign to 'self'");
  assert.equal(errorOf('foo | x | ^ [:x | x]'), "foo.st:1:15: 'x' shadows a variable of an outer scope");
  assert.equal(errorOf('foo | iv1 | ^ 1'), "foo.st:1:7: 'iv1' shadows an instance variable of Foo");
  assert.equal(errorOf('foo ^ [:a | a := 1]'), "foo.st:1:13: cannot assign to argument 'a'");
  assert.match(errorOf('foo <primitive: 9000> ^ 1'), /^foo.st:1:1: primitive number 9000 out of range/);
});
