// Differential test of every numeric instruction: the same expressions run natively (our AOT
// code in a static Linux executable) and in V8 (the reference); the executable's `main` checks
// each result against V8's bits and returns the index + 1 of the first mismatch (0: all agree).
// Each op is used twice: through a function with parameters (register and memory operands) and
// with constant operands (immediates, folded addressing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWat, watToWasm } from './support/native.ts';

type T = 'i32' | 'i64' | 'f32' | 'f64';
const I32 = ['0', '1', '-1', '7', '-7', '0x7fffffff', '0x80000000', '31', '32', '0x12345678', '-100'];
const I64 = ['0', '1', '-1', '13', '-13', '0x7fffffffffffffff', '0x8000000000000000', '63', '64', '0x123456789abcdef', '-1000000007'];
const F32 = ['0', '-0', '1.5', '-2.5', '3.0e38', '-1e-40', 'inf', '-inf', 'nan', '2147483520', '4294967040', '0.5', '-0.75'];
const F64 = ['0', '-0', '1.5', '-2.5', '1e300', '-5e-324', 'inf', '-inf', 'nan', '9.2233720368547748e18', '4294967295.5', '-2147483648.9', '0.5', '-0.5', '2.5'];
const VALUES: Record<T, string[]> = { i32: I32, i64: I64, f32: F32, f64: F64 };

interface Op { name: string; params: T[]; result: T; trapsOn?: (args: string[]) => boolean }
const bin = (t: T, names: string[], result: T = t): Op[] => names.map((n) => ({ name: `${t}.${n}`, params: [t, t], result }));
const un = (t: T, names: string[], result: T = t): Op[] => names.map((n) => ({ name: `${t}.${n}`, params: [t], result }));
const cvt = (name: string, from: T, to: T): Op => ({ name, params: [from], result: to });

