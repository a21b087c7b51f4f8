// Image file tests: save -> load -> graph comparison (one and several segments, forwarders),
// header fields, foreign formats, and a corrupted-image corpus that must give errors, not traps.
// Run: node --import tsx --test test/vm/image/*.test.ts

import { test } from "node:test";
import assert from "node:assert/strict";
import { World, newVm } from "../objmem/harness.ts";
import { Model, Rng } from "../objmem/model.ts";

async function buildGraph(seed: number, opts: { segment?: number; grow?: number; objects?: number; bigEvery?: number } = {}) {
  const w = await World.create({ segment: opts.segment ?? 1 << 20, numRoots: 16 });
  if (opts.grow) w.ex.setGrowQuantum(opts.grow);
  const m = new Model(w);
  const rng = new Rng(seed);
  for (let i = 0; i < (opts.objects ?? 400); i++) {
    const big = rng.int(opts.bigEvery ?? 40) === 0;
    const kind = rng.int(3) === 0 || (opts.bigEvery && big) ? "bytes" : "ptr";
    const n = kind === "ptr" ? (big ? 300 : rng.int(6)) : (big ? 70000 : 1 + rng.int(40));
    const id = m.alloc(kind, n);
    assert.notEqual(id, 0);
    m.setRoot(rng.int(m.roots.length), id, m.pending);
    for (let j = 0; j < 3; j++) {
      const a = m.pick(rng), b = m.pick(rng);
      if (!a || !b) continue;
      const ma = m.objs.get(a[1])!;
      if (ma.kind === "ptr" && ma.n > 0) m.store(a[0], a[1], rng.int(ma.n), { id: b[1] }, b[0]);
    }
    w.ex.collectIfNeeded();
  }
  m.prune();
  return { w, m };
}

/** Identity hashes of every model object, assigned before the snapshot. */
function hashesOf(w: World, m: Model): Map<number, number> {
  const out = new Map<number, number>();
  const walk = (o: bigint, id: number) => {
    if (out.has(id)) return;
    out.set(id, w.ex.identityHashOf(o));
    const mo = m.objs.get(id)!;
    mo.slots.forEach((r, k) => { if (r && "id" in r) walk(w.slot(o, 1 + k), r.id); });
  };
  m.roots.forEach((id, i) => { if (id !== null) walk(w.root(i), id); });
  return out;
}

async function saveAndReload(w: World, m: Model, shift = 0) {
  const hashes = hashesOf(w, m);
  w.storeInSpecialObjects();
  assert.equal(w.ex.saveImage(), 1, "saveImage: " + w.vm.imageError());
  const bytes = w.vm.snapshotBytes();
  const w2 = await World.fromImage(bytes, w.classNames, 256 * 1024, shift);
  const oldBase = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(16, true);
  if (shift) assert.notEqual(BigInt(w2.ex.segmentStart(0)), oldBase, "loaded at another address");
  const m2 = new Model(w2);
  m2.objs = m.objs; m2.roots = m.roots;
  return { bytes, w2, m2, hashes };
}

function segmentsOf(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizes: number[] = [];
  let pos = dv.getUint32(4, true);
  let size = Number(dv.getBigUint64(72, true));
  while (size) { sizes.push(size); pos += size; size = Number(dv.getBigUint64(pos - 8, true)); }
  return sizes;
}

test("save -> load reproduces the object graph, hashes and header fields", async () => {
  const { w, m } = await buildGraph(1);
  const live = m.compare();
  const { bytes, w2, m2, hashes } = await saveAndReload(w, m, 1 << 20);
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(dv.getUint32(0, true), 68021, "magic");
  assert.equal(dv.getUint32(4, true), 128, "header size");
  assert.equal(Number(dv.getBigUint64(8, true)), bytes.length - 128, "data size");
  assert.equal(segmentsOf(bytes).reduce((a, b) => a + b, 0), bytes.length - 128, "segments fill the data");
  assert.equal(m2.compare(), live);
  const h2 = hashesOf(w2, m2);
  for (const [id, h] of hashes) assert.equal(h2.get(id), h, `hash of ${id}`);
  w2.verify();
  // the loaded heap works: allocate, collect, compare again; snapshot again and compare bytes
  const ex = w2.ex;
  for (let i = 0; i < 2000; i++) ex.instantiateClass(w2.cls("Node4"), 0n);
  ex.collectIfNeeded(); ex.fullGC(); w2.verify();
  assert.equal(m2.compare(), live);
  assert.equal(ex.fetchClassOf(ex.nilObj.value), w2.cls("UndefinedObject"));
  assert.equal(ex.saveImage(), 1);
  const w3 = await World.fromImage(w2.vm.snapshotBytes(), w.classNames);
  const m3 = new Model(w3); m3.objs = m.objs; m3.roots = m.roots;
  assert.equal(m3.compare(), live);
  w3.verify();
});

