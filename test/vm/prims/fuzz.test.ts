// Primitive fuzzing: every primitive in vm/prims/table.ts (and some numbers that are not there)
// is called with random receivers and arguments drawn from a pool of every kind of object —
// immediates at their range edges, boxed floats, large integers, each object format, classes,
// a method, a context, shapes that only look like classes — and must succeed or fail with a
// code, never trap or crash the VM; the heap must check out afterwards. Primitives that change
// their receiver or argument in place (at:put:, become, instVarAt:put: ...) get only the pool's
// disposable objects, so the run never rewrites what the VM itself depends on (classes, the
// special objects, the running method), which a real VM does not guard either. On a crash the
// shortest failing prefix is found and the offending call is named.
//
// Left out, with the reason: 97 snapshot and 113 quit (they end the run), 230 relinquish (sleeps
// for its argument), 86 wait / 88 suspend (they block the only process: the scheduler's own
// tests cover them), 167 yield (no-op here). The Semaphore, Mutex and timer primitives (85, 87,
// 136, 185-187, 242) run in a test of their own (see there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpurBuilder, int, char, SObj, Val } from '../helpers/spur-builder.ts';
import { runImage } from '../helpers/run-vm.ts';
import { primMethod, stepsMethod, Step } from '../helpers/prim-steps.ts';
import { Rng } from '../objmem/model.ts';

/** [primitive, argument counts it is called with]. */
const PRIMS: [number, number[]][] = [];
const add = (prims: number[], nargs: number[]) => { for (const p of prims) PRIMS.push([p, nargs]); };
add(range(1, 18), [1]); add(range(20, 37), [1]); add([38], [1]); add([39], [2]); add([40], [0]);
add(range(41, 50), [1]); add([51, 52, 53, 55, 56, 57, 58, 59], [0]); add([54], [1]);
add(range(541, 550), [1]); add([551, 552, 553, 555, 556, 557, 558, 559], [0]); add([554], [1]);
add([60, 63, 68, 73, 173, 210], [1]); add([61, 64, 69, 74, 174, 211], [2]); add([62, 212], [0]);
add([70, 75, 77, 78, 129, 131, 135, 137, 138, 139, 148, 171, 172, 175, 177, 178, 240, 241], [0]);
add([71, 110, 111, 145, 149, 158, 169, 170], [0, 1]); add([72, 128, 248], [1]); add([249], [2]);
add([79], [2]); add([83], [1, 2, 3]); add([84], [2]); add([100], [3]);
add([89, 116, 119], [0, 1]); add([105], [4]); add([117, 218], [0, 1, 2]); add([130], [0]);
add([188], [2]); add([189], [1, 2]);
add([195, 196, 197, 198, 199], [0, 1]); add([201, 207, 209, 221], [0]); add([202, 206, 208, 222], [1]);
add([203], [2]); add([204], [3]); add([205], [4]);
add([0, 19, 65, 99, 500, 1000, 65535], [0, 1]); // not primitives: plain failure

/** Primitives that write into their receiver or arguments. */
const MUTATING = new Set([39, 61, 64, 69, 72, 74, 105, 128, 145, 174, 211, 248, 249]);

function range(a: number, b: number): number[] { return Array.from({ length: b - a + 1 }, (_, i) => a + i); }

const selectorFor = (prim: number, n: number): string => (n === 0 ? `p${prim}` : `p${prim}:` + 'with:'.repeat(n - 1));

interface Pools { values: Val[]; mutables: Val[]; names: Map<Val, string> }

