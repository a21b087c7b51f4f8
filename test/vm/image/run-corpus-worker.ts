// Worker for run-corpus.test.ts: damages the image for cases start..end-1 (seeded, so a case
// can be replayed) and runs each on the product VM (node target), posting each outcome.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { runCaptured } from '../../../build/targets/node-host.ts';
import { Rng } from '../objmem/model.ts';

/** Case i of the corpus: a single bit flip, a burst of three, or one byte overwritten, all in
 *  the object area (the loader's own corpus tests cover the header). */
export function damage(image: Uint8Array, i: number): Uint8Array {
  const rng = new Rng(i * 7919 + 1);
  const b = image.slice();
  const flip = () => { const bit = 128 * 8 + rng.int((b.length - 128) * 8); b[bit >> 3] ^= 1 << (bit & 7); };
  if (i % 3 === 0) flip();
  else if (i % 3 === 1) { flip(); flip(); flip(); }
  else b[128 + rng.int(b.length - 128)] = rng.int(256);
  return b;
}

if (parentPort && workerData?.corpus) {
  const d = workerData as { wasmPath: string; imagePath: string; start: number; end: number };
  const wasm = await WebAssembly.compile(new Uint8Array(readFileSync(d.wasmPath)));
  const image = new Uint8Array(readFileSync(d.imagePath));
  for (let i = d.start; i < d.end; i++) {
    parentPort.postMessage({ i, started: true });
    const r = await runCaptured(wasm, damage(image, i));
    parentPort.postMessage({ i, status: r.status, crashed: r.crashed, message: r.message.split('\n')[0].slice(0, 200) });
  }
  parentPort.postMessage({ done: true });
}
