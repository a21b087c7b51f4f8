// Primitives across object formats and their failure codes: at:/at:put:/size on 64/32/16/8-bit,
// pointer-with-fixed-fields and weak objects, instVarAt:(put:), identityHash stable across a
// full GC, perform:withArguments: arity checks, SmallFloat64 boxing edges, Character value:.
// Failing primitives answer their error (`<primitive: N error: ec> ^ ec`), so each step's
// result is either the value or the error symbol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpurBuilder, int, char } from '../helpers/spur-builder.ts';
import { runImage } from '../helpers/run-vm.ts';
import { primMethod, stepsMethod, type Step } from '../helpers/prim-steps.ts';

const RET_TOP = 92;

/** nil → null, true/false → booleans, other values unchanged. */
function jsValue(b: SpurBuilder, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && 'classIndex' in v) {
    const ci = (v as { classIndex: number }).classIndex;
    if (ci === b.cls('UndefinedObject').hash) return null;
    if (ci === b.cls('True').hash) return true;
    if (ci === b.cls('False').hash) return false;
  }
  return v;
}

/** Primitives with an error temp: [selector, number, numArgs]. */
const PRIMS: [string, number, number][] = [
  ['at:', 60, 1], ['at:put:', 61, 2], ['size', 62, 0], ['basicNew:', 71, 1], ['basicNew', 70, 0],
  ['instVarAt:', 73, 1], ['instVarAt:put:', 74, 2], ['identityHash', 75, 0], ['fullGC', 130, 0],
  ['perform:withArguments:', 84, 2], ['shallowCopy', 148, 0], ['basicAt:', 60, 1], ['value:', 170, 1],
  ['asInteger', 171, 0], ['+', 41, 1], ['*', 49, 1], ['/', 50, 1], ['timesTwoPower:', 54, 1], ['truncated', 51, 0],
  ['asFloat', 40, 0], ['==', 110, 1],
];

const NUMERIC = ['+', '*', '/', 'timesTwoPower:', 'truncated', 'asFloat', 'asInteger', '=='];

function install(b: SpurBuilder): void {
  for (const [sel, prim, n] of PRIMS) {
    primMethod(b, NUMERIC.includes(sel) ? ['Object', 'SmallInteger', 'SmallFloat64', 'BoxedFloat64'] : ['Object'], sel, prim, n);
  }
  b.install('SmallInteger', 'plus:', { numArgs: 1, numTemps: 1, bytecodes: [76, 64, 96, RET_TOP] });
}

async function run(b: SpurBuilder, steps: Step[]): Promise<unknown[]> {
  const m = stepsMethod(b, steps, true);
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null, r.stdout);
  return (r.value as unknown[]).map((v) => jsValue(b, v));
}

