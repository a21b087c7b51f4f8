// bench/sends/operations: machine instructions per common operation on the native (linux) VM,
// counted by valgrind (cachegrind, no cache simulation) so the shared machine's load does not
// enter. Each operation runs in a `1 to: n do:` loop at two n; the difference per iteration,
// less that of the empty loop, is the operation's cost (its send, primitive or activation, and
// the pushes and pop around it).
//
//   node --import tsx bench/sends/operations.ts
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../build/bootstrap/image-builder.ts';
import { buildLinuxVm } from '../../build/pipeline/linux-vm.ts';
import { hasValgrind, instructionsOf } from '../support/valgrind.ts';

/** [label, statement run once per iteration (i is the loop index)] */
export const OPERATIONS: readonly [string, string][] = [
  ['empty loop (reference)', 'nil'],
  ['quick accessor (^instVar)', 'o a'],
  ['quick constant (^true)', 'o yes'],
  ['setter (a := x)', 'o a: i'],
  ['method returning an instance variable through a temp', 'o full'],
  ['SmallFloat64 * (special selector)', 'f * 1.5'],
  ['SmallFloat64 sqrt (primitive 555)', 'f sqrt'],
  ['block value (primitive 201)', 'b value'],
  ['block value: (primitive 202)', 'b1 value: i'],
  ['Array new: 4 (primitive 71)', 'Array new: 4'],
  ['Object new (primitive 70, initialize)', 'Object new'],
  ['OrderedCollection at: (full method)', 'oc at: 2'],
  ['== and class (special selectors)', 'o class == o'],
  ['isNil (quick ^false)', 'o isNil'],
  ['OrderedCollection at:put:', 'oc at: 2 put: i'],
  ['OrderedCollection add: then removeFirst', 'oc add: i; removeFirst'],
  ['OrderedCollection do: (3 elements, empty block)', 'oc do: b1'],
  ['Dictionary at: (SmallInteger key)', 'd at: 2'],
  ['Dictionary at:put: (existing key)', 'd at: 2 put: i'],
  ['Set add: (already present)', 's add: 2'],
  ['Set includes:', 's includes: 2'],
  ['String = (11 characters, equal)', 'str = str2'],
  ['WriteStream nextPut: (growing)', 'ws nextPut: $a'],
];

const program = (n: number) => `Class {
	#name : #Ops,
	#superclass : #Object,
	#instVars : [ 'a' ],
	#category : #Ops
}

{ #category : #access }
Ops >> a [
	^ a
]

{ #category : #access }
Ops >> a: x [
	a := x
]

{ #category : #access }
Ops >> yes [
	^ true
]

{ #category : #access }
Ops >> full [
	| t |
	t := a.
	^ t
]
${OPERATIONS.map(([, stmt], k) => `
{ #category : #running }
Ops class >> op${k}: n [
	| o f b b1 oc d s str str2 ws |
	o := self new.
	f := 2.5.
	b := [3].
	b1 := [:x | x].
	oc := OrderedCollection new. oc add: 1; add: 2; add: 3.
	d := Dictionary new. d at: 1 put: 1; at: 2 put: 2; at: 3 put: 3.
	s := Set new. s add: 1; add: 2; add: 3.
	str := 'hello world'. str2 := str copy.
	ws := WriteStream on: (String new: 16).
	1 to: n do: [:i | ${stmt}]
]
`).join('')}
{ #category : #running }
Ops class >> main [
	${OPERATIONS.map((_, k) => `self op${k}: ${n}.`).join('\n\t')}
	^ 0
]
`;


async function main(): Promise<void> {
  if (!hasValgrind()) { process.stderr.write('operations: valgrind is not installed: nothing measured\n'); return; }
  if (process.platform !== 'linux' || process.arch !== 'x64') { process.stderr.write('operations: needs x86-64 Linux\n'); return; }
  const { elfPath } = await buildLinuxVm();
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-ops-'));
  try {
    // one image per operation and n: main runs only that operation
    const run = (k: number, n: number): number => {
      const src = join(dir, `p${k}-${n}`);
      mkdirSync(src);
      writeFileSync(join(src, 'package.st'), "Package { #name : #Ops }\n");
      const text = program(n).replace(/Ops class >> main \[[\s\S]*?\^ 0\n\]/, `Ops class >> main [\n\tself op${k}: ${n}.\n\t^ 0\n]`);
      writeFileSync(join(src, 'Ops.class.st'), text);
      const image = join(dir, `p${k}-${n}.image`);
      writeFileSync(image, buildImage({ dirs: [src], entry: 'Ops class>>main' }).image);
      return instructionsOf(elfPath, image);
    };
    const lo = 20000; const hi = 40000;
    const per = OPERATIONS.map((_, k) => (run(k, hi) - run(k, lo)) / (hi - lo));
    const cmd = '`node --import tsx bench/sends/operations.ts`';
    console.log('| operation | instructions per iteration, less the empty loop | command |');
    console.log('|---|---|---|');
    OPERATIONS.forEach(([label], k) => {
      const v = k === 0 ? per[0] : per[k] - per[0];
      console.log(`| ${label} | ${v.toFixed(0)} | ${cmd} |`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
