// Roots the interpreter holds outside the heap. GC moves objects, so every oop the VM keeps
// across a collection must be reachable from here, and is rewritten in place when it moves:
//  - the remappable-oop stack (push before a GC-ing call, pop after: Spur's remapBuffer);
//  - root ranges: runs of 64-bit words in linear memory (stack pages, register save areas,
//    caches). A word is treated as an oop only if it is non-immediate and points into the
//    object heap; other words (raw pointers elsewhere, tagged integers) are left alone.

import { oop } from "./constants";
import { remapStack, rootRanges } from "./state";
import { stackPush, stackPop, stackLength, stackAt, stackAtPut, stackSetLength } from "./stacks";

export function pushRemappableOop(o: oop): bool { return stackPush(remapStack, o); }
export function popRemappableOop(): oop { return stackPop(remapStack); }
export function topRemappableOop(): oop {
  const n = stackLength(remapStack);
  return n == 0 ? 0 : stackAt(remapStack, n - 1);
}
export function remappableOopCount(): i32 { return stackLength(remapStack); }

/** Register numWords 64-bit words at address `at` as roots; answers an id for removeRootRange,
 *  or -1 when no memory for the registration. */
export function addRootRange(at: usize, numWords: i32): i32 {
  const n = stackLength(rootRanges);
  for (let i = 0; i < n; i += 2) {
    if (stackAt(rootRanges, i) == 0) {
      stackAtPut(rootRanges, i, <u64>at); stackAtPut(rootRanges, i + 1, <u64>numWords);
      return i >> 1;
    }
  }
  if (!stackPush(rootRanges, <u64>at)) return -1;
  if (!stackPush(rootRanges, <u64>numWords)) { stackSetLength(rootRanges, n); return -1; }
  return n >> 1;
}
/** Change the length of a registered range (e.g. as a stack grows). */
export function setRootRangeLength(id: i32, numWords: i32): void {
  if ((id << 1) + 1 < stackLength(rootRanges)) stackAtPut(rootRanges, (id << 1) + 1, <u64>numWords);
}
export function removeRootRange(id: i32): void {
  if ((id << 1) + 1 < stackLength(rootRanges)) {
    stackAtPut(rootRanges, id << 1, 0); stackAtPut(rootRanges, (id << 1) + 1, 0);
  }
}

/** Call `visit` on the address of every root word (remap stack, root ranges, special objects
 *  cell is handled by the collectors themselves). */
export function forEachRootCell(visit: (cell: usize) => void): void {
  const rs = stackLength(remapStack);
  if (rs > 0) {
    const base = <usize>load<u64>(remapStack);
    for (let i = 0; i < rs; i++) visit(base + (<usize>i << 3));
  }
  const nr = stackLength(rootRanges);
  for (let r = 0; r < nr; r += 2) {
    const at = <usize>stackAt(rootRanges, r);
    const n = <i32>stackAt(rootRanges, r + 1);
    for (let i = 0; i < n; i++) visit(at + (<usize>i << 3));
  }
}
