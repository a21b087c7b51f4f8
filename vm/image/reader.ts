// Loading a 64-bit Spur image (the layout of VMMaker's SpurImageReader): a 128-byte header, then
// segments, each ending in a 16-byte bridge whose first word gives the distance to the next
// segment in the saving VM's address space and whose second word gives the next segment's size
// (0 after the last). Segments are read back to back into one old-space segment (each bridge is
// overwritten by the next segment), oops are relocated per segment, and everything is
// validated: a corrupt, truncated or foreign image gives a message naming the problem and the
// byte offset, never a trap.

import { image_size, image_read } from "platform";
import {
  oop, IMAGE_MAGIC_64, IMAGE_MAGIC_64_MULTI, IMAGE_MAGIC_32, IMAGE_MAGIC_32_MULTI, IMAGE_HEADER_SIZE,
  NUM_SLOTS_SHIFT, OVERFLOW_SLOTS, OVERFLOW_COUNT_MASK, CLASS_INDEX_MASK, FORMAT_SHIFT, FORMAT_MASK,
  BRIDGE_SIZE, MARKED_BIT, REMEMBERED_BIT, GREY_BIT, CI_BRIDGE, CI_LAST_PUN, CLASS_TABLE_ROOT_SLOTS,
  HIDDEN_ROOT_SLOTS, CLASS_TABLE_PAGE_SIZE, NUM_FREE_LISTS, FMT_64BIT,
} from "../objmem/constants";
import { numPointerSlotsOf, addressAfter, formatOf, numSlotsOf } from "../objmem/header";
import { allocPages, freePages } from "../objmem/pages";
import { insertSegment, clearSegments, growQuantum } from "../objmem/segments";
import { resetFreeLists, addFreeChunk } from "../objmem/freelists";
import { setWellKnown, setSpecialObjectsOop, setLastHash, setImageExtras, newSpaceStart } from "../objmem/state";
import { classAtIndex } from "../objmem/classtable";
import { noteOldSpaceBaseline } from "../objmem/gcpolicy";
import { fail, put, putDec, putHex } from "./message";

const MAX_SEGS: i32 = 256;
// per loaded segment: [oldStart, oldEnd (objects end), newStart, fileOffset]
const segMap = memory.data(MAX_SEGS * 32);
let numLoaded: i32 = 0;
let heapStart: usize = 0;
let heapEnd: usize = 0;        // end of loaded objects
let bitmap: usize = 0;         // one bit per 8 bytes of [heapStart, heapEnd): object starts
let bitmapBytes: usize = 0;

const hdr = memory.data(128);

// @ts-ignore: decorator
@inline function h32(off: usize): u32 { return load<u32>(hdr + off); }
// @ts-ignore: decorator
@inline function h64(off: usize): u64 { return load<u64>(hdr + off); }

/** File offset of heap address a (for messages). */
function fileOffsetOf(a: usize): u64 {
  for (let i = numLoaded - 1; i >= 0; i--) {
    const ns = <usize>load<u64>(segMap + (<usize>i << 5) + 16);
    if (a >= ns) return load<u64>(segMap + (<usize>i << 5) + 24) + <u64>(a - ns);
  }
  return <u64>a;
}
function failAt(what: string, a: usize): bool {
  fail(what); put(" (image byte offset "); putDec(fileOffsetOf(a)); put(")");
  return false;
}

function readFully(dst: usize, offset: u64, len: u64): bool {
  let done: u64 = 0;
  while (done < len) {
    const chunk = len - done > 0x10000000 ? 0x10000000 : len - done;
    const n = image_read(dst + <usize>done, <i64>(offset + done), <i32>chunk);
    if (n <= 0) {
      fail("image truncated: expected "); putDec(len); put(" bytes at byte offset "); putDec(offset);
      put(", got "); putDec(done);
      return false;
    }
    done += <u64>n;
  }
  return true;
}

function describeMagic(m: u32): bool {
  if (m == IMAGE_MAGIC_32 || m == IMAGE_MAGIC_32_MULTI) {
    fail("32-bit Spur image (magic "); putDec(m); put(" at byte 0): only 64-bit Spur images (68021/68533) are supported");
    return false;
  }
  if (m == 6502 || m == 6504 || m == 6505 || m == 68000 || m == 68002 || m == 68003) {
    fail("pre-Spur (V3) image format (magic "); putDec(m); put(" at byte 0) is not supported: convert it to 64-bit Spur");
    return false;
  }
  const sw = bswap<u32>(m);
  if (sw == IMAGE_MAGIC_64 || sw == IMAGE_MAGIC_64_MULTI || sw == IMAGE_MAGIC_32 || sw == IMAGE_MAGIC_32_MULTI || sw == 6502 || sw == 6504) {
    fail("big-endian image (byte-swapped magic "); putDec(sw); put(" at byte 0) is not supported");
    return false;
  }
  fail("bad magic number "); putDec(m); put(" at byte 0: not a 64-bit Spur image (expected 68021 or 68533)");
  return false;
}

