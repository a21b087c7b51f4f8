// Fannkuch-redux (pancake flipping over every permutation, in the Benchmarks Game's
// permutation order) for n = 10, run ROUNDS times. Checks the published results for n = 10:
// checksum 73196, maximum flips 38; and for n = 7 (228, 16) as a smaller cross-check.
import { check, flush, print, printI64, printU64 } from "./lib/wasi";

const ROUNDS: i32 = 1;
const PERM: usize = memory.data(16);
const PERM1: usize = memory.data(16);
const COUNT: usize = memory.data(16 * 4, 4);

let maxFlips: i32 = 0;

/** Returns the checksum; leaves the maximum flip count in maxFlips. */
function fannkuch(n: i32): i32 {
  for (let i = 0; i < n; i++) store<u8>(PERM1 + <usize>i, <u8>i);
  let checksum: i32 = 0;
  let permCount: i32 = 0;
  let flipsMax: i32 = 0;
  let r = n;
  while (true) {
    while (r != 1) {
      store<i32>(COUNT + <usize>((r - 1) << 2), r);
      r--;
    }
    memory.copy(PERM, PERM1, <usize>n);
    let flips: i32 = 0;
    let k = <i32>load<u8>(PERM);
    while (k != 0) {
      // Reverse perm[0..k].
      let i: i32 = 0, j = k;
      while (i < j) {
        const t = load<u8>(PERM + <usize>i);
        store<u8>(PERM + <usize>i, load<u8>(PERM + <usize>j));
        store<u8>(PERM + <usize>j, t);
        i++;
        j--;
      }
      flips++;
      k = <i32>load<u8>(PERM);
    }
    if (flips > flipsMax) flipsMax = flips;
    checksum += (permCount & 1) == 0 ? flips : -flips;
    // Next permutation.
    while (true) {
      if (r == n) {
        maxFlips = flipsMax;
        return checksum;
      }
      const perm0 = load<u8>(PERM1);
      for (let i = 0; i < r; i++) store<u8>(PERM1 + <usize>i, load<u8>(PERM1 + <usize>(i + 1)));
      store<u8>(PERM1 + <usize>r, perm0);
      const c = load<i32>(COUNT + <usize>(r << 2)) - 1;
      store<i32>(COUNT + <usize>(r << 2), c);
      if (c > 0) break;
      r++;
    }
    permCount++;
  }
}

export function _start(): void {
  check(fannkuch(7) == 228 && maxFlips == 16, "fannkuch(7)");
  let sum: i64 = 0;
  let checksum: i32 = 0;
  for (let round = 0; round < ROUNDS; round++) {
    checksum = fannkuch(10);
    check(checksum == 73196, "fannkuch(10) checksum");
    check(maxFlips == 38, "fannkuch(10) maximum flips");
    sum += checksum;
  }
  print("fannkuch: n=10 checksum=");
  printI64(checksum);
  print(" maxflips=");
  printU64(<u64>maxFlips);
  print(" total=");
  printI64(sum);
  print("\n");
  flush();
}
