// Replicated dispatch of interpreter loops (lower.ts dispatchHead): a loop whose head ends in a
// br_table gets the head and the indexed jump again at every `br` back edge, also behind a block
// whose end branches back. Checked against V8 (handlers that branch back directly or through a
// shared block, a call inside a handler, exits through the table's default and a return, pinned
// locals across all of it) and for its shape: one indirect jump per handler, not one shared.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createV8Session } from '../../../build/aot/host/v8-session.ts';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';
import { TypeRegistry } from '../../../build/aot/abi.ts';
import { compileModule } from '../../../build/aot/compile.ts';
import { ProgramObject } from '../../../build/aot/object.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { watToWasm } from './support/native.ts';

// bytecodes, one i32 each: 0 halt, 1 acc += cnt, 2 cnt -= 1, 3 jnz <pc>, 4 acc = h(acc),
// 5 acc ^= cnt << 2, 6 nop (through the shared block), 7 push cnt to the memory stack; others:
// the table's default (returns -1)
const INTERP = `(module
  (memory 1)
  (data (i32.const 0) "\\01\\00\\00\\00" "\\05\\00\\00\\00" "\\06\\00\\00\\00" "\\04\\00\\00\\00" "\\07\\00\\00\\00"
    "\\02\\00\\00\\00" "\\03\\00\\00\\00" "\\00\\00\\00\\00" "\\00\\00\\00\\00")
  (data (i32.const 64) "\\01\\00\\00\\00" "\\09\\00\\00\\00")
  (func $h (param i32) (result i32) (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.const 1)))
  (func $run (param $pc i32) (param $cnt i32) (result i32) (local $op i32) (local $acc i32) (local $sp i32)
    (local.set $sp (i32.const 1024))
    (block $out
      (loop $next
        (local.set $op (i32.load (local.get $pc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
        (block $shared
          (block $default
            (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
              (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $default (local.get $op)))
              ;; 0 halt
              (br $out))
              ;; 1
              (local.set $acc (i32.add (local.get $acc) (local.get $cnt)))
              (br $next))
              ;; 2
              (local.set $cnt (i32.sub (local.get $cnt) (i32.const 1)))
              (br $shared))
              ;; 3 jnz
              (if (local.get $cnt)
                (then (local.set $pc (i32.load (local.get $pc))) (br $next)))
              (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
              (br $next))
            ;; 4
            (local.set $acc (call $h (local.get $acc)))
            (br $next))
            ;; 5
            (local.set $acc (i32.xor (local.get $acc) (i32.shl (local.get $cnt) (i32.const 2))))
            (br $shared))
            ;; 6
            (br $shared))
            ;; 7
            (i32.store (local.get $sp) (local.get $cnt))
            (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
            (br $next))
          (return (i32.const -1)))
        (br $next)))
    (i32.add (local.get $acc) (i32.load (i32.sub (local.get $sp) (i32.const 4)))))
  (func (export "count") (param i32) (result i32) (call $run (i32.const 0) (i32.add (i32.and (local.get 0) (i32.const 63)) (i32.const 1))))
  (func (export "bad") (param i32) (result i32) (call $run (i32.const 64) (local.get 0))))`;

test('replicated dispatch agrees with V8', async (t) => {
  const native = await loadSessionFactory('native');
  if (!native.factory) return t.skip(`no native session: ${native.reason}`);
  const bytes = await watToWasm(INTERP);
  const sessions = [createV8Session(), await native.factory()];
  try {
    for (const s of sessions) assert.equal((await s.instantiate(bytes, '$m')).kind, 'ok');
    for (const name of ['count', 'bad']) {
      for (const n of [0n, 1n, 2n, 7n, 100n, 255n, 256n, 0xffffffffn]) {
        const args = [{ type: 'i32' as const, bits: n }];
        const [a, b] = [await sessions[0].invoke('$m', name, args), await sessions[1].invoke('$m', name, args)];
        // trap messages differ in wording between engines: compare the kind only
        assert.deepEqual(b.kind === 'trap' ? b.kind : b, a.kind === 'trap' ? a.kind : a, `${name}(${n})`);
        assert.equal(a.kind, 'return', `${name}(${n})`);
      }
    }
  } finally {
    for (const s of sessions) await s.close();
  }
});

test('each handler dispatches through its own indirect jump', async () => {
  const obj = new ProgramObject();
  const m = loadModule(await watToWasm(INTERP));
  compileModule(obj, m, { target: 'session', types: new TypeRegistry(), prefix: 'm0', allowImports: true, memoryGrowSymbol: 'rt.memory_grow' });
  const code = obj.asm.finish();
  const run = obj.functions.find((f) => f.name.includes('run'));
  assert.ok(run, obj.functions.map((f) => f.name).join(' '));
  let jumps = 0;
  for (let i = run.offset; i + 1 < run.offset + run.size; i++) if (code[i] === 0xff && code[i + 1] === 0xe0) jumps++; // jmp rax
  // the head's own jump, handlers 1, 3 (twice), 4, 7 directly, and 2, 5, 6 through $shared
  assert.ok(jumps >= 9, `${jumps} indirect jumps`);
});