/** Relocate an oop from the saving VM's addresses; 0 when it lies in no segment. */
function swizzle(v: u64): u64 {
  for (let i = numLoaded - 1; i >= 0; i--) {
    const os = load<u64>(segMap + (<usize>i << 5));
    const oe = load<u64>(segMap + (<usize>i << 5) + 8);
    if (v >= os && v < oe) return v - os + load<u64>(segMap + (<usize>i << 5) + 16);
  }
  return 0;
}

// @ts-ignore: decorator
@inline function isObjectStart(a: u64): bool {
  if (a < <u64>heapStart || a >= <u64>heapEnd || (a & 7) != 0) return false;
  const bit = <usize>(a - <u64>heapStart) >> 3;
  return (load<u8>(bitmap + (bit >> 3)) & (1 << <u8>(bit & 7))) != 0;
}

/** Walk and check every object header, recording object starts in the bitmap. */
function scanHeaders(): bool {
  let a = heapStart;
  let count = 0;
  while (a < heapEnd) {
    if (heapEnd - a < 16) return failAt("heap ends inside an object header", a);
    let o: usize = a;
    const w = load<u64>(a);
    if ((w >> NUM_SLOTS_SHIFT) == OVERFLOW_SLOTS) {
      o = a + 8;
      if ((load<u64>(o) >> NUM_SLOTS_SHIFT) != OVERFLOW_SLOTS) return failAt("overflow size word not followed by an overflow header", a);
      const count64 = w & OVERFLOW_COUNT_MASK;
      if (count64 > <u64>(heapEnd - o) >> 3) return failAt("object's overflow slot count runs past the end of the heap", a);
    }
    const h = load<u64>(o);
    const fmt = <u32>((h >> FORMAT_SHIFT) & FORMAT_MASK);
    const ci = <u32>(h & CLASS_INDEX_MASK);
    if (ci != 0 && (fmt == 6 || fmt == 8 || (fmt == 7) != (ci == 8))) {
      fail("object with invalid format "); putDec(fmt); put(" / class index "); putDec(ci);
      put(" (image byte offset "); putDec(fileOffsetOf(o)); put(")");
      return false;
    }
    const n = <u64>numSlotsOf(<u64>o);
    if (n > <u64>(heapEnd - o - 8) >> 3) return failAt("object's slot count runs past the end of the heap", o);
    const next = addressAfter(<u64>o);
    if (next > heapEnd) return failAt("object runs past the end of the heap", o);
    const bit = (o - heapStart) >> 3;
    store<u8>(bitmap + (bit >> 3), load<u8>(bitmap + (bit >> 3)) | <u8>(1 << <u8>(bit & 7)));
    a = next;
    count++;
  }
  if (count < 5) return fail("image holds fewer than the 5 fixed objects (nil, false, true, free lists, hidden roots)");
  return true;
}

function objectAt(a: usize): usize { return (load<u64>(a) >> NUM_SLOTS_SHIFT) == OVERFLOW_SLOTS ? a + 8 : a; }

/** Relocate every pointer slot (free chunks excepted) and check it points at an object. */
function swizzleAll(): bool {
  let a = heapStart;
  while (a < heapEnd) {
    const o = objectAt(a);
    const h = load<u64>(o);
    store<u64>(o, h & ~(MARKED_BIT | REMEMBERED_BIT | GREY_BIT));
    if ((h & CLASS_INDEX_MASK) != 0) {
      const fmt = <u32>((h >> FORMAT_SHIFT) & FORMAT_MASK);
      if (fmt >= 24) {
        const mh = load<u64>(o + 8);
        if ((mh & 7) != 1) return failAt("CompiledMethod whose header (literal 0) is not a SmallInteger", o);
        if (numSlotsOf(<u64>o) > 0 && <u64>(((<i64>mh >> 3) & 0x7FFF) + 1) > numSlotsOf(<u64>o)) return failAt("CompiledMethod literal count exceeds its size", o);
      }
      const n = <usize>numPointerSlotsOf(<u64>o);
      for (let i: usize = 0; i < n; i++) {
        const cell = o + 8 + (i << 3);
        const v = load<u64>(cell);
        if ((v & 7) != 0) continue;
        const nv = swizzle(v);
        if (nv == 0 || !isObjectStart(nv) || (load<u64>(<usize>nv) & CLASS_INDEX_MASK) == 0) {
          fail("object's slot "); putDec(<u64>i); put(" holds "); putHex(v);
          put(nv == 0 ? ", outside every segment" : isObjectStart(nv) ? ", a free chunk" : ", which is not the start of an object");
          put(" (image byte offset "); putDec(fileOffsetOf(o)); put(")");
          return false;
        }
        store<u64>(cell, nv);
      }
    }
    a = addressAfter(<u64>o);
  }
  return true;
}

