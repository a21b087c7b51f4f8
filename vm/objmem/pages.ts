// Whole 64 KiB wasm pages for the object memory: new space, old-space segments and the side
// stacks (remembered set, mark stack...). They come from memory.grow; regions given back
// (released segments, outgrown stacks) go to a small pool and are reused before growing again,
// since linear memory cannot shrink. A byte budget (setMemoryBudget) caps what the object
// memory may take, so low space is signalled well before the host refuses to grow; where no
// budget is set, the first refusal lowers it to what the host gave. A pooled region may be
// marked as still zero (freePagesZeroed: pages grown and never written, such as the start-up
// probe's), so handing it out again does not clear it a second time.

const PAGE: usize = 65536;
const POOL_MAX: i32 = 64;
const pool = memory.data(POOL_MAX * 16); // [start: u64, bytes | ZEROED: u64] pairs
const ZEROED: u64 = 1; // in a pooled size (a multiple of PAGE): the region holds only zeros
let poolCount: i32 = 0;
let budget: u64 = 0xFFFFFFFF;          // bytes the object memory may hold in pages
let inUse: u64 = 0;

export function setMemoryBudget(bytes: u64): void { budget = bytes; }
export function memoryBudget(): u64 { return budget; }
export function bytesInUse(): u64 { return inUse; }

/** `bytes` (rounded up to pages) of zeroed memory, or 0 when the budget or the host refuses. */
export function allocPages(bytes: usize): usize {
  const size = (bytes + PAGE - 1) & ~(PAGE - 1);
  if (size == 0) return 0;
  if (inUse + <u64>size > budget) return 0;
  // best fit from the pool
  let best = -1; let bestSize: usize = 0;
  for (let i = 0; i < poolCount; i++) {
    const s = <usize>(load<u64>(pool + (<usize>i << 4) + 8) & ~ZEROED);
    if (s >= size && (best < 0 || s < bestSize)) { best = i; bestSize = s; }
  }
  if (best >= 0) {
    const at = <usize>load<u64>(pool + (<usize>best << 4));
    const zeroed = (load<u64>(pool + (<usize>best << 4) + 8) & ZEROED) != 0;
    if (bestSize > size) {
      store<u64>(pool + (<usize>best << 4), <u64>(at + size));
      store<u64>(pool + (<usize>best << 4) + 8, <u64>(bestSize - size) | (zeroed ? ZEROED : 0));
    } else {
      poolCount--;
      store<u64>(pool + (<usize>best << 4), load<u64>(pool + (<usize>poolCount << 4)));
      store<u64>(pool + (<usize>best << 4) + 8, load<u64>(pool + (<usize>poolCount << 4) + 8));
    }
    if (!zeroed) memory.fill(at, 0, size);
    inUse += <u64>size;
    return at;
  }
  const before = memory.grow(<i32>(size / PAGE));
  if (before < 0) {
    // the host's limit is now known to be under inUse + size: lower the budget to it, so
    // low space is signalled from here on while smaller requests and free space still serve
    const known = inUse + <u64>size - <u64>PAGE;
    if (known < budget) budget = known;
    return 0;
  }
  inUse += <u64>size;
  return <usize>before * PAGE;
}

/** Give pages back for reuse (start and bytes as allocPages answered them). */
export function freePages(start: usize, bytes: usize): void {
  returnToPool(start, bytes, false);
}

/** Give back pages that hold only zeros (grown by allocPages and never written since): the
 *  next allocPages from them skips clearing them. */
export function freePagesZeroed(start: usize, bytes: usize): void {
  returnToPool(start, bytes, true);
}

function returnToPool(start: usize, bytes: usize, zeroed: bool): void {
  const size = (bytes + PAGE - 1) & ~(PAGE - 1);
  inUse -= <u64>size;
  // merge with an adjacent pooled region when possible; the merged region is zeroed only
  // when both parts are
  for (let i = 0; i < poolCount; i++) {
    const a = <usize>load<u64>(pool + (<usize>i << 4));
    const word = load<u64>(pool + (<usize>i << 4) + 8);
    const s = <usize>(word & ~ZEROED);
    const flag: u64 = zeroed && (word & ZEROED) != 0 ? ZEROED : 0;
    if (a + s == start) { store<u64>(pool + (<usize>i << 4) + 8, <u64>(s + size) | flag); return; }
    if (start + size == a) {
      store<u64>(pool + (<usize>i << 4), <u64>start);
      store<u64>(pool + (<usize>i << 4) + 8, <u64>(s + size) | flag); return;
    }
  }
  if (poolCount == POOL_MAX) return; // pool full: the region stays unused
  store<u64>(pool + (<usize>poolCount << 4), <u64>start);
  store<u64>(pool + (<usize>poolCount << 4) + 8, <u64>size | (zeroed ? ZEROED : 0));
  poolCount++;
}
