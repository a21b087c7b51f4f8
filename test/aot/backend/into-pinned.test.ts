// Results computed straight into the register of a pinned local (lower.ts pinnedSetNext /
// computeIntoPinned): loads, ALU, multiply-by-constant, shifts and float arithmetic followed by
// `local.set` of a local that lives in a register, including the cases that must not take the
// shortcut (the right operand reads the local; older lazy reads of the local still on the
// stack), tees that keep their register, and `local.set; local.get` of a frame local. Every
// export runs in V8 and natively with several arguments and must agree; one function's code is
// also checked for the shape (no register copy after the load).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ValueType } from '../../../build/aot/host/session.ts';
import { createV8Session } from '../../../build/aot/host/v8-session.ts';
import { TypeRegistry } from '../../../build/aot/abi.ts';
import { compileModule } from '../../../build/aot/compile.ts';
import { ProgramObject } from '../../../build/aot/object.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';
import { loadSessionFactory } from '../../spec/lib/sessions.ts';
import { watToWasm } from './support/native.ts';

// each function loops n & 15 times so that its locals are pinned
const WAT = `(module
  (memory 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\08\\00\\00\\00\\04\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\f0\\3f")
  (func (export "chase") (param $n i32) (result i32) (local $x i32) (local $acc i32)
    (loop $l
      (local.set $x (i32.load (local.get $x)))              ;; the address is the target itself
      (local.set $acc (i32.add (local.get $acc) (local.get $x)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.add (local.get $acc) (local.get $x)))
  (func (export "alu") (param $n i32) (param $z i32) (result i32) (local $y i32) (local $w i32)
    (local.set $y (i32.const 7))
    (loop $l
      (local.set $y (i32.sub (local.get $z) (local.get $y)))   ;; right operand reads the target
      (local.set $w (i32.sub (local.get $z) (i32.const 3)))    ;; left operand lazy
      (local.get $y)                                           ;; an older lazy read of $y ...
      (local.set $y (i32.add (local.get $w) (i32.const 1)))    ;; ... must keep the old value
      (local.get $y)
      (i32.sub)
      (local.set $w)
      (local.set $y (i32.mul (local.get $z) (i32.const 3)))    ;; imul with a pinned source
      (local.set $z (i32.mul (local.get $z) (i32.const 5)))    ;; into the source itself
      (local.set $w (i32.shl (local.get $z) (local.get $w)))   ;; variable count
      (local.set $y (i32.shr_u (local.get $y) (local.get $y))) ;; count is the target
      (local.set $z (i32.add (local.get $z) (i32.rotl (local.get $y) (i32.const 5))))
      (br_if $l (local.tee $n (i32.and (i32.sub (local.get $n) (i32.const 1)) (i32.const 15)))))
    (i32.add (i32.add (local.get $y) (local.get $w)) (local.get $z)))
  (func (export "wide") (param $n i32) (param $z i64) (result i64) (local $y i64) (local $k i32)
    (loop $l
      (local.set $y (i64.load offset=8 (i32.const 0)))
      (local.set $y (i64.sub (local.get $z) (local.get $y)))
      (local.set $z (i64.mul (local.get $y) (i64.const -3)))
      (local.set $y (i64.rotr (local.get $z) (local.get $y)))
      (local.set $k (i32.wrap_i64 (local.get $y)))
      (local.set $z (i64.add (local.get $z) (i64.extend_i32_u (local.get $k))))
      (br_if $l (local.tee $n (i32.and (i32.sub (local.get $n) (i32.const 1)) (i32.const 15)))))
    (local.get $z))
  (func (export "float") (param $n i32) (param $a f64) (result f64) (local $b f64) (local $c f64)
    (local.set $b (f64.const 2.5))
    (loop $l
      (local.set $c (f64.load offset=16 (i32.const 0)))
      (local.set $b (f64.div (local.get $a) (local.get $b)))    ;; right operand reads the target
      (local.set $c (f64.add (local.get $c) (f64.mul (local.tee $b (f64.sub (local.get $b) (local.get $c))) (local.get $b))))
      (local.set $a (f64.sub (local.get $c) (f64.const 0.25)))
      (br_if $l (local.tee $n (i32.and (i32.sub (local.get $n) (i32.const 1)) (i32.const 15)))))
    (f64.add (local.get $a) (local.get $b)))
  (func (export "frame") (param $n i32) (result i32) (local $t i32)
    ;; used once or twice outside loops: lives in the frame, set then got back
    (local.set $t (i32.mul (local.get $n) (i32.const 9)))
    (i32.add (local.get $t) (i32.const 1))
    (local.set $t)
    (local.get $t)))`;

