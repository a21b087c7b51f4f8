// Damaged images run on the product VM (vm/main.ts, node target): the bootstrapper's
// examples/hello with a bit flip, a burst of flips or an overwritten byte in its objects. Each
// case must end in one of: the loader's error naming the fault, a clean VM stop with a message
// (an unknown bytecode, a class with no #doesNotUnderstand:), the program's own exit — or run
// past the watchdog (a loop the damage made, counted, not failed). A wasm trap fails the test.
// The runs happen in a worker so a case that loops can be cut off.
// Run: node --import tsx --test test/vm/image/run-corpus.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { compileVm } from '../../../build/vm/compile-vm.ts';

const CASES = Number(process.env.RUN_CORPUS_CASES ?? 150);
const WATCHDOG_MS = 4000;

interface Outcome { i: number; status?: number; crashed?: boolean; message?: string; hang?: boolean }

/** Runs cases [0, CASES) in workers, restarting after a case that outlives the watchdog. */
async function runAll(wasmPath: string, imagePath: string): Promise<Outcome[]> {
  const results: Outcome[] = [];
  const workerFile = fileURLToPath(new URL('./run-corpus-worker.ts', import.meta.url));
  const bootstrap = `const { workerData } = require('node:worker_threads');
(async () => { const { register } = await import(workerData.tsxApi); register(); await import(workerData.file); })();`;
  let next = 0;
  while (next < CASES) {
    await new Promise<void>((resolve, reject) => {
      const w = new Worker(bootstrap, {
        eval: true,
        workerData: { corpus: true, tsxApi: import.meta.resolve('tsx/esm/api'), file: 'file://' + workerFile, wasmPath, imagePath, start: next, end: CASES },
      });
      let current = next;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => { results.push({ i: current, hang: true }); next = current + 1; void w.terminate(); }, WATCHDOG_MS);
      };
      arm();
      w.on('message', (m: Outcome & { started?: boolean; done?: boolean }) => {
        if (m.done) { next = CASES; clearTimeout(timer); void w.terminate(); return; }
        if (m.started) { current = m.i; arm(); return; }
        results.push(m); next = m.i + 1; arm();
      });
      w.on('error', (e) => { clearTimeout(timer); reject(e); });
      w.on('exit', () => { clearTimeout(timer); resolve(); });
    });
  }
  return results;
}

test(`damaged images on the product VM: loader errors, clean stops or exits, never a trap (${CASES} cases)`, async (t) => {
  const wasmPath = (await compileVm({ target: 'node' })).wasmPath;
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-run-corpus-'));
  try {
    const imagePath = join(dir, 'hello.image');
    writeFileSync(imagePath, buildImage({ dirs: ['examples/hello'] }).image);
    const results = await runAll(wasmPath, imagePath);
    assert.equal(results.length, CASES);
    const traps = results.filter((r) => r.crashed && /wasm trap/.test(r.message ?? ''));
    assert.deepEqual(traps.map((r) => `case ${r.i}: ${r.message}`), [], 'no case may trap');
    for (const r of results) if (r.crashed) assert.ok((r.message ?? '').length > 10, `case ${r.i}: a message says what is wrong`);
    const ran = results.filter((r) => !r.crashed && !r.hang).length;
    const hangs = results.filter((r) => r.hang).length;
    const stopped = results.filter((r) => r.crashed).length;
    assert.ok(ran > CASES / 10, `some damage is harmless and the program runs (${ran})`);
    t.diagnostic(`${stopped} stopped with a message, ${ran} ran to an exit, ${hangs} cut off by the watchdog`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
