// Quick methods (primitives 256-519, emitted by the bootstrapper as Squeak's compiler does) and
// setters (recognised by the VM when it fills the method cache, vm/interp/setters.ts): both are
// answered without a frame on a cache hit. The answers must be those of running the methods:
// overriding in a subclass, super sends, perform:, withArgs:executeMethod:, Context receivers,
// the write barrier of a setter storing young objects into an old receiver, and the instance
// variable index limits (255 is the last quick one and the last short/long-form setter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { runImage } from '../helpers/run-vm.ts';
import { runLabelled } from '../helpers/labelled-run.ts';

const FIXTURE = 'test/vm/interp/fixtures/QuickMethods';

test('quick methods and setters answer what running them answers', async () => {
  const { got, run: r } = await runLabelled(FIXTURE, 'QuickMethods class>>main');
  const expected: Record<string, string> = {
    accessors: '#(3 4 5)',
    constants: '#(true false nil -1 0 1 2)',
    self: '#(true true)',
    // a: 264, j (10th inst var): 273, ^self 256, empty body 256, ^-1 260; a setter and a full method: 0
    primitives: '#(264 273 256 256 260 0 0)',
    loop: String(Array.from({ length: 1000 }, (_, k) => 2 * (k + 1) + 1).reduce((x, y) => x + y, 0)),
    polymorphic: 'an Array(#(1000 4 false) an Array(#overridden->7 20 true) #(1000 4 false) an Array(#overridden->7 20 true))',
    subclass: '#(7 9 nil)',
    perform: '#(11 true 4 true 12)',
    notASetter: '#(21 21)',
    context: '#(#main true #runEntry #show:thrice:)',
    barrier: "#(100 200 '200' true)",
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(got.get(k), v, `${k}\n${r.stdout}`);
});

test('instance variable limits: 255 is quick and a setter, 256 runs its bytecodes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-quick-'));
  try {
    const n = 300;
    const ivs = Array.from({ length: n }, (_, i) => `v${i}`);
    const probes = [0, 7, 8, 15, 16, 255, 256, 299];
    const methods = probes.map((i) => `
{ #category : #access }
Wide >> v${i} [
	^ v${i}
]

{ #category : #access }
Wide >> v${i}: x [
	v${i} := x
]
`).join('');
    const checks = probes.map((i) => `w v${i}: ${i * 3}.`).join('\n\t');
    const answers = probes.map((i) => `w v${i}`).join('. ');
    const primExprs = probes.map((i) => `(Wide compiledMethodAt: #v${i}) primitive`).join('. ');
    mkdirSync(join(dir, 'Wide'));
    writeFileSync(join(dir, 'Wide', 'package.st'), "Package { #name : #Wide }\n");
    writeFileSync(join(dir, 'Wide', 'Wide.class.st'), `Class {
	#name : #Wide,
	#superclass : #Object,
	#instVars : [ ${ivs.map((v) => `'${v}'`).join(', ')} ],
	#category : #Wide
}
${methods}
{ #category : #running }
Wide class >> main [
	| w r |
	w := self new.
	1 to: 3 do: [:k |
	${checks}
	r := {${answers}}].
	Transcript show: r printString; cr; show: {${primExprs}} printString; cr.
	^ 0
]
`);
    const { image } = buildImage({ dirs: [join(dir, 'Wide')], entry: 'Wide class>>main' });
    const r = await runImage(image, { verify: true });
    assert.equal(r.status, 0, r.stdout);
    const [values, primitives] = r.stdout.trim().split('\n');
    assert.equal(values, `#(${probes.map((i) => i * 3).join(' ')})`);
    assert.equal(primitives, `#(${probes.map((i) => (i <= 255 ? 264 + i : 0)).join(' ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
