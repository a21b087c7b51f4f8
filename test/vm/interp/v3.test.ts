// The V3PlusClosures bytecode set on hand-assembled methods (header sign bit clear), next to
// SistaV1 callers: every group of the set — pushes and stores of receiver variables, temps,
// literals and literal variables (short and extended 128-130, double extended 132), sends (131,
// 132, 134, 208-255, special selectors 176-207), super sends (133, 132), pop/dup, constants,
// new arrays (138), callPrimitive with an error code (139), remote temps (140-142), closures
// (143) with block and non-local returns, and the short/long (conditional) jumps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpurBuilder, int, SObj } from '../helpers/spur-builder.ts';
import { runImage } from '../helpers/run-vm.ts';

type Item = number | { label: string } | { jump: string; op: 'short' | 'shortFalse' | 'long' | 'longTrue' | 'longFalse' };

/** Assembles V3 code with labels; short jumps go 1-8 bytes forward, long ones ±1023. */
function asm(items: Item[]): number[] {
  const size = (it: Item): number => (typeof it === 'number' ? 1 : 'label' in it ? 0 : it.op.startsWith('short') ? 1 : 2);
  const at = new Map<string, number>();
  let pc = 0;
  for (const it of items) { if (typeof it === 'object' && 'label' in it) at.set(it.label, pc); pc += size(it); }
  const out: number[] = [];
  for (const it of items) {
    if (typeof it === 'number') { out.push(it); continue; }
    if ('label' in it) continue;
    const after = out.length + size(it);
    const off = at.get(it.jump)! - after;
    if (it.op === 'short' || it.op === 'shortFalse') {
      if (off < 1 || off > 8) throw new Error(`short jump out of range: ${off}`);
      out.push((it.op === 'short' ? 144 : 152) + off - 1);
    } else if (it.op === 'long') {
      if (off < -1024 || off > 1023) throw new Error(`long jump out of range: ${off}`);
      out.push(160 + (((off >> 8) + 4) & 7), off & 255);
    } else {
      if (off < 0 || off > 1023) throw new Error(`conditional long jump out of range: ${off}`);
      out.push((it.op === 'longTrue' ? 168 : 172) + (off >> 8), off & 255);
    }
  }
  return out;
}

// V3 opcodes used below
const PUSH_SELF = 0x70, PUSH_TRUE = 0x71, PUSH_FALSE = 0x72, PUSH_NIL = 0x73, PUSH_M1 = 0x74, PUSH_0 = 0x75, PUSH_1 = 0x76, PUSH_2 = 0x77;
const RET_SELF = 0x78, RET_TOP = 0x7C, BLOCK_RET = 0x7D, POP = 0x87, DUP = 0x88;
const pushTemp = (i: number): number => 0x10 + i;
const popTemp = (i: number): number => 0x68 + i;
const pushLit = (i: number): number => 0x20 + i;
const pushLitVar = (i: number): number => 0x40 + i;
const pushRcvr = (i: number): number => i;
const popRcvr = (i: number): number => 0x60 + i;
const PLUS = 0xB0, MINUS = 0xB1, LESS = 0xB2, GREATER = 0xB3, LE = 0xB4, TIMES = 0xB8;
const newArray = (n: number): number[] => [0x8A, 0x80 | n];

async function run(b: SpurBuilder, m: SObj, rcv: ReturnType<SpurBuilder['obj']> | bigint = b.nil): Promise<unknown> {
  const r = await runImage(b.build(m, rcv));
  assert.equal(r.crash, null, r.crash ?? '');
  return r.value;
}

