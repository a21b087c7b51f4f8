// The interpreter on hand-built images: bytecodes of both sets, sends and the method cache,
// blocks, non-local return, thisContext, doesNotUnderstand:, mustBeBoolean, deep recursion
// across stack pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpurBuilder, int, SObj } from '../helpers/spur-builder.ts';
import { runImage } from '../helpers/run-vm.ts';

// SistaV1 helpers
const pushInt = (n: number): number[] => (n >= 0 && n < 256 ? [232, n] : [225, (n >> 8) & 255, 232, n & 255]);
const pushTemp = (i: number): number[] => (i < 12 ? [64 + i] : [229, i]);
const send = (lit: number, nargs: number): number[] => (lit < 16 && nargs <= 2 ? [128 + 16 * nargs + lit] : [234, (lit << 3) | nargs]);
const SELF = 76, RET_TOP = 92, BLOCK_RET_TOP = 94, PLUS = 96, MINUS = 97, LESS = 98, TIMES = 104, EQ_EQ = 118, POP = 216;

function fibBuilder(): { b: SpurBuilder; run: SObj } {
  const b = new SpurBuilder();
  // fib: n  n < 2 ifTrue: [^n]. ^(self fib: n - 1) + (self fib: n - 2)
  b.install('Object', 'fib:', {
    numArgs: 1, numTemps: 1, literals: [b.sym('fib:')],
    bytecodes: [...pushTemp(0), ...pushInt(2), LESS, 193, ...pushTemp(0), RET_TOP,
      SELF, ...pushTemp(0), 81, MINUS, ...send(0, 1), SELF, ...pushTemp(0), ...pushInt(2), MINUS, ...send(0, 1), PLUS, RET_TOP],
  });
  return { b, run: b.cls('Object') };
}

