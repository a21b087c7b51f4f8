// Primitives on hand-built images: Integer arithmetic of any size against BigInt for random
// operands, SmallInteger overflow failures, Floats, at:/at:put:/size with failure codes,
// basicNew:, replaceFrom:to:with:startingAt:, perform:, string compare, shallowCopy, become.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpurBuilder, int, SObj, Val } from '../helpers/spur-builder.ts';
import { runImage } from '../helpers/run-vm.ts';

const RET_TOP = 92;
const pushLit = (i: number): number[] => (i < 32 ? [32 + i] : i < 256 ? [228, i] : [224, i >> 8, 228, i & 255]);
const sendLit = (i: number, n: number): number[] => (i < 16 && n <= 2 ? [128 + 16 * n + i] : [234, (i << 3) | n]);

/** Runs `a_k sel b_k` for each pair with `sel` bound to primitive prim (nil when it fails);
 *  answers the results. */
async function binaryResults(prim: number, makePairs: (b: SpurBuilder) => [Val, Val][], named?: [string, string]): Promise<unknown[]> {
  const b = new SpurBuilder();
  const pairs = makePairs(b);
  const lits: Val[] = [];
  const selIndex = 0;
  lits.push(b.sym('op:'));
  const code: number[] = [];
  for (const [x, y] of pairs) {
    lits.push(x); code.push(...pushLit(lits.length - 1));
    lits.push(y); code.push(...pushLit(lits.length - 1));
    code.push(...sendLit(selIndex, 1));
  }
  code.push(231, 128 | pairs.length, RET_TOP);
  const opLits: Val[] = named ? [b.array([b.sym(named[0]), b.sym(named[1]), int(0), int(0)])] : [];
  for (const c of ['SmallInteger', 'LargePositiveInteger', 'LargeNegativeInteger', 'BoxedFloat64', 'SmallFloat64', 'Object']) {
    b.install(c, 'op:', { numArgs: 1, numTemps: 1, prim: named ? 117 : prim, literals: opLits, bytecodes: [91] });
  }
  const m = b.method({ literals: lits, bytecodes: code });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  return (r.value as unknown[]).map((v) => jsValue(b, v));
}

/** nil → null, true/false → booleans, other values unchanged. */
export function jsValue(b: SpurBuilder, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && 'classIndex' in v) {
    const ci = (v as { classIndex: number }).classIndex;
    if (ci === b.cls('UndefinedObject').hash) return null;
    if (ci === b.cls('True').hash) return true;
    if (ci === b.cls('False').hash) return false;
  }
  return v;
}

// deterministic pseudo-random operands of assorted sizes and signs
let seed = 12345;
function rnd(): number { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; }
function randomBig(): bigint {
  const kind = rnd() % 6;
  const bits = kind === 0 ? 8 : kind === 1 ? 59 : kind === 2 ? 61 : kind === 3 ? 64 + (rnd() % 64) : 128 + (rnd() % 300);
  let v = 0n;
  for (let i = 0; i < bits; i += 15) v = (v << 15n) | BigInt(rnd() & 0x7fff);
  v &= (1n << BigInt(bits)) - 1n;
  return rnd() % 2 ? -v : v;
}

const floorDiv = (a: bigint, b: bigint): bigint => { const q = a / b; return (a % b !== 0n && ((a < 0n) !== (b < 0n))) ? q - 1n : q; };
const floorMod = (a: bigint, b: bigint): bigint => a - floorDiv(a, b) * b;

const OPS: [string, number, (a: bigint, b: bigint) => bigint | boolean | null][] = [
  ['+', 21, (a, b) => a + b], ['-', 22, (a, b) => a - b], ['<', 23, (a, b) => a < b], ['>', 24, (a, b) => a > b],
  ['<=', 25, (a, b) => a <= b], ['>=', 26, (a, b) => a >= b], ['=', 27, (a, b) => a === b], ['~=', 28, (a, b) => a !== b],
  ['*', 29, (a, b) => a * b], ['/', 30, (a, b) => (b === 0n || a % b !== 0n ? null : a / b)],
  ['\\\\', 31, (a, b) => (b === 0n ? null : floorMod(a, b))], ['//', 32, (a, b) => (b === 0n ? null : floorDiv(a, b))],
  ['quo:', 33, (a, b) => (b === 0n ? null : a / b)], ['rem:', 20, (a, b) => (b === 0n ? null : a % b)],
  ['bitAnd:', 34, (a, b) => a & b], ['bitOr:', 35, (a, b) => a | b], ['bitXor:', 36, (a, b) => a ^ b],
];

