// Tonel reader: class definitions, class-side and instance-side methods, categories,
// extensions, package.st, brackets inside strings/comments/characters, errors with positions.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SourceError } from '../../build/bootstrap/source-error.ts';
import { parseTonelFile, readTonelDirectory, type TonelClass } from '../../build/bootstrap/tonel.ts';

const CLASS = `"A comment with ""quotes"" and [brackets]"
Class {
	#name : #Counter,
	#superclass : #Object,
	#instVars : [
		'count',
		'step'
	],
	#classVars : [ 'Default' ],
	#classInstVars : [ 'instances' ],
	#type : #variable,
	#category : #'Demo-Core'
}

{ #category : #accessing }
Counter class >> new [
	^ super new setCount: 0
]

{ #category : #'tricky parsing' }
Counter >> tricky [
	"a ] in a comment"
	^ { $]. ']'. #[1 2]. [:x | x] }
]

Counter >> + other [
	^ count + other
]

{ #category : #accessing }
Counter >> at: index put: value [
	^ count := value
]
`;

test('a class file: definition, comment, methods with categories and both sides', () => {
  const r = parseTonelFile({ path: 'Counter.class.st', text: CLASS });
  const def = r.definition as TonelClass;
  assert.equal(def.kind, 'class');
  assert.equal(def.name, 'Counter');
  assert.equal(def.superclass, 'Object');
  assert.deepEqual(def.instVars, ['count', 'step']);
  assert.deepEqual(def.classVars, ['Default']);
  assert.deepEqual(def.classInstVars, ['instances']);
  assert.equal(def.type, 'variable');
  assert.equal(def.category, 'Demo-Core');
  assert.equal(def.comment, 'A comment with "quotes" and [brackets]');
  assert.deepEqual(r.methods.map((m) => `${m.meta ? 'class ' : ''}${m.node.selector} {${m.category}}`),
    ['class new {accessing}', 'tricky {tricky parsing}', '+ {}', 'at:put: {accessing}']);
  assert.equal(r.methods[1].node.body.length, 1);
  assert.deepEqual(r.methods[3].node.args.map((a) => a.name), ['index', 'value']);
});

test('extensions and packages', () => {
  const ext = parseTonelFile({ path: 'Object.extension.st', text: 'Extension { #name : #Object }\n\nObject >> isCounter [ ^ false ]\n' });
  assert.equal(ext.definition.kind, 'extension');
  assert.equal(ext.methods[0].className, 'Object');
  const pkg = parseTonelFile({ path: 'package.st', text: "Package { #name : #'Demo-Core' }\n" });
  assert.deepEqual(pkg.definition, { kind: 'package', name: 'Demo-Core' });
});

test('names beyond ASCII: instance variables, selectors, temps and a category symbol', () => {
  const text = "Class {\n\t#name : #Café,\n\t#superclass : #Object,\n\t#instVars : [ 'größe' ],\n\t#category : #Δοκιμή\n}\n\n" +
    "{ #category : #λόγος }\nCafé >> ώρα: χ [\n\t| λ ж |\n\tλ := χ. ж := größe.\n\t^ { λ. ж. $] }\n]\n";
  const r = parseTonelFile({ path: 'Café.class.st', text });
  const def = r.definition as TonelClass;
  assert.equal(def.name, 'Café');
  assert.deepEqual(def.instVars, ['größe']);
  assert.equal(def.category, 'Δοκιμή');
  const m = r.methods[0];
  assert.equal(`${m.node.selector} {${m.category}}`, 'ώρα: {λόγος}');
  assert.deepEqual(m.node.args.map((a) => a.name), ['χ']);
  assert.deepEqual(m.node.temps.map((t) => t.name), ['λ', 'ж']);
  assert.equal(m.node.body.length, 3);
});

test('errors point into the file', () => {
  const bad = (text: string): string => {
    try {
      parseTonelFile({ path: 'Bad.class.st', text });
    } catch (e) {
      assert.ok(e instanceof SourceError);
      return e.message;
    }
    assert.fail('no error');
  };
  assert.equal(bad('Class {\n\t#name : #Bad,\n\t#superclass : #Object\n}\n\nBad >> foo [\n\t^ 1 +\n]\n'),
    'Bad.class.st:8:1: expression expected, found end of source');
  assert.equal(bad('Class { #name : #Bad }\nBad >> foo [ ^ 1'), "Bad.class.st:2:12: unterminated method body: ']' expected");
  assert.equal(bad('Class { #name : #Bad }\nOther >> foo [ ^ 1 ]'), 'Bad.class.st:2:1: method of Other in the file of Bad');
  assert.equal(bad('Class { #superclass : #Object }'), 'Bad.class.st:1:1: definition has no #name');
  assert.equal(bad('Trait { #name : #T }'), 'Bad.class.st:1:1: Traits are not supported by the Xenolith bootstrapper');
  assert.equal(bad('Class { #name : #Bad, #type : #strange }'), 'Bad.class.st:1:1: unknown class #type strange');
});

test('reading a directory of packages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tonel-'));
  try {
    mkdirSync(join(dir, 'Demo-Core'));
    writeFileSync(join(dir, 'Demo-Core', 'package.st'), "Package { #name : #'Demo-Core' }\n");
    writeFileSync(join(dir, 'Demo-Core', 'Counter.class.st'), CLASS);
    writeFileSync(join(dir, 'Demo-Core', 'Object.extension.st'), 'Extension { #name : #Object }\nObject >> isCounter [ ^ false ]\n');
    const pkgs = readTonelDirectory(dir);
    assert.equal(pkgs.length, 1);
    assert.equal(pkgs[0].name, 'Demo-Core');
    assert.equal(pkgs[0].classes.length, 1);
    assert.equal(pkgs[0].methods.length, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