test('V3: temps, constants, long backward and conditional jumps (sum 1..10), short jumps', async () => {
  const b = new SpurBuilder();
  const sum = asm([
    PUSH_0, popTemp(0), PUSH_1, popTemp(1),
    { label: 'loop' }, pushTemp(1), pushLit(0), LE, { jump: 'end', op: 'longFalse' },
    pushTemp(0), pushTemp(1), PLUS, popTemp(0), pushTemp(1), PUSH_1, PLUS, popTemp(1),
    { jump: 'loop', op: 'long' },
    { label: 'end' }, pushTemp(0),
    // 3 > 2 ifTrue: [#big] ifFalse: [#small] with short jumps
    pushLit(1), PUSH_2, GREATER, { jump: 'else', op: 'shortFalse' }, pushLit(2), { jump: 'done', op: 'short' },
    { label: 'else' }, pushLit(3), { label: 'done' },
    // 1 < 2 with a long jump-if-true over a push
    PUSH_1, PUSH_2, LESS, { jump: 'yes', op: 'longTrue' }, PUSH_NIL, { jump: 'out', op: 'long' },
    { label: 'yes' }, PUSH_TRUE, { label: 'out' },
    PUSH_M1, PUSH_FALSE, PUSH_NIL,
    ...newArray(6), RET_TOP,
  ]);
  const m = b.method({ v3: true, numTemps: 2, literals: [int(10), int(3), b.sym('big'), b.sym('small')], bytecodes: sum });
  const v = await run(b, m) as unknown[];
  assert.equal(v[0], 55n);
  assert.equal(v[1], 'big');
  assert.equal((v[2] as { classIndex: number }).classIndex, b.cls('True').hash);
  assert.equal(v[3], -1n);
});

test('V3: receiver and literal variables, short and extended forms (128, 129, 130, 132)', async () => {
  const b = new SpurBuilder();
  b.defineClass('Pair', 'Object', 1, 3);
  const g = b.obj('Association', [b.sym('G'), int(100)]);
  const m = b.method({
    v3: true, numTemps: 1, literals: [int(7), int(3), g],
    bytecodes: [
      pushLit(0), popRcvr(0),                 // a := 7
      pushRcvr(0), pushLit(1), TIMES, popRcvr(1), // b := a * 3
      pushRcvr(1), pushLitVar(2), PLUS,       // b + G = 121
      0x81, 0xC2, POP,                        // G := 121 (store, then pop)
      0x80, 0xC2,                             // push G (extended, literal variable)
      0x80, 0x01,                             // push b (extended, receiver variable)
      0x80, 0x81,                             // push literal 1 (extended, literal) = 3
      0x82, 0x40,                             // t0 := 3 (store-pop temp, extended)
      PUSH_2, 0x82, 0x02,                     // c := 2 (store-pop receiver variable, extended)
      0x80, 0x40,                             // push t0 (extended, temp) = 3
      0x84, 0x40, 0x02,                       // push c (double extended, receiver variable) = 2
      0x84, 0x60, 0x00,                       // push literal 0 (double extended) = 7
      0x84, 0x80, 0x02,                       // push G (double extended, literal variable) = 121
      PUSH_1, 0x84, 0xE0, 0x02, POP,          // G := 1 (double extended store literal variable)
      PUSH_0, 0x84, 0xC0, 0x00,               // a := 0 (double extended store-pop receiver variable)
      PUSH_M1, 0x84, 0xA0, 0x01, POP,         // b := -1 (double extended store receiver variable)
      pushLitVar(2), pushRcvr(0), pushRcvr(1),
      ...newArray(9), RET_TOP,
    ],
  });
  const rcv = b.obj('Pair', [b.nil, b.nil, b.nil]);
  const v = await run(b, m, rcv);
  assert.deepEqual(v, [121n, 21n, 3n, 2n, 7n, 121n, 1n, 0n, -1n]);
});

