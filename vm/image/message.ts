// A fixed buffer for the image reader's and writer's error message (no managed strings, so it
// works under any asc runtime): text, decimal and hex numbers appended byte by byte.

const CAP: i32 = 512;
const buf = memory.data(CAP);
let len: i32 = 0;

export function messagePtr(): usize { return buf; }
export function messageLength(): i32 { return len; }
export function clearMessage(): void { len = 0; }

export function put(s: string): void {
  for (let i = 0; i < s.length && len < CAP; i++) { store<u8>(buf + <usize>len, <u8>s.charCodeAt(i)); len++; }
}
export function putDec(v: u64): void {
  const tmp = memory.data(24);
  let n = 0;
  do { store<u8>(tmp + <usize>n, <u8>(48 + <u32>(v % 10))); v /= 10; n++; } while (v != 0);
  while (n > 0 && len < CAP) { n--; store<u8>(buf + <usize>len, load<u8>(tmp + <usize>n)); len++; }
}
export function putHex(v: u64): void {
  put("0x");
  let started = false;
  for (let s: i32 = 60; s >= 0; s -= 4) {
    const d = <u32>((v >> <u64>s) & 15);
    if (d != 0 || started || s == 0) {
      started = true;
      if (len < CAP) { store<u8>(buf + <usize>len, <u8>(d < 10 ? 48 + d : 87 + d)); len++; }
    }
  }
}
/** Start a new message (clears the old). */
export function fail(s: string): bool { len = 0; put(s); return false; }
