// The full-GC policy: old space that grows by half (at least 4 MiB) since the last full GC gets
// one at the next safe point, so garbage that reached old space does not pile up until memory
// runs out. Large objects go to old space directly; with a memory cap of 24 MiB, allocating
// 300 MiB of them as garbage must never fail, and old space stays near what is live.
// Run: node --import tsx --test test/vm/objmem/gcpolicy.test.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import { World } from "./harness.ts";

test("old-space garbage is collected at safe points long before a memory cap is reached", async () => {
  const w = await World.create({ segment: 1 << 20 });
  const ex = w.ex;
  ex.setMemoryBudget(BigInt(ex.bytesInUse()) + 24n * 1024n * 1024n);
  const keep: bigint = ex.instantiateClass(w.cls("Array"), 100n);
  w.setRoot(0, keep);
  const fullBefore = Number(ex.fullGCCount.value);
  let peak = 0;
  for (let i = 0; i < 3000; i++) {
    const o: bigint = ex.instantiateClass(w.cls("ByteArray"), 100000n); // straight to old space
    assert.notEqual(o, 0n, `allocation ${i} failed: ${Number(ex.oldSpaceBytesInUse()) >> 20} MiB in use`);
    if (i % 30 === 0) ex.storePointer(w.root(0), BigInt((i / 30) % 100), o); // a few stay live
    ex.collectIfNeeded(); // the interpreter's safe point
    peak = Math.max(peak, Number(ex.oldSpaceBytesInUse()));
  }
  const fulls = Number(ex.fullGCCount.value) - fullBefore;
  assert.ok(fulls >= 10, `full GCs triggered by growth (${fulls})`);
  assert.ok(peak < 24 << 20, `old space peaked at ${(peak / 2 ** 20).toFixed(1)} MiB, under the cap`);
  w.verify();
});

test("without growth past the threshold no full GC is forced", async () => {
  const w = await World.create({ segment: 1 << 20 });
  const ex = w.ex;
  ex.setMinGrowthForFullGC(64n << 20n);
  const before = Number(ex.fullGCCount.value);
  for (let i = 0; i < 200; i++) { ex.instantiateClass(w.cls("ByteArray"), 100000n); ex.collectIfNeeded(); }
  assert.equal(Number(ex.fullGCCount.value) - before, 0, "20 MB of growth is under a 64 MiB threshold");
  ex.setMinGrowthForFullGC(4n << 20n);
});
