// Memory copy/fill heavy code: the same pseudo-random sequence of fills and overlapping moves is
// applied to two 1 MiB buffers, one with memory.fill / memory.copy (bulk memory) and one with
// plain byte loops (forward or backward as the overlap demands, like memmove). Both must end up
// identical; the FNV-1a hash of the result is printed and checked against a reference run.
import { check, flush, print, printHex32, printU64 } from "./lib/wasi";
import { reserve } from "./lib/heap";

const SIZE: u32 = 1 << 20;
const MAX_LEN: u32 = 48 << 10;
const STEPS: i32 = 6000;

let seed: u32 = 0x9e3779b9;
function random(): u32 {
  // xorshift32
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed;
}

function fillLoop(dst: usize, value: u8, len: usize): void {
  for (let i: usize = 0; i < len; i++) store<u8>(dst + i, value);
}

function moveLoop(dst: usize, src: usize, len: usize): void {
  if (dst <= src) {
    for (let i: usize = 0; i < len; i++) store<u8>(dst + i, load<u8>(src + i));
  } else {
    for (let i = len; i > 0; i--) store<u8>(dst + i - 1, load<u8>(src + i - 1));
  }
}

/** Byte-wise scramble of a window: each byte mixes with its left neighbour. */
function mixLoop(p: usize, len: usize, k: u8): void {
  let prev: u8 = k;
  for (let i: usize = 0; i < len; i++) {
    const b = load<u8>(p + i);
    store<u8>(p + i, (b ^ prev) + k);
    prev = b;
  }
}

function fnv1a(p: usize, len: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < len; i++) h = (h ^ load<u8>(p + i)) * 0x01000193;
  return h;
}

export function _start(): void {
  const a = reserve(SIZE);
  const b = reserve(SIZE);
  for (let i: u32 = 0; i < SIZE; i++) store<u8>(a + <usize>i, <u8>(i ^ (i >>> 8)));
  memory.copy(b, a, SIZE);
  let bytes: u64 = 0;
  for (let step = 0; step < STEPS; step++) {
    const len = <usize>(random() % MAX_LEN);
    const dst = <usize>(random() % (SIZE - <u32>len));
    const src = <usize>(random() % (SIZE - <u32>len));
    const value = <u8>random();
    const kind = random() & 3;
    if (kind == 0) {
      memory.fill(a + dst, value, len);
      fillLoop(b + dst, value, len);
    } else {
      // Overlapping moves are the interesting case: keep src near dst half the time.
      const near = kind == 1 ? (dst + (len >>> 3) < <usize>SIZE - len ? dst + (len >>> 3) : src) : kind == 2 ? (dst >= (len >>> 5) ? dst - (len >>> 5) : src) : src;
      memory.copy(a + dst, a + near, len);
      moveLoop(b + dst, b + near, len);
    }
    const w = len >>> 2;
    mixLoop(a + src, w, value);
    mixLoop(b + src, w, value);
    bytes += <u64>len;
  }
  for (let i: u32 = 0; i < SIZE; i += 8) check(load<u64>(a + <usize>i) == load<u64>(b + <usize>i), "bulk and byte-loop buffers differ");
  const h = fnv1a(a, SIZE);
  print("memops: steps=");
  printU64(<u64>STEPS);
  print(" bytes=");
  printU64(bytes);
  print(" fnv1a=");
  printHex32(h);
  print("\n");
  check(h == EXPECTED_HASH, "FNV-1a hash of the result");
  flush();
}

// The hash of the result as computed by test/bench/reference.ts (the same sequence in plain
// JavaScript with Uint8Array.fill / copyWithin).
const EXPECTED_HASH: u32 = 0x2f72c63e;
