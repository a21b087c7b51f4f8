// An in-memory model of a 64-bit Spur heap under construction, and its serialisation into an
// image file exactly as docs/image-format.md describes (the format a 64-bit Spur VM loads).

export const IMAGE_FORMAT_64 = 68021;
export const HEADER_SIZE = 128;
export const OLD_BASE_ADDRESS = 0x10000000n;
export const HEADER_FLAGS = 0x12n; // floats little-endian (0x2) | preemption does not yield (0x10)
export const NUM_FREE_LISTS = 64;
export const CLASS_TABLE_ROOT_SLOTS = 4096;
export const HIDDEN_ROOT_SLOTS = 8;
export const CLASS_TABLE_PAGE_SIZE = 1024;
export const ARRAY_CLASS_INDEX_PUN = 16;
export const WORD64_CLASS_INDEX_PUN = 19;
export const SEGMENT_BRIDGE_PUN = 3;
export const SMALLINT_MIN = -(1n << 60n);
export const SMALLINT_MAX = (1n << 60n) - 1n;

/** Object formats (Spur). Byte, 16-bit, 32-bit and compiled formats get their low bits on write. */
export const Format = {
  zeroSized: 0, fixed: 1, indexable: 2, fixedIndexable: 3, weak: 4, ephemeron: 5,
  words64: 9, words32: 10, words16: 12, bytes: 16, compiled: 24,
} as const;

export class SmallInt {
  constructor(readonly value: bigint) {
    if (value < SMALLINT_MIN || value > SMALLINT_MAX) throw new RangeError(`${value} is not a SmallInteger`);
  }
}
export class Char {
  constructor(readonly code: number) {}
}
export class SmallFloat {
  constructor(readonly value: number) {}
}
export type Oop = HeapObject | SmallInt | Char | SmallFloat;

export const int = (v: number | bigint): SmallInt => new SmallInt(BigInt(v));

export class HeapObject {
  /** Set once the class exists; a number is a class-index pun (hidden objects). */
  cls: HeapObject | number | undefined;
  hash = 0;
  classIndex = 0; // for class objects: their own index in the class table (= hash)
  /** Pointer slots (for compiled code: header and literals). */
  slots: Oop[] = [];
  /** Raw data for non-pointer formats and the bytecodes of compiled code. */
  data: Uint8Array | undefined;
  address = 0n;
  /** Free-form note for the dumper and error messages. */
  note = '';
  constructor(public format: number) {}
}

/** SmallFloat64 encoding: answers the oop bits, or undefined when the value needs a boxed float. */
export function smallFloatBits(value: number): bigint | undefined {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, value, true);
  const bits = buf.getBigUint64(0, true);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const rotated = ((bits << 1n) | (bits >> 63n)) & 0xffffffffffffffffn;
  if (rotated <= 1n) return (rotated << 3n) | 4n; // ±0.0
  if (exponent <= 896 || exponent > 896 + 255) return undefined;
  return (((rotated - (896n << 53n)) << 3n) | 4n) & 0xffffffffffffffffn;
}

export function decodeSmallFloat(oop: bigint): number {
  let rotated = oop >> 3n;
  if (rotated > 1n) rotated += 896n << 53n;
  const bits = ((rotated >> 1n) | ((rotated & 1n) << 63n)) & 0xffffffffffffffffn;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setBigUint64(0, bits, true);
  return buf.getFloat64(0, true);
}

/** Number of 8-byte slots and the final format (with unused-byte bits) of an object. */
export function layoutOf(o: HeapObject): { numSlots: number; format: number } {
  const f = o.format;
  if (f < Format.words64) return { numSlots: o.slots.length, format: f };
  const n = o.data?.length ?? 0;
  if (f === Format.words64) {
    if (n % 8) throw new Error('64-bit object with a partial word');
    return { numSlots: n / 8, format: f };
  }
  if (f === Format.words32) {
    if (n % 4) throw new Error('32-bit object with a partial word');
    const slots = Math.ceil(n / 8);
    return { numSlots: slots, format: f + (slots * 8 - n) / 4 };
  }
  if (f === Format.words16) {
    if (n % 2) throw new Error('16-bit object with a partial element');
    const slots = Math.ceil(n / 8);
    return { numSlots: slots, format: f + (slots * 8 - n) / 2 };
  }
  if (f === Format.bytes) {
    const slots = Math.ceil(n / 8);
    return { numSlots: slots, format: f + (slots * 8 - n) };
  }
  if (f === Format.compiled) {
    const bytes = o.slots.length * 8 + n;
    const slots = Math.ceil(bytes / 8);
    return { numSlots: slots, format: f + (slots * 8 - bytes) };
  }
  throw new Error(`unsupported format ${f}`);
}

export function objectBytes(numSlots: number): number {
  return (numSlots >= 255 ? 16 : 8) + 8 * Math.max(numSlots, 1);
}

export function encodeHeader(numSlots: number, format: number, classIndex: number, hash: number, flags = 0n): bigint {
  return (BigInt(Math.min(numSlots, 255)) << 56n) | (BigInt(hash) << 32n) | (BigInt(format) << 24n) | BigInt(classIndex) | flags;
}

export interface ImageRoots {
  /** nil, false, true: the first three objects. */
  nil: HeapObject;
  false: HeapObject;
  true: HeapObject;
  specialObjects: HeapObject;
  /** Class table: index → class object. */
  classTable: Map<number, HeapObject>;
  lastHash: number;
}

