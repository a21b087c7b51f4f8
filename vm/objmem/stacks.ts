// Growable stacks of 64-bit words outside the object heap (remembered set, mark stack,
// weakling and ephemeron lists, mourn queue, remap stack, root ranges). A stack is a
// 24-byte descriptor [base, length, capacity] in static memory.

import { allocPages, freePages } from "./pages";


// @ts-ignore: decorator
@inline export function stackLength(s: usize): i32 { return <i32>load<u64>(s, 8); }
// @ts-ignore: decorator
@inline export function stackAt(s: usize, i: i32): u64 { return load<u64>(<usize>load<u64>(s) + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function stackAtPut(s: usize, i: i32, v: u64): void { store<u64>(<usize>load<u64>(s) + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline export function stackSetLength(s: usize, n: i32): void { store<u64>(s, <u64>n, 8); }
export function stackClear(s: usize): void { store<u64>(s, 0, 8); }

/** Push v; false when no memory could be found to grow the stack. */
export function stackPush(s: usize, v: u64): bool {
  const len = <i32>load<u64>(s, 8);
  let cap = <i32>load<u64>(s, 16);
  if (len == cap) {
    const newCap = cap == 0 ? 8192 : cap * 2;
    const nb = allocPages(<usize>newCap << 3);
    if (nb == 0) return false;
    const ob = <usize>load<u64>(s);
    if (len > 0) memory.copy(nb, ob, <usize>len << 3);
    if (cap > 0) freePages(ob, <usize>cap << 3);
    store<u64>(s, <u64>nb);
    store<u64>(s, <u64>newCap, 16);
  }
  store<u64>(<usize>load<u64>(s) + (<usize>len << 3), v);
  store<u64>(s, <u64>(len + 1), 8);
  return true;
}

export function stackPop(s: usize): u64 {
  const len = <i32>load<u64>(s, 8);
  if (len == 0) return 0;
  store<u64>(s, <u64>(len - 1), 8);
  return load<u64>(<usize>load<u64>(s) + (<usize>(len - 1) << 3));
}

/** Make sure `n` more pushes cannot fail. */
export function stackReserve(s: usize, n: i32): bool {
  const len = <i32>load<u64>(s, 8);
  const cap = <i32>load<u64>(s, 16);
  if (len + n <= cap) return true;
  let newCap = cap == 0 ? 8192 : cap * 2;
  while (newCap < len + n) newCap *= 2;
  const nb = allocPages(<usize>newCap << 3);
  if (nb == 0) return false;
  const ob = <usize>load<u64>(s);
  if (len > 0) memory.copy(nb, ob, <usize>len << 3);
  if (cap > 0) freePages(ob, <usize>cap << 3);
  store<u64>(s, <u64>nb);
  store<u64>(s, <u64>newCap, 16);
  return true;
}
