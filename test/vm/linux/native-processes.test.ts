// Processes on the native VM (the VM compiled ahead of time to a static Linux executable): the
// scenarios of test/vm/interp/processes.test.ts, where the timer semaphore's deadline reaches
// the platform's wait_event, i.e. poll_oneoff with a clock subscription, i.e. ppoll(2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLinuxVm } from '../../../build/pipeline/linux-vm.ts';
import { buildEvalImage } from '../../../build/cli/commands/run.ts';
import { writeXProcPackage } from '../helpers/xproc.ts';

const skip = !(process.platform === 'linux' && process.arch === 'x64') && 'needs x86-64 Linux';


const dir = mkdtempSync(join(tmpdir(), 'xproc-native-'));
writeXProcPackage(dir);
test.after(() => rmSync(dir, { recursive: true, force: true }));

let vm: string | undefined;
function imageFor(expr: string): string {
  const built = buildEvalImage(expr, [join(dir, 'p')]);
  const image = join(dir, `e${Math.random().toString(36).slice(2)}.image`);
  copyFileSync(built.path, image);
  built.cleanup();
  return image;
}

async function evaluate(expr: string): Promise<{ out: string; status: number | null; err: string; ms: number }> {
  vm ??= (await buildLinuxVm()).elfPath;
  const image = imageFor(expr);
  const t0 = Date.now();
  const r = spawnSync(vm, [image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return { out: r.stdout.trim(), status: r.status, err: r.stderr, ms: Date.now() - t0 };
}

/** CPU seconds (user + system) the VM used running the image, from bash's `times`. */
function cpuSeconds(image: string): number {
  const r = spawnSync('bash', ['-c', '"$0" "$1" >/dev/null 2>&1; times', vm!, image], { encoding: 'utf8', timeout: 60_000 });
  const children = r.stdout.trim().split('\n')[1] ?? '';
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(children);
  if (!m) throw new Error(`unexpected output of times: ${r.stdout}`);
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

test('fork and Semaphore natively: the waiter resumes after the signal', { skip }, async () => {
  const r = await evaluate(`| s log | s := Semaphore new. log := OrderedCollection new.
    [log add: 1. s signal. log add: 3] fork.
    s wait. log add: 2. Processor yield. log asArray`);
  assert.equal(r.status, 0, r.out + r.err);
  assert.equal(r.out, '#(1 3 2)');
});

test('natively, a higher-priority process preempts at once; yield lets an equal one run', { skip }, async () => {
  const r = await evaluate(`| log | log := OrderedCollection new.
    [log add: #high] forkAt: 50.
    [log add: #peer] fork.
    log add: #main. Processor yield. log add: #after. log asArray`);
  assert.equal(r.status, 0, r.out + r.err);
  assert.equal(r.out, '#(#high #main #peer #after)');
});

test('natively, the timer semaphore wakes a waiting process and the VM sleeps in between', { skip }, async () => {
  const expr = `| s t0 | s := Semaphore new. t0 := XProc ms.
    XProc signal: s atMilliseconds: t0 + 500. s wait. XProc ms - t0`;
  const r = await evaluate(expr);
  assert.equal(r.status, 0, r.out + r.err);
  const waited = Number(r.out);
  assert.ok(waited >= 500 && waited < 5000, `waited ${waited} ms`);
  assert.ok(r.ms >= 500, `the process ended after ${r.ms} ms`);
  // a VM that spun until the deadline would use about half a second of CPU; a sleeping one, the
  // few milliseconds of loading the image
  const cpu = cpuSeconds(imageFor(expr));
  assert.ok(cpu < 0.25, `the VM used ${cpu} s of CPU over a 500 ms wait`);
});

test('natively, the timer preempts a busy loop for a higher-priority process', { skip }, async () => {
  const r = await evaluate(`| s done n | s := Semaphore new. done := false. n := 0.
    [s wait. done := true] forkAt: 60.
    XProc signal: s atMilliseconds: XProc ms + 30.
    [done] whileFalse: [n := n + 1].
    n > 0`);
  assert.equal(r.status, 0, r.out + r.err);
  assert.equal(r.out, 'true');
});