function pools(b: SpurBuilder): Pools {
  const names = new Map<Val, string>();
  const named = (v: Val, n: string): Val => { names.set(v, n); return v; };
  const foo = b.defineClass('Foo', 'Object', 1, 2);
  const fooVar = b.defineClass('FooVar', 'Object', 3, 1);
  const weak = b.defineClass('WeakFoo', 'Object', 4, 1);
  const eph = b.defineClass('EphFoo', 'Object', 5, 2);
  const words = b.defineClass('WordArray', 'Object', 10, 0);
  const longs = b.defineClass('DoubleWordArray', 'Object', 9, 0);
  const shorts = b.defineClass('ShortArray', 'Object', 12, 0);
  const runnable = b.method({ literals: [], bytecodes: [81, 92] }); // ^ 1
  const values: Val[] = [
    ...[0, 1, -1, 2, 7, -7, 31, 63, 64, 255, 256, 65535, 2 ** 30, 2 ** 31 - 1, 2 ** 32, 1e15].map((n) => named(int(n), String(n))),
    named(int((1n << 60n) - 1n), 'maxSmallInt'), named(int(-(1n << 60n)), 'minSmallInt'),
    named(char(97), '$a'), named(char(0), 'char 0'), named(char(0x10FFFF), 'char 10FFFF'), named(char(0x3FFFFFFF), 'char max'),
    named(b.float(0.5), '0.5'), named(b.float(-2.25), '-2.25'), named(b.float(1e300), '1e300'), named(b.float(NaN), 'NaN'),
    named(b.float(Infinity), 'inf'), named(b.float(-0), '-0.0'), named(b.float(5e-324), 'denormal'),
    named(b.integer(1n << 64n), '2^64'), named(b.integer(-(1n << 70n)), '-2^70'), named(b.integer((1n << 200n) + 12345n), '2^200+'),
    named(b.nil, 'nil'), named(b.true_, 'true'), named(b.false_, 'false'),
    named(b.string('hello'), "'hello'"), named(b.string(''), "''"), named(b.sym('foo'), '#foo'), named(b.sym('at:put:'), '#at:put:'),
    named(b.sym('yourself'), '#yourself'), named(b.sym('p62'), '#p62'),
    named(b.cls('Object'), 'Object'), named(b.cls('Array'), 'Array'), named(b.cls('ByteString'), 'ByteString'),
    named(b.cls('SmallInteger'), 'SmallInteger'), named(b.cls('CompiledMethod'), 'CompiledMethod'), named(foo, 'Foo'),
    named(fooVar, 'FooVar'), named(weak, 'WeakFoo'), named(eph, 'EphFoo'), named(words, 'WordArray'), named(b.cls('Context'), 'Context'),
    named(b.cls('BoxedFloat64'), 'BoxedFloat64'), named(b.cls('LargePositiveInteger'), 'LargePositiveInteger'),
    named(runnable, 'a method'),
    named(b.obj(foo, [b.cls('Object'), b.nil]), 'Foo(Object nil): half a class'),
    named(b.obj(foo, [int(7), int(3)]), 'Foo(7 3)'),
    named(b.obj('Point', [int(3), int(4)]), '3@4'),
    named(b.obj('Association', [b.sym('k'), int(1)]), '#k->1'),
    named(b.array([int(1), b.string('x'), b.nil]), '#(1 x nil)'),
    named(b.array([b.cls('Object'), b.nil, int(0x7FFFFFFF), b.nil]), 'fake class, huge format'),
    named(b.array([b.cls('Object'), b.nil, int((2 << 16) | 3), b.nil]), 'fake class, Array-like format'),
    named(b.array([b.array([int(1)]), int(2)]), '#(#(1) 2)'),
  ];
  const mutables: Val[] = [
    named(b.array([int(1), int(2), int(3)]), 'Array(3)'), named(b.array([]), 'Array(0)'),
    named(b.array(Array.from({ length: 300 }, (_, i) => int(i))), 'Array(300)'),
    named(b.bytesObj('ByteArray', Uint8Array.from({ length: 10 }, (_, i) => i)), 'ByteArray(10)'),
    named(b.string('mutable'), "'mutable'"),
    named(b.obj(foo, [int(1), int(2)]), 'Foo'),
    named(b.obj(fooVar, [int(1), int(2), int(3)]), 'FooVar(1; 2 3)'),
    named(b.obj(weak, [int(1), b.string('w'), b.nil]), 'WeakFoo'),
    named(b.obj(eph, [b.string('key'), int(2)], 5), 'EphFoo'),
    named(wordsObj(b, words, 10, 4), 'WordArray(4)'),
    named(wordsObj(b, shorts, 12, 4), 'ShortArray(4)'),
    named(b.obj(longs, [5n, 0xFFFFFFFFFFFFFFFFn], 9), 'DoubleWordArray(2)'),
    named(b.integer(1n << 80n), 'mutable 2^80'), named(b.float(3e300), 'mutable 3e300'),
    named(b.method({ literals: [int(5)], bytecodes: [32, 92] }), 'victim method'),
    named(b.context(runnable, int(1)), 'a Context'),
    named(b.obj('Semaphore', [b.nil, b.nil, int(0)]), 'a Semaphore'),
  ];
  return { values, mutables, names };
}

