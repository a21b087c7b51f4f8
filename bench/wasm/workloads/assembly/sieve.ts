// Sieve of Eratosthenes over the integers below 10,000,000, repeated; checks the prime count
// (pi(10^7) = 664,579) and the sum of those primes (3,203,324,994,356).
import { check, flush, print, printU64 } from "./lib/wasi";
import { reserve } from "./lib/heap";

const LIMIT: i32 = 10_000_000;
const ROUNDS: i32 = 6;

let primeSum: u64 = 0;

/** Returns the number of primes below LIMIT; leaves their sum in primeSum. */
function sieve(flags: usize): u64 {
  memory.fill(flags, 1, <usize>LIMIT);
  store<u8>(flags, 0);
  store<u8>(flags + 1, 0);
  for (let i: i32 = 2; i * i < LIMIT; i++) {
    if (load<u8>(flags + <usize>i) != 0) {
      for (let j: i32 = i * i; j < LIMIT; j += i) store<u8>(flags + <usize>j, 0);
    }
  }
  let count: u64 = 0;
  let sum: u64 = 0;
  for (let i: i32 = 2; i < LIMIT; i++) {
    if (load<u8>(flags + <usize>i) != 0) {
      count++;
      sum += <u64>i;
    }
  }
  primeSum = sum;
  return count;
}

export function _start(): void {
  const flags = reserve(<usize>LIMIT);
  let count: u64 = 0;
  let acc: u64 = 0;
  for (let r = 0; r < ROUNDS; r++) {
    count = sieve(flags);
    check(count == 664579, "prime count below 10^7");
    check(primeSum == 3203324994356, "sum of primes below 10^7");
    acc = acc * 31 + (primeSum ^ count);
  }
  print("sieve: primes=");
  printU64(count);
  print(" sum=");
  printU64(primeSum);
  print(" rounds=");
  printU64(<u64>ROUNDS);
  print(" checksum=");
  printU64(acc);
  print("\n");
  flush();
}
