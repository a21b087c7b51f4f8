// Pushing and storing a receiver variable costs about what pushing and storing a temporary costs,
// counted by valgrind on the native VM: runSista keeps the last receiver that passed the
// immediate, Context and immutability tests (vm/interp/interpreter.ts ivarRcv), so a method
// reading and writing its receiver's variables tests the receiver once, not per bytecode.
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

const copies = (s: string) => Array(16).fill(s).join('. ');

/** A class whose methods move a value 16 times: from and to a receiver variable, or temps. */
const program = (stmt: string, n: number) => `Class {
	#name : #IvarCost,
	#superclass : #Object,
	#instVars : [ 'a', 'b' ],
	#category : #IvarCost
}

{ #category : #running }
IvarCost >> pushes [
	| t |
	${copies('t := a')}
]

{ #category : #running }
IvarCost >> tempPushes [
	| t u |
	${copies('t := u')}
]

{ #category : #running }
IvarCost >> stores [
	| t |
	${copies('b := t')}
]

{ #category : #running }
IvarCost class >> main [
	| o |
	o := self new.
	1 to: ${n} do: [:i | o ${stmt}].
	^ 0
]
`;

async function extraCosts(pairs: [string, string][]): Promise<number[]> {
  const { elfPath } = await buildLinuxVm();
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-ivar-cost-'));
  try {
    const count = (stmt: string, n: number): number => {
      const src = join(dir, `${stmt}-${n}`);
      mkdirSync(src);
      writeFileSync(join(src, 'package.st'), 'Package { #name : #IvarCost }\n');
      writeFileSync(join(src, 'IvarCost.class.st'), program(stmt, n));
      const image = join(src, 'cost.image');
      writeFileSync(image, buildImage({ dirs: [src], entry: 'IvarCost class>>main' }).image);
      return instructionsOf(elfPath, image);
    };
    const memo = new Map<string, number>();
    const perIteration = (stmt: string): number => {
      if (!memo.has(stmt)) memo.set(stmt, (count(stmt, 6000) - count(stmt, 3000)) / 3000);
      return memo.get(stmt)!;
    };
    return pairs.map(([stmt, reference]) => perIteration(stmt) - perIteration(reference));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('receiver variables cost about what temporaries cost', { skip }, async () => {
  const [pushes, stores] = await extraCosts([['pushes', 'tempPushes'], ['stores', 'tempPushes']]);
  // before: 13 and 43 more; with the remembered receiver about 7 and 33
  assert.ok(pushes / 16 < 10, `a receiver variable push costs ${(pushes / 16).toFixed(1)} instructions more than a temp push`);
  assert.ok(stores / 16 < 38, `a receiver variable store costs ${(stores / 16).toFixed(1)} instructions more than a temp store`);
});
