// `new` and `new:` of the `^ self basicNew initialize` shape run without their frames when the
// method cache says basicNew(:) is the primitive and initialize a ^ self (vm/interp/newinit.ts,
// the K_NEW_INIT dispatch kind): the answers must be those of the sends, when initialize does
// something, when it or basicNew is replaced at run time after the entries were filled, for
// indexable classes and sizes outside the fast allocation, when the primitive fails, when
// Object class>>new is reached by a super send for a class with its own initialize, and for
// another instance of a metaclass (a copied class with another superclass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLabelled } from '../helpers/labelled-run.ts';

const FIXTURE = 'test/vm/interp/fixtures/NewInit';

test('instance creation without frames answers what new and new: answer', async () => {
  const { got, run: r } = await runLabelled(FIXTURE, 'NewInit class>>main');
  const expected: Record<string, string> = {
    plain: "'#(#NIPlain nil false #Object)'",
    initialized: "'#(5 nil #NIInit)'",
    initializeReplaced: "#('nil' '#(42 5)' '#(nil 5)' '43')",
    basicNewReplaced: "#('#NIFake' '#fake')",
    sized: "'#(3 0 nil #(nil nil nil nil) 9 2 3000 #(0 0 0 0 0))'",
    failures: "'#(#negative #notVariable #notInteger)'",
    superNew: "'#(3 #Object #NISuper 43 3)'",
    copiedClass: "'#(5 true nil true 5)'",
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(got.get(k), v, `${k}\n${r.stdout}`);
});
