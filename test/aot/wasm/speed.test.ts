// Throughput of decode + validate on a synthetic 1 MB module with a typical instruction mix.
// The compiler must handle > 1 MB/s end to end; the front end alone must be far faster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModuleBuilder } from '../../../build/aot/wasm/encoder.ts';
import { loadModule } from '../../../build/aot/wasm/index.ts';

function bigModule(targetBytes: number): Uint8Array {
  const b = new ModuleBuilder();
  b.memory(1);
  const t = b.type(['i32', 'i32'], ['i32']);
  // one basic "chunk": loads/stores, arithmetic, a block with br_if, a loop, a call
  const chunk = [
    0x20, 0, 0x28, 2, 8, 0x20, 1, 0x6a, 0x21, 2, // local.get 0; i32.load; local.get 1; add; local.set 2
    0x02, 0x40, 0x20, 2, 0x45, 0x0d, 0, 0x20, 0, 0x20, 2, 0x36, 2, 4, 0x0b, // block; br_if; store
    0x03, 0x40, 0x20, 2, 0x41, 1, 0x6b, 0x22, 2, 0x0d, 0, 0x0b, // loop: tee; br_if 0
    0x20, 1, 0xac, 0x42, 3, 0x7e, 0xa7, 0x21, 1, // i64 arithmetic
    0x20, 0, 0x20, 1, 0x10, 0, 0x1a, // call 0; drop
  ];
  const code: number[] = [];
  for (let i = 0; i < 40; i++) code.push(...chunk);
  code.push(0x20, 2);
  let size = 0;
  while (size < targetBytes) {
    b.func(t, ['i32'], code);
    size += code.length + 4;
  }
  return b.toBytes();
}

test('decode + validate runs well above 1 MB/s', (t) => {
  const bytes = bigModule(1 << 20);
  loadModule(bytes); // warm up
  const rounds = 3;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) loadModule(bytes);
  const ms = (performance.now() - started) / rounds;
  const mbps = bytes.length / 1e6 / (ms / 1000);
  t.diagnostic(`front end: ${(bytes.length / 1e6).toFixed(2)} MB in ${ms.toFixed(1)} ms = ${mbps.toFixed(1)} MB/s`);
  // generous floor: the machine is shared; measured 20+ MB/s unloaded
  assert.ok(mbps > 2, `front end too slow: ${mbps.toFixed(2)} MB/s`);
});
