// Function alignment (lower.ts LOOP_FUNCTION_ALIGN, FUNCTION_ALIGN): a function with a loop
// starts on a 64-byte line, whatever the sizes of the functions before it; one without loops
// only on 16 bytes. The module runs in V8 and natively too, so the padding is known harmless.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeRegistry } from '../../../build/aot/abi.ts';
import { compileModule } from '../../../build/aot/compile.ts';
import { FUNCTION_ALIGN, LOOP_FUNCTION_ALIGN } from '../../../build/aot/lower.ts';
import { ProgramObject } from '../../../build/aot/object.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { watToWasm } from './support/native.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

// loop-less functions of different sizes between functions with loops, so that without the
// alignment some loop function would start off a 64-byte line
const WAT = `(module
  (memory 1)
  (func (export "small") (param $n i32) (result i32) (i32.add (local.get $n) (i32.const 1)))
  (func (export "sum") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "medium") (param $n i32) (result i32)
    (i32.store (i32.const 8) (local.get $n))
    (i32.xor (i32.mul (i32.load (i32.const 8)) (i32.const 3)) (i32.const 5)))
  (func (export "squares") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $n) (local.get $n))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "tiny") (param $n i32) (result i32) (local.get $n))
  (func (export "tiny2") (param $n i32) (result i32) (i32.sub (local.get $n) (i32.const 2)))
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $i)))`;

test('functions with loops start on 64-byte lines, the others on 16 bytes', async () => {
  assert.equal(LOOP_FUNCTION_ALIGN, 64);
  const obj = new ProgramObject();
  compileModule(obj, loadModule(await watToWasm(WAT)), { target: 'session', types: new TypeRegistry(), prefix: 'm0', allowImports: true });
  const at = (name: string) => {
    const f = obj.functions.find((x) => x.name === name);
    assert.ok(f, name);
    return f.offset;
  };
  for (const name of ['sum', 'squares', 'count']) assert.equal(at(name) % 64, 0, `${name} at ${at(name)}`);
  for (const name of ['small', 'medium', 'tiny', 'tiny2']) assert.equal(at(name) % FUNCTION_ALIGN, 0, `${name} at ${at(name)}`);
  // loop-less functions are not padded to whole lines
  assert.ok(['small', 'medium', 'tiny', 'tiny2'].some((n) => at(n) % 64 !== 0), 'some loop-less function off a 64-byte line');
});

test('aligned functions compute what V8 computes', () =>
  assertAgreesWithV8(WAT, { small: [0, 41], sum: [1, 10, 1000], medium: [0, 7, -3], squares: [1, 10, 100], tiny: [5], tiny2: [5, 0], count: [0, 1, 99] }));
