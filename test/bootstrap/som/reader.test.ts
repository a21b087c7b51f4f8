import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSomFile } from '../../../build/bootstrap/som/reader.ts';

const src = `"A SOM class"
Counter = Object (
  | count step |
  init = ( count := 0. step := 1 )
  bump: n by: k = ( | t | t := n * k. count := count + t. ^ count )
  + other = ( ^ count + other )
  items = ( ^ #(1 #foo 'x') )
  each: aBlock = ( 1 to: count do: [:i | aBlock value: i] )
  halt = primitive
  ----
  | instances |
  new = ( ^ super new init )
)
`;

test('parses fields, unary/keyword/binary methods, primitive and class side', () => {
  const r = parseSomFile({ path: 'Counter.som', text: src });
  assert.equal(r.definition.name, 'Counter');
  assert.equal(r.definition.superclass, 'Object');
  assert.deepEqual(r.definition.instVars, ['count', 'step']);
  assert.deepEqual(r.definition.classInstVars, ['instances']);
  const sels = r.methods.map((m) => `${m.meta ? 'class ' : ''}${m.node.selector}`);
  assert.deepEqual(sels, ['init', 'bump:by:', '+', 'items', 'each:', 'class new']);
  assert.equal(r.methods[1].node.temps.length, 1);
});

test('implicit superclass Object and empty class', () => {
  const r = parseSomFile({ path: 'E.som', text: 'E = ( )' });
  assert.equal(r.definition.superclass, 'Object');
  assert.equal(r.methods.length, 0);
});

test('syntax errors carry file:line:col', () => {
  assert.throws(() => parseSomFile({ path: 'Bad.som', text: 'Bad = Object (\n  foo = ( ^ 1 \n' }),
    /Bad\.som:2:9: unterminated method body/);
  assert.throws(() => parseSomFile({ path: 'B2.som', text: 'B2 Object ( )' }), /B2\.som:1:4: '=' expected/);
});

test('SOM string escapes are decoded', () => {
  const r = parseSomFile({ path: 'S.som', text: "S = ( s = ( ^ #('a\\'b' 'c\\\\d' '\\t\\n') ) q = ( ^ '\\'' ) )" });
  const lits = JSON.stringify(r.methods.map((m) => m.node.body));
  assert.ok(lits.includes(JSON.stringify("a'b")), lits);
  assert.ok(lits.includes(JSON.stringify('c\\d')), lits);
  assert.ok(lits.includes(JSON.stringify('\t\n')), lits);
  assert.ok(lits.includes('"value":"\'"'), lits);
});

test('SOM selectors whose meaning differs are compiled to SOM-Compat selectors, definitions and sends alike', () => {
  const r = parseSomFile({ path: 'D.som', text: `D = (
    / other = ( ^ self )
    initialize = ( ^ self )
    run = ( | a | a := 7 / 2 // 3. a between: 1 and: 2. Array new: 2 withAll: [ 1 ]. 'ab' indexOf: 'b'. self initialize; foo )
  )` });
  assert.deepEqual(r.methods.map((m) => m.node.selector), ['somDivide:', 'somInitialize', 'run']);
  const sends = JSON.stringify(r.methods[2].node.body, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  for (const sel of ['somDivide:', 'somFloatDivide:', 'somBetween:and:', 'somNew:withAll:', 'somIndexOf:', 'somInitialize']) {
    assert.ok(sends.includes(JSON.stringify(sel)), `${sel} in ${sends}`);
  }
  for (const sel of ['/', '//', 'between:and:', 'new:withAll:', 'indexOf:', 'initialize']) {
    assert.ok(!sends.includes(`"selector":${JSON.stringify(sel)}`), `${sel} left in ${sends}`);
  }
});

test('downTo:do: with a literal block becomes an inlinable to:by:do: counting down', () => {
  const r = parseSomFile({ path: 'L.som', text: 'L = ( run = ( 5 downTo: 1 do: [:i | i ]. 9 downTo: 1 by: 2 do: [:i | i ]. 3 downTo: 1 do: self ) )' });
  const body = r.methods[0].node.body as unknown as { selector: string; args: { value?: { value?: { value?: bigint } } }[] }[];
  assert.deepEqual(body.map((s) => s.selector), ['to:by:do:', 'to:by:do:', 'downTo:do:']);
  assert.equal(body[0].args[1].value?.value?.value, -1n);
  assert.equal(body[1].args[1].value?.value?.value, -2n);
});

test('&& and || with a literal block become the inlined and: and or:', () => {
  const r = parseSomFile({ path: 'B.som', text: 'B = ( run: x = ( x && [ x ]. x || [ x ]. x && x ) )' });
  const body = r.methods[0].node.body as unknown as { selector: string }[];
  assert.deepEqual(body.map((s) => s.selector), ['and:', 'or:', '&&']);
});

test('an argument the method or a block assigns to is copied into a temporary of its name', () => {
  const r = parseSomFile({ path: 'A.som', text: 'A = ( dec: n = ( n := n - 1. ^ [:k | k := k + n. k ] value: 2 ) keep: m = ( ^ m ) )' });
  const [dec, keep] = r.methods.map((m) => m.node);
  assert.deepEqual(dec.args.map((a) => a.name), ['n__l1__arg']);
  assert.deepEqual(dec.temps.map((a) => a.name), ['n__l1']);
  assert.deepEqual(dec.body[0], { type: 'assign', variable: { name: 'n__l1', pos: dec.args[0].pos }, value: { type: 'variable', name: 'n__l1__arg', pos: dec.args[0].pos }, pos: dec.args[0].pos });
  const block = JSON.stringify(dec.body[2], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  assert.ok(block.includes('"k__l2__arg"') && block.includes('"temps":[{"name":"k__l2"'), block);
  assert.deepEqual(keep.args.map((a) => a.name), ['m__l1']);
  assert.deepEqual(keep.temps, []);
});

test('a loop whose value is used answers its receiver; a loop in statement position is left as it is', () => {
  const r = parseSomFile({ path: 'T.som', text: 'T = ( run = ( 1 to: 3 do: [:i | i ]. ^ [ 1 to: 2 do: [:i | i ] ] value ) drop: x = ( x ifTrue: [ 3 timesRepeat: [ ] ] ) )' });
  const [run, drop] = r.methods.map((m) => m.node);
  const body = run.body as unknown as { selector?: string; value?: { receiver: { body: { selector: string; receiver: { selector: string; receiver: { type: string } } }[] } } }[];
  assert.equal(body[0].selector, 'to:do:');
  const inBlock = body[1].value!.receiver.body[0];
  assert.equal(inBlock.selector, 'ifNil:');
  assert.equal(inBlock.receiver.selector, 'to:do:');
  assert.equal(inBlock.receiver.receiver.type, 'assign');
  assert.deepEqual(run.temps, []);
  assert.ok(JSON.stringify(r.methods[0].node, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes('"temps":[{"name":"loop__r1"'));
  // The ifTrue: is a statement: its block's value, the loop's, is dropped.
  assert.ok(!JSON.stringify(drop.body, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes('ifNil:'));
});
