// Writing a snapshot in the 64-bit Spur image format (as VMMaker's SpurImageWriter): after a
// full GC (new space flushed), each non-empty segment is written without its trailing free
// space, followed by a 16-byte bridge: first word the distance to the next segment (a short
// bridge header when adjacent, else an overflow count of 8-byte units), second word the next
// segment's written size (0 after the last). Oops are written as this memory's addresses, with
// the first segment's start as the old base address.

import { snapshot_write } from "platform";
import {
  IMAGE_HEADER_SIZE, NUM_SLOTS_SHIFT, OVERFLOW_SLOTS, CLASS_INDEX_MASK, BRIDGE_SIZE, PINNED_BIT,
  MARKED_BIT, FORMAT_SHIFT, FMT_64BIT, CI_BRIDGE, NUM_FREE_LISTS,
} from "../objmem/constants";
import { addressAfter, objectStartingAt } from "../objmem/header";
import { numSegments, segmentStart, segmentObjectsEnd } from "../objmem/segments";
import { freeBytes } from "../objmem/freelists";
import {
  specialObjectsOop, lastHash, freeListsObj, edenStart, edenLimit, freeStart, pastStart, pastEnd,
  imageScreenSize, imageHeaderFlags, imageExtraVMMemory, imageNumStackPages, imageCogCodeSize,
  imageMaxExtSemTabSize, imageMagic,
} from "../objmem/state";
import { fullGC, rebuildFreeLists } from "../objmem/markcompact";
import { fail, put, putDec } from "./message";

const MAX: i32 = 256;
const written = memory.data(MAX * 16); // per segment: [start, writtenEnd] (objects end, bridge excluded)
const header = memory.data(128);
const bridge = memory.data(16);

/** Where segment s's objects end once its trailing free chunk is dropped. */
function writtenEndOf(s: i32): usize {
  const end = segmentObjectsEnd(s);
  let a = segmentStart(s);
  let lastFree: usize = 0;
  while (a < end) {
    const o = objectStartingAt(a);
    const next = addressAfter(o);
    if ((load<u64>(<usize>o) & CLASS_INDEX_MASK) == 0) { if (lastFree == 0) lastFree = a; }
    else lastFree = 0;
    a = next;
  }
  return lastFree != 0 ? lastFree : end;
}

function writeAll(src: usize, offset: u64, len: u64): bool {
  let done: u64 = 0;
  while (done < len) {
    const chunk = len - done > 0x10000000 ? 0x10000000 : len - done;
    const n = snapshot_write(src + <usize>done, <i64>(offset + done), <i32>chunk);
    if (n != <i32>chunk) {
      fail("snapshot write failed at byte offset "); putDec(offset + done); put(" ("); putDec(chunk); put(" bytes)");
      return false;
    }
    done += chunk;
  }
  return true;
}

/** Snapshot the heap through the platform's snapshot_write. False with imageErrorMessage() set. */
export function saveImage(): bool {
  fullGC();
  if (freeStart != edenStart || pastEnd != pastStart) return fail("cannot snapshot: new space could not be flushed (out of memory)");
  // free-list heads are addresses that mean nothing to the next VM: clear them while writing
  for (let i: u32 = 0; i < NUM_FREE_LISTS; i++) store<u64>(<usize>freeListsObj + 8 + (<usize>i << 3), 0);
  let n = 0;
  let dataSize: u64 = 0;
  let trimmedFree: u64 = 0;
  for (let s = 0; s < numSegments(); s++) {
    const start = segmentStart(s);
    const we = writtenEndOf(s);
    if (we == start) continue; // empty segment: not saved
    if (n == MAX) { rebuildFreeLists(); return fail("too many segments to snapshot"); }
    store<u64>(written + (<usize>n << 4), <u64>start);
    store<u64>(written + (<usize>n << 4) + 8, <u64>we);
    trimmedFree += <u64>(segmentObjectsEnd(s) - we);
    dataSize += <u64>(we - start + BRIDGE_SIZE);
    n++;
  }
  memory.fill(header, 0, 128);
  store<u32>(header, imageMagic == 0 ? 68021 : imageMagic);
  store<u32>(header + 4, IMAGE_HEADER_SIZE);
  store<u64>(header + 8, dataSize);
  store<u64>(header + 16, load<u64>(written));
  store<u64>(header + 24, specialObjectsOop);
  store<u64>(header + 32, <u64>lastHash);
  store<u64>(header + 40, imageScreenSize);
  store<u64>(header + 48, imageHeaderFlags);
  store<u32>(header + 56, imageExtraVMMemory);
  store<u16>(header + 60, imageNumStackPages);
  store<u16>(header + 62, imageCogCodeSize);
  store<u32>(header + 64, <u32>(edenLimit - edenStart));
  store<u16>(header + 68, imageMaxExtSemTabSize);
  store<u64>(header + 72, load<u64>(written + 8) - load<u64>(written) + <u64>BRIDGE_SIZE);
  const fb = freeBytes();
  store<u64>(header + 80, fb > trimmedFree ? fb - trimmedFree : 0);
  let ok = writeAll(header, 0, 128);
  let pos: u64 = IMAGE_HEADER_SIZE;
  for (let i = 0; ok && i < n; i++) {
    const start = <usize>load<u64>(written + (<usize>i << 4));
    const we = <usize>load<u64>(written + (<usize>i << 4) + 8);
    ok = writeAll(start, pos, <u64>(we - start));
    pos += <u64>(we - start);
    if (!ok) break;
    // the bridge: distance to the next written segment, then its size
    const limit = we + BRIDGE_SIZE;
    let gap: u64 = 0; let nextSize: u64 = 0;
    if (i + 1 < n) {
      const ns = <usize>load<u64>(written + (<usize>(i + 1) << 4));
      const nwe = <usize>load<u64>(written + (<usize>(i + 1) << 4) + 8);
      gap = <u64>(ns - limit);
      nextSize = <u64>(nwe - ns + BRIDGE_SIZE);
    }
    if (gap == 0) store<u64>(bridge, PINNED_BIT | MARKED_BIT | (<u64>FMT_64BIT << FORMAT_SHIFT) | <u64>CI_BRIDGE);
    else store<u64>(bridge, (gap >> 3) | (OVERFLOW_SLOTS << NUM_SLOTS_SHIFT));
    store<u64>(bridge + 8, nextSize);
    ok = writeAll(bridge, pos, 16);
    pos += 16;
  }
  rebuildFreeLists();
  return ok;
}
