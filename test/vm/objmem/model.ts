// A JS model of an object graph for GC stress tests: objects of class Holder (slot 0 = model id
// as SmallInteger, then references) and ByteArray (first 8 bytes = id, then a pattern), with
// the roots in a registered root range. compare() walks the real heap and the model in step.

import assert from "node:assert/strict";
import { World } from "./harness.ts";

export type Ref = { id: number } | { int: number } | null;
export interface MObj { id: number; kind: "ptr" | "bytes"; n: number; slots: Ref[]; }

export class Rng {
  s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  next(): number { let x = this.s; x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; this.s = x; return x; }
  int(n: number): number { return this.next() % n; }
}

export function byteAt(id: number, i: number): number { return (id * 31 + i * 7) & 255; }

export class Model {
  w: World;
  objs = new Map<number, MObj>();
  roots: (number | null)[];
  nextId = 1;
  constructor(w: World) { this.w = w; this.roots = new Array(w.numRoots).fill(null); }

  /** Allocate in the heap and the model; answers the id or 0 when memory ran out. */
  alloc(kind: "ptr" | "bytes", n: number): number {
    const ex = this.w.ex;
    const id = this.nextId++;
    if (kind === "ptr") {
      const o: bigint = ex.instantiateClass(this.w.cls("Holder"), BigInt(n));
      if (o === 0n) return 0;
      ex.storePointer(o, 0n, this.w.int(id));
      this.objs.set(id, { id, kind, n, slots: new Array(n).fill(null) });
      this.pending = o;
    } else {
      const o: bigint = ex.instantiateClass(this.w.cls("ByteArray"), BigInt(n));
      if (o === 0n) return 0;
      const base = Number(o) + 8;
      const dv = this.w.vm.dv;
      dv.setUint32(base, id, true);
      for (let i = 4; i < n; i++) dv.setUint8(base + i, byteAt(id, i));
      this.objs.set(id, { id, kind, n, slots: [] });
      this.pending = o;
    }
    return id;
  }
  pending = 0n;

  setRoot(i: number, id: number | null, oop: bigint): void {
    this.roots[i] = id;
    this.w.setRoot(i, id === null ? this.w.nil : oop);
  }

  /** A random reachable object: [oop, id] or null. */
  pick(rng: Rng): [bigint, number] | null {
    const r = rng.int(this.roots.length);
    let id = this.roots[r];
    if (id === null) return null;
    let o = this.w.root(r);
    const steps = rng.int(4);
    for (let s = 0; s < steps; s++) {
      const m: MObj = this.objs.get(id!)!;
      if (m.kind !== "ptr" || m.n === 0) break;
      const k = rng.int(m.n);
      const ref: Ref = m.slots[k];
      if (!ref || !("id" in ref)) break;
      id = ref.id;
      o = this.w.slot(o, 1 + k);
    }
    return [o, id!];
  }

  store(o: bigint, id: number, k: number, ref: Ref, refOop: bigint): void {
    const m = this.objs.get(id)!;
    m.slots[k] = ref;
    const v = ref === null ? this.w.nil : "int" in ref ? this.w.int(ref.int) : refOop;
    this.w.ex.storePointer(o, BigInt(1 + k), v);
  }

  /** Walk heap and model together from the roots; answers the number of live model objects. */
  compare(): number {
    const w = this.w; const ex = w.ex; const dv = w.vm.dv;
    const seen = new Map<number, bigint>();
    const hc = w.cls("Holder"); const bc = w.cls("ByteArray");
    const holderIndex = Number(ex.rawHashOf(hc)); const bytesIndex = Number(ex.rawHashOf(bc));
    const visit = (o: bigint, id: number): void => {
      const prev = seen.get(id);
      if (prev !== undefined) { assert.equal(prev, o, `object ${id} reached at two addresses`); return; }
      seen.set(id, o);
      const m = this.objs.get(id)!;
      assert.ok((o & 7n) === 0n && o !== 0n, `object ${id} has oop ${o}`);
      if (m.kind === "ptr") {
        assert.equal(ex.classIndexOf(o), holderIndex, `class of ${id}`);
        assert.equal(ex.numSlotsOf(o), BigInt(1 + m.n), `size of ${id}`);
        assert.equal(w.slot(o, 0), w.int(id), `id slot of ${id}`);
        for (let k = 0; k < m.n; k++) {
          const ref = m.slots[k]; const v = w.slot(o, 1 + k);
          if (ref === null) assert.equal(v, w.nil, `slot ${k} of ${id} should be nil`);
          else if ("int" in ref) assert.equal(v, w.int(ref.int));
          else visit(v, ref.id);
        }
      } else {
        assert.equal(ex.classIndexOf(o), bytesIndex);
        assert.equal(ex.numBytesOf(o), BigInt(m.n), `byte size of ${id}`);
        const base = Number(o) + 8;
        assert.equal(dv.getUint32(base, true), id, `bytes id of ${id}`);
        for (let i = 4; i < m.n; i++) if (dv.getUint8(base + i) !== byteAt(id, i)) assert.fail(`byte ${i} of ${id}`);
      }
    };
    for (let i = 0; i < this.roots.length; i++) {
      const id = this.roots[i];
      if (id === null) assert.equal(w.root(i), w.nil, `root ${i}`);
      else visit(w.root(i), id);
    }
    return seen.size;
  }

  /** Forget model objects no longer reachable. */
  prune(): void {
    const live = new Set<number>();
    const stack = this.roots.filter((x): x is number => x !== null);
    while (stack.length) {
      const id = stack.pop()!;
      if (live.has(id)) continue;
      live.add(id);
      for (const r of this.objs.get(id)!.slots) if (r && "id" in r) stack.push(r.id);
    }
    for (const id of [...this.objs.keys()]) if (!live.has(id)) this.objs.delete(id);
  }
}

/** Exchange or forward references in the model as become does in the heap. */
export function modelBecome(m: Model, a: number, b: number, twoWay: boolean): void {
  const map = (id: number | null): number | null => id === a ? b : twoWay && id === b ? a : id;
  m.roots = m.roots.map(map);
  for (const o of m.objs.values()) o.slots = o.slots.map((r) => (r && "id" in r ? { id: map(r.id)! } : r));
}
