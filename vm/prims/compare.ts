// Byte-wise comparison of two byte objects (primitive 158, compareWith:): shared by the
// primitive (system.ts) and runSista's K_COMPARE_BYTES dispatch kind, which answers it without
// the primitive table: SOM's String>>= and the library's String>>= come here for every string
// comparison (Json compares one-character strings in its lexer).

import { oop, byteSizeOf, intOop } from "../interp/oops";

/** The byte count of a byte object (formats 16-23), else -1. */
// @ts-ignore: decorator
@inline export function byteCountOrMinus1(o: oop): i64 {
  if ((o & 7) != 0) return -1;
  const h = load<u64>(<usize>o);
  const f = <u32>(h >> 24) & 31;
  if (f - 16 >= 8) return -1; // (u32: below 16 wraps high)
  if ((h >> 56) == 255) return <i64>byteSizeOf(o); // a slot count in the overflow word
  return (<i64>(h >> 56) << 3) - <i64>(f & 7);
}

/** -1, 0 or 1 as a SmallInteger: a's bytes against b's, then their sizes; 0 (no oop) when
 *  either is not a byte object. */
export function compareBytesOop(a: oop, b: oop): oop {
  const na = byteCountOrMinus1(a);
  const nb = byteCountOrMinus1(b);
  if ((na | nb) < 0) return 0;
  const n = na < nb ? na : nb;
  const pa = <usize>a + 8; const pb = <usize>b + 8;
  for (let i: usize = 0; i < <usize>n; i++) {
    const x = load<u8>(pa + i); const y = load<u8>(pb + i);
    if (x != y) return intOop(x < y ? -1 : 1);
  }
  return intOop(na == nb ? 0 : na < nb ? -1 : 1);
}
