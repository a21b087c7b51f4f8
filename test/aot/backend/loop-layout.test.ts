// Loop layout (lower.ts LOOP_ALIGN, x64/encoder.ts backward8): every back edge of a compiled
// function lands on a 32-byte boundary (plain loops, rotated loops, nested loops) and, when near
// enough, is a 2-byte rel8 jump; the padding before a loop is one executable NOP, or a jmp over
// it when longer (never a run of NOPs executed on entry). The programs also run in V8 and
// natively and must agree, so the padding is known to be harmless on entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TypeRegistry } from '../../../build/aot/abi.ts';
import { compileModule } from '../../../build/aot/compile.ts';
import { ProgramObject } from '../../../build/aot/object.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { watToWasm } from './support/native.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const WAT = `(module
  (memory 1)
  ;; a plain loop with its test at the bottom
  (func (export "countdown") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $n) (local.get $n))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  ;; a rotated loop (test at the top) around a nested one, and a long body whose back edge is
  ;; too far for rel8
  (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $acc i32)
    (loop $outer
      (if (i32.lt_u (local.get $i) (i32.and (local.get $n) (i32.const 31)))
        (then
          (local.set $j (i32.const 0))
          (loop $inner
            (i32.store8 (local.get $j) (i32.add (local.get $i) (local.get $j)))
            (br_if $inner (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $i))))
          (local.set $acc (i32.xor (i32.rotl (local.get $acc) (i32.const 5)) (i32.load (i32.const 0))))
          (local.set $acc (i32.add (local.get $acc) (i32.load offset=1000 (local.get $i))))
          (local.set $acc (i32.add (local.get $acc) (i32.load offset=2000 (local.get $i))))
          (local.set $acc (i32.add (local.get $acc) (i32.load offset=3000 (local.get $i))))
          (local.set $acc (i32.add (local.get $acc) (i32.load offset=4000 (local.get $i))))
          (local.set $acc (i32.add (local.get $acc) (i32.load offset=5000 (local.get $i))))
          (local.set $acc (i32.add (local.get $acc) (i32.load offset=6000 (local.get $i))))
          (local.set $acc (i32.add (local.get $acc) (i32.load offset=7000 (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $outer))))
    (local.get $acc)))`;

test('back edges land on 32-byte boundaries, near ones as rel8 jumps', async (t) => {
  if (spawnSync('objdump', ['--version']).error) return t.skip('no objdump: apt-get install binutils');
  const obj = new ProgramObject();
  compileModule(obj, loadModule(await watToWasm(WAT)), { target: 'session', types: new TypeRegistry(), prefix: 'm0', allowImports: true });
  const code = obj.asm.finish();
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-loops-'));
  try {
    writeFileSync(join(dir, 'code.bin'), code);
    let short = 0, far = 0, padJumps = 0;
    for (const name of ['countdown', 'nested']) {
      const f = obj.functions.find((x) => x.name === name);
      assert.ok(f, name);
      const dis = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', `--start-address=${f.offset}`, `--stop-address=${f.offset + f.size}`, join(dir, 'code.bin')], { encoding: 'utf8' }).stdout;
      // "  4a:\t75 f4                \tjne    0x40"
      const lines = dis.split('\n').map((l) => /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(\S+)\s*(.*)$/.exec(l)).filter((m) => m !== null);
      const backEdges = lines.flatMap(([, at, hex, mnemonic, operand]) => {
        const to = /^0x([0-9a-f]+)$/.exec(operand);
        if (!/^j/.test(mnemonic) || !to || parseInt(to[1], 16) > parseInt(at, 16)) return [];
        return [{ at: parseInt(at, 16), to: parseInt(to[1], 16), bytes: hex.split(' ').length, text: `${at}: ${mnemonic} ${operand}` }];
      });
      assert.ok(backEdges.length >= (name === 'nested' ? 2 : 1), `${name}: back edges found\n${dis}`);
      for (const e of backEdges) {
        assert.equal(e.to % 32, 0, `${name}: ${e.text} lands on a 32-byte boundary`);
        const k = lines.findIndex(([, at]) => parseInt(at, 16) === e.to);
        const before = lines.slice(Math.max(0, k - 2), k).map(([, , , mnemonic]) => mnemonic);
        assert.ok(!(before.length === 2 && before.every((m) => m === 'nop')), `${name}: at most one NOP runs before the loop at ${e.to.toString(16)}\n${dis}`);
        if (before.length && before[before.length - 1] === 'int3') {
          const j = lines.slice(0, k).filter(([, , , mnemonic]) => mnemonic !== 'int3').pop()!;
          assert.ok(j[3] === 'jmp' && parseInt(j[4].replace('0x', ''), 16) === e.to, `${name}: padding before ${e.to.toString(16)} is jumped over\n${dis}`), padJumps++;
        }
        if (e.at + 2 - e.to <= 128) (assert.equal(e.bytes, 2, `${name}: ${e.text} is rel8`), short++);
        else (assert.ok(e.bytes >= 5, `${name}: ${e.text} is rel32`), far++);
      }
    }
    assert.ok(short >= 2 && far >= 1, `both forms exercised (${short} rel8, ${far} rel32)`);
    assert.ok(padJumps >= 1, 'a loop head with padding longer than one NOP is reached by a jmp over it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('aligned loops compute what V8 computes', () => assertAgreesWithV8(WAT, { countdown: [1, 2, 7, 31, 100, 1000], nested: [1, 2, 7, 31, 100, 1000] }));
