// bench/sends: machine instructions per Smalltalk send on the native (linux) VM, counted by
// valgrind (cachegrind, no cache simulation), so the figure does not move with the load of a
// shared machine the way sends/s does. Two images run `fib:` (one send per call) for n = 24
// and n = 27; the difference divided by the difference in calls is the cost of one call: the
// send, its activation and return, and the ~16 bytecodes of the method. The sieve of the same
// programs is the reference in the same run: instructions per sieve run (inlined loops, at:put:
// and arithmetic only, no send), so a change to the send path shows as a change of the ratio.
//
//   node --import tsx bench/sends/run.ts
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../build/bootstrap/image-builder.ts';
import { buildLinuxVm } from '../../build/pipeline/linux-vm.ts';
import { hasValgrind, instructionsOf } from '../support/valgrind.ts';

const program = (fib: number, sieveRuns: number) => `Class {
	#name : #SendCount,
	#superclass : #Object,
	#category : #SendCount
}

{ #category : #running }
SendCount class >> fib: n [
	^ n < 2 ifTrue: [1] ifFalse: [(self fib: n - 1) + (self fib: n - 2) + 1]
]

{ #category : #running }
SendCount class >> sieve: runs [
	| flags count |
	flags := Array new: 8190.
	1 to: runs do: [:iter |
		count := 0.
		1 to: 8190 do: [:i | flags at: i put: true].
		1 to: 8190 do: [:i | (flags at: i) ifTrue: [| prime k |
			prime := i + 1.
			k := i + prime.
			[k <= 8190] whileTrue: [flags at: k put: false. k := k + prime].
			count := count + 1]]].
	^ count
]

{ #category : #running }
SendCount class >> main [
	Transcript show: (self fib: ${fib}) printString; show: ' '; show: (self sieve: ${sieveRuns}) printString; cr.
	^ 0
]
`;

/** Calls made by fib: n (the answer, as the method adds one per call). */
const calls = (n: number): number => (n < 2 ? 1 : calls(n - 1) + calls(n - 2) + 1);


async function main(): Promise<void> {
  if (!hasValgrind()) { process.stderr.write('sends: valgrind is not installed: nothing measured\n'); return; }
  if (process.platform !== 'linux' || process.arch !== 'x64') { process.stderr.write('sends: needs x86-64 Linux\n'); return; }
  const { elfPath } = await buildLinuxVm();
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-sends-'));
  try {
    const run = (fib: number, sieve: number): number => {
      const src = join(dir, `p${fib}-${sieve}`);
      mkdirSync(src);
      writeFileSync(join(src, 'package.st'), "Package { #name : #SendCount }\n");
      writeFileSync(join(src, 'SendCount.class.st'), program(fib, sieve));
      const image = join(dir, `p${fib}-${sieve}.image`);
      writeFileSync(image, buildImage({ dirs: [src], entry: 'SendCount class>>main' }).image);
      return instructionsOf(elfPath, image);
    };
    const base = run(24, 1);
    const perCall = (run(27, 1) - base) / (calls(27) - calls(24));
    const perSieve = (run(24, 11) - base) / 10;
    const date = new Date().toISOString().slice(0, 10);
    const cmd = '`node --import tsx bench/sends/run.ts`';
    console.log('| date | what | instructions | ratio to a sieve run | command |');
    console.log('|---|---|---|---|---|');
    console.log(`| ${date} | one fib: call (send, activation, return, 16 bytecodes), linux | ${perCall.toFixed(0)} | ${(perCall / perSieve * 1e4).toFixed(2)} × 10⁻⁴ | ${cmd} |`);
    console.log(`| ${date} | one sieve run (8190 flags, no sends), linux | ${perSieve.toFixed(0)} | 1 | ${cmd} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