test('at:/at:put:/size on 64-, 32-, 16- and 8-bit objects, with range and value failures', async () => {
  const b = new SpurBuilder();
  install(b);
  b.defineClass('DoubleWordArray', 'Object', 9, 0);
  b.defineClass('WordArray', 'Object', 10, 0);
  b.defineClass('ShortArray', 'Object', 12, 0);
  const big = b.integer((1n << 64n) - 1n);
  const r = await run(b, [
    { rcv: b.cls('DoubleWordArray'), sel: 'basicNew:', args: [int(3)], keep: 0 },
    { rcv: { t: 0 }, sel: 'at:put:', args: [int(2), big] },
    { rcv: { t: 0 }, sel: 'at:', args: [int(2)] },
    { rcv: { t: 0 }, sel: 'at:put:', args: [int(1), int(-1)] },
    { rcv: { t: 0 }, sel: 'at:put:', args: [int(4), int(1)] },
    { rcv: { t: 0 }, sel: 'size' },
    { rcv: b.cls('WordArray'), sel: 'basicNew:', args: [int(5)], keep: 1 },
    { rcv: { t: 1 }, sel: 'at:put:', args: [int(5), int(0xFFFFFFFF)] },
    { rcv: { t: 1 }, sel: 'at:', args: [int(5)] },
    { rcv: { t: 1 }, sel: 'at:put:', args: [int(1), int(0x100000000)] },
    { rcv: { t: 1 }, sel: 'size' },
    { rcv: b.cls('ShortArray'), sel: 'basicNew:', args: [int(3)], keep: 2 },
    { rcv: { t: 2 }, sel: 'at:put:', args: [int(3), int(65535)] },
    { rcv: { t: 2 }, sel: 'at:put:', args: [int(3), int(65536)] },
    { rcv: { t: 2 }, sel: 'at:', args: [int(3)] },
    { rcv: { t: 2 }, sel: 'size' },
    { rcv: { t: 2 }, sel: 'at:', args: [int(0)] },
    { rcv: b.cls('ByteArray'), sel: 'basicNew:', args: [int(9)], keep: 3 },
    { rcv: { t: 3 }, sel: 'at:put:', args: [int(9), int(255)] },
    { rcv: { t: 3 }, sel: 'at:put:', args: [int(9), int(-1)] },
    { rcv: { t: 3 }, sel: 'at:put:', args: [int(9), char(65)] },
    { rcv: { t: 3 }, sel: 'at:', args: [int(9)] },
    { rcv: { t: 3 }, sel: 'size' },
    { rcv: int(3), sel: 'at:', args: [int(1)] },
  ]);
  assert.deepEqual(r.slice(1), [
    (1n << 64n) - 1n, (1n << 64n) - 1n, 'bad argument', 'bad index', 3n,
    r[6], 0xFFFFFFFFn, 0xFFFFFFFFn, 'bad argument', 5n,
    r[11], 65535n, 'bad argument', 65535n, 3n, 'bad index',
    r[17], 255n, 'bad argument', 'bad argument', 255n, 9n,
    'bad receiver',
  ]);
});

test('fixed fields before indexable ones; weak arrays; instVarAt: and instVarAt:put:', async () => {
  const b = new SpurBuilder();
  install(b);
  b.defineClass('Holder', 'Object', 3, 2);
  b.defineClass('WeakArray', 'Object', 4, 0);
  const r = await run(b, [
    { rcv: b.cls('Holder'), sel: 'basicNew:', args: [int(2)], keep: 0 },
    { rcv: { t: 0 }, sel: 'at:put:', args: [int(1), int(11)] },
    { rcv: { t: 0 }, sel: 'instVarAt:put:', args: [int(1), int(7)] },
    { rcv: { t: 0 }, sel: 'instVarAt:', args: [int(3)] },     // the first indexable slot
    { rcv: { t: 0 }, sel: 'at:', args: [int(1)] },
    { rcv: { t: 0 }, sel: 'instVarAt:', args: [int(1)] },
    { rcv: { t: 0 }, sel: 'size' },
    { rcv: { t: 0 }, sel: 'instVarAt:', args: [int(5)] },
    { rcv: { t: 0 }, sel: 'at:', args: [int(3)] },
    { rcv: { t: 0 }, sel: 'instVarAt:', args: [b.nil] },
    { rcv: b.cls('WeakArray'), sel: 'basicNew:', args: [int(2)], keep: 1 },
    { rcv: { t: 1 }, sel: 'at:put:', args: [int(2), b.sym('kept')] },
    { rcv: { t: 1 }, sel: 'at:', args: [int(2)] },
    { rcv: { t: 1 }, sel: 'size' },
    { rcv: b.cls('Holder'), sel: 'basicNew:', args: [int(-1)] },
    { rcv: b.cls('Holder'), sel: 'basicNew:', args: [b.nil] },
    { rcv: int(5), sel: 'basicNew' },
  ]);
  assert.deepEqual(r.slice(1), [11n, 7n, 11n, 11n, 7n, 2n, 'bad index', 'bad index', 'bad argument',
    r[10], 'kept', 'kept', 2n, 'bad argument', 'bad argument', 'bad receiver']);
});

