// SOM classes named like library classes: in SOM code the SOM class wins, the library keeps its
// own (build/bootstrap/som/library-names.ts); a SOM core class cannot be redefined.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { runImage } from '../sim/simulator.ts';

test('a SOM class named like a library class or global shadows it in SOM code only', () => {
  const { image } = buildImage({ dirs: ['test/bootstrap/som/fixtures/Shadow'], entry: 'Shadow class>>main' });
  const r = runImage(image, 20_000_000);
  assert.equal(r.output, [
    'som set 2 true Set',
    'subclass 2 true',
    'library set 2',
    'global true true',
    'point 4 3 7',
    'som transcript 1',
    '',
  ].join('\n'));
  assert.equal(r.status, 0);
});

test('redefining a core class is an error naming the SOM file and line', () => {
  assert.throws(() => buildImage({ dirs: ['test/bootstrap/som/fixtures/CoreClash'], entry: 'Main class>>main' }),
    /fixtures\/CoreClash\/Integer\.som:1:1: class Integer is a core class/);
});
