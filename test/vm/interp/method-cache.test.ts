// The two-way method cache (vm/interp/lookup.ts, runSista's probe and partner swap): many more
// (selector, class) pairs than the cache has sets, sent in interleaved orders, so that pairs
// share sets and displace one another; every send must still run its own method. Each method
// answers its class and selector numbers, so a send served by a wrong entry shows in the total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLabelled } from '../helpers/labelled-run.ts';

const CLASSES = 64;
const SELECTORS = 48; // 3,072 pairs over the cache's 2,048 sets

function fixture(dir: string): void {
  writeFileSync(join(dir, 'package.st'), 'Package { #name : #CacheSets }\n');
  for (let c = 0; c < CLASSES; c++) {
    let src = `Class {\n\t#name : #CacheSet${c},\n\t#superclass : #Object,\n\t#category : #CacheSets\n}\n`;
    for (let s = 0; s < SELECTORS; s++) src += `\n{ #category : #probing }\nCacheSet${c} >> probe${s} [\n\t^ ${c * 1000 + s}\n]\n`;
    writeFileSync(join(dir, `CacheSet${c}.class.st`), src);
  }
  // 12 sends a method: literal indices stay small, so the sends take runSista's inline path
  const parts = Array.from({ length: SELECTORS / 12 }, (_, k) =>
    `\n{ #category : #running }\nCacheSets class >> part${k}: o [\n\t^ ${Array.from({ length: 12 }, (_, j) => `(o probe${k * 12 + j})`).join(' + ')}\n]\n`).join('');
  const sends = Array.from({ length: SELECTORS / 12 }, (_, k) => `(self part${k}: o)`).join(' + ');
  const news = Array.from({ length: CLASSES }, (_, c) => `add: CacheSet${c} new`).join('; ');
  writeFileSync(join(dir, 'CacheSets.class.st'), `Class {
	#name : #CacheSets,
	#superclass : #Object,
	#category : #CacheSets
}

${parts}
{ #category : #running }
CacheSets class >> sumOver: objects [
	| sum |
	sum := 0.
	objects do: [:o | sum := sum + ${sends}].
	^ sum
]

{ #category : #running }
CacheSets class >> main [
	| objects forward backward |
	objects := OrderedCollection new.
	objects ${news}.
	objects := objects asArray.
	forward := 0. backward := 0.
	3 timesRepeat: [
		forward := forward + (self sumOver: objects).
		backward := backward + (self sumOver: objects reversed)].
	Transcript show: 'forward|'; show: forward printString; cr.
	Transcript show: 'backward|'; show: backward printString; cr.
	^ 0
]
`);
}

test('sends stay right when (selector, class) pairs share cache sets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-cache-sets-'));
  try {
    const pkg = join(dir, 'CacheSets');
    mkdirSync(pkg);
    fixture(pkg);
    const { got, run: r } = await runLabelled(pkg, 'CacheSets class>>main');
    let one = 0;
    for (let c = 0; c < CLASSES; c++) for (let s = 0; s < SELECTORS; s++) one += c * 1000 + s;
    assert.equal(got.get('forward'), String(3 * one), r.stdout);
    assert.equal(got.get('backward'), String(3 * one), r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two pairs whose probes land in one set both stay cached, whichever entries they probe', async () => {
  const { NodeHost } = await import('../../../build/targets/node-host.ts');
  const { testModule } = await import('../helpers/run-vm.ts');
  const inst = await new NodeHost({ image: new Uint8Array(0), write: () => {} }).instantiate(await testModule());
  const x = inst.exports as unknown as {
    testCacheEntry(sel: bigint, ci: number): number; testCacheFill(sel: bigint, ci: number, m: bigint): void;
    testCacheProbe(sel: bigint, ci: number): bigint;
  };
  // made-up oops (the cache only compares them); no new space exists, so none counts as young
  const sel = (k: number) => 0x400000n + 8n * BigInt(k);
  const bySet = new Map<number, [bigint, number][]>();
  for (let k = 0; k < 4096; k++) for (const ci of [100, 101]) {
    const e = x.testCacheEntry(sel(k), ci);
    const set = e >> 1;
    bySet.set(set, [...(bySet.get(set) ?? []), [sel(k), ci]]);
  }
  let pairs = 0;
  for (const keys of bySet.values()) {
    if (keys.length < 2) continue;
    const [a, b] = keys;
    x.testCacheFill(a[0], a[1], 0x800008n);
    x.testCacheFill(b[0], b[1], 0x800010n);
    assert.equal(x.testCacheProbe(a[0], a[1]), 0x800008n, `first pair of set ${x.testCacheEntry(a[0], a[1]) >> 1} lost`);
    assert.equal(x.testCacheProbe(b[0], b[1]), 0x800010n);
    pairs++;
  }
  assert.ok(pairs > 1000, `pairs tried: ${pairs}`);
});
