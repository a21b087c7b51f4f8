// Independent JavaScript implementations of the workloads whose expected results are not
// published constants: each returns the exact line the AssemblyScript workload prints, so the
// test can compare the two (and catch a wrong constant embedded in a workload).
import { createHash } from 'node:crypto';

/** bench/wasm/workloads/assembly/memops.ts, with Uint8Array.fill / copyWithin. */
export function memopsLine(steps = 6000): string {
  const SIZE = 1 << 20;
  const MAX_LEN = 48 << 10;
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed = (seed ^ (seed << 13)) >>> 0;
    seed = (seed ^ (seed >>> 17)) >>> 0;
    seed = (seed ^ (seed << 5)) >>> 0;
    return seed;
  };
  const a = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) a[i] = (i ^ (i >>> 8)) & 255;
  let bytes = 0;
  for (let step = 0; step < steps; step++) {
    const len = random() % MAX_LEN;
    const dst = random() % (SIZE - len);
    const src = random() % (SIZE - len);
    const value = random() & 255;
    const kind = random() & 3;
    if (kind === 0) a.fill(value, dst, dst + len);
    else {
      const near = kind === 1 ? (dst + (len >>> 3) < SIZE - len ? dst + (len >>> 3) : src)
        : kind === 2 ? (dst >= len >>> 5 ? dst - (len >>> 5) : src) : src;
      a.copyWithin(dst, near, near + len);
    }
    let prev = value;
    for (let i = 0; i < len >>> 2; i++) {
      const b = a[src + i];
      a[src + i] = ((b ^ prev) + value) & 255;
      prev = b;
    }
    bytes += len;
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < SIZE; i++) h = Math.imul(h ^ a[i], 0x01000193) >>> 0;
  return `memops: steps=${steps} bytes=${bytes} fnv1a=${h.toString(16).padStart(8, '0')}`;
}

/** bench/wasm/workloads/assembly/sha256.ts, with Node's crypto. */
export function sha256Line(rounds = 10): string {
  const SIZE = 4 << 20;
  const buf = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) buf[i] = (i * 7 + (i >> 11)) & 255;
  let hex = '';
  for (let r = 0; r < rounds; r++) {
    hex = createHash('sha256').update(buf.subarray(0, SIZE - r)).digest('hex');
    for (let i = 0; i < 32; i++) buf[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return `sha256: rounds=${rounds} size=4MiB digest=${hex}`;
}
