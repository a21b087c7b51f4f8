// Float and SmallInteger primitives sent by name (SOM's //, truncated, quo:, bitXor:) run from the
// method cache without the primitive table (vm/interp/dispatch.ts K_FLOAT_ARITH, K_FLOAT_TRUNC,
// K_INT_ARITH):
// the answers must be the primitive's, with failures falling back to the method body, boxed
// operands and results left to the primitive, and a redefined method dropping the kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { runImage } from '../helpers/run-vm.ts';
import { runLabelled } from '../helpers/labelled-run.ts';

const FIXTURE = 'test/vm/interp/fixtures/ArithPrimKinds';

test('arithmetic primitive kinds answer as the primitives do', async () => {
  const { got, run: r } = await runLabelled(FIXTURE, 'ArithPrimKinds class>>main');
  const expected: Record<string, string> = {
    arith: "'#(3.75 -0.5 true false true false true false -3.0 1.5)'",
    edges: "'#(#failed #failed #failed #BoxedFloat64 #BoxedFloat64 1.0e300 true true 1.0e300 false)'",
    truncation: "'#(3 -3 0 100000000000000000000 #LargePositiveInteger #LargePositiveInteger #SmallInteger)'",
    integers: "'#(3 -3 #failed #failed #failed 8 255 15 -13 6 -6 #failed)'",
    replaced: "#('6.0' '#replaced' '6.0' '#failed')",
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(got.get(k), v, `${k}\n${r.stdout}`);
});

test('arithmetic primitives sent by name in a loop skip the primitive table', async () => {
  const { image } = buildImage({ dirs: [FIXTURE], entry: 'ArithPrimKinds class>>loopMain' });
  const r = await runImage(image);
  assert.equal(r.status, 0, r.stdout);
  assert.equal(r.stdout.trim(), '20000 10000');
  // 10000 iterations of six primitives: 60000 calls through the table without the kinds (40000
  // without K_FLOAT_ARITH and K_FLOAT_TRUNC, 20000 without K_INT_ARITH)
  assert.ok(r.primitiveCalls < 10000n, `primitive calls: ${r.primitiveCalls}`);
});