test('V3: sends in every encoding, super sends, dup and pop', async () => {
  const b = new SpurBuilder();
  b.defineClass('Base', 'Object', 0, 0);
  b.defineClass('Sub', 'Base', 0, 0);
  b.install('Base', 'foo', { v3: true, bytecodes: [PUSH_1, RET_TOP] });
  // Sub>>foo  ^ super foo + 10  (133: super send, literal 0 = #foo)
  b.install('Sub', 'foo', { v3: true, literals: [b.sym('foo'), int(10)], bytecodes: [PUSH_SELF, 0x85, 0x00, pushLit(1), PLUS, RET_TOP] }, );
  // Sub>>bar  ^ super foo  via double extended (132 type 1)
  b.install('Sub', 'bar', { v3: true, literals: [b.sym('foo')], bytecodes: [PUSH_SELF, 0x84, 0x20, 0x00, RET_TOP] });
  b.install('Object', 'with:with:', { v3: true, numArgs: 2, numTemps: 2, bytecodes: [pushTemp(0), pushTemp(1), MINUS, RET_TOP] });
  b.install('Object', 'ident:', { v3: true, numArgs: 1, numTemps: 1, bytecodes: [pushTemp(0), RET_TOP] });
  const sub = b.obj('Sub', []);
  const m = b.method({
    v3: true,
    literals: [sub, b.sym('foo'), b.sym('bar'), b.sym('with:with:'), b.sym('ident:')],
    bytecodes: [
      pushLit(0), 0xD1,                        // sub foo (208-223: 0 args) = 11
      pushLit(0), 0x83, 0x02,                  // sub bar (131: single extended) = 1
      pushLit(0), PUSH_2, PUSH_1, 0xF3,        // sub with: 2 with: 1 (240-255: 2 args) = 1
      pushLit(0), 0x76, 0xE4,                  // sub ident: 1 (224-239: 1 arg) = 1
      pushLit(0), PUSH_2, PUSH_2, 0x86, 0x83,  // sub with: 2 with: 2 (134: 2 args, literal 3) = 0
      pushLit(0), PUSH_M1, 0x84, 0x01, 0x04,   // sub ident: -1 (132 type 0) = -1
      PUSH_2, DUP, PLUS,                       // 2 dup + = 4
      PUSH_1, PUSH_2, POP,                     // 1 (2 popped)
      ...newArray(8), RET_TOP,
    ],
  });
  const v = await run(b, m);
  assert.deepEqual(v, [11n, 1n, 1n, 1n, 0n, -1n, 4n, 1n]);
});

test('V3: closures (143) with copied values and remote temps (140-142), block and non-local returns', async () => {
  const b = new SpurBuilder();
  b.install('BlockClosure', 'value:', { v3: true, numArgs: 1, numTemps: 1, prim: 202, bytecodes: [RET_TOP] });
  const blockBody = [
    pushTemp(0), 0x8E, 0x00, 0x01,            // vec at 0 := x (pop into remote temp 0 of temp 1)
    0x8C, 0x00, 0x01, PUSH_1, PLUS,          // (vec at 0) + 1
    0x8D, 0x00, 0x01,                        // vec at 0 := that (store, no pop)
    BLOCK_RET,
  ];
  const nlrBody = [pushTemp(0), RET_TOP];     // [:x | ^ x]
  const m = b.method({
    v3: true, numTemps: 1, literals: [int(41), b.sym('value:'), int(5)],
    bytecodes: [
      0x8A, 0x01, popTemp(0),                  // t0 := Array new: 1 (a temp vector)
      pushTemp(0), 0x8F, 0x11, 0x00, blockBody.length, ...blockBody,
      pushLit(0), 0xE1,                        // [:x | ...] value: 41 → 42
      0x8C, 0x00, 0x00,                        // vec at 0 → 42
      0x8F, 0x01, 0x00, nlrBody.length, ...nlrBody,
      pushLit(2), 0xE1, POP,                   // [:x | ^ x] value: 5 returns 5 from this method
      ...newArray(2), RET_TOP,
    ],
  });
  // the non-local return leaves the method with 5
  assert.equal(await run(b, m), 5n);
  const b2 = new SpurBuilder();
  b2.install('BlockClosure', 'value:', { v3: true, numArgs: 1, numTemps: 1, prim: 202, bytecodes: [RET_TOP] });
  const m2 = b2.method({
    v3: true, numTemps: 1, literals: [int(41), b2.sym('value:')],
    bytecodes: [
      0x8A, 0x01, popTemp(0),
      pushTemp(0), 0x8F, 0x11, 0x00, blockBody.length, ...blockBody,
      pushLit(0), 0xE1,
      0x8C, 0x00, 0x00,
      ...newArray(2), RET_TOP,
    ],
  });
  assert.deepEqual(await run(b2, m2), [42n, 42n]);
});