test("multi-segment heaps save with bridges and load back", async () => {
  const { w, m } = await buildGraph(2, { segment: 256 * 1024, grow: 128 * 1024, objects: 600, bigEvery: 8 });
  assert.ok(w.ex.numSegments() > 3, `several segments (${w.ex.numSegments()})`);
  const live = m.compare();
  const { bytes, w2, m2 } = await saveAndReload(w, m, 3 << 20);
  const segs = segmentsOf(bytes);
  assert.ok(segs.length > 3, `image has ${segs.length} segments`);
  // a bridge that spans a gap carries an overflow slot count; the loader relocates per segment
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  let pos = 128, gaps = 0;
  for (const size of segs) {
    pos += size;
    const w0 = dv.getBigUint64(pos - 16, true);
    if (w0 >> 56n === 255n) gaps++;
    else assert.equal(w0 & 0x3FFFFFn, 3n, "short bridge header has class index 3");
  }
  assert.ok(gaps > 0, "some segments were not adjacent (long bridges)");
  assert.equal(m2.compare(), live);
  w2.verify();
  w2.ex.fullGC(); w2.verify();
  assert.equal(m2.compare(), live);
});

test("forwarders in an image are followed on load", async () => {
  const w = await World.create();
  const ex = w.ex;
  const mk = (id: number) => { const o: bigint = ex.allocateOldObject(2n, 1, Number(ex.rawHashOf(w.cls("Node2")))); ex.storePointer(o, 0n, w.int(id)); return o; };
  const holder: bigint = ex.allocateOldObject(3n, 2, Number(ex.rawHashOf(w.cls("Array"))));
  ex.storePointer(holder, 0n, mk(1)); ex.storePointer(holder, 1n, mk(2)); ex.storePointer(holder, 2n, w.slot(holder, 0));
  w.setRoot(0, holder);
  w.storeInSpecialObjects();
  assert.equal(ex.saveImage(), 1, w.vm.imageError());
  // A real image may hold lazily-forwarded objects: make x a forwarder to y in the file
  // (single segment, so file offset = oop - oldBase + 128).
  const bytes = w.vm.snapshotBytes();
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const oldBase = dv.getBigUint64(16, true);
  const at = (o: bigint) => Number(o - oldBase) + 128;
  const slotOf = (o: bigint, i: number) => dv.getBigUint64(at(o) + 8 + 8 * i, true);
  const rootsArray = slotOf(dv.getBigUint64(24, true), 8);
  const h = slotOf(rootsArray, 0);
  const x = slotOf(h, 0), y = slotOf(h, 1);
  const hx = dv.getBigUint64(at(x), true);
  dv.setBigUint64(at(x), (hx & ~((0x1Fn << 24n) | 0x3FFFFFn)) | (7n << 24n) | 8n, true);
  dv.setBigUint64(at(x) + 8, y, true);
  const w2 = await World.fromImage(bytes, w.classNames);
  const h2 = w2.root(0);
  assert.equal(w2.slot(h2, 0), w2.slot(h2, 1));
  assert.equal(w2.slot(h2, 2), w2.slot(h2, 1));
  assert.equal(w2.intValue(w2.slot(w2.slot(h2, 0), 0)), 2n);
  w2.verify();
  // a forwarder cycle is reported, not followed forever
  dv.setBigUint64(at(y), (dv.getBigUint64(at(y), true) & ~((0x1Fn << 24n) | 0x3FFFFFn)) | (7n << 24n) | 8n, true);
  dv.setBigUint64(at(y) + 8, x, true);
  const r = await tryLoad(bytes);
  assert.equal(r.trap, undefined);
  assert.equal(r.ok, false);
  assert.match(r.msg, /forwarder/);
});

async function tryLoad(bytes: Uint8Array): Promise<{ ok: boolean; msg: string; trap?: unknown }> {
  const vm = await newVm(bytes);
  try {
    if (!vm.ex.initializeObjectMemory(128 * 1024)) throw new Error("init failed");
    const ok = vm.ex.loadImage() === 1;
    if (ok) {
      // whatever loaded must be a sound heap
      vm.ex.fullGC();
      const r = vm.ex.verifyHeap();
      if (r !== 0) return { ok, msg: "verifyHeap " + r, trap: new Error("unsound heap after load: " + r) };
    }
    return { ok, msg: vm.imageError() };
  } catch (e) {
    return { ok: false, msg: "", trap: e };
  }
}

async function smallImage(): Promise<Uint8Array> {
  const { w, m } = await buildGraph(3, { objects: 60 });
  w.storeInSpecialObjects();
  void m;
  assert.equal(w.ex.saveImage(), 1);
  return w.vm.snapshotBytes();
}

