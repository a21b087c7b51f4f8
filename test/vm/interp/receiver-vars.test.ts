// Receiver variables pushed and stored by bytecode: runSista tests a receiver once (heap, not a
// Context, mutable) and remembers it across bytecodes and sends (vm/interp/interpreter.ts
// ivarRcv); Contexts, whose variables live in their frames, must still be read through them when
// they alternate with ordinary receivers, and collections that move objects must not leave a
// stale receiver behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLabelled } from '../helpers/labelled-run.ts';

const FIXTURE = 'test/vm/interp/fixtures/ReceiverVars';

test('receiver variables of ordinary receivers and Contexts in turn', async () => {
  const { got, run: r } = await runLabelled(FIXTURE, 'ReceiverVars class>>main');
  assert.equal(got.get('alternating'), '#(true #(1 true #contextVarsAfterOwn #alternating 3) 70)', r.stdout);
  assert.equal(got.get('acrossCollections'), '#(2200 #acrossCollections)', r.stdout);
});
