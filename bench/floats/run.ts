// bench/floats: the SmallFloat64 fast paths of the arithmetic special selectors. One float loop
// (x := x * 0.5 + (y * 0.25) - 0.125, then x < y: five Float operations per iteration) runs, in
// the same run:
//   - `* + - <` as written: special-selector bytecodes, inlined by the interpreter (the fast path);
//   - the same operations as keyword sends (fMul: fAdd: fSub: fLt:) to methods holding the very
//     primitives SmallFloat64>>* + - < use (549 541 542 543): a full send + primitive per
//     operation, which is what every Float operation cost before the fast path;
//   - a SmallInteger loop of the same shape (x * 3 + (y * 5) - 7, x < y): the older fast path;
//   - the float loop in plain JavaScript on Node (the reference for the ms column).
// Instructions per iteration: the native (linux) VM under valgrind (cachegrind, no cache
// simulation), runs of n and of 0 iterations subtracted, so the figure does not move with the
// load of the shared machine. ms: whole runs of the VM's wasm on Node, the 0-iteration run
// subtracted, best of three (this one does move with the load).
//
//   node --import tsx bench/floats/run.ts [iterations, default 200000]
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../build/bootstrap/image-builder.ts';
import { compileVm } from '../../build/vm/compile-vm.ts';
import { runCaptured } from '../../build/targets/node-host.ts';
import { buildLinuxVm } from '../../build/pipeline/linux-vm.ts';
import { hasValgrind, instructionsOf } from '../support/valgrind.ts';

const program = (selector: string, n: number) => `Class {
	#name : #FloatLoop,
	#superclass : #Object,
	#category : #FloatLoop
}

{ #category : #running }
FloatLoop class >> special: n [
	| x y |
	x := 0.0. y := 1.5.
	1 to: n do: [:i | x := x * 0.5 + (y * 0.25) - 0.125. x < y ifFalse: [x := 0.0]].
	^ x
]

{ #category : #running }
FloatLoop class >> keyword: n [
	| x y |
	x := 0.0. y := 1.5.
	1 to: n do: [:i | x := ((x fMul: 0.5) fAdd: (y fMul: 0.25)) fSub: 0.125. (x fLt: y) ifFalse: [x := 0.0]].
	^ x
]

{ #category : #running }
FloatLoop class >> integer: n [
	| x y |
	x := 0. y := 100.
	1 to: n do: [:i | x := x * 3 + (y * 5) - 7. x < y ifFalse: [x := 0]].
	^ x
]

{ #category : #running }
FloatLoop class >> main [
	Transcript show: (self ${selector}: ${n}) printString; cr.
	^ 0
]
`;

const extension = `Extension { #name : #SmallFloat64 }

{ #category : #'*FloatLoop' }
SmallFloat64 >> fAdd: aNumber [
	<primitive: 541>
	^ self + aNumber
]

{ #category : #'*FloatLoop' }
SmallFloat64 >> fSub: aNumber [
	<primitive: 542>
	^ self - aNumber
]

{ #category : #'*FloatLoop' }
SmallFloat64 >> fLt: aNumber [
	<primitive: 543>
	^ self < aNumber
]

{ #category : #'*FloatLoop' }
SmallFloat64 >> fMul: aNumber [
	<primitive: 549>
	^ self * aNumber
]
`;

function jsLoop(n: number): number {
  let x = 0.0; const y = 1.5;
  for (let i = 1; i <= n; i++) { x = x * 0.5 + y * 0.25 - 0.125; if (!(x < y)) x = 0.0; }
  return x;
}


async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200000);
  if (!Number.isInteger(n) || n < 1) throw new Error(`iterations must be a positive integer, not ${process.argv[2]}`);
  const native = hasValgrind() && process.platform === 'linux' && process.arch === 'x64';
  if (!native) process.stderr.write('floats: no valgrind or not x86-64 Linux: instruction counts skipped\n');
  const elf = native ? (await buildLinuxVm()).elfPath : '';
  const wasm = await WebAssembly.compile(new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath)));
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-floats-'));
  const expect = String(jsLoop(n));
  try {
    const image = (selector: string, iterations: number): string => {
      const src = join(dir, `${selector}-${iterations}`);
      mkdirSync(src);
      writeFileSync(join(src, 'package.st'), "Package { #name : #FloatLoop }\n");
      writeFileSync(join(src, 'FloatLoop.class.st'), program(selector, iterations));
      writeFileSync(join(src, 'SmallFloat64.extension.st'), extension);
      const path = join(dir, `${selector}-${iterations}.image`);
      writeFileSync(path, buildImage({ dirs: [src], entry: 'FloatLoop class>>main' }).image);
      return path;
    };
    const timeRun = async (img: string, answer: string | null): Promise<number> => {
      const bytes = new Uint8Array(readFileSync(img));
      let best = Infinity;
      for (let k = 0; k < 3; k++) {
        const t = performance.now();
        const r = await runCaptured(wasm, bytes);
        const ms = performance.now() - t;
        if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stdout}`);
        if (answer !== null && r.stdout.trim() !== answer) throw new Error(`answered ${r.stdout.trim()}, expected ${answer}`);
        best = Math.min(best, ms);
      }
      return best;
    };
    const measure = async (selector: string, answer: string): Promise<{ ms: number; ipi: number }> => {
      const full = image(selector, n); const empty = image(selector, 0);
      const ms = (await timeRun(full, answer)) - (await timeRun(empty, null));
      const ipi = native ? (instructionsOf(elf, full) - instructionsOf(elf, empty)) / n : NaN;
      return { ms, ipi };
    };
    const special = await measure('special', expect);
    const keyword = await measure('keyword', expect);
    const integer = await measure('integer', String(n % 2 === 0 ? 0 : 493));
    let js = Infinity;
    for (let k = 0; k < 3; k++) { const t = performance.now(); if (String(jsLoop(n)) !== expect) throw new Error('js'); js = Math.min(js, performance.now() - t); }
    const rows: [string, { ms: number; ipi: number }][] = [
      ['Float loop, special selectors (fast path)', special],
      ['Float loop, keyword sends to the same primitives (no fast path)', keyword],
      ['SmallInteger loop, same shape', integer],
      ['Float loop, JavaScript on Node', { ms: js, ipi: NaN }],
    ];
    console.log(`${n} iterations of 5 arithmetic operations; ${new Date().toISOString().slice(0, 10)}; Node ${process.version}`);
    console.log('| loop | instructions/iteration (linux VM) | ratio to fast path | ms (wasm VM on Node) | ratio to JS |');
    console.log('|---|---|---|---|---|');
    for (const [what, r] of rows) {
      const ipi = Number.isNaN(r.ipi) ? '' : r.ipi.toFixed(0);
      const ratio = Number.isNaN(r.ipi) ? '' : (r.ipi / special.ipi).toFixed(2);
      console.log(`| ${what} | ${ipi} | ${ratio} | ${r.ms.toFixed(1)} | ${(r.ms / js).toFixed(1)} |`);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

await main();
