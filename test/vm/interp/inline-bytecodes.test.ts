// Bytecodes the SistaV1 loop runs without leaving it (vm/interp/interpreter.ts runSista): method
// returns of self/true/false/nil (88-91) and block returns of nil (93), next to the non-local
// returns from blocks that must still take the slow path; stores into receiver variables (200-207,
// 240, 243) including the write barrier and a Context receiver married to a frame; stores into
// temp vectors (252, 253); extended sends (234) with more than two arguments or literal indices
// beyond 15, with and without an extension prefix; the inline activation (arguments copied in
// order, other temps nil); super sends through the method cache. Each check runs three times so that the
// method-cache fill and the cache hits are both exercised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLabelled } from '../helpers/labelled-run.ts';

const FIXTURE = 'test/vm/interp/fixtures/InlineBytecodes';

test('bytecodes run inline answer what their slow paths answer', async () => {
  const { got, run: r } = await runLabelled(FIXTURE, 'InlineBytecodes class>>main');
  const expected: Record<string, string> = {
    returns: '#(true true false nil nil 4)',
    nonLocal: '#(3 nil true true)',
    stores: '#(10 11 12 13 14 15 16 17 18 19 20)',
    storeK: '#(77 77)',
    barrier: "#(#(300 300 300 300 300 300 300 300 300 300) '300')",
    tempVectors: '#(10 #(1 3 6 10))',
    sends: '#(123 #(1 2 3 4 5 6 7))',
    // arguments in order, the other temps nil over stack words that held non-nil values
    activation: '#(#(1 2 nil nil nil) #(9 9 nil nil nil))',
    literals: '#(40 2 6 123 #lit40)',
    superSends: "#('CBA' 'BA' 'A' 'xabc' 'yab' 'a SuperC')",
    // the block's frame answers the receiver stored into its married Context
    contextStore: '42',
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(got.get(k), v, `${k}\n${r.stdout}`);
  assert.equal(got.size, Object.keys(expected).length, r.stdout);
});
