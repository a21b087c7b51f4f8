// SHA-256 (FIPS 180-4, written from the specification) over a 4 MiB buffer, chained ROUNDS
// times (each round's digest overwrites the buffer's first 32 bytes). Checks the FIPS test
// vectors for "abc" and the 448-bit two-block message, then the final digest against the value
// Node's crypto computes for the same input.
import { check, fail, flush, print, printHex32 } from "./lib/wasi";
import { reserve } from "./lib/heap";

const SIZE: i32 = 4 << 20;
const ROUNDS: i32 = 10;

const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H: usize = memory.data(32, 4); // the running hash state
const W: usize = memory.data(64 * 4, 4); // the message schedule
const TAIL: usize = memory.data(128); // the padded last block(s)

@inline function rotr(x: u32, n: u32): u32 { return (x >>> n) | (x << (32 - n)); }

function compress(block: usize): void {
  for (let t = 0; t < 16; t++) store<u32>(W + <usize>(t << 2), bswap<u32>(load<u32>(block + <usize>(t << 2))));
  for (let t = 16; t < 64; t++) {
    const w15 = load<u32>(W + <usize>((t - 15) << 2));
    const w2 = load<u32>(W + <usize>((t - 2) << 2));
    const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
    store<u32>(W + <usize>(t << 2), load<u32>(W + <usize>((t - 16) << 2)) + s0 + load<u32>(W + <usize>((t - 7) << 2)) + s1);
  }
  let a = load<u32>(H, 0), b = load<u32>(H, 4), c = load<u32>(H, 8), d = load<u32>(H, 12);
  let e = load<u32>(H, 16), f = load<u32>(H, 20), g = load<u32>(H, 24), h = load<u32>(H, 28);
  for (let t = 0; t < 64; t++) {
    const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const ch = (e & f) ^ (~e & g);
    const t1 = h + S1 + ch + load<u32>(K + <usize>(t << 2)) + load<u32>(W + <usize>(t << 2));
    const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = S0 + maj;
    h = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(H, load<u32>(H, 0) + a, 0); store<u32>(H, load<u32>(H, 4) + b, 4);
  store<u32>(H, load<u32>(H, 8) + c, 8); store<u32>(H, load<u32>(H, 12) + d, 12);
  store<u32>(H, load<u32>(H, 16) + e, 16); store<u32>(H, load<u32>(H, 20) + f, 20);
  store<u32>(H, load<u32>(H, 24) + g, 24); store<u32>(H, load<u32>(H, 28) + h, 28);
}

/** Hashes len bytes at data into H (big-endian words). */
function sha256(data: usize, len: i32): void {
  store<u32>(H, 0x6a09e667, 0); store<u32>(H, 0xbb67ae85, 4); store<u32>(H, 0x3c6ef372, 8); store<u32>(H, 0xa54ff53a, 12);
  store<u32>(H, 0x510e527f, 16); store<u32>(H, 0x9b05688c, 20); store<u32>(H, 0x1f83d9ab, 24); store<u32>(H, 0x5be0cd19, 28);
  const full = len & ~63;
  for (let off = 0; off < full; off += 64) compress(data + <usize>off);
  const rest = len - full;
  memory.fill(TAIL, 0, 128);
  memory.copy(TAIL, data + <usize>full, <usize>rest);
  store<u8>(TAIL + <usize>rest, 0x80);
  const tailLen: i32 = rest < 56 ? 64 : 128;
  store<u64>(TAIL + <usize>(tailLen - 8), bswap<u64>(<u64>len << 3));
  compress(TAIL);
  if (tailLen == 128) compress(TAIL + 64);
}

function digestIs(w0: u32, w1: u32, w2: u32, w3: u32, w4: u32, w5: u32, w6: u32, w7: u32): bool {
  return load<u32>(H, 0) == w0 && load<u32>(H, 4) == w1 && load<u32>(H, 8) == w2 && load<u32>(H, 12) == w3 &&
    load<u32>(H, 16) == w4 && load<u32>(H, 20) == w5 && load<u32>(H, 24) == w6 && load<u32>(H, 28) == w7;
}

function putAscii(at: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(at + <usize>i, <u8>s.charCodeAt(i));
  return s.length;
}

export function _start(): void {
  const buf = reserve(<usize>SIZE);
  // FIPS 180-4 examples.
  sha256(buf, putAscii(buf, "abc"));
  check(digestIs(0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad), "sha256(abc)");
  sha256(buf, putAscii(buf, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
  check(digestIs(0x248d6a61, 0xd20638b8, 0xe5c02693, 0x0c3e6039, 0xa33ce459, 0x64ff2167, 0xf6ecedd4, 0x19db06c1), "sha256(448-bit message)");

  // The workload: bytes (i * 7 + (i >> 11)) & 255, hashed ROUNDS times with chaining.
  for (let i: i32 = 0; i < SIZE; i++) store<u8>(buf + <usize>i, <u8>(i * 7 + (i >> 11)));
  for (let r = 0; r < ROUNDS; r++) {
    sha256(buf, SIZE - r); // a different length each round exercises every padding path
    for (let i = 0; i < 8; i++) store<u32>(buf + <usize>(i << 2), bswap<u32>(load<u32>(H + <usize>(i << 2))));
  }
  print("sha256: rounds=10 size=4MiB digest=");
  for (let i = 0; i < 8; i++) printHex32(load<u32>(H + <usize>(i << 2)));
  print("\n");
  for (let i = 0; i < 8; i++) {
    if (load<u32>(H + <usize>(i << 2)) != load<u32>(EXPECTED + <usize>(i << 2))) fail("sha256 of the chained buffer");
  }
  flush();
}

// Node's crypto.createHash('sha256') on the same chained input (test/bench/workloads.test.ts
// recomputes it).
const EXPECTED: usize = memory.data<u32>([
  0x0234eb38, 0xcf7e604c, 0x1c6259ac, 0x08553082, 0x55c7663f, 0x1985b294, 0x5baaebde, 0xb3dd888b,
]);