function follow(v: u64): u64 {
  let n = 0;
  while ((v & 7) == 0 && (load<u64>(<usize>v) & CLASS_INDEX_MASK) == 8) {
    v = load<u64>(<usize>v + 8);
    if (++n > 64 || (v & 7) == 0 && !isObjectStart(v)) return 0;
  }
  return v;
}

/** Replace references to forwarders (real images may contain some) by their targets. */
function followForwarders(): bool {
  let a = heapStart;
  while (a < heapEnd) {
    const o = objectAt(a);
    const ci = load<u64>(o) & CLASS_INDEX_MASK;
    if (ci != 0 && ci != 8) {
      const n = <usize>numPointerSlotsOf(<u64>o);
      for (let i: usize = 0; i < n; i++) {
        const cell = o + 8 + (i << 3);
        const v = load<u64>(cell);
        if ((v & 7) == 0 && (load<u64>(<usize>v) & CLASS_INDEX_MASK) == 8) {
          const f = follow(v);
          if (f == 0) return failAt("forwarder chain is cyclic or too long", <usize>v);
          store<u64>(cell, f);
        }
      }
    }
    a = addressAfter(<u64>o);
  }
  return true;
}

function checkClassIndices(hiddenRoots: usize): bool {
  // class table pages
  for (let i: u32 = 0; i < CLASS_TABLE_ROOT_SLOTS; i++) {
    const p = load<u64>(hiddenRoots + 8 + (<usize>i << 3));
    if (p == <u64>heapStart) continue; // nil
    if ((p & 7) != 0 || (load<u64>(<usize>p) & CLASS_INDEX_MASK) == 0 || formatOf(p) > 5 || numSlotsOf(p) < <u64>CLASS_TABLE_PAGE_SIZE) {
      fail("class table page "); putDec(i); put(" is not a 1024-slot pointer object");
      return false;
    }
  }
  // entries past the puns must be classes: pointer objects with at least superclass,
  // methodDict and format
  for (let i: u32 = 0; i < CLASS_TABLE_ROOT_SLOTS; i++) {
    const p = load<u64>(hiddenRoots + 8 + (<usize>i << 3));
    if (p == <u64>heapStart) continue;
    for (let j: u32 = 0; j < CLASS_TABLE_PAGE_SIZE; j++) {
      const c = load<u64>(<usize>p + 8 + (<usize>j << 3));
      if (c == <u64>heapStart || (i == 0 && j <= CI_LAST_PUN)) continue;
      if ((c & 7) != 0 || formatOf(c) > 5 || numSlotsOf(c) < 3 || (load<u64>(<usize>c + 24) & 7) != 1) {
        fail("class table entry "); putDec(<u64>((i << 10) + j)); put(" is not a class (a pointer object whose slot 2 is a SmallInteger format)");
        put(" (image byte offset "); putDec(fileOffsetOf(<usize>c)); put(")");
        return false;
      }
    }
  }
  let a = heapStart;
  while (a < heapEnd) {
    const o = objectAt(a);
    const ci = <u32>(load<u64>(o) & CLASS_INDEX_MASK);
    if (ci > CI_LAST_PUN && classAtIndex(ci) == 0) {
      fail("object has class index "); putDec(ci); put(" with no class in the class table");
      put(" (image byte offset "); putDec(fileOffsetOf(o)); put(")");
      return false;
    }
    a = addressAfter(<u64>o);
  }
  return true;
}

/** Coalesce free chunks and dead forwarders into the free lists. */
function buildFreeLists(segEnd: usize): void {
  resetFreeLists();
  let a = heapStart; let run: usize = 0;
  while (a < heapEnd) {
    const o = objectAt(a);
    const ci = load<u64>(o) & CLASS_INDEX_MASK;
    const next = addressAfter(<u64>o);
    if (ci == 0 || ci == 8) { if (run == 0) run = a; }
    else if (run != 0) { addFreeChunk(run, a - run); run = 0; }
    a = next;
  }
  if (run == 0) run = heapEnd;
  if (segEnd > run) addFreeChunk(run, segEnd - run);
}