test('arithmetic special selectors and returns', async () => {
  const b = new SpurBuilder();
  const m = b.method({ bytecodes: [...pushInt(3), ...pushInt(4), PLUS, ...pushInt(5), TIMES, RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 35n);
});

test('recursive sends: fib: 20', async () => {
  const { b } = fibBuilder();
  const m = b.method({ literals: [b.sym('fib:')], bytecodes: [SELF, ...pushInt(20), ...send(0, 1), RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 6765n);
  // 21891 activations of fib: (no backward jumps in it)
  assert.ok(r.activations > 20000n && r.activations < 30000n, `activations counted: ${r.activations}`);
});

test('deep recursion crosses stack pages and returns through them', async () => {
  const b = new SpurBuilder();
  // down: n  n = 0 ifTrue: [^0]. ^(self down: n - 1) + 1
  b.install('Object', 'down:', {
    numArgs: 1, numTemps: 1, literals: [b.sym('down:')],
    bytecodes: [...pushTemp(0), 80, 102, 193, 80, RET_TOP, SELF, ...pushTemp(0), 81, MINUS, ...send(0, 1), 81, PLUS, RET_TOP],
  });
  const m = b.method({ literals: [b.sym('down:')], bytecodes: [SELF, ...pushInt(5000), ...send(0, 1), RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 5000n);
});

test('recursion deeper than all stack pages: old pages are divorced into contexts and reloaded', async () => {
  const b = new SpurBuilder();
  b.install('Object', 'down:', {
    numArgs: 1, numTemps: 1, literals: [b.sym('down:')],
    bytecodes: [...pushTemp(0), 80, 102, 193, 80, RET_TOP, SELF, ...pushTemp(0), 81, MINUS, ...send(0, 1), 81, PLUS, RET_TOP],
  });
  const m = b.method({ literals: [b.sym('down:')], bytecodes: [SELF, ...pushInt(30000), ...send(0, 1), RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 30000n);
});

test('full block closures: value, value:, copied values and a non-local return', async () => {
  const b = new SpurBuilder();
  b.install('Object', 'value', { prim: 201, bytecodes: [SELF, RET_TOP] });
  b.install('FullBlockClosure', 'value', { prim: 207, bytecodes: [SELF, RET_TOP] });
  b.install('FullBlockClosure', 'value:', { numArgs: 1, numTemps: 1, prim: 207, bytecodes: [SELF, RET_TOP] });
  // outer: | x | x := 10. ^ ([:a | a + x] value: 5)   (x copied)
  const outer = b.method({ numTemps: 1, literals: [], bytecodes: [] });
  const blk = b.method({ block: true, outer, numArgs: 1, numTemps: 2, bytecodes: [...pushTemp(0), ...pushTemp(1), PLUS, BLOCK_RET_TOP] });
  const m = b.method({
    numTemps: 1, literals: [blk, b.sym('value:')],
    bytecodes: [...pushInt(10), 208, ...pushTemp(0), 249, 0, 1, ...pushInt(5), ...send(1, 1), RET_TOP],
  });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 15n);

  // non-local return: nlr  [^ 42] value. ^ 7   called from run: ^ self nlr + 1
  const b2 = new SpurBuilder();
  b2.install('FullBlockClosure', 'value', { prim: 207, bytecodes: [SELF, RET_TOP] });
  const nlrBlock = b2.method({ block: true, numTemps: 0, bytecodes: [...pushInt(42), RET_TOP] });
  b2.install('Object', 'nlr', { literals: [nlrBlock, b2.sym('value')], bytecodes: [249, 0, 0, ...send(1, 0), POP, ...pushInt(7), RET_TOP] });
  const m2 = b2.method({ literals: [b2.sym('nlr')], bytecodes: [SELF, ...send(0, 0), 81, PLUS, RET_TOP] });
  const r2 = await runImage(b2.build(m2, b2.nil));
  assert.equal(r2.crash, null);
  assert.equal(r2.value, 43n);
});

test('non-local return from a block run deep below its home (across pages)', async () => {
  const b = new SpurBuilder();
  b.install('FullBlockClosure', 'value', { prim: 207, bytecodes: [SELF, RET_TOP] });
  // deep: n with: blk   n = 0 ifTrue: [blk value]. ^ self deep: n - 1 with: blk
  b.install('Object', 'deep:with:', {
    numArgs: 2, numTemps: 2, literals: [b.sym('value'), b.sym('deep:with:')],
    bytecodes: [...pushTemp(0), 80, 102, 194, ...pushTemp(1), ...send(0, 0), POP,
      SELF, ...pushTemp(0), 81, MINUS, ...pushTemp(1), ...send(1, 2), RET_TOP],
  });
  const blk = b.method({ block: true, bytecodes: [...pushInt(99), RET_TOP] });
  // home: ^ (self deep: 3000 with: [^ 99]) + 1000    → the block's ^ returns 99 from home
  b.install('Object', 'home', { literals: [blk, b.sym('deep:with:')], bytecodes: [SELF, ...pushInt(3000), 249, 0, 0, ...send(1, 2), ...pushInt(100), PLUS, RET_TOP] });
  const m = b.method({ literals: [b.sym('home')], bytecodes: [SELF, ...send(0, 0), ...pushInt(1), PLUS, RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 100n);
});

test('doesNotUnderstand: gets a Message with the selector and arguments', async () => {
  const b = new SpurBuilder();
  // doesNotUnderstand: aMessage  ^ aMessage instVarAt: 1     (the selector)
  b.install('Object', 'instVarAt:', { numArgs: 1, numTemps: 1, prim: 73, bytecodes: [91] });
  b.install('Object', 'doesNotUnderstand:', { numArgs: 1, numTemps: 1, literals: [b.sym('instVarAt:')], bytecodes: [...pushTemp(0), 81, ...send(0, 1), RET_TOP] });
  const m = b.method({ literals: [b.sym('frobnicate:')], bytecodes: [SELF, ...pushInt(3), ...send(0, 1), RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 'frobnicate:');
});

test('mustBeBoolean is sent for a non-Boolean conditional', async () => {
  const b = new SpurBuilder();
  b.install('Object', 'mustBeBoolean', { bytecodes: [...pushInt(77), RET_TOP] });
  // (3 ifTrue: [1] ifFalse: [2]) → mustBeBoolean answers 77, then execution continues after the jump
  const m = b.method({ bytecodes: [...pushInt(3), 193, 81, RET_TOP, 82, POP, RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 1n);
});

test('thisContext: sender, method and receiver read through a married frame', async () => {
  const b = new SpurBuilder();
  b.install('Object', 'instVarAt:', { numArgs: 1, numTemps: 1, prim: 73, bytecodes: [91] });
  // callee  ^ (thisContext instVarAt: 1) instVarAt: 6     (the sender's receiver = 42)
  b.install('SmallInteger', 'callee', { literals: [b.sym('instVarAt:')], bytecodes: [82, 81, ...send(0, 1), ...pushInt(6), ...send(0, 1), RET_TOP] });
  b.install('SmallInteger', 'caller', { literals: [b.sym('callee')], bytecodes: [SELF, ...send(0, 0), RET_TOP] });
  const m = b.method({ literals: [b.sym('caller')], bytecodes: [...pushInt(42), ...send(0, 0), RET_TOP] });
  const r = await runImage(b.build(m, int(0)));
  assert.equal(r.crash, null);
  assert.equal(r.value, 42n);
});

test('V3PlusClosures methods run next to SistaV1 ones', async () => {
  const b = new SpurBuilder();
  // V3: add: x  ^ self + x     (0x70 self, 0x10 temp0, 0xB0 +, 0x7C returnTop)
  b.install('SmallInteger', 'add:', { v3: true, numArgs: 1, numTemps: 1, bytecodes: [0x70, 0x10, 0xB0, 0x7C] });
  // V3 closure: [:a | a * 2] value: 21 via 0x8F
  b.install('BlockClosure', 'value:', { v3: true, numArgs: 1, numTemps: 1, prim: 202, bytecodes: [0x7C] });
  b.install('SmallInteger', 'dbl', {
    v3: true, literals: [b.sym('value:')],
    bytecodes: [0x8F, 0x01, 0x00, 0x04, 0x10, 0x77, 0xB8, 0x7D, 0x70, 0xE0, 0x7C],
  });
  const m = b.method({ literals: [b.sym('add:'), b.sym('dbl')], bytecodes: [...pushInt(40), ...pushInt(2), ...send(0, 1), ...send(1, 0), RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.equal(r.crash, null);
  assert.equal(r.value, 84n);
});

test('a crash prints the Smalltalk stack', async () => {
  const b = new SpurBuilder();
  // no doesNotUnderstand: anywhere: the VM reports a recursive DNU with the stack
  b.install('Object', 'inner', { literals: [b.sym('missing')], bytecodes: [SELF, ...send(0, 0), RET_TOP] });
  const m = b.method({ literals: [b.sym('inner')], bytecodes: [SELF, ...send(0, 0), RET_TOP] }, 'outer', b.cls('Object'));
  const r = await runImage(b.build(m, b.nil));
  assert.ok(r.crash, 'crashed');
  assert.match(r.crash!, /doesNotUnderstand/);
  assert.match(r.crash!, /UndefinedObject>>inner/);
});

test('an external semaphore signalled by the host (next_signal) wakes the waiting process', async () => {
  const b = new SpurBuilder();
  const sema = b.obj('Semaphore', [b.nil, b.nil, int(0)]);
  b.externalObjects.push(sema);
  b.install('Semaphore', 'wait', { prim: 86, bytecodes: [91] });
  const m = b.method({ literals: [sema, b.sym('wait')], bytecodes: [32, ...send(1, 0), POP, ...pushInt(5), RET_TOP] });
  const r = await runImage(b.build(m, b.nil), { signals: [1] });
  assert.equal(r.crash, null);
  assert.equal(r.value, 5n);
});

test('a process waiting forever with nothing else to run is reported, not hung', async () => {
  const b = new SpurBuilder();
  const sema = b.obj('Semaphore', [b.nil, b.nil, int(0)]);
  b.install('Semaphore', 'wait', { prim: 86, bytecodes: [91] });
  const m = b.method({ literals: [sema, b.sym('wait')], bytecodes: [32, ...send(1, 0), RET_TOP] });
  const r = await runImage(b.build(m, b.nil));
  assert.match(r.crash ?? '', /deadlock/);
});
