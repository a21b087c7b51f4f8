// Pinning weighs a read that follows a write of the same local in the same loop iteration extra
// (pinning.ts): from a frame home such a read waits for the store to forward, on the dependency
// chain. The round loop below is sha256's (bench/wasm/workloads/assembly/sha256.ts, as asc emits
// it): t2 is written and read once per round, fewer uses than the counter, f and g, but its
// read is on the chain into `a`; it must come from a register, not the frame slot just stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump, innermostLoop } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const rotr = (x: string, n: number) => `(i32.or (i32.shl (local.get ${x}) (i32.const ${32 - n})) (i32.shr_u (local.get ${x}) (i32.const ${n})))`;

// memory: K at 0 (64 words), W at 256 (64 words), filled from the seed before the rounds
const ROUNDS = `(module
  (memory 1)
  (func (export "rounds") (param $seed i32) (result i32)
    (local $b i32) (local $c i32) (local $f i32) (local $g i32) (local $a i32) (local $e i32)
    (local $d i32) (local $h i32) (local $t i32) (local $t1 i32) (local $t2 i32)
    (loop $fill
      (i32.store (i32.shl (local.get $t) (i32.const 2))
        (i32.mul (i32.add (local.get $seed) (local.get $t)) (i32.const 0x9e3779b1)))
      (br_if $fill (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 128))))
    (local.set $t (i32.const 0))
    (local.set $a (local.get $seed)) (local.set $b (i32.const 0xbb67ae85)) (local.set $c (i32.const 0x3c6ef372))
    (local.set $d (i32.const 0xa54ff53a)) (local.set $e (i32.const 0x510e527f)) (local.set $f (i32.const 0x9b05688c))
    (local.set $g (i32.const 0x1f83d9ab)) (local.set $h (i32.const 0x5be0cd19))
    (loop $round
      (if (i32.lt_s (local.get $t) (i32.const 64))
        (then
          (local.set $t1
            (i32.add
              (i32.load offset=256 (local.tee $t1 (i32.shl (local.get $t) (i32.const 2))))
              (i32.add (i32.load (local.get $t1))
                (i32.add
                  (i32.add (local.get $h) (i32.xor ${rotr('$e', 25)} (i32.xor ${rotr('$e', 6)} ${rotr('$e', 11)})))
                  (i32.xor (i32.and (local.get $f) (local.get $e)) (i32.and (i32.xor (local.get $e) (i32.const -1)) (local.get $g)))))))
          (local.set $t2
            (i32.add
              (i32.xor ${rotr('$a', 22)} (i32.xor ${rotr('$a', 2)} ${rotr('$a', 13)}))
              (i32.xor (i32.and (local.get $b) (local.get $c))
                (i32.xor (i32.and (local.get $b) (local.get $a)) (i32.and (local.get $c) (local.get $a))))))
          (local.set $h (local.get $g)) (local.set $g (local.get $f)) (local.set $f (local.get $e))
          (local.set $e (i32.add (local.get $d) (local.get $t1)))
          (local.set $d (local.get $c)) (local.set $c (local.get $b)) (local.set $b (local.get $a))
          (local.set $a (i32.add (local.get $t1) (local.get $t2)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $round))))
    (i32.xor (i32.xor (i32.xor (local.get $a) (local.get $b)) (i32.xor (local.get $c) (local.get $d)))
      (i32.xor (i32.xor (local.get $e) (local.get $f)) (i32.xor (local.get $g) (local.get $h))))))`;

/** Frame slots the loop stores and then loads again later in the same pass through its code. */
function readsAfterWrites(loop: string[]): string[] {
  const stored = new Set<string>(), found: string[] = [];
  for (const l of loop) {
    const st = /^[0-9a-f]+: mov \w+ PTR (\[rbp-0x[0-9a-f]+\]),/.exec(l);
    if (st) {
      stored.add(st[1]);
      continue;
    }
    for (const m of l.matchAll(/\[rbp-0x[0-9a-f]+\]/g)) if (stored.has(m[0])) found.push(l);
  }
  return found;
}

test("sha256's t2 is read from a register in the round that writes it", async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const lines = await disassembleFunction(ROUNDS, 'rounds');
  const backward = (l: string) => {
    const m = /^([0-9a-f]+): j\w+ 0x([0-9a-f]+)$/.exec(l);
    return !!m && parseInt(m[2], 16) < parseInt(m[1], 16);
  };
  const loop = innermostLoop(lines.slice(lines.findIndex(backward) + 1)); // after $fill's back edge
  assert.ok(loop.length > 40, `the round loop\n${loop.join('\n')}`);
  assert.deepEqual(readsAfterWrites(loop), [], `no frame slot is stored and read back in one round\n${loop.join('\n')}`);
});

test('the round loop agrees with V8', () => assertAgreesWithV8(ROUNDS, { rounds: [0, 1, 0x6a09e667, -1, 12345] }));
