// Object headers and bodies of 64-bit Spur: the header word's fields, the overflow slot count,
// sizes by format, and raw slot/byte access. An object's oop is the address of its base header;
// objects with 255 or more slots have an overflow word (count | 0xFF << 56) just before it.

import {
  oop, CLASS_INDEX_MASK, IMMUTABLE_BIT, FORMAT_SHIFT, FORMAT_MASK, REMEMBERED_BIT, PINNED_BIT,
  GREY_BIT, HASH_SHIFT, HASH_MASK, MARKED_BIT, NUM_SLOTS_SHIFT, NUM_SLOTS_MASK, OVERFLOW_SLOTS,
  OVERFLOW_COUNT_MASK, TAG_MASK, CI_SMALLINTEGER, CI_CHARACTER, CI_SMALLFLOAT, SMALLINT_TAG,
  CHARACTER_TAG, FMT_64BIT, FMT_32BIT, FMT_16BIT, FMT_8BIT, FMT_COMPILED_METHOD, FMT_EPHEMERON,
  FMT_WEAK,
} from "./constants";

// @ts-ignore: decorator
@inline export function headerOf(o: oop): u64 { return load<u64>(<usize>o); }
// @ts-ignore: decorator
@inline export function setHeader(o: oop, h: u64): void { store<u64>(<usize>o, h); }

/** Class index of any oop, immediates included (1 SmallInteger, 2 Character, 4 SmallFloat64). */
export function classIndexOf(o: oop): u32 {
  const tag = o & TAG_MASK;
  if (tag != 0) return tag == SMALLINT_TAG ? CI_SMALLINTEGER : tag == CHARACTER_TAG ? CI_CHARACTER : CI_SMALLFLOAT;
  return <u32>(load<u64>(<usize>o) & CLASS_INDEX_MASK);
}
// @ts-ignore: decorator
@inline export function rawClassIndexOf(o: oop): u32 { return <u32>(load<u64>(<usize>o) & CLASS_INDEX_MASK); }
export function setClassIndexOf(o: oop, ci: u32): void {
  store<u64>(<usize>o, (load<u64>(<usize>o) & ~CLASS_INDEX_MASK) | (<u64>ci & CLASS_INDEX_MASK));
}
// @ts-ignore: decorator
@inline export function formatOf(o: oop): u32 { return <u32>((load<u64>(<usize>o) >> FORMAT_SHIFT) & FORMAT_MASK); }
export function setFormatOf(o: oop, f: u32): void {
  store<u64>(<usize>o, (load<u64>(<usize>o) & ~(FORMAT_MASK << FORMAT_SHIFT)) | ((<u64>f & FORMAT_MASK) << FORMAT_SHIFT));
}
/** The 22-bit identity hash as stored (0 = not yet assigned). */
// @ts-ignore: decorator
@inline export function rawHashOf(o: oop): u32 { return <u32>((load<u64>(<usize>o) >> HASH_SHIFT) & HASH_MASK); }
export function setRawHashOf(o: oop, h: u32): void {
  store<u64>(<usize>o, (load<u64>(<usize>o) & ~(HASH_MASK << HASH_SHIFT)) | ((<u64>h & HASH_MASK) << HASH_SHIFT));
}

// @ts-ignore: decorator
@inline export function rawNumSlotsOf(o: oop): u32 { return <u32>(load<u64>(<usize>o) >> NUM_SLOTS_SHIFT); }
/** Slot count (8-byte units of the body), reading the overflow word when the field is 255. */
// @ts-ignore: decorator
@inline export function numSlotsOf(o: oop): u64 {
  const n = load<u64>(<usize>o) >> NUM_SLOTS_SHIFT;
  return n == OVERFLOW_SLOTS ? load<u64>(<usize>o - 8) & OVERFLOW_COUNT_MASK : n;
}
/** Bytes of header(s) before the body: 8, or 16 with an overflow word. */
// @ts-ignore: decorator
@inline export function headerBytesOf(o: oop): usize { return (load<u64>(<usize>o) >> NUM_SLOTS_SHIFT) == OVERFLOW_SLOTS ? 16 : 8; }
/** Address where the object's storage begins (its overflow word, if any). */
// @ts-ignore: decorator
@inline export function startOfObject(o: oop): usize { return <usize>o + 8 - headerBytesOf(o); }
/** Total bytes the object occupies: headers + body, at least 16. */
export function bytesInObject(o: oop): usize {
  const n = <usize>numSlotsOf(o);
  return headerBytesOf(o) + ((n == 0 ? 1 : n) << 3);
}
/** Address just after the object. */
// @ts-ignore: decorator
@inline export function addressAfter(o: oop): usize {
  const n = <usize>numSlotsOf(o);
  return <usize>o + 8 + ((n == 0 ? 1 : n) << 3);
}
/** The object starting at address a (skipping an overflow word). */
// @ts-ignore: decorator
@inline export function objectStartingAt(a: usize): oop {
  return (load<u64>(a) >> NUM_SLOTS_SHIFT) == OVERFLOW_SLOTS ? <u64>(a + 8) : <u64>a;
}
/** Bytes needed for an object of n slots. */
// @ts-ignore: decorator
@inline export function bytesForSlots(n: usize): usize { return (n >= 255 ? 16 : 8) + ((n == 0 ? 1 : n) << 3); }

