// Processes on the real class library: fork, Semaphore wait/signal, priorities and preemption,
// yield, the timer semaphore (primitive 136) with the VM idling in wait_event until it is due.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileVm } from '../../../build/vm/compile-vm.ts';
import { runCaptured } from '../../../build/targets/node-host.ts';
import { buildEvalImage } from '../../../build/cli/commands/run.ts';
import { writeXProcPackage } from '../helpers/xproc.ts';


let dir = '';
let wasm: Uint8Array | null = null;
async function evaluate(expr: string): Promise<{ out: string; status: number; message: string; ms: number }> {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'xproc-'));
    writeXProcPackage(dir);
  }
  if (!wasm) wasm = new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath));
  const built = buildEvalImage(expr, [join(dir, 'p')]);
  try {
    const t0 = Date.now();
    const r = await runCaptured(wasm, new Uint8Array(readFileSync(built.path)));
    return { out: r.stdout.trim(), status: r.status, message: r.message, ms: Date.now() - t0 };
  } finally { built.cleanup(); }
}

test('fork and Semaphore: the waiter resumes after the signal', async () => {
  const r = await evaluate(`| s log | s := Semaphore new. log := OrderedCollection new.
    [log add: 1. s signal. log add: 3] fork.
    s wait. log add: 2. Processor yield. log asArray`);
  assert.equal(r.status, 0, r.out + r.message);
  assert.equal(r.out, '#(1 3 2)');
});

test('a higher-priority process preempts at once; yield lets an equal one run', async () => {
  const r = await evaluate(`| log | log := OrderedCollection new.
    [log add: #high] forkAt: 50.
    [log add: #peer] fork.
    log add: #main. Processor yield. log add: #after. log asArray`);
  assert.equal(r.status, 0, r.out + r.message);
  assert.equal(r.out, '#(#high #main #peer #after)');
});

test('the timer semaphore wakes a waiting process; the VM idles in between', async () => {
  const r = await evaluate(`| s t0 | s := Semaphore new. t0 := XProc ms.
    XProc signal: s atMilliseconds: t0 + 60. s wait. XProc ms - t0`);
  assert.equal(r.status, 0, r.out + r.message);
  const waited = Number(r.out);
  assert.ok(waited >= 60 && waited < 2000, `waited ${waited} ms`);
});

test('the timer preempts a busy loop for a higher-priority process', async () => {
  const r = await evaluate(`| s done n | s := Semaphore new. done := false. n := 0.
    [s wait. done := true] forkAt: 60.
    XProc signal: s atMilliseconds: XProc ms + 30.
    [done] whileFalse: [n := n + 1].
    n > 0`);
  assert.equal(r.status, 0, r.out + r.message);
  assert.equal(r.out, 'true');
});

test.after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
