// The AWFY runner's logic on a tiny SOM benchmark fixture (CI has no suite checkout): the source
// view, the generated driver, the image build and run (reference simulator), and the table.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildBenchImage, driverSource, formatTable, geomean, linkSomSources, median, parseDriverOutput, parseJsOutput } from '../../bench/awfy/lib.ts';
import { runImage } from '../bootstrap/sim/simulator.ts';

const FIXTURE = 'test/bench/fixtures/awfy-mini/benchmarks/SOM';
const work = mkdtempSync(join(tmpdir(), 'xenolith-awfy-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a benchmark builds, runs, verifies and reports its time', () => {
  const view = linkSomSources(FIXTURE, work);
  assert.ok(!existsSync(join(view, 'Harness.som')), 'the harness is left out');
  const r = runImage(buildBenchImage([view], 'Sieve', 3, work), 5_000_000);
  const res = parseDriverOutput(r.output);
  assert.ok(res, r.output);
  assert.equal(res.name, 'Sieve');
  assert.equal(res.ok, true);
  assert.ok(res.micros >= 0);
  assert.equal(r.status, 0);
});

test('a benchmark that verifies only with SOM semantics (new:withAll: with a block, integer /)', () => {
  const view = linkSomSources(FIXTURE, work);
  const r = runImage(buildBenchImage([view], 'Tally', 2, work), 5_000_000);
  assert.equal(parseDriverOutput(r.output)?.ok, true, r.output);
  assert.equal(r.status, 0);
});

test('a wrong result is reported as failed', () => {
  const view = linkSomSources(FIXTURE, work);
  const r = runImage(buildBenchImage([view], 'Wrong', 1, work), 2_000_000);
  assert.equal(parseDriverOutput(r.output)?.ok, false);
  assert.equal(r.status, 1);
});

test('bad input is refused', () => {
  assert.throws(() => driverSource('not a name', 1), /bad benchmark name/);
  assert.throws(() => driverSource('Sieve', 0), /bad inner iteration count/);
  assert.throws(() => linkSomSources(join(work, 'missing'), work), /no such directory/);
});

test('output parsing, median, geomean and the table', () => {
  assert.deepEqual(parseJsOutput('Starting Sieve benchmark ...\nSieve: iterations=1 runtime: 1234us\nSieve: iterations=1 runtime: 99us\nSieve: iterations=2 average: 666us total: 1333us\n'), [1234, 99]);
  assert.deepEqual(parseJsOutput('nothing'), []);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Math.abs(geomean([2, 8]) - 4) < 1e-9);
  const t = formatTable([
    { name: 'A', inner: 1, times: { node: 200, linux: 100 }, js: { first: 300, median: 100 } },
    { name: 'B', inner: 1, times: { node: 800, linux: 400 }, js: { first: 900, median: 100 } },
    { name: 'C', inner: 1, times: { node: 'crashed', linux: 'wrong result' }, js: { first: 100, median: 100 } },
  ], ['node', 'linux']);
  assert.match(t, /^\| benchmark \| inner \| node µs \| linux µs \| JS first µs \| JS median µs \| node\/JS \| linux\/JS \|/);
  assert.match(t, /\| A \| 1 \| 200 \| 100 \| 300 \| 100 \| 2\.0 \| 1\.0 \|/);
  assert.match(t, /\| C \| 1 \| crashed \| wrong result \| 100 \| 100 \| - \| - \|/);
  assert.match(t, /\| geomean \|.*\| 4\.0 \| 2\.0 \|$/m);
  // against V8's first iterations: 200/300 and 800/900 for node, 100/300 and 400/900 for linux
  assert.match(t, /\| geomean vs JS first \|.*\| 0\.8 \| 0\.4 \|$/);
});
