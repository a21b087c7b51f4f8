// Differential fuzzing with a fixed set of seeds: Binaryen -ttf modules are decoded and
// validated by our front end, then run in two sessions and compared (V8 vs V8 always, to prove
// the driver; V8 vs native once build/aot/host/native-session.ts exists; seeds the native back
// end is known to fail are listed in native-known-failures.json, a ratchet).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { detectFeatures, loadModule } from '../../../build/aot/wasm/index.ts';
import { FUZZ_KNOWN_FAILURES, readKnownFailures } from '../../spec/lib/known-failures.ts';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';
import { runDifferential } from './lib/differential.ts';
import { fixedSeedModules, SEEDS } from './lib/fixed-seeds.ts';
import { WASM_OPT } from './lib/generate.ts';

test('fuzz modules decode and validate with our front end', { timeout: 120_000 }, async (t) => {
  if (!existsSync(WASM_OPT)) return t.skip('no binaryen wasm-opt: npm ci');
  const features = new Set<string>();
  for (const { seed, bytes } of await fixedSeedModules()) {
    const m = loadModule(bytes);
    assert.ok(m.bodies.length > 0, `seed ${seed}: module has functions`);
    for (const f of detectFeatures(m).features) features.add(f);
  }
  t.diagnostic(`features seen: ${[...features].sort().join(', ')}`);
});

for (const other of ['v8', 'native'] as const) {
  test(`differential: V8 vs ${other}`, { timeout: 120_000 }, async (t) => {
    if (!existsSync(WASM_OPT)) return t.skip('no binaryen wasm-opt: npm ci');
    const a = await loadSessionFactory('v8');
    const b = await loadSessionFactory(other);
    if (!b.factory) return t.skip(b.reason);
    const known = other === 'native' ? readKnownFailures(FUZZ_KNOWN_FAILURES) : {};
    let calls = 0;
    let traps = 0;
    const unexpected: string[] = [];
    for (const { seed, bytes } of await fixedSeedModules()) {
      const m = loadModule(bytes);
      const sessions = [await a.factory!(), await b.factory()] as const;
      try {
        const r = await runDifferential(bytes, m, [sessions[0], sessions[1]], ['v8', other]);
        calls += r.calls;
        traps += r.traps;
        const isKnown = String(seed) in known;
        if (r.mismatches.length && !isKnown) unexpected.push(`seed ${seed}:\n  ${r.mismatches.join('\n  ')}`);
        if (r.mismatches.length && isKnown) t.diagnostic(`seed ${seed}: known failure: ${r.mismatches[0]}`);
        if (!r.mismatches.length && isKnown) t.diagnostic(`seed ${seed}: now passes: remove it from ${FUZZ_KNOWN_FAILURES}`);
      } finally {
        await Promise.all(sessions.map((s) => s.close()));
      }
    }
    assert.deepEqual(unexpected, [], `${unexpected.length} seeds differ`);
    t.diagnostic(`${SEEDS.length} modules, ${calls} calls (${traps} trapped)`);
  });
}