const ARGS: Record<string, ValueType[]> = { chase: ['i32'], alu: ['i32', 'i32'], wide: ['i32', 'i64'], float: ['i32', 'f64'], frame: ['i32'] };
const VALUES: Record<string, bigint[]> = {
  i32: [0n, 1n, 2n, 5n, 15n, 16n, 0x7fffffffn, 0xfffffffbn],
  i64: [0n, 3n, 0x8000000000000000n, 0x0123456789abcdefn],
  f64: [0n, 0x3ff8000000000000n, 0xc00921fb54442d18n, 0x7ff0000000000000n],
};

test('results computed into pinned locals agree with V8', async (t) => {
  const native = await loadSessionFactory('native');
  if (!native.factory) return t.skip(`no native session: ${native.reason}`);
  const bytes = await watToWasm(WAT);
  const sessions = [createV8Session(), await native.factory()];
  try {
    for (const s of sessions) assert.equal((await s.instantiate(bytes, '$m')).kind, 'ok');
    for (const [name, params] of Object.entries(ARGS)) {
      for (let k = 0; k < 12; k++) {
        const args = params.map((p, j) => ({ type: p, bits: VALUES[p][(k * (j + 2) + j) % VALUES[p].length] }));
        const [a, b] = [await sessions[0].invoke('$m', name, args), await sessions[1].invoke('$m', name, args)];
        assert.deepEqual(b, a, `${name}(${args.map((x) => x.bits).join(', ')})`);
      }
    }
  } finally {
    for (const s of sessions) await s.close();
  }
});

test('a load into a pinned local needs no copy', async (t) => {
  if (spawnSync('objdump', ['--version']).error) return t.skip('no objdump: apt-get install binutils');
  const obj = new ProgramObject();
  compileModule(obj, loadModule(await watToWasm(WAT)), { target: 'session', types: new TypeRegistry(), prefix: 'm0', allowImports: true });
  const code = obj.asm.finish();
  const f = obj.functions.find((x) => x.name.includes('chase'))!;
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-into-'));
  try {
    writeFileSync(join(dir, 'f.bin'), code.subarray(f.offset, f.offset + f.size));
    const dis = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', '--no-show-raw-insn', join(dir, 'f.bin')], { encoding: 'utf8' }).stdout;
    const insns = dis.split('\n').map((l) => /^\s*[0-9a-f]+:\s*(.*)$/.exec(l)?.[1]).filter((x): x is string => !!x);
    // `x = load(x)`: one mov from [r14+reg] into the local's own register, not a load and a copy
    const at = insns.findIndex((x) => /^mov\s+(\w+),DWORD PTR \[r14\+(\w+)\*1\]$/.test(x));
    assert.ok(at >= 0, dis);
    const [, dst, base] = /^mov\s+(\w+),DWORD PTR \[r14\+(\w+)\*1\]$/.exec(insns[at])!;
    assert.equal(dst.replace(/^e/, 'r').replace(/d$/, ''), base, insns.slice(at, at + 2).join('; '));
    assert.ok(!/^mov\s+\w+,\w+$/.test(insns[at + 1]), insns.slice(at, at + 2).join('; '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
