// Precise traps in static Linux executables: each kind is reported on stderr as
// "trap: <kind> in <function> at wasm offset 0x<offset>" and the process exits with status 134.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWat, watToWasm } from './support/native.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { TRAP_EXIT_CODE } from '../../../build/runtime/linux/start.ts';

/** A module whose function $f (defined index 0) traps; `at` = byte index of the trapping
 *  instruction within $f's body code. */
async function expectTrap(funcBody: string, params: string, args: string, message: string, at: number) {
  const wat = `(module (memory 1) (type $v (func)) (table 2 funcref) (elem (i32.const 0) $f)
    (func $f ${params} (result i32) ${funcBody})
    (func (export "main") (result i32) (call $f ${args})))`;
  const m = loadModule(await watToWasm(wat));
  const offset = m.bodies[0].codeOffset + at;
  const r = await runWat(wat);
  assert.equal(r.stderr, `trap: ${message} in f at wasm offset 0x${offset.toString(16)}\n`);
  assert.equal(r.status, TRAP_EXIT_CODE);
}

test('unreachable', () => expectTrap('unreachable', '', '', 'unreachable', 0));
test('integer divide by zero', () => expectTrap('local.get 0 local.get 1 i32.div_u', '(param i32 i32)', '(i32.const 1) (i32.const 0)', 'integer divide by zero', 4));
test('integer overflow', () => expectTrap('local.get 0 local.get 1 i32.div_s', '(param i32 i32)', '(i32.const 0x80000000) (i32.const -1)', 'integer overflow', 4));
test('rem_s of INT_MIN by -1 is 0, not a trap', async () => {
  const r = await runWat(`(module (func (export "main") (result i32) (i64.rem_s (i64.const 0x8000000000000000) (i64.const -1)) (i32.wrap_i64)))`);
  assert.equal(r.status, 0);
});
test('invalid conversion to integer', () => expectTrap('local.get 0 i32.trunc_f64_s', '(param f64)', '(f64.const nan)', 'invalid conversion to integer', 2));
test('conversion overflow', () => expectTrap('local.get 0 i32.trunc_f32_u', '(param f32)', '(f32.const 4294967296)', 'integer overflow', 2));
test('out of bounds memory access (guard region)', () => expectTrap('local.get 0 i32.load offset=8', '(param i32)', '(i32.const 65530)', 'out of bounds memory access', 2));
test('out of bounds memory access far above memory', () => expectTrap('local.get 0 i64.load offset=0xffffffff i32.wrap_i64', '(param i32)', '(i32.const -1)', 'out of bounds memory access', 2));
test('out of bounds store', () => expectTrap('local.get 0 i32.const 1 i32.store8 i32.const 0', '(param i32)', '(i32.const 65536)', 'out of bounds memory access', 4));
test('memory.fill out of bounds', () => expectTrap('local.get 0 i32.const 0 i32.const 2 memory.fill i32.const 0', '(param i32)', '(i32.const 65535)', 'out of bounds memory access', 6));
test('indirect call type mismatch', () => expectTrap('i32.const 0 call_indirect (type $v) i32.const 0', '', '', 'indirect call type mismatch', 2));
test('uninitialized element', () => expectTrap('i32.const 1 call_indirect (type $v) i32.const 0', '', '', 'uninitialized element', 2));
test('undefined element (index past the table)', () => expectTrap('i32.const 2 call_indirect (type $v) i32.const 0', '', '', 'undefined element', 2));
test('call stack exhausted', async () => {
  const wat = `(module (func $f (param i32) (result i32) (i32.add (call $f (local.get 0)) (i32.const 1)))
    (func (export "main") (result i32) (call $f (i32.const 0))))`;
  const m = loadModule(await watToWasm(wat));
  const r = await runWat(wat);
  assert.equal(r.stderr, `trap: call stack exhausted in f at wasm offset 0x${m.bodies[0].codeOffset.toString(16)}\n`);
  assert.equal(r.status, TRAP_EXIT_CODE);
});
test('data segment out of bounds traps at instantiation', async () => {
  const r = await runWat(`(module (memory 1) (data (i32.const 65535) "ab") (func (export "main") (result i32) (i32.const 0)))`);
  assert.equal(r.stderr, 'trap: out of bounds memory access in instantiation (data segment 0)\n');
  assert.equal(r.status, TRAP_EXIT_CODE);
});
test('start function runs before main and may trap', async () => {
  const r = await runWat(`(module (func $s unreachable) (start $s) (func (export "main") (result i32) (i32.const 0)))`);
  assert.match(r.stderr, /^trap: unreachable in s at wasm offset 0x[0-9a-f]+\n$/);
});