test('V3: callPrimitive (139) runs the primitive, or stores its error code in the error temp', async () => {
  const b = new SpurBuilder();
  // at: i  <primitive: 60 error: ec>  ^ ec     (129 0x41: store into temp 1)
  b.install('Object', 'at:', { v3: true, numArgs: 1, numTemps: 2, prim: 60, bytecodes: [0x81, 0x41, pushTemp(1), RET_TOP] });
  const arr = b.array([int(10), int(20)]);
  const m = b.method({
    v3: true, literals: [arr, b.sym('at:')],
    bytecodes: [pushLit(0), PUSH_2, 0xE1, pushLit(0), 0x77, PUSH_1, PLUS, 0xE1, pushLit(0), PUSH_NIL, 0xE1, ...newArray(3), RET_TOP],
  });
  assert.deepEqual(await run(b, m), [20n, 'bad index', 'bad argument']);
});

test('V3 and SistaV1 call each other; returning self (120) from V3', async () => {
  const b = new SpurBuilder();
  b.install('Object', 'me', { v3: true, bytecodes: [RET_SELF] });
  // Sista caller: ^ 7 me   (232 7: push 7; 128: send literal 0, 0 args; 92 return)
  const m = b.method({ literals: [b.sym('me')], bytecodes: [232, 7, 128, 92] });
  assert.equal(await run(b, m), 7n);
});

test('SistaV1 methods return to a V3 caller: 92, 88-91, and through a SistaV1 callee of theirs', async () => {
  // the V3 caller's frame is built by activateMethod, so each return checks its caller's
  // bytecode set (registers.ts FLAG_CHECK_RETURN); viaSeven's own callee is activated by
  // runSista's send fast path and returns to it without that check
  const b = new SpurBuilder();
  b.install('Object', 'seven', { bytecodes: [232, 7, 92] });     // ^ 7
  b.install('Object', 'me2', { bytecodes: [88] });               // ^ self
  b.install('Object', 'yes', { bytecodes: [89] });               // ^ true
  b.install('Object', 'no', { bytecodes: [90] });                // ^ false
  b.install('Object', 'none', { bytecodes: [91] });              // ^ nil
  b.install('Object', 'viaSeven', { literals: [b.sym('seven')], bytecodes: [76, 128, 232, 1, 96, 92] }); // ^ self seven + 1
  const m = b.method({
    v3: true,
    literals: [int(3), b.sym('seven'), b.sym('me2'), b.sym('yes'), b.sym('no'), b.sym('none'), b.sym('viaSeven')],
    bytecodes: [
      pushLit(0), 0xD1, pushLit(0), 0xD2, pushLit(0), 0xD3, pushLit(0), 0xD4, pushLit(0), 0xD5, pushLit(0), 0xD6,
      pushLit(0), 0xD6, // again: a method-cache hit this time
      ...newArray(7), RET_TOP,
    ],
  });
  const names = new Map([['True', 'true'], ['False', 'false'], ['UndefinedObject', 'nil']].map(([c, n]) => [b.cls(c).hash, n]));
  const v = (await run(b, m)) as unknown[];
  const shown = v.map((x) => (typeof x === 'bigint' ? x : names.get((x as { classIndex: number }).classIndex) ?? x));
  assert.deepEqual(shown, [7n, 3n, 'true', 'false', 'nil', 8n, 8n]);
});
