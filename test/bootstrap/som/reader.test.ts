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
