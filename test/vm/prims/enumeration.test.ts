// Heap enumeration primitives: allInstances (177), allObjects (178), someInstance (77) on a
// hand-built image with young, old, garbage and many instances (so the answer itself is big
// enough to go straight to old space, where the walk must not list it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpurBuilder, int, SObj } from '../helpers/spur-builder.ts';
import { runImage, VmExports } from '../helpers/run-vm.ts';
import { primMethod, stepsMethod, Step } from '../helpers/prim-steps.ts';

function slotsOf(x: VmExports, o: bigint): bigint[] {
  const n = x.testNumSlots(o);
  return Array.from({ length: n }, (_, i) => BigInt.asUintN(64, x.testSlot(o, i)));
}

test('allInstances, allObjects and someInstance see young, old and many objects, never the answer itself', async () => {
  const b = new SpurBuilder();
  const foo = b.defineClass('Foo', 'Object', 1, 1);
  const bar = b.defineClass('Bar', 'Object', 1, 1);
  const few = b.array([0, 1, 2].map((i) => b.obj(foo, [int(i)])));
  const many = b.array(Array.from({ length: 9000 }, (_, i) => b.obj(foo, [int(100 + i)])));
  b.obj(foo, [int(-1)]); // garbage: nothing refers to it
  for (const [sel, prim, n] of [['allInstances', 177, 0], ['allObjects', 178, 0], ['someInstance', 77, 0],
    ['basicNew', 70, 0], ['fullGC', 130, 0]] as [string, number, number][]) primMethod(b, ['Object'], sel, prim, n);
  b.install('Object', 'yourself', { prim: 256, bytecodes: [76, 92] });
  const steps: Step[] = [
    { rcv: foo, sel: 'allInstances' },          // 0: before the GC: the garbage Foo is still there
    { rcv: foo, sel: 'basicNew', keep: 0 },     // 1: a young Foo
    { rcv: b.nil, sel: 'fullGC' },              // 2
    { rcv: foo, sel: 'allInstances' },          // 3
    { rcv: bar, sel: 'allInstances' },          // 4: no instances
    { rcv: int(3), sel: 'allInstances' },       // 5: not a class
    { rcv: few, sel: 'someInstance' },          // 6: an Array is no class either
    { rcv: b.nil, sel: 'allObjects' },          // 7
    { rcv: foo, sel: 'someInstance' },          // 8
    { rcv: { t: 0 }, sel: 'yourself' },         // 9: the young Foo, wherever it is now
    { rcv: few, sel: 'yourself' },              // 10
    { rcv: many, sel: 'yourself' },             // 11
    { rcv: bar, sel: 'someInstance' },          // 12
  ];
  const r = await runImage(b.build(stepsMethod(b, steps, true), b.nil), {
    verify: true,
    inspect: (raw, x) => {
      const res = slotsOf(x, raw);
      const ci = (o: bigint) => ((o & 7n) === 0n ? x.testClassIndex(o) : -1);
      const name = (o: bigint) => (ci(o) >= 0 && x.testFormat(o) >= 16 && x.testFormat(o) < 24
        ? new TextDecoder().decode(new Uint8Array(x.memory.buffer, Number(o) + 8, x.testByteSize(o))) : null);
      return {
        before: slotsOf(x, res[0]).length,
        foos: slotsOf(x, res[3]), foosOop: res[3], fooCI: ci(slotsOf(x, res[10])[0]),
        classOf: (o: bigint) => ci(o),
        bars: slotsOf(x, res[4]).length, notClass: name(res[5]), arrayNotClass: name(res[6]),
        all: slotsOf(x, res[7]), allOop: res[7], some: res[8], young: res[9],
        few: slotsOf(x, res[10]), many: slotsOf(x, res[11]), barSome: res[12], nil: res[12],
      };
    },
  });
  assert.equal(r.crash, null, r.stdout);
  assert.equal(r.heapFault, 0, 'heap consistent after the run');
  const v = r.inspected as {
    before: number; foos: bigint[]; foosOop: bigint; fooCI: number; classOf: (o: bigint) => number;
    bars: number; notClass: string | null; arrayNotClass: string | null; all: bigint[]; allOop: bigint;
    some: bigint; young: bigint; few: bigint[]; many: bigint[]; barSome: bigint; nil: bigint;
  };
  assert.equal(v.before, 3 + 9000 + 1, 'garbage not yet collected is still an instance');
  // the first answer holds the garbage Foo, so it survives the GC: 3 + 9000 + garbage + young
  assert.equal(v.foos.length, 3 + 9000 + 1 + 1, 'the live instances, the resurrected one and the young one');
  const foos = new Set(v.foos);
  assert.equal(foos.size, v.foos.length, 'each instance once');
  for (const o of [...v.few, ...v.many, v.young]) assert.ok(foos.has(o), 'every live Foo is listed');
  assert.ok(v.foos.every((o) => v.classOf(o) === v.fooCI));
  assert.equal(v.bars, 0);
  assert.equal(v.notClass, 'bad receiver');
  assert.equal(v.arrayNotClass, 'bad receiver');
  assert.ok(foos.has(v.some), 'someInstance answers an instance');
  assert.equal(v.classOf(v.barSome), v.classOf(v.all[0]), 'no instance: nil (nil is the first object)');
  const all = new Set(v.all);
  assert.equal(all.size, v.all.length, 'each object once');
  assert.ok(!all.has(v.allOop), 'the answer is not in itself');
  assert.ok(v.all.every((o) => v.classOf(o) > 31), 'no hidden objects (free lists, class table pages)');
  for (const o of v.foos) assert.ok(all.has(o), 'allObjects includes every Foo');
  assert.ok(all.has(v.foosOop), 'and the earlier allInstances answer');
  assert.ok(v.all.length > 9000 + 3 + 100, `a whole heap (${v.all.length})`);
});
