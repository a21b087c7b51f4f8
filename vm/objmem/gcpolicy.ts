// When old space has grown enough since the last full GC to be worth one (Spur's heap growth
// to size ratio): without it, garbage that reached old space — tenured objects that died, and
// large objects allocated there directly — would only be collected once memory ran out.

import { totalSegmentBytes } from "./segments";
import { freeBytes } from "./freelists";

/** Growth that triggers a full GC: half of what was in use after the last one, at least this. */
export const MIN_GROWTH_FOR_FULL_GC: u64 = 4 << 20;
let usedAfterFullGC: u64 = 0;
let minGrowth: u64 = MIN_GROWTH_FOR_FULL_GC;

/** Bytes of old space holding objects (segments less free chunks). */
export function oldSpaceBytesInUse(): u64 {
  const total = <u64>totalSegmentBytes(); const free = <u64>freeBytes();
  return total > free ? total - free : 0;
}

/** Start measuring growth from now (after a full GC, and after an image is loaded). */
export function noteOldSpaceBaseline(): void { usedAfterFullGC = oldSpaceBytesInUse(); }

/** For tests: the least growth that triggers a full GC. */
export function setMinGrowthForFullGC(b: u64): void { minGrowth = b; }

/** True when old space has grown past the threshold since the baseline. */
export function oldSpaceGrowthWarrantsFullGC(): bool {
  const half = usedAfterFullGC >> 1;
  return oldSpaceBytesInUse() > usedAfterFullGC + (half > minGrowth ? half : minGrowth);
}
