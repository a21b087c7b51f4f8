// The fast paths of the SistaV1 loop (vm/interp/interpreter.ts runSista) answer what the sends
// and primitives answer: SmallInteger / \\ bitShift: // bitAnd: bitOr: (with overflow into
// LargeInteger, ZeroDivide, non-SmallInteger operands), closures created inline (copied values,
// receiver, outer context, non-local return, ensure: while unwinding, scavenges), full blocks
// activated inline (arguments, copied values, temps, recursion across stack pages) and
// basicNew/basicNew: inline (nil and zero bodies, sizes outside the fast path, failures); special
// selectors sent from the loop when their inline paths do not apply; a cached method compiled
// anew; super sends from class methods; blocks (clean or not) evaluated after their home returned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLabelled } from '../helpers/labelled-run.ts';

const FIXTURE = 'test/vm/interp/fixtures/FastPaths';

/** An Array's printString in one form, whether the library prints {1. #a} or #(1 #a). */
const canon = (s: string): string => s.replaceAll('#(', '(').replaceAll('{', '(').replaceAll('}', ')').replaceAll('. ', ' ');

test('inline arithmetic, closures and instance creation answer what their sends answer', async () => {
  const { got, run: r } = await runLabelled(FIXTURE, 'FastPaths class>>main');
  const expected: Record<string, string> = {
    divisions: "{3. -4. -4. 3. 1. 1. -1. -1. 2. -2. '(7/2)'. 0. 0}",
    bits: '{8. 15. 251. -5. 1024. -12. 128. -128. -1. 0. 576460752303423488}',
    overflows: "{true. #LargePositiveInteger. '18446744073709551616'. #LargePositiveInteger. true. #LargePositiveInteger. '13835058055282163712'}",
    fallbacks: "{'393530540239137101141'. 2. 0. true. 3. 1.5. 0. 1. 2}",
    zeroDivides: '{#zd1. #zd2. #zd3. #zd4}',
    identity: '{{1. true. false. true}. {110. false. true. false}. {1. true. false. true}}',
    captures: '{{1. 2. 3. 4. 5. 6. #rcv}. 10. 11. 12. 5. true. true. nil. 1. nil}',
    nonLocal: '{#found. #missing}',
    unwinding: '{20. {1. #ensured}}',
    many: '{20. 4200000}',
    depth: '3000',
    blockTemps: '{301. 302. 303}',
    creation: "{{nil. nil. nil}. #FastPathsProbe. 5. {0. 0. 0. 0. 0}. {0. 0. 0. 0. 0. 0. 0. 0. 0}. {nil. nil. nil}. 0. 300. nil. 0. {nil. nil. nil}. #Object. false. true}",
    creationFailures: '{#notVariable. #negative. #notInteger. #notAClass}',
    manyObjects: '{25000. 50000. 75000. 100000}',
    specialSends: '{true. false. {#plus. 3}. {#less. 4}. {#divide. 5}. {#at. 6}. {#and. 7}. 3.0. #dnu. #zd}',
    redefined: '{1. 1. 2. 2}',
    blocksAfterReturn: '{11. 12. 42. nil. 1}',
    compareBytes: '{-1. 1. -1. 1. 0. 0. 0. -1. #failed. #failed}',
    superSends: '{{#original. #child}. {#original. #child}. {#redefined. #child}. {#redefined. #child}}',
    runtimeClasses: '{true. true. false. nil. nil. #noSixth. 4. 0. 10. 0. #notVariable. true. 30000. true. true}',
    indexed: "{$b. 3. $c. 255. 3. 2100. $z. 300. #last. 0. 0. #high. #low. #notInteger. #high. 1. 0. 0}",
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(canon(got.get(k) ?? ''), canon(v), `${k}\n${r.stdout}`);
  assert.equal(got.size, Object.keys(expected).length, r.stdout);
});