const OPS: Op[] = [
  ...bin('i32', ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr']),
  ...bin('i32', ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'], 'i32'),
  ...un('i32', ['clz', 'ctz', 'popcnt', 'eqz', 'extend8_s', 'extend16_s']),
  ...bin('i64', ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr']),
  ...bin('i64', ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'], 'i32'),
  ...un('i64', ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s']),
  ...un('i64', ['eqz'], 'i32'),
  ...bin('i32', ['div_s', 'div_u', 'rem_s', 'rem_u']),
  ...bin('i64', ['div_s', 'div_u', 'rem_s', 'rem_u']),
  ...bin('f32', ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign']),
  ...bin('f64', ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign']),
  ...bin('f32', ['eq', 'ne', 'lt', 'gt', 'le', 'ge'], 'i32'),
  ...bin('f64', ['eq', 'ne', 'lt', 'gt', 'le', 'ge'], 'i32'),
  ...un('f32', ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt']),
  ...un('f64', ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt']),
  cvt('i32.wrap_i64', 'i64', 'i32'), cvt('i64.extend_i32_s', 'i32', 'i64'), cvt('i64.extend_i32_u', 'i32', 'i64'),
  ...(['i32', 'i64'] as T[]).flatMap((to) => (['f32', 'f64'] as T[]).flatMap((from) => ['s', 'u'].flatMap((sg) => [
    cvt(`${to}.trunc_sat_${from}_${sg}`, from, to),
    { ...cvt(`${to}.trunc_${from}_${sg}`, from, to), trapsOn: () => true }, // checked in V8 first
  ]))),
  ...(['f32', 'f64'] as T[]).flatMap((to) => (['i32', 'i64'] as T[]).flatMap((from) => ['s', 'u'].map((sg) => cvt(`${to}.convert_${from}_${sg}`, from, to)))),
  cvt('f32.demote_f64', 'f64', 'f32'), cvt('f64.promote_f32', 'f32', 'f64'),
  cvt('i32.reinterpret_f32', 'f32', 'i32'), cvt('i64.reinterpret_f64', 'f64', 'i64'),
  cvt('f32.reinterpret_i32', 'i32', 'f32'), cvt('f64.reinterpret_i64', 'i64', 'f64'),
];

const toBits = (t: T) => ({ i32: 'i64.extend_i32_u', i64: '', f32: 'i32.reinterpret_f32 i64.extend_i32_u', f64: 'i64.reinterpret_f64' })[t];
const isNanBits = (t: T, bits: bigint) =>
  t === 'f32' ? (bits & 0x7f800000n) === 0x7f800000n && (bits & 0x7fffffn) !== 0n
  : t === 'f64' ? (bits & 0x7ff0000000000000n) === 0x7ff0000000000000n && (bits & 0xfffffffffffffn) !== 0n : false;

interface Case { op: Op; opIndex: number; args: string[]; viaCall: boolean }

function cases(ops: Op[]): Case[] {
  const out: Case[] = [];
  ops.forEach((op, opIndex) => {
    const lists = op.params.map((p) => VALUES[p]);
    const combos: string[][] = lists.length === 1 ? lists[0].map((v) => [v]) : lists[0].flatMap((x) => lists[1].filter((_, j) => j % 2 === 0 || x === '0').map((y) => [x, y]));
    for (const args of combos) for (const viaCall of [true, false]) out.push({ op, opIndex, args, viaCall });
  });
  return out;
}

function expr(c: Case): string {
  const consts = c.args.map((v, i) => `(${c.op.params[i]}.const ${v})`).join(' ');
  return c.viaCall ? `(call $op${c.opIndex} ${consts})` : `(${c.op.name} ${consts})`;
}

async function referenceBits(ops: Op[], cs: Case[]): Promise<(bigint | 'trap')[]> {
  const funcs = ops.map((op, i) => `(func $op${i} ${op.params.map((p) => `(param ${p})`).join(' ')} (result ${op.result}) ${op.params.map((_, j) => `local.get ${j}`).join(' ')} ${op.name})`);
  const checks = cs.map((c, i) => `(func (export "e${i}") (result i64) ${expr(c)} ${toBits(c.op.result)})`);
  const wasm = await watToWasm(`(module ${funcs.join('\n')} ${checks.join('\n')})`);
  const inst = await WebAssembly.instantiate(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
  return cs.map((_, i) => {
    try {
      return BigInt.asUintN(64, (inst.exports[`e${i}`] as () => bigint)());
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return 'trap';
      throw e;
    }
  });
}

async function check(ops: Op[]) {
  const all = cases(ops);
  const ref = await referenceBits(ops, all);
  const live = all.map((c, i) => ({ c, bits: ref[i] })).filter((x) => x.bits !== 'trap') as { c: Case; bits: bigint }[];
  const funcs = ops.map((op, i) => `(func $op${i} ${op.params.map((p) => `(param ${p})`).join(' ')} (result ${op.result}) ${op.params.map((_, j) => `local.get ${j}`).join(' ')} ${op.name})`);
  // batches of at most 250 cases, so the exit status names the failing case
  for (let start = 0; start < live.length; start += 250) {
    const batch = live.slice(start, start + 250);
    const body = batch.map(({ c, bits }, k) => {
      const t = c.op.result;
      const cond = isNanBits(t, bits)
        ? `(${t}.eq (local.tee $f${t} ${expr(c)}) (local.get $f${t}))` // any NaN is fine: fail when x == x
        : `(i64.ne (block (result i64) ${expr(c)} ${toBits(t)}) (i64.const ${BigInt.asIntN(64, bits)}))`;
      return `(if ${cond} (then (return (i32.const ${k + 1}))))`;
    });
    const wat = `(module ${funcs.join('\n')} (func (export "main") (result i32) (local $ff32 f32) (local $ff64 f64) ${body.join('\n')} (i32.const 0)))`;
    const r = await runWat(wat);
    const failed = r.status ? batch[r.status - 1] : undefined;
    assert.equal(r.status, 0, failed ? `${failed.c.op.name}(${failed.c.args}) viaCall=${failed.c.viaCall}: expected 0x${failed.bits.toString(16)}; stderr ${r.stderr}` : `status ${r.status} signal ${r.signal} ${r.stderr}`);
  }
}

test('integer ops agree with V8', async () => {
  await check(OPS.filter((o) => o.params[0] === 'i32' || o.params[0] === 'i64').filter((o) => !o.name.includes('convert') && !o.name.includes('reinterpret')));
});
test('float ops agree with V8', async () => {
  await check(OPS.filter((o) => (o.params[0] === 'f32' || o.params[0] === 'f64') && o.result === o.params[0]));
});
test('float compares agree with V8', async () => {
  await check(OPS.filter((o) => (o.params[0] === 'f32' || o.params[0] === 'f64') && o.result === 'i32' && o.params.length === 2));
});
test('conversions agree with V8 (trapping ones where V8 does not trap)', async () => {
  await check(OPS.filter((o) => o.name.includes('trunc_') || o.name.includes('convert') || o.name.includes('reinterpret') || o.name.includes('mote') || o.name.includes('wrap') || o.name.includes('extend_i32')));
});