test('identityHash is stable across a full GC, differs between objects, is the value of an immediate; == and shallowCopy', async () => {
  const b = new SpurBuilder();
  install(b);
  const a = b.array([int(1)]);
  const c = b.array([int(1)]);
  const r = await run(b, [
    { rcv: a, sel: 'identityHash' },
    { rcv: c, sel: 'identityHash' },
    { rcv: b.nil, sel: 'fullGC' },
    { rcv: a, sel: 'identityHash' },
    { rcv: a, sel: 'shallowCopy', keep: 0 },
    { rcv: { t: 0 }, sel: '==', args: [a] },
    { rcv: { t: 0 }, sel: 'at:', args: [int(1)] },
    { rcv: int(3), sel: 'identityHash' },
  ]);
  assert.equal(typeof r[0], 'bigint');
  assert.notEqual(r[0], r[1]);
  assert.equal(r[3], r[0]);
  assert.equal(r[5], false);
  assert.equal(r[6], 1n);
  assert.equal(r[7], 3n, 'an immediate hashes to its value');
});

test('perform:withArguments: checks the argument array and the arity', async () => {
  const b = new SpurBuilder();
  install(b);
  const r = await run(b, [
    { rcv: int(5), sel: 'perform:withArguments:', args: [b.sym('plus:'), b.array([int(6)])] },
    { rcv: int(5), sel: 'perform:withArguments:', args: [b.sym('plus:'), b.array([])] },
    { rcv: int(5), sel: 'perform:withArguments:', args: [b.sym('plus:'), int(6)] },
  ]);
  assert.deepEqual(r, [11n, 'bad number of arguments', 'bad argument']);
});

test('Float results box and unbox at the SmallFloat64 range edges', async () => {
  const b = new SpurBuilder();
  install(b);
  const r = await run(b, [
    { rcv: b.float(1e300), sel: '*', args: [b.float(1e300)] },          // +inf: boxed
    { rcv: b.float(-1e300), sel: '*', args: [b.float(1e300)] },         // -inf
    { rcv: b.float(1e-300), sel: '*', args: [b.float(1e-300)] },        // underflow to 0
    { rcv: b.float(2 ** -1022), sel: '/', args: [b.float(4)] },         // denormal: boxed
    { rcv: b.float(-0.0), sel: '+', args: [b.float(-0.0)] },            // -0.0 immediate
    { rcv: b.float(2 ** 127), sel: '*', args: [b.float(2)] },           // 2^128: beyond the immediate exponent range
    { rcv: b.float(2 ** 128), sel: '/', args: [b.float(2)] },           // back into range: immediate again
    { rcv: b.float(1), sel: 'timesTwoPower:', args: [int(-1074)] },     // smallest denormal
    { rcv: b.float(1.5), sel: 'timesTwoPower:', args: [b.nil] },
    { rcv: b.float(2 ** 62), sel: 'truncated' },                        // LargePositiveInteger
    { rcv: b.integer(1n << 70n), sel: 'asFloat' },
    { rcv: b.float(1), sel: '/', args: [int(0)] },
  ]);
  assert.deepEqual(r, [Infinity, -Infinity, 0, 2 ** -1024, -0, 2 ** 128, 2 ** 127, 5e-324, 'bad argument', 1n << 62n, 2 ** 70, 'inappropriate operation']);
});

test('Character value: and asInteger check their range', async () => {
  const b = new SpurBuilder();
  install(b);
  const r = await run(b, [
    { rcv: b.cls('Character'), sel: 'value:', args: [int(0x41)] },
    { rcv: b.cls('Character'), sel: 'value:', args: [int(0x10FFFF)] },
    { rcv: b.cls('Character'), sel: 'value:', args: [int(-1)] },
    { rcv: b.cls('Character'), sel: 'value:', args: [int(1n << 31n)] },
    { rcv: char(0x263A), sel: 'asInteger' },
  ]);
  assert.deepEqual(r, [{ char: 0x41 }, { char: 0x10FFFF }, 'bad argument', 'bad argument', 0x263An]);
});
