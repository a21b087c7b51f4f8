// Corrupted-image corpus on a real image (the bootstrapper's examples/hello, every class of the
// library in it): for many seeds, truncations, single and burst bit flips in the header and in
// objects (headers, class indices, sizes, pointers, bytecodes), and words overwritten with oops
// that point just off objects. Loading must answer an error naming what is wrong, or a heap
// that survives a full GC and a consistency check — never a trap. image.test.ts runs the same
// kinds of damage on small hand-made heaps.
// Run: node --import tsx --test test/vm/image/corpus.test.ts

import { test } from "node:test";
import assert from "node:assert/strict";
import { newVm } from "../objmem/harness.ts";
import { Rng } from "../objmem/model.ts";

interface Outcome { ok: boolean; msg: string; trap?: string }

async function tryLoad(bytes: Uint8Array): Promise<Outcome> {
  const vm = await newVm(bytes);
  try {
    if (!vm.ex.initializeObjectMemory(256 * 1024)) throw new Error("init failed");
    const ok = vm.ex.loadImage() === 1;
    if (!ok) return { ok, msg: vm.imageError() };
    vm.ex.fullGC();
    const r = vm.ex.verifyHeap();
    return r === 0 ? { ok, msg: "" } : { ok, msg: "", trap: `unsound heap after load (verify code ${r})` };
  } catch (e) {
    return { ok: false, msg: "", trap: String(e) };
  }
}

/** Words in the image that are object headers (walking the first segment from its start). */
function objectHeaders(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdr = dv.getUint32(4, true);
  const end = hdr + Number(dv.getBigUint64(72, true)) - 16;
  const out: number[] = [];
  for (let at = hdr; at < end && out.length < 200000;) {
    let w = dv.getBigUint64(at, true);
    let n = Number(w >> 56n);
    if (n === 255) { n = Number(w & 0xFFFFFFFFFFFFFFn); at += 8; w = dv.getBigUint64(at, true); }
    out.push(at);
    at += 8 + 8 * Math.max(n, 1);
  }
  return out;
}

test("corpus on the bootstrapper's image: every corruption is an error or a sound heap, never a trap", async (t) => {
  let image: Uint8Array;
  try {
    const { buildImage } = await import("../../../build/bootstrap/image-builder.ts");
    image = buildImage({ dirs: ["examples/hello"] }).image;
  } catch (e) {
    t.skip(`bootstrapper cannot build examples/hello: ${(e as Error).message.split("\n")[0]}`);
    return;
  }
  const clean = await tryLoad(image);
  assert.equal(clean.ok, true, clean.msg);
  const headers = objectHeaders(image);
  assert.ok(headers.length > 1000, `walked ${headers.length} objects`);
  const messages = new Map<string, number>();
  let loads = 0, errors = 0;
  const check = async (bytes: Uint8Array, what: string) => {
    const r = await tryLoad(bytes);
    if (r.trap !== undefined) assert.fail(`${what}: ${r.trap}`);
    if (r.ok) { loads++; return; }
    errors++;
    assert.ok(r.msg.length > 10, `${what}: message "${r.msg}"`);
    const kind = r.msg.replace(/0x[0-9a-f]+|\d+/g, "#");
    messages.set(kind, (messages.get(kind) ?? 0) + 1);
  };
  for (let seed = 1; seed <= 8; seed++) {
    const rng = new Rng(seed * 7919);
    // a truncation anywhere in the file
    {
      const n = rng.int(image.length);
      const r = await tryLoad(image.slice(0, n));
      assert.equal(r.trap, undefined, `seed ${seed} truncated to ${n}: ${r.trap}`);
      assert.equal(r.ok, false, `truncated to ${n} must fail`);
    }
    // header bits
    for (let i = 0; i < 8; i++) {
      const b = image.slice(); const bit = rng.int(128 * 8);
      b[bit >> 3] ^= 1 << (bit & 7);
      await check(b, `seed ${seed} header bit ${bit}`);
    }
    // object header bits: class index, format, hash, slot count
    for (let i = 0; i < 25; i++) {
      const b = image.slice(); const at = headers[rng.int(headers.length)];
      const bit = rng.int(64);
      b[at + (bit >> 3)] ^= 1 << (bit & 7);
      await check(b, `seed ${seed} object header at ${at} bit ${bit}`);
    }
    // bursts anywhere in the object area
    for (let i = 0; i < 10; i++) {
      const b = image.slice();
      for (let k = 0; k < 3; k++) {
        const bit = 128 * 8 + rng.int((image.length - 128) * 8);
        b[bit >> 3] ^= 1 << (bit & 7);
      }
      await check(b, `seed ${seed} burst #${i}`);
    }
    // a slot overwritten with an oop just off an object, or past the heap
    for (let i = 0; i < 10; i++) {
      const b = image.slice(); const dv = new DataView(b.buffer);
      const at = headers[rng.int(headers.length)];
      const target = headers[rng.int(headers.length)];
      const oldBase = Number(dv.getBigUint64(16, true));
      const off = [8, -8, 16, image.length * 4][rng.int(4)];
      dv.setBigUint64(at + 8, BigInt(oldBase + target - 128 + off), true);
      await check(b, `seed ${seed} wild pointer at ${at}`);
    }
  }
  assert.ok(errors > 150, `most corruptions are caught (${errors} errors, ${loads} sound loads)`);
  t.diagnostic(`${errors} errors, ${loads} sound loads; messages: ${[...messages.entries()].map(([m, n]) => `${n}× ${m}`).join("; ")}`);
});