/** Write headers for an object of numSlots at address `start`; answers the oop. */
export function writeHeader(start: usize, numSlots: u64, format: u32, classIndex: u32, hash: u32): oop {
  let o = start;
  if (numSlots >= OVERFLOW_SLOTS) {
    store<u64>(start, numSlots | (OVERFLOW_SLOTS << NUM_SLOTS_SHIFT));
    o = start + 8;
    store<u64>(o, (OVERFLOW_SLOTS << NUM_SLOTS_SHIFT) | ((<u64>hash & HASH_MASK) << HASH_SHIFT)
      | (<u64>format << FORMAT_SHIFT) | <u64>classIndex);
  } else {
    store<u64>(o, (numSlots << NUM_SLOTS_SHIFT) | ((<u64>hash & HASH_MASK) << HASH_SHIFT)
      | (<u64>format << FORMAT_SHIFT) | <u64>classIndex);
  }
  return <u64>o;
}

// ---- flag bits
// @ts-ignore: decorator
@inline export function isImmutable(o: oop): bool { return (load<u64>(<usize>o) & IMMUTABLE_BIT) != 0; }
// @ts-ignore: decorator
@inline export function isPinned(o: oop): bool { return (load<u64>(<usize>o) & PINNED_BIT) != 0; }
// @ts-ignore: decorator
@inline export function isRemembered(o: oop): bool { return (load<u64>(<usize>o) & REMEMBERED_BIT) != 0; }
// @ts-ignore: decorator
@inline export function isMarked(o: oop): bool { return (load<u64>(<usize>o) & MARKED_BIT) != 0; }
// @ts-ignore: decorator
@inline export function isGrey(o: oop): bool { return (load<u64>(<usize>o) & GREY_BIT) != 0; }
// @ts-ignore: decorator
@inline function setBit(o: oop, bit: u64, v: bool): void {
  const h = load<u64>(<usize>o);
  store<u64>(<usize>o, v ? h | bit : h & ~bit);
}
export function setImmutable(o: oop, v: bool): void { setBit(o, IMMUTABLE_BIT, v); }
export function setPinnedBit(o: oop, v: bool): void { setBit(o, PINNED_BIT, v); }
export function setRemembered(o: oop, v: bool): void { setBit(o, REMEMBERED_BIT, v); }
export function setMarked(o: oop, v: bool): void { setBit(o, MARKED_BIT, v); }
export function setGrey(o: oop, v: bool): void { setBit(o, GREY_BIT, v); }

// ---- format predicates
// @ts-ignore: decorator
@inline export function isPointersFormat(f: u32): bool { return f <= FMT_EPHEMERON; }
// @ts-ignore: decorator
@inline export function isBytesFormat(f: u32): bool { return f >= FMT_8BIT; }
// @ts-ignore: decorator
@inline export function isCompiledMethodFormat(f: u32): bool { return f >= FMT_COMPILED_METHOD; }
// @ts-ignore: decorator
@inline export function isWeakFormat(f: u32): bool { return f == FMT_WEAK; }
// @ts-ignore: decorator
@inline export function isEphemeronFormat(f: u32): bool { return f == FMT_EPHEMERON; }