/** Load the boot image from the platform into the object memory (after
 *  initializeObjectMemory). False with imageErrorMessage() set on any problem. */
export function loadImage(): bool {
  if (newSpaceStart == 0) return fail("object memory not initialised (call initializeObjectMemory first)");
  const fileSize = image_size();
  if (fileSize < 0) return fail("no image available");
  if (fileSize < 4) { fail("image too small ("); putDec(<u64>fileSize); put(" bytes) to hold a header"); return false; }
  memory.fill(hdr, 0, 128);
  const first = fileSize < 128 ? <i32>fileSize : 128;
  if (image_read(hdr, 0, first) != first) return fail("image truncated: could not read the header");
  const magic = h32(0);
  if (magic != IMAGE_MAGIC_64 && magic != IMAGE_MAGIC_64_MULTI) return describeMagic(magic);
  if (fileSize < <i64>IMAGE_HEADER_SIZE) { fail("image truncated inside its 128-byte header ("); putDec(<u64>fileSize); put(" bytes)"); return false; }
  const headerSize = <u64>h32(4);
  if (headerSize < <u64>IMAGE_HEADER_SIZE || headerSize > <u64>fileSize || (headerSize & 7) != 0) {
    fail("bad header size "); putDec(headerSize); put(" (byte 4): must be a multiple of 8, at least 128 and within the file of ");
    putDec(<u64>fileSize); put(" bytes"); return false;
  }
  const dataSize = h64(8);
  const available = <u64>fileSize - headerSize;
  if (dataSize > available) {
    fail("data size "); putDec(dataSize); put(" (byte 8) runs past the end of the file: only "); putDec(available);
    put(" bytes after the header (image truncated?)"); return false;
  }
  if (dataSize < 128 || (dataSize & 7) != 0) { fail("bad data size "); putDec(dataSize); put(" (byte 8)"); return false; }
  if (dataSize > 0xC0000000) { fail("data size "); putDec(dataSize); put(" (byte 8) exceeds what a 32-bit wasm memory can hold"); return false; }
  const oldBase = h64(16);
  if ((oldBase & 7) != 0) { fail("old base address "); putHex(oldBase); put(" (byte 16) is not 8-byte aligned"); return false; }
  const firstSeg = h64(72);
  if (firstSeg < 16 + 5 * 16 || firstSeg > dataSize || (firstSeg & 7) != 0) {
    fail("bad first segment size "); putDec(firstSeg); put(" (byte 72): must be a multiple of 8 within the data size ");
    putDec(dataSize); return false;
  }
  // one old-space segment for everything, plus headroom
  let headroom = <u64>growQuantum;
  if (<u64>h32(56) > headroom && <u64>h32(56) < 0x40000000) headroom = <u64>h32(56);
  const segBytes = <usize>((dataSize + headroom + <u64>BRIDGE_SIZE + 65535) & ~<u64>65535);
  const segStart = allocPages(segBytes);
  if (segStart == 0) { fail("cannot allocate "); putDec(<u64>segBytes); put(" bytes of memory for the image"); return false; }
  heapStart = segStart;
  numLoaded = 0;
  // read the segments back to back
  let pos = headerSize; let newBase = segStart; let oldSegBase = oldBase; let nextSize = firstSeg;
  while (true) {
    if (numLoaded == MAX_SEGS) { freePages(segStart, segBytes); return fail("more than 256 segments in the image"); }
    if (nextSize < 16 || (nextSize & 7) != 0 || pos - headerSize + nextSize > dataSize) {
      freePages(segStart, segBytes);
      fail("segment "); putDec(<u64>numLoaded); put(" size "); putDec(nextSize); put(" at byte offset "); putDec(pos);
      put(" is invalid or runs past the data size "); putDec(dataSize); return false;
    }
    if (!readFully(newBase, pos, nextSize)) { freePages(segStart, segBytes); return false; }
    const e = segMap + (<usize>numLoaded << 5);
    store<u64>(e, oldSegBase); store<u64>(e, oldSegBase + nextSize - 16, 8);
    store<u64>(e, <u64>newBase, 16); store<u64>(e, pos, 24);
    numLoaded++;
    const bridge = newBase + <usize>nextSize - 16;
    const w0 = load<u64>(bridge);
    const top = w0 >> NUM_SLOTS_SHIFT;
    let span: u64 = 0;
    if (top == OVERFLOW_SLOTS) span = (w0 & OVERFLOW_COUNT_MASK) << 3;
    else if (top != 0 || (w0 & CLASS_INDEX_MASK) != <u64>CI_BRIDGE) {
      freePages(segStart, segBytes);
      fail("segment "); putDec(<u64>(numLoaded - 1)); put(" does not end in a bridge (byte offset ");
      putDec(pos + nextSize - 16); put(")"); return false;
    }
    const following = load<u64>(bridge + 8);
    pos += nextSize;
    oldSegBase += nextSize + span;
    newBase += <usize>nextSize - 16;
    if (following == 0) break;
    nextSize = following;
  }
  heapEnd = newBase;
  const segLimit = segStart + segBytes;
  // bitmap of object starts, in memory taken for the purpose and given back afterwards
  bitmapBytes = (((heapEnd - heapStart) >> 6) + 8 + 65535) & ~<usize>65535;
  bitmap = allocPages(bitmapBytes);
  if (bitmap == 0) { freePages(segStart, segBytes); return fail("cannot allocate memory to check the image"); }
  let ok = scanHeaders();
  let nil: usize = 0; let fls: usize = 0; let hidden: usize = 0; let fal: usize = 0; let tru: usize = 0;
  if (ok) ok = swizzleAll();
  if (ok) {
    nil = objectAt(heapStart); fal = objectAt(addressAfter(<u64>nil)); tru = objectAt(addressAfter(<u64>fal));
    fls = objectAt(addressAfter(<u64>tru)); hidden = objectAt(addressAfter(<u64>fls));
    if (nil >= heapEnd || fal >= heapEnd || tru >= heapEnd || fls >= heapEnd || hidden >= heapEnd) ok = fail("image too small for its fixed objects");
    else if (numSlotsOf(<u64>nil) != 0 || numSlotsOf(<u64>fal) != 0 || numSlotsOf(<u64>tru) != 0) ok = failAt("nil, false and true must be the first three objects, with no slots", nil);
    else if (formatOf(<u64>fls) != FMT_64BIT || numSlotsOf(<u64>fls) < <u64>NUM_FREE_LISTS) ok = failAt("fourth object is not the 64-slot free-lists object", fls);
    else if (formatOf(<u64>hidden) > 5 || numSlotsOf(<u64>hidden) < <u64>(CLASS_TABLE_ROOT_SLOTS + HIDDEN_ROOT_SLOTS)) ok = failAt("fifth object is not the hidden-roots object (4096 class-table page slots + 8)", hidden);
  }
  let so: u64 = 0;
  if (ok) {
    so = swizzle(h64(24));
    if (so == 0 || !isObjectStart(so) || (load<u64>(<usize>so) & CLASS_INDEX_MASK) == 0 || formatOf(so) > 5 || numSlotsOf(so) < 3) {
      ok = fail("special objects oop "); put(""); putHex(h64(24)); put(" (byte 24) is not a pointer object in the image");
    }
  }
  if (ok) ok = followForwarders();
  if (ok) { so = follow(so); if (so == 0) ok = fail("special objects oop leads to a bad forwarder"); }
  if (ok) {
    if (load<u64>(<usize>so + 8) != <u64>nil || load<u64>(<usize>so + 16) != <u64>fal || load<u64>(<usize>so + 24) != <u64>tru)
      ok = failAt("special objects array does not begin with nil, false, true", <usize>so);
  }
  if (ok) {
    setWellKnown(<u64>nil, <u64>fal, <u64>tru, <u64>fls, <u64>hidden);
    ok = checkClassIndices(hidden);
  }
  freePages(bitmap, bitmapBytes);
  if (!ok) { freePages(segStart, segBytes); return false; }
  // the saving VM's obj stacks (mark stack, weakling stack, mourn queue, remembered set) in the
  // hidden roots beyond the class table mean nothing here: drop them (they become garbage)
  for (let i: u32 = CLASS_TABLE_ROOT_SLOTS; i < CLASS_TABLE_ROOT_SLOTS + HIDDEN_ROOT_SLOTS; i++) {
    store<u64>(hidden + 8 + (<usize>i << 3), <u64>nil);
  }
  clearSegments();
  insertSegment(segStart, segBytes);
  buildFreeLists(segLimit - BRIDGE_SIZE);
  setSpecialObjectsOop(so);
  setLastHash(<u32>h64(32));
  setImageExtras(h64(40), h64(48), h32(56), load<u16>(hdr + 60), load<u16>(hdr + 62), h32(64), load<u16>(hdr + 68), magic);
  noteOldSpaceBaseline();
  return true;
}
