// The benchmark machinery: a workload that gets a wrong answer is caught (non-zero exit), traps
// are reported, the wasm2c + gcc reference runtime prints what V8 prints, RESULTS.md keeps other
// people's sections, and `npm run bench` finds suites.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileAsc } from '../../build/asc/compile.ts';
import { findAotCompiler, aotCommandFile } from '../../bench/wasm/aot.ts';
import { runProcess } from '../../bench/wasm/native-run.ts';
import { RESULTS_HEADING, geomean, median, updateResultsFile } from '../../bench/wasm/report.ts';
import { parseArgs } from '../../bench/wasm/run.ts';
import { runWasi } from '../../bench/wasm/v8-wasi.ts';
import { buildWasm2c, wasm2cUnavailable } from '../../bench/wasm/wasm2c.ts';
import { buildWorkload, listWorkloads, repoRoot, workloadAscOptions } from '../../bench/wasm/workloads.ts';

/** Builds a throw-away AssemblyScript program that uses the workloads' WASI library. */
async function buildProbe(body: string): Promise<Uint8Array> {
  const dir = mkdtempSync(join(repoRoot, 'bench/wasm/workloads/assembly/lib/.probe-'));
  try {
    writeFileSync(join(dir, 'probe.ts'), `import { check, flush, print } from "../wasi";\nexport function _start(): void {\n${body}\n}\n`);
    const opts = workloadAscOptions({ name: 'probe', entry: join(dir, 'probe.ts'), description: '' });
    return (await compileAsc({ ...opts, entry: join(dir, 'probe.ts') })).binary;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a workload whose check fails exits 1 with the reason on stderr; a trap is exit 134', { timeout: 60_000 }, async () => {
  const bad = await runWasi(await buildProbe('  print("partial\\n");\n  check(1 + 1 == 3, "arithmetic");\n  flush();'));
  assert.equal(bad.exitCode, 1);
  assert.equal(bad.stdout, 'partial\n');
  assert.equal(bad.stderr, 'FAILED: arithmetic\n');
  const trap = await runWasi(await buildProbe('  unreachable();'));
  assert.equal(trap.exitCode, 134);
  assert.match(trap.stderr, /^wasm trap: unreachable/);
});

test('the wasm2c + gcc reference (our runtime) prints exactly what V8 prints', { timeout: 120_000 }, async (t) => {
  const missing = await wasm2cUnavailable();
  if (missing) {
    t.skip(`no wasm2c reference: ${missing}`);
    return;
  }
  for (const name of ['sieve', 'memops']) {
    const w = listWorkloads().find((x) => x.name === name);
    assert.ok(w);
    const b = await buildWorkload(w);
    const v8 = await runWasi(new Uint8Array(readFileSync(b.wasmPath)));
    const exe = await buildWasm2c(name, b.wasmPath);
    const native = await runProcess(exe.exePath, [], 60_000);
    assert.equal(native.exitCode, 0, native.stderr);
    assert.equal(native.stdout, v8.stdout);
    assert.ok(native.runMs !== undefined && native.runMs > 0, 'the harness reports its run time');
  }
});

test('the wasm2c runtime turns an out-of-bounds access into a trap via the guard pages', { timeout: 120_000 }, async (t) => {
  const missing = await wasm2cUnavailable();
  if (missing) {
    t.skip(`no wasm2c reference: ${missing}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-oob-'));
  try {
    const wasm = await buildProbe('  print("before\\n");\n  flush();\n  store<u8>(<usize>0xfff0_0000, 1);');
    writeFileSync(join(dir, 'oob.wasm'), wasm);
    const exe = await buildWasm2c('oob-probe', join(dir, 'oob.wasm'));
    const r = await runProcess(exe.exePath, [], 30_000);
    assert.equal(r.stdout, 'before\n');
    assert.equal(r.exitCode, 134);
    assert.match(r.stderr, /wasm trap: out of bounds memory access/);
    rmSync(exe.exePath, { force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('median and geometric mean', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Math.abs(geomean([1, 4, 16]) - 4) < 1e-12);
  assert.ok(Number.isNaN(geomean([])));
});

test('updateResultsFile replaces only its own section', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-results-'));
  try {
    const f = join(dir, 'RESULTS.md');
    updateResultsFile(f, `${RESULTS_HEADING}\n\nfirst\n`);
    assert.equal(readFileSync(f, 'utf8'), `# Benchmark results\n\n${RESULTS_HEADING}\n\nfirst\n`);
    writeFileSync(f, `# Results\n\n## Other suite\n\nkeep me\n\n${RESULTS_HEADING}\n\nold table\n\n## Later suite\n\nkeep me too\n`);
    updateResultsFile(f, `${RESULTS_HEADING}\n\nnew table\n`);
    assert.equal(readFileSync(f, 'utf8'), `# Results\n\n## Other suite\n\nkeep me\n\n${RESULTS_HEADING}\n\nnew table\n\n## Later suite\n\nkeep me too\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner options are checked', () => {
  assert.deepEqual(parseArgs(['--reps', '5', '--only', 'sieve,nbody', '--no-write']), { reps: 5, only: ['sieve', 'nbody'], write: false, json: false });
  assert.throws(() => parseArgs(['--reps', '0']), /--reps wants an integer/);
  assert.throws(() => parseArgs(['--fast']), /unknown option '--fast'/);
});

test('our AOT compiler is detected, or its absence is explained', async () => {
  const aot = await findAotCompiler();
  if ('unavailable' in aot) assert.match(aot.unavailable, /aot/);
  else assert.equal(typeof aot.compile, 'function', `found ${aotCommandFile}`);
});

test('npm run bench lists the suites under bench/*/suite.ts', { timeout: 60_000 }, () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/run.ts'), '--list'], { encoding: 'utf8', timeout: 60_000 });
  assert.match(out, /^ {2}wasm +AOT compute benchmarks/m);
});