export interface WrittenImage {
  bytes: Uint8Array;
  objectCount: number;
  dataSize: number;
}

/** Serialises the heap. `objects` holds every object except nil/false/true and the hidden ones. */
export function writeImage(roots: ImageRoots, objects: HeapObject[]): WrittenImage {
  const freeLists = new HeapObject(Format.words64);
  freeLists.cls = WORD64_CLASS_INDEX_PUN;
  freeLists.data = new Uint8Array(NUM_FREE_LISTS * 8);
  freeLists.note = 'free lists';
  const hiddenRoots = new HeapObject(Format.indexable);
  hiddenRoots.cls = ARRAY_CLASS_INDEX_PUN;
  hiddenRoots.note = 'hidden roots';
  const maxIndex = Math.max(0, ...roots.classTable.keys());
  const numPages = (maxIndex >> 10) + 1;
  const pages: HeapObject[] = [];
  for (let p = 0; p < numPages; p++) {
    const page = new HeapObject(Format.indexable);
    page.cls = ARRAY_CLASS_INDEX_PUN;
    page.note = `class table page ${p}`;
    page.slots = new Array<Oop>(CLASS_TABLE_PAGE_SIZE).fill(roots.nil);
    pages.push(page);
  }
  for (const [index, cls] of roots.classTable) pages[index >> 10].slots[index & 1023] = cls;
  hiddenRoots.slots = new Array<Oop>(CLASS_TABLE_ROOT_SLOTS + HIDDEN_ROOT_SLOTS).fill(roots.nil);
  pages.forEach((p, i) => (hiddenRoots.slots[i] = p));

  const all = [roots.nil, roots.false, roots.true, freeLists, hiddenRoots, ...pages, ...objects];
  const seen = new Set<HeapObject>();
  for (const o of all) {
    if (seen.has(o)) throw new Error(`object written twice: ${o.note}`);
    seen.add(o);
  }
  // Addresses
  let offset = 0n;
  const layouts = all.map((o) => layoutOf(o));
  all.forEach((o, i) => {
    const n = layouts[i].numSlots;
    o.address = OLD_BASE_ADDRESS + offset + (n >= 255 ? 8n : 0n);
    offset += BigInt(objectBytes(n));
  });
  const dataSize = Number(offset) + 16; // + bridge
  const out = new Uint8Array(HEADER_SIZE + dataSize);
  const view = new DataView(out.buffer);
  const oopOf = (v: Oop, from: HeapObject): bigint => {
    if (v instanceof HeapObject) {
      if (!seen.has(v)) throw new Error(`${from.note || 'an object'} refers to an object that is not in the image: ${v.note || '(unnamed)'}`);
      return v.address;
    }
    if (v instanceof SmallInt) return ((v.value << 3n) | 1n) & 0xffffffffffffffffn;
    if (v instanceof Char) return (BigInt(v.code) << 3n) | 2n;
    const bits = smallFloatBits(v.value);
    if (bits === undefined) throw new Error(`${v.value} is not a SmallFloat64`);
    return bits;
  };
  let pos = HEADER_SIZE;
  all.forEach((o, i) => {
    const { numSlots, format } = layouts[i];
    let classIndex: number;
    if (typeof o.cls === 'number') classIndex = o.cls;
    else if (o.cls instanceof HeapObject) {
      classIndex = o.cls.classIndex;
      if (classIndex === 0) throw new Error(`class of ${o.note} has no class index`);
    } else throw new Error(`object without a class: ${o.note}`);
    if (numSlots >= 255) {
      view.setBigUint64(pos, (0xffn << 56n) | BigInt(numSlots), true);
      pos += 8;
    }
    view.setBigUint64(pos, encodeHeader(numSlots, format, classIndex, o.hash), true);
    pos += 8;
    const body = pos;
    o.slots.forEach((s, j) => view.setBigUint64(body + j * 8, oopOf(s, o), true));
    if (o.data) out.set(o.data, body + o.slots.length * 8);
    pos += 8 * Math.max(numSlots, 1);
  });
  // Terminating bridge: pinned, marked, format 9, class index 3; next segment size 0.
  view.setBigUint64(pos, (1n << 55n) | (1n << 30n) | (9n << 24n) | BigInt(SEGMENT_BRIDGE_PUN), true);
  view.setBigUint64(pos + 8, 0n, true);
  pos += 16;
  if (pos !== out.length) throw new Error('internal: image size mismatch');
  // Header
  view.setUint32(0, IMAGE_FORMAT_64, true);
  view.setUint32(4, HEADER_SIZE, true);
  view.setBigUint64(8, BigInt(dataSize), true);
  view.setBigUint64(16, OLD_BASE_ADDRESS, true);
  view.setBigUint64(24, roots.specialObjects.address, true);
  view.setBigUint64(32, BigInt(roots.lastHash), true);
  view.setBigUint64(40, 0n, true);
  view.setBigUint64(48, HEADER_FLAGS, true);
  view.setUint32(56, 0, true);
  view.setUint16(60, 0, true);
  view.setUint16(62, 0, true);
  view.setUint32(64, 0, true);
  view.setUint16(68, 0, true);
  view.setUint16(70, 0, true);
  view.setBigUint64(72, BigInt(dataSize), true);
  view.setBigUint64(80, 0n, true);
  return { bytes: out, objectCount: all.length, dataSize };
}