for (const [name, prim, f] of OPS) {
  test(`Integer ${name} (primitive ${prim}) matches BigInt on random operands of any size`, async () => {
    const pairs: [bigint, bigint][] = [];
    for (let i = 0; i < 60; i++) pairs.push([randomBig(), randomBig()]);
    pairs.push([0n, 0n], [5n, 0n], [-(1n << 60n), -1n], [(1n << 60n) - 1n, 1n], [12n, 4n], [-7n, 2n], [7n, -2n]);
    const results = await binaryResults(prim, (b) => pairs.map(([a, c]) => [b.integer(a), b.integer(c)] as [Val, Val]));
    pairs.forEach(([a, c], i) => assert.equal(results[i], f(a, c), `${a} ${name} ${c}`));
  });
}

test('bitShift: (primitive 37) and gcd (named primitive) match BigInt', async () => {
  const pairs: [bigint, bigint][] = [];
  for (let i = 0; i < 50; i++) pairs.push([randomBig(), BigInt((rnd() % 400) - 200)]);
  const shifted = await binaryResults(37, (b) => pairs.map(([a, k]) => [b.integer(a), int(k)] as [Val, Val]));
  pairs.forEach(([a, k], i) => assert.equal(shifted[i], k >= 0n ? a << k : a >> -k, `${a} bitShift: ${k}`));
  const gp: [bigint, bigint][] = [];
  for (let i = 0; i < 40; i++) { const g = randomBig() || 1n; gp.push([g * randomBig(), g * randomBig()]); }
  gp.push([0n, 0n], [0n, 12n], [-(1n << 70n), 1n << 65n]);
  const gcd = (x: bigint, y: bigint): bigint => { x = x < 0n ? -x : x; y = y < 0n ? -y : y; while (y) [x, y] = [y, x % y]; return x; };
  const got = await binaryResults(0, (b) => gp.map(([a, c]) => [b.integer(a), b.integer(c)] as [Val, Val]), ['Xenolith', 'primitiveGCD']);
  gp.forEach(([a, c], i) => assert.equal(got[i], gcd(a, c), `${a} gcd: ${c}`));
});

test('SmallInteger primitives fail on overflow and on non-SmallInteger arguments', async () => {
  const M = (1n << 60n) - 1n;
  const r = await binaryResults(1, (b) => [[int(M), int(1)], [int(3), int(4)], [int(3), b.nil], [int(-5), int(-6)]]);
  assert.deepEqual(r, [null, 7n, null, -11n]);
  const m = await binaryResults(9, (b) => [[int(1n << 40n), int(1n << 30n)], [int(-3), int(7)]]);
  assert.deepEqual(m, [null, -21n]);
  const d = await binaryResults(12, () => [[int(-7), int(2)], [int(7), int(0)], [int(7), int(-2)]]);
  assert.deepEqual(d, [-4n, null, -4n]);
  const sh = await binaryResults(17, () => [[int(1), int(59)], [int(1), int(60)], [int(-16), int(-2)]]);
  assert.deepEqual(sh, [1n << 59n, null, -4n]);
});

test('Float primitives on SmallFloat64 and boxed floats', async () => {
  const add = await binaryResults(41, (b) => [[b.float(1.5), b.float(2.25)], [b.float(1e300), b.float(1e300)], [b.float(0.1), int(2)], [b.float(1.5), b.nil]]);
  assert.deepEqual(add, [3.75, 2e300, 2.1, null]);
  const div = await binaryResults(50, (b) => [[b.float(1), b.float(3)], [b.float(1), b.float(0)]]);
  assert.deepEqual(div, [1 / 3, null]);
  const lt = await binaryResults(43, (b) => [[b.float(1), b.float(3)], [b.float(NaN), b.float(3)]]);
  assert.deepEqual(lt, [true, false]);
  const mul = await binaryResults(549, (b) => [[b.float(1.5), b.float(-4)]]);
  assert.deepEqual(mul, [-6]);
  // truncated (51) through the binary shim (its argument is ignored): large results are LargeIntegers
  const tr = await binaryResults(51, (b) => [[b.float(-3.7), b.nil], [b.float(1e20), b.nil], [b.float(Infinity), b.nil]]);
  assert.deepEqual(tr, [-3n, 100000000000000000000n, null]);
});

