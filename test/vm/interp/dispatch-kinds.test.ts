// The dispatch kind a method-cache entry carries (vm/interp/dispatch.ts), decided when the entry
// is filled: the answers must be those of running the methods when a method is replaced by one
// of another kind (the flush on install must drop the old kind), when one class's instances
// differ in shape (an accessor's and a setter's shape test), across become:, and for Float
// sqrt's kind (SmallFloat64 roots inline; NaN and boxed floats through the primitive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLabelled } from '../helpers/labelled-run.ts';

const FIXTURE = 'test/vm/interp/fixtures/DispatchKinds';

test('cache entries follow replaced methods, shapes and become:', async () => {
  const { got, run: r } = await runLabelled(FIXTURE, 'DispatchKinds class>>main');
  const expected: Record<string, string> = {
    replaced: "#('10' '20' 'true' 'false' 'nil' '2' '-1' '#self' '20' '10')",
    // w: 100 stores into a; w: 200 into b; w: 300 into c answering 7; w: 400 stores 401 into a
    setterReplaced: "#('#(#self 100 nil nil)' '#(#self 100 200 nil)' '#(7 100 200 300)' '#(#self 401 200 300)')",
    shapes: "'#(10 20 30 40)'",
    become: "#('#(1 2)' '#(#other 3 1 2)' '#(1 2 #other 3)')",
    sqrt: "'#(2.0 1.4142135623730951 0.0 -0.0 true 1.0e150 #BoxedFloat64 #SmallFloat64 1.0e-150 4.0)'",
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(got.get(k), v, `${k}\n${r.stdout}`);
});