function header(magic: number, size = 256): Uint8Array {
  const b = new Uint8Array(size); new DataView(b.buffer).setUint32(0, magic, true); return b;
}

test("foreign and malformed headers give clear errors", async () => {
  const good = await smallImage();
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /too small/],
    ["32-bit Spur", header(6521), /32-bit Spur/],
    ["32-bit Spur multi", header(7033), /32-bit Spur/],
    ["V3", header(6502), /V3/],
    ["V3 64-bit", header(68002), /V3/],
    ["big-endian", header(0xB5090100), /big-endian/],
    ["garbage", new TextEncoder().encode("#!/bin/sh\necho this is not an image at all, no it is not.\n".repeat(4)), /bad magic/],
  ];
  const withField = (off: number, v: bigint, width = 8) => {
    const b = good.slice(); const dv = new DataView(b.buffer);
    if (width === 8) dv.setBigUint64(off, v, true); else dv.setUint32(off, Number(v), true);
    return b;
  };
  cases.push(["header size", withField(4, 12n, 4), /header size/]);
  cases.push(["data size past end", withField(8, BigInt(good.length), 8), /data size .* runs past the end/]);
  cases.push(["first segment size", withField(72, 3n, 8), /first segment size/]);
  cases.push(["special objects oop", withField(24, 0x10n, 8), /special objects oop/]);
  cases.push(["truncated", good.slice(0, good.length - 100), /runs past the end of the file/]);
  cases.push(["truncated header", good.slice(0, 100), /truncated inside its 128-byte header/]);
  for (const [name, bytes, re] of cases) {
    const r = await tryLoad(bytes);
    assert.equal(r.trap, undefined, `${name}: trapped: ${r.trap}`);
    assert.equal(r.ok, false, `${name} should fail`);
    assert.match(r.msg, re, `${name}: message "${r.msg}"`);
  }
  const none = await newVm(null);
  none.ex.initializeObjectMemory(128 * 1024);
  assert.equal(none.ex.loadImage(), 0);
  assert.match(none.imageError(), /no image/);
  const ok = await tryLoad(good);
  assert.equal(ok.ok, true, ok.msg);
});

test("corrupted-image corpus: truncations and bit flips give errors, never traps", async () => {
  const good = await smallImage();
  const rng = new Rng(99);
  let failures = 0, loads = 0;
  const check = async (bytes: Uint8Array, what: string) => {
    const r = await tryLoad(bytes);
    if (r.trap !== undefined) assert.fail(`${what}: trap ${r.trap}`);
    if (r.ok) loads++; else { failures++; assert.ok(r.msg.length > 10, `${what}: message "${r.msg}"`); }
  };
  // truncations: every byte of the header region, then spread over the file
  for (let n = 0; n < 160; n += 3) await check(good.slice(0, n), `truncated to ${n}`);
  for (let i = 1; i < 120; i++) {
    const n = Math.floor(good.length * i / 120);
    const r = await tryLoad(good.slice(0, n));
    assert.equal(r.trap, undefined, `truncated to ${n}: trap ${r.trap}`);
    assert.equal(r.ok, false, `truncated to ${n} must fail`);
  }
  // bit flips in the header
  for (let i = 0; i < 200; i++) {
    const b = good.slice(); const bit = rng.int(128 * 8);
    b[bit >> 3] ^= 1 << (bit & 7);
    await check(b, `header bit ${bit}`);
  }
  // bit flips in object headers and slots (each a single flip or a burst of 3)
  for (let i = 0; i < 400; i++) {
    const b = good.slice();
    for (let k = 0; k < 1 + (i % 3); k++) {
      const bit = 128 * 8 + rng.int((good.length - 128) * 8);
      b[bit >> 3] ^= 1 << (bit & 7);
    }
    await check(b, `object flip #${i}`);
  }
  // overwrite words with random values, and with oops pointing just off objects
  for (let i = 0; i < 200; i++) {
    const b = good.slice(); const dv = new DataView(b.buffer);
    const off = 128 + 8 * rng.int((good.length - 136) / 8);
    dv.setBigUint64(off, (BigInt(rng.next()) << 32n) | BigInt(rng.next() & ~7), true);
    await check(b, `random word at ${off}`);
  }
  assert.ok(failures > 300, `most corruptions detected (${failures} errors, ${loads} loads)`);
});