test('at:, at:put:, size with failure codes', async () => {
  const b = new SpurBuilder();
  // at: i  <primitive: 60 error: ec> ^ ec
  b.install('Object', 'at:', { numArgs: 1, numTemps: 2, prim: 60, bytecodes: [245, 1, 65, RET_TOP] });
  b.install('Object', 'at:put:', { numArgs: 2, numTemps: 3, prim: 61, bytecodes: [245, 2, 66, RET_TOP] });
  b.install('Object', 'size', { prim: 62, bytecodes: [91] });
  const arr = b.array([int(10), int(20), int(30)]);
  const str = b.string('hello');
  const lits = [arr, str, b.sym('at:'), b.sym('at:put:'), b.sym('size')];
  // literals: 0 arr, 1 'hello', 2 #at: (send 146), 3 #at:put: (send 163), 4 #size (send 132)
  const m = b.method({ literals: lits, bytecodes: [
    32, 232, 2, 146,              // arr at: 2 → 20
    32, 232, 4, 146,              // arr at: 4 → #'bad index'
    32, 232, 1, 232, 99, 163,     // arr at: 1 put: 99 → 99
    32, 232, 1, 146,              // arr at: 1 → 99
    33, 232, 2, 146,              // 'hello' at: 2 → 101
    33, 232, 2, 225, 1, 232, 0, 163, // 'hello' at: 2 put: 256 → #'bad argument'
    33, 132,                      // 'hello' size → 5
    32, 79, 146,                  // arr at: nil → #'bad argument'
    231, 128 | 8, RET_TOP,
  ] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.deepEqual(r.value, [20n, 'bad index', 99n, 99n, 101n, 'bad argument', 5n, 'bad argument']);
});

test('basicNew:, replaceFrom:to:with:startingAt:, shallowCopy, perform:, ==', async () => {
  const b = new SpurBuilder();
  b.install('Object', 'basicNew:', { numArgs: 1, numTemps: 1, prim: 71, bytecodes: [91] });
  b.install('Object', 'replaceFrom:to:with:startingAt:', { numArgs: 4, numTemps: 4, prim: 105, bytecodes: [91] });
  b.install('Object', 'shallowCopy', { prim: 148, bytecodes: [91] });
  b.install('Object', 'perform:with:', { numArgs: 2, numTemps: 2, prim: 83, bytecodes: [91] });
  b.install('SmallInteger', 'plus:', { numArgs: 1, numTemps: 1, bytecodes: [76, 64, 96, RET_TOP] });
  const src = b.string('abcdefgh');
  const lits = [b.cls('ByteString'), src, b.sym('basicNew:'), b.sym('replaceFrom:to:with:startingAt:'), b.sym('shallowCopy'), b.sym('perform:with:'), b.sym('plus:')];
  const m = b.method({ numTemps: 1, literals: lits, bytecodes: [
    32, 232, 4, 146, 208,                        // t := ByteString basicNew: 4
    64, 232, 1, 232, 4, 33, 232, 3, 234, (3 << 3) | 4, 216, // t replaceFrom: 1 to: 4 with: src startingAt: 3
    64, 132, 216,                                // t shallowCopy (discarded)
    232, 5, 38, 232, 6, 234, (5 << 3) | 2,       // 5 perform: #plus: with: 6 → 11
    64, 64, 132, 118,                            // t == t shallowCopy → false
    64,
    231, 128 | 3, RET_TOP,
  ] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  const [sum, same, t] = (r.value as unknown[]);
  assert.equal(sum, 11n);
  assert.equal((same as { classIndex: number }).classIndex, b.cls('False').hash);
  assert.equal(t, 'cdef');
});