function wordsObj(b: SpurBuilder, cls: SObj, format: number, n: number): SObj {
  const o = b.add(new SObj(cls.hash, format, b.hash()));
  o.bytes = Uint8Array.from({ length: 8 * Math.ceil(n * (format >= 12 ? 2 : 4) / 8) }, (_, i) => (i * 37) & 255);
  return o;
}

interface Case { image: Uint8Array; steps: Step[]; describe: (i: number) => string }

function makeCase(seed: number, count: number, prims = PRIMS): Case {
  const b = new SpurBuilder();
  const p = pools(b);
  const rng = new Rng(seed);
  const installed = new Set<string>();
  const pick = (a: Val[]) => a[rng.int(a.length)];
  for (const [prim, nargs] of [...prims, [130, [0]] as [number, number[]]]) {
    for (const n of nargs) {
      const sel = selectorFor(prim, n);
      if (!installed.has(sel)) { installed.add(sel); primMethod(b, ['Object'], sel, prim, n); }
    }
  }
  b.install('Object', 'yourself', { prim: 256, bytecodes: [76, 92] });
  b.install('Object', 'doesNotUnderstand:', { numArgs: 1, numTemps: 1, literals: [b.sym('dnu')], bytecodes: [32, 92] });
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const [prim, nargs] = prims[rng.int(prims.length)];
    const n = nargs[rng.int(nargs.length)];
    const mutating = MUTATING.has(prim);
    const all = [...p.values, ...p.mutables];
    const rcv = mutating || rng.int(4) === 0 ? pick(p.mutables) : pick(all);
    const args = Array.from({ length: n }, () => (mutating ? pick(rng.int(3) ? p.mutables : p.values.slice(0, 40)) : pick(all)));
    steps.push({ rcv, sel: selectorFor(prim, n), args });
  }
  steps.push({ rcv: b.nil, sel: 'p130' }); // a full GC, so the check after the run sees no forwarders
  const image = b.build(stepsMethod(b, steps, false), b.nil);
  const describe = (i: number) => {
    const s = steps[i];
    const nm = (v: unknown) => p.names.get(v as Val) ?? String(v);
    return `${nm(s.rcv)} ${s.sel} ${(s.args ?? []).map(nm).join(', ')}`;
  };
  return { image, steps, describe };
}

/** The first step whose prefix crashes (binary search over prefixes), or -1. */
async function firstCrashingStep(seed: number, count: number, prims: [number, number[]][]): Promise<number> {
  let lo = 1, hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = await runImage(makeCase(seed, mid, prims).image);
    if (r.crash) hi = mid; else lo = mid + 1;
  }
  return lo - 1;
}

const SEEDS = Array.from({ length: Number(process.env.FUZZ_SEEDS ?? 24) }, (_, i) => i + 1);
const STEPS = 400;

async function fuzz(prims: [number, number[]][], seeds: number[]): Promise<Set<string>> {
  const covered = new Set<string>();
  for (const seed of seeds) {
    const c = makeCase(seed, STEPS, prims);
    c.steps.forEach((s) => covered.add(s.sel));
    const r = await runImage(c.image, { verify: true });
    if (r.crash) {
      const i = await firstCrashingStep(seed, STEPS, prims);
      assert.fail(`seed ${seed}: ${r.crash}\n  first crashing call (#${i}): ${makeCase(seed, STEPS, prims).describe(i)}`);
    }
    assert.equal(r.heapFault, 0, `seed ${seed}: heap check after the run`);
  }
  return covered;
}

test(`every primitive on random receivers and arguments fails cleanly (${SEEDS.length} seeds × ${STEPS} calls)`, async () => {
  const covered = await fuzz(PRIMS, SEEDS);
  const selectors = PRIMS.reduce((n, [, a]) => n + a.length, 0);
  assert.ok(covered.size > selectors * 0.9, `most primitive/arity pairs called (${covered.size} of ${selectors})`);
});

// Semaphore/Mutex/timer primitives (vm/prims/process.ts) once accepted any object of the right
// shape: a 3-slot Array whose first slot was no Process passed as a Semaphore and the VM stopped
// with "process priority out of range". They now check the class and the lists' ends.
const PROCESS_PRIMS: [number, number[]][] = [[85, [0]], [87, [0]], [136, [2]], [242, [2]], [185, [0]], [186, [0, 1]], [187, [0]]];
test('Semaphore, Mutex and timer primitives on random receivers fail cleanly', async () => {
  await fuzz([...PROCESS_PRIMS, ...PRIMS.filter(([p]) => p < 100)], SEEDS);
});