test("loads, collects and re-saves the bootstrapper's image", async (t) => {
  let image: Uint8Array;
  try {
    const { buildImage } = await import("../../../build/bootstrap/image-builder.ts");
    image = buildImage({ dirs: ["examples/hello"] }).image;
  } catch (e) {
    t.skip(`bootstrapper cannot build examples/hello yet: ${(e as Error).message.split("\n")[0]}`);
    return;
  }
  const vm = await newVm(image);
  assert.equal(vm.ex.initializeObjectMemory(1 << 20), 1);
  assert.equal(vm.ex.loadImage(), 1, vm.imageError());
  assert.equal(vm.ex.verifyHeap(), 0);
  const before = vm.ex.oldSpaceObjectCount();
  vm.ex.fullGC();
  assert.equal(vm.ex.verifyHeap(), 0);
  assert.ok(vm.ex.oldSpaceObjectCount() <= before);
  assert.equal(vm.ex.saveImage(), 1, vm.imageError());
  const again = await newVm(vm.snapshotBytes());
  again.ex.initializeObjectMemory(1 << 20);
  assert.equal(again.ex.loadImage(), 1, again.imageError());
  assert.equal(again.ex.oldSpaceObjectCount(), vm.ex.oldSpaceObjectCount());
});

test("loads images from the interpreter tests' independent SpurBuilder", async () => {
  const { SpurBuilder } = await import("../helpers/spur-builder.ts");
  const b = new SpurBuilder();
  const m = b.install("Object", "answer", { bytecodes: [0x4C + 1, 92] });
  const image = b.build(m, b.nil);
  const vm = await newVm(image);
  assert.equal(vm.ex.initializeObjectMemory(1 << 20), 1);
  assert.equal(vm.ex.loadImage(), 1, vm.imageError());
  assert.equal(vm.ex.verifyHeap(), 0);
  const n = vm.ex.oldSpaceObjectCount();
  assert.ok(n > 20, `${n} objects`);
  assert.equal(vm.ex.fetchClassOf(vm.ex.specialObjectsOop.value), vm.ex.splObj(7), "special objects array is an Array");
  vm.ex.fullGC();
  assert.equal(vm.ex.verifyHeap(), 0);
  assert.equal(vm.ex.saveImage(), 1, vm.imageError());
  const again = await newVm(vm.snapshotBytes());
  again.ex.initializeObjectMemory(1 << 20);
  assert.equal(again.ex.loadImage(), 1, again.imageError());
  assert.equal(again.ex.oldSpaceObjectCount(), vm.ex.oldSpaceObjectCount());
  assert.equal(again.ex.verifyHeap(), 0);
});

test("68533 images load, and header fields the VM does not use survive a re-save", async () => {
  const good = await smallImage();
  const b = good.slice(); const dv = new DataView(b.buffer);
  dv.setUint32(0, 68533, true);
  dv.setBigUint64(40, 0x0300_0400n, true);   // screenSize
  dv.setBigUint64(48, 0x12n, true);          // headerFlags
  dv.setUint32(56, 0, true);                 // extraVMMemory
  dv.setUint16(60, 50, true);                // numStackPages
  dv.setUint16(68, 256, true);               // maxExtSemTabSize
  const vm = await newVm(b);
  vm.ex.initializeObjectMemory(256 * 1024);
  assert.equal(vm.ex.loadImage(), 1, vm.imageError());
  assert.equal(vm.ex.saveImage(), 1, vm.imageError());
  const out = new DataView(vm.snapshotBytes().buffer);
  assert.equal(out.getUint32(0, true), 68533);
  assert.equal(out.getBigUint64(40, true), 0x0300_0400n);
  assert.equal(out.getBigUint64(48, true), 0x12n);
  assert.equal(out.getUint16(60, true), 50);
  assert.equal(out.getUint16(68, true), 256);
  assert.ok(out.getUint32(64, true) >= 256 * 1024, "edenBytes = this VM's eden (rounded up to whole pages)");
  assert.notEqual(out.getBigUint64(32, true), 0n, "lastHash");
});

test("images with free chunks between objects (no compaction) load and reuse them", async () => {
  const { w, m } = await buildGraph(11, { objects: 500 });
  const ex = w.ex;
  ex.setCompactionEnabled(0);
  ex.fullGC(); // everything old
  // drop half of the roots' objects to leave holes
  for (let i = 0; i < m.roots.length; i += 2) m.setRoot(i, null, 0n);
  ex.fullGC(); m.prune();
  const holes = ex.countFreeChunks();
  assert.ok(holes > 5, `free chunks between objects (${holes})`);
  const live = m.compare();
  const { w2, m2 } = await saveAndReload(w, m, 1 << 20);
  assert.ok(w2.ex.countFreeChunks() >= holes - 1, "free chunks came back as free chunks");
  assert.equal(m2.compare(), live);
  const before = w2.ex.countFreeChunks();
  for (let i = 0; i < 300; i++) w2.ex.allocateOldObject(2n, 1, Number(w2.ex.rawHashOf(w2.cls("Node2"))));
  assert.ok(w2.ex.countFreeChunks() < before + 2, "old-space allocation uses the loaded free chunks");
  w2.verify();
  assert.equal(m2.compare(), live);
});
