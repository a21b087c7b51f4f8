// The compute workloads: each builds, runs on V8 (Node's WebAssembly, in this process), checks
// its own result (exit 0) and prints what an independent computation expects. Not a timing test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildWorkload, listWorkloads } from '../../bench/wasm/workloads.ts';
import { runWasi } from '../../bench/wasm/v8-wasi.ts';
import { memopsLine, sha256Line } from './reference.ts';

/** What each workload must print: exact lines where the answer is known or recomputed here. */
const EXPECTED: Record<string, RegExp | (() => string)> = {
  bintrees: () => 'bintrees: stretch 262143 trees 14592688 long-lived 131071', // node counts 2^(d+1)-1
  fannkuch: () => 'fannkuch: n=10 checksum=73196 maxflips=38 total=73196', // published values for n = 10
  interp: /^interp: hash=\d+ collatz=\d+$/, // checked inside against the same loops written directly
  memops: () => memopsLine(),
  nbody: () => 'nbody: steps=4000000 before=-0.169075164 after=-0.169049263',
  sha256: () => sha256Line(),
  sieve: /^sieve: primes=664579 sum=3203324994356 rounds=\d+ checksum=\d+$/,
};

const workloads = listWorkloads();

test('there are at least the seven workloads of the brief, each with an expectation here', () => {
  const names = workloads.map((w) => w.name);
  for (const n of Object.keys(EXPECTED)) assert.ok(names.includes(n), `workload ${n} exists`);
  for (const n of names) assert.ok(n in EXPECTED, `test/bench/workloads.test.ts knows what ${n} prints`);
});

for (const w of workloads) {
  test(`${w.name} compiles, imports only WASI, verifies itself on V8`, { timeout: 120_000 }, async () => {
    const b = await buildWorkload(w);
    const bytes = new Uint8Array(readFileSync(b.wasmPath));
    const mod = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    const imports = WebAssembly.Module.imports(mod);
    for (const i of imports) {
      assert.equal(i.module, 'wasi_snapshot_preview1', `${w.name} imports ${i.module}.${i.name}`);
      assert.ok(['fd_write', 'proc_exit', 'clock_time_get', 'args_sizes_get', 'args_get'].includes(i.name), i.name);
    }
    assert.ok(WebAssembly.Module.exports(mod).some((e) => e.name === '_start' && e.kind === 'function'));
    const r = await runWasi(bytes);
    assert.equal(r.stderr, '', `${w.name} stderr`);
    assert.equal(r.exitCode, 0, `${w.name} exit status`);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${w.name} prints one line: ${r.stdout}`);
    const want = EXPECTED[w.name];
    if (want instanceof RegExp) assert.match(lines[0], want);
    else if (want) assert.equal(lines[0], want());
  });
}
