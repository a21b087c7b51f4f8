// What the method cache's dispatch kinds (vm/interp/dispatch.ts) save, counted by valgrind on
// the native VM (instructions, not times: the figure does not move with the machine's load):
// - `Object new` and `Array new: 4` cost about what `Object basicNew` and `Array basicNew: 4`
//   cost: K_NEW_INIT (vm/interp/newinit.ts) runs Behavior>>new(:) without its frame and without
//   sending basicNew(:) and the ^ self initialize (some 300 instructions);
// - compareWith: (primitive 158, String>>=) costs about what a ^ self method costs, plus the
//   comparison: K_COMPARE_BYTES answers it without executeMethod and the primitive table (some
//   200 instructions); likewise SmallFloat64 sqrt (K_FLOAT_SQRT, some 300).
// The bounds allow about a third of what each saves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { buildLinuxVm } from '../../../build/pipeline/linux-vm.ts';
import { hasValgrind, instructionsOf } from '../../../bench/support/valgrind.ts';

const skip = (process.platform !== 'linux' || process.arch !== 'x64') ? 'needs x86-64 Linux'
  : !hasValgrind() ? 'needs valgrind' : false;

const program = (stmt: string, n: number) => `Class {
	#name : #KindCost,
	#superclass : #Object,
	#category : #KindCost
}

{ #category : #running }
KindCost class >> main [
	1 to: ${n} do: [:i | ${stmt}].
	^ 0
]
`;

const extension = `Extension { #name : #ByteString }

{ #category : #'*KindCost' }
ByteString >> costCompare: aString [
	<primitive: 158>
	^ #failed
]

{ #category : #'*KindCost' }
ByteString >> costSelf: aString [
	^ self
]
`;

const floatExtension = `Extension { #name : #SmallFloat64 }

{ #category : #'*KindCost' }
SmallFloat64 >> costSelf [
	^ self
]
`;

/** Instructions per iteration of each statement's loop, less the other's: [statement, reference]. */
async function extraCosts(pairs: [string, string][]): Promise<number[]> {
  const { elfPath } = await buildLinuxVm();
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-kind-cost-'));
  try {
    const count = (stmt: string, n: number): number => {
      const src = join(dir, `${stmt.replace(/\W+/g, '_')}-${n}`);
      mkdirSync(src);
      writeFileSync(join(src, 'package.st'), 'Package { #name : #KindCost }\n');
      writeFileSync(join(src, 'KindCost.class.st'), program(stmt, n));
      writeFileSync(join(src, 'ByteString.extension.st'), extension);
      writeFileSync(join(src, 'SmallFloat64.extension.st'), floatExtension);
      const image = join(src, 'cost.image');
      writeFileSync(image, buildImage({ dirs: [src], entry: 'KindCost class>>main' }).image);
      return instructionsOf(elfPath, image);
    };
    const perIteration = (stmt: string): number => (count(stmt, 6000) - count(stmt, 3000)) / 3000;
    return pairs.map(([stmt, reference]) => perIteration(stmt) - perIteration(reference));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('new and new: cost about what basicNew and basicNew: cost', { skip }, async () => {
  const pairs: [string, string][] = [['Object new', 'Object basicNew'], ['Array new: 4', 'Array basicNew: 4']];
  const extra = await extraCosts(pairs);
  pairs.forEach(([stmt, reference], k) => assert.ok(extra[k] < 100, `${stmt} costs ${extra[k].toFixed(0)} instructions more than ${reference}`));
});

test('compareWith: costs about what a ^ self method costs', { skip }, async () => {
  const [extra] = await extraCosts([["'abc' costCompare: 'abd'", "'abc' costSelf: 'abd'"]]);
  assert.ok(extra < 100, `compareWith: costs ${extra.toFixed(0)} instructions more than a ^ self method`);
});

test('SmallFloat64 sqrt costs about what a ^ self method costs', { skip }, async () => {
  const [extra] = await extraCosts([['2.5 sqrt', '2.5 costSelf']]);
  assert.ok(extra < 100, `sqrt costs ${extra.toFixed(0)} instructions more than a ^ self method`);
});
