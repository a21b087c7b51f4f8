// The SmallFloat64 fast paths of the arithmetic special selectors (vm/interp/floatfast.ts): every
// selector on Float x Float, SmallInteger x Float and Float x SmallInteger operands (immediate and
// boxed floats, infinities, NaN, signed zeros, integers beyond 2^53) answers the same object as
// perform: (a full send to the primitive) and what IEEE arithmetic says; results out of the
// SmallFloat64 range are boxed; division by zero raises ZeroDivide; a float loop makes no sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { runImage } from '../helpers/run-vm.ts';

const FIXTURE = 'test/vm/interp/fixtures/FloatFastPaths';

/** Parses the fixture's exact notation: integers, [-]m p e for Floats (m * 2^e), 0.0, NaN, inf. */
function parseNumber(s: string): number | bigint {
  if (s === 'NaN') return NaN;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === '0.0') return 0;
  if (/^-?\d+$/.test(s)) return BigInt(s);
  const m = /^(-?)(\d+)p(-?\d+)$/.exec(s);
  if (!m) throw new Error(`unparsable number ${s}`);
  const v = Number(m[2]) * 2 ** Number(m[3]); // m < 2^53 and the value is a double: exact
  return m[1] ? -v : v;
}

/** Whether f has a SmallFloat64 encoding (the interpreter's rule: ±0 or a biased exponent 897..1151). */
function isSmallFloatValue(f: number): boolean {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, f);
  const exp = (dv.getUint16(0) >> 4) & 0x7ff;
  return f === 0 || (exp > 896 && exp < 1152);
}

/** What IEEE arithmetic (the Float primitives) answers, as the fixture prints it. */
function expected(a: number, sel: string, b: number): { value: string | number; cls: string } {
  const num = (v: number) => ({ value: v, cls: isSmallFloatValue(v) ? 'SmallFloat64' : 'BoxedFloat64' });
  const bool = (v: boolean) => ({ value: String(v), cls: v ? 'True' : 'False' });
  switch (sel) {
    case '+': return num(a + b);
    case '-': return num(a - b);
    case '*': return num(a * b);
    case '/': return b === 0 ? { value: '#ZeroDivide', cls: 'ByteSymbol' } : num(a / b);
    case '<': return bool(a < b);
    case '>': return bool(a > b);
    case '<=': return bool(a <= b);
    case '>=': return bool(a >= b);
    case '=': return bool(a === b);
    case '~=': return bool(a !== b);
  }
  throw new Error(`unknown selector ${sel}`);
}

test('float special selectors: fast path = perform: = IEEE, boxing, NaN, ZeroDivide', async () => {
  const { image } = buildImage({ dirs: [FIXTURE], entry: 'FloatFastPaths class>>main' });
  const r = await runImage(image);
  assert.equal(r.crash, null, r.stdout);
  assert.equal(r.status, 0, r.stdout);
  const lines = r.stdout.split('\n').filter((l) => l.includes('|'));
  // 18 operands, 12 of them Floats: 18*18 - 6*6 pairs, 10 selectors each
  assert.equal(lines.length, (18 * 18 - 6 * 6) * 10);
  const seen = new Set<string>();
  for (const line of lines) {
    const [as, sel, bs, result, cls, same] = line.split('|');
    assert.equal(same, 'true', `fast path and perform: differ: ${line}`);
    const a = parseNumber(as); const b = parseNumber(bs);
    // Integer>>#<= and #>= answer `(x < y) not`, true against NaN: the library's, not the VM's, answer
    if (typeof a === 'bigint' && Number.isNaN(b) && (sel === '<=' || sel === '>=')) continue;
    const e = expected(Number(a), sel, Number(b));
    assert.equal(cls, e.cls, line);
    if (typeof e.value === 'number') {
      const got = parseNumber(result);
      assert.ok(typeof got === 'number' && (Number.isNaN(e.value) ? Number.isNaN(got) : got === e.value), `${line}: expected ${e.value}`);
    } else assert.equal(result, e.value, line);
    seen.add(`${typeof a}${typeof b}${sel}${cls}`);
  }
  // every selector ran on float x float, integer x float and float x integer, immediate results included
  for (const sel of ['+', '-', '*', '/']) for (const k of ['numbernumber', 'bigintnumber', 'numberbigint']) {
    assert.ok(seen.has(`${k}${sel}SmallFloat64`), `${k} ${sel} immediate`);
  }
  for (const sel of ['+', '*', '/']) assert.ok(seen.has(`numbernumber${sel}BoxedFloat64`), `${sel} boxed`);
  const find = (a: number | bigint, sel: string, b: number | bigint): string[] => {
    const hit = lines.map((l) => l.split('|')).find(([as, s2, bs]) => s2 === sel && Object.is(parseNumber(as), a) && Object.is(parseNumber(bs), b));
    assert.ok(hit, `no case ${a} ${sel} ${b}`);
    return hit.slice(3, 5);
  };
  assert.deepEqual(find(NaN, '=', NaN), ['false', 'False']);
  assert.deepEqual(find(NaN, '~=', NaN), ['true', 'True']);
  assert.deepEqual(find(1.5, '/', 0n), ['#ZeroDivide', 'ByteSymbol']);
  assert.deepEqual(find(3n, '/', 0), ['#ZeroDivide', 'ByteSymbol']);
  assert.deepEqual(find(0, '/', 0), ['#ZeroDivide', 'ByteSymbol']);
  assert.equal(find(3e38, '+', 3e38)[1], 'SmallFloat64', 'top of the immediate range (< 2^129)');
  assert.equal(find(3e38, '*', 3n)[1], 'BoxedFloat64', 'past the top of the immediate range');
  assert.equal(find(-1e-30, '*', -1e-30)[1], 'BoxedFloat64', 'below the bottom of the immediate range');
});

test('a float loop runs without sends for its arithmetic', async () => {
  const { image } = buildImage({ dirs: [FIXTURE], entry: 'FloatFastPaths class>>loopMain' });
  const r = await runImage(image);
  assert.equal(r.status, 0, r.stdout);
  assert.equal(r.stdout.trim(), '2.0');
  // 10000 iterations of * + - < on floats: 40000 primitive calls without the fast path
  assert.ok(r.primitiveCalls < 10000n, `primitive calls: ${r.primitiveCalls}`);
});