/** Body size in bytes as the format defines it (unused trailing units subtracted). */
export function numBytesOf(o: oop): u64 {
  const f = formatOf(o);
  const b = numSlotsOf(o) << 3;
  if (f < FMT_32BIT) return b;
  if (f < FMT_16BIT) return b - (<u64>(f & 1) << 2);
  if (f < FMT_8BIT) return b - (<u64>(f & 3) << 1);
  return b - <u64>(f & 7);
}
/** Number of indexable-unit elements of a non-pointer body (bytes, shorts, words, longs). */
export function numElementsOf(o: oop): u64 {
  const f = formatOf(o);
  const n = numSlotsOf(o);
  if (f < FMT_32BIT) return n;                  // pointers and 64-bit: slots
  if (f < FMT_16BIT) return (n << 1) - <u64>(f & 1);
  if (f < FMT_8BIT) return (n << 2) - <u64>(f & 3);
  return (n << 3) - <u64>(f & 7);
}

/** CompiledMethod: the method header (literal 0) and its literal count (bits 0-14). */
export function methodHeaderOf(o: oop): oop { return load<u64>(<usize>o + 8); }
export function literalCountOfHeader(h: oop): u32 { return <u32>((<i64>h >> 3) & 0x7FFF); }

/** Number of leading slots that hold oops: all for pointer formats, header + literals for
 *  CompiledMethods, 1 for a forwarder, 0 otherwise. Clamped to the object's size. */
export function numPointerSlotsOf(o: oop): u64 {
  const f = formatOf(o);
  if (f <= FMT_EPHEMERON) return numSlotsOf(o);
  if (f == 7) return 1;
  if (f >= FMT_COMPILED_METHOD) {
    const h = load<u64>(<usize>o + 8);
    if ((h & 7) != SMALLINT_TAG) return 0;
    const n = <u64>literalCountOfHeader(h) + 1;
    const s = numSlotsOf(o);
    return n > s ? s : n;
  }
  return 0;
}

// ---- raw slot access (no barrier, no bounds checks)
// @ts-ignore: decorator
@inline export function fetchPointer(o: oop, i: i64): oop { return load<u64>(<usize>o + 8 + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function storePointerUnchecked(o: oop, i: i64, v: oop): void { store<u64>(<usize>o + 8 + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline export function firstFieldAddress(o: oop): usize { return <usize>o + 8; }

// @ts-ignore: decorator
@inline export function fetchByte(o: oop, i: i64): u32 { return load<u8>(<usize>o + 8 + <usize>i); }
// @ts-ignore: decorator
@inline export function storeByte(o: oop, i: i64, v: u32): void { store<u8>(<usize>o + 8 + <usize>i, <u8>v); }
// @ts-ignore: decorator
@inline export function fetchShort(o: oop, i: i64): u32 { return load<u16>(<usize>o + 8 + (<usize>i << 1)); }
// @ts-ignore: decorator
@inline export function storeShort(o: oop, i: i64, v: u32): void { store<u16>(<usize>o + 8 + (<usize>i << 1), <u16>v); }
// @ts-ignore: decorator
@inline export function fetchWord32(o: oop, i: i64): u32 { return load<u32>(<usize>o + 8 + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function storeWord32(o: oop, i: i64, v: u32): void { store<u32>(<usize>o + 8 + (<usize>i << 2), v); }
// @ts-ignore: decorator
@inline export function fetchLong64(o: oop, i: i64): u64 { return load<u64>(<usize>o + 8 + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function storeLong64(o: oop, i: i64, v: u64): void { store<u64>(<usize>o + 8 + (<usize>i << 3), v); }

// ---- forwarders (format 7, class index 8; slot 0 = the forwardee)
// @ts-ignore: decorator
@inline export function isForwarded(o: oop): bool { return (load<u64>(<usize>o) & CLASS_INDEX_MASK) == 8; }
export function forwardeeOf(o: oop): oop { return load<u64>(<usize>o + 8); }
/** Turn o into a forwarder to target, keeping its size (so heap walks still step over it). */
export function forwardTo(o: oop, target: oop): void {
  const h = load<u64>(<usize>o);
  store<u64>(<usize>o, (h & ((NUM_SLOTS_MASK << NUM_SLOTS_SHIFT) | MARKED_BIT))
    | (<u64>7 << FORMAT_SHIFT) | 8);
  store<u64>(<usize>o + 8, target);
}
export function followForwarded(o: oop): oop {
  let n = 0;
  while ((o & TAG_MASK) == 0 && o != 0 && (load<u64>(<usize>o) & CLASS_INDEX_MASK) == 8 && n < 1000) {
    o = load<u64>(<usize>o + 8); n++;
  }
  return o;
}
