// The memory map and the object memory's global state. New space is one region
// [newSpaceStart, newSpaceLimit): past survivor, future survivor, then eden (sevenths: 1, 1, 5).
// Old space is a list of segments (segments.ts) starting with nil, false, true, the free-lists
// object and the hidden-roots object (class table pages + 8 hidden roots).

import { oop } from "./constants";

// new space
export let newSpaceStart: usize = 0;
export let newSpaceLimit: usize = 0;
export let pastStart: usize = 0;      // the survivor space holding last scavenge's survivors
export let pastEnd: usize = 0;        // fill pointer of past space
export let futureStart: usize = 0;    // the other survivor space
export let survivorBytes: usize = 0;
export let edenStart: usize = 0;
export let edenLimit: usize = 0;
export let freeStart: usize = 0;      // eden bump pointer
export let scavengeThreshold: usize = 0;

export function setNewSpace(start: usize, limit: usize, survivor: usize): void {
  newSpaceStart = start; newSpaceLimit = limit; survivorBytes = survivor;
  pastStart = start; pastEnd = start; futureStart = start + survivor;
  edenStart = start + 2 * survivor; edenLimit = limit;
  freeStart = edenStart;
  scavengeThreshold = edenLimit - ((edenLimit - edenStart) >> 3);
}
export function setFreeStart(p: usize): void { freeStart = p; }
export function setPastEnd(p: usize): void { pastEnd = p; }
export function swapSurvivors(): void { const t = pastStart; pastStart = futureStart; futureStart = t; }

// well-known objects
export let nilObj: oop = 0;
export let falseObj: oop = 0;
export let trueObj: oop = 0;
export let freeListsObj: oop = 0;
export let hiddenRootsObj: oop = 0;
export let specialObjectsOop: oop = 0;
export function setWellKnown(n: oop, f: oop, t: oop, fl: oop, hr: oop): void {
  nilObj = n; falseObj = f; trueObj = t; freeListsObj = fl; hiddenRootsObj = hr;
}
export function setSpecialObjectsOop(o: oop): void { specialObjectsOop = o; }

// identity hash generator (Lehmer, as Spur's newObjectHash)
export let lastHash: u32 = 0x13579BDF;
export function setLastHash(h: u32): void { lastHash = h == 0 ? 0x13579BDF : h; }
export function newObjectHash(): u32 {
  let hash: u32;
  do {
    lastHash = lastHash * 16807;
    hash = (lastHash + (lastHash >>> 4)) & 0x3FFFFF;
  } while (hash == 0);
  return hash;
}

// flags the interpreter polls
export let needGCFlag: bool = false;
export let lowSpaceFlag: bool = false;
export let pendingFinalizations: i32 = 0;
export function setNeedGC(b: bool): void { needGCFlag = b; }
export function setLowSpace(b: bool): void { lowSpaceFlag = b; }
export function addPendingFinalizations(n: i32): void { pendingFinalizations += n; }
export function clearPendingFinalizations(): void { pendingFinalizations = 0; }

// statistics
export let scavengeCount: i32 = 0;
export let fullGCCount: i32 = 0;
export let gcEpoch: i32 = 0; // bumps whenever objects may have moved
export function noteScavenge(): void { scavengeCount++; gcEpoch++; }
export function noteFullGC(): void { fullGCCount++; gcEpoch++; }
export function noteMove(): void { gcEpoch++; }

// values kept from the loaded image for the next snapshot
export let imageScreenSize: u64 = 0;
export let imageHeaderFlags: u64 = 0;
export let imageExtraVMMemory: u32 = 0;
export let imageNumStackPages: u16 = 0;
export let imageCogCodeSize: u16 = 0;
export let imageEdenBytes: u32 = 0;
export let imageMaxExtSemTabSize: u16 = 0;
export let imageMagic: u32 = 68021;
export function setImageExtras(screen: u64, flags: u64, extra: u32, stackPages: u16, cog: u16,
                               eden: u32, semTab: u16, magic: u32): void {
  imageScreenSize = screen; imageHeaderFlags = flags; imageExtraVMMemory = extra;
  imageNumStackPages = stackPages; imageCogCodeSize = cog; imageEdenBytes = eden;
  imageMaxExtSemTabSize = semTab; imageMagic = magic;
}

// side stacks (see stacks.ts); descriptors live in static memory
export const rememberedSet: usize = memory.data(24);
export const markStack: usize = memory.data(24);
export const weaklingList: usize = memory.data(24);
export const ephemeronList: usize = memory.data(24);
export const mournQueue: usize = memory.data(24);
export const remapStack: usize = memory.data(24);
export const rootRanges: usize = memory.data(24);   // pairs [address, numWords]
export const scratchStack: usize = memory.data(24);

// @ts-ignore: decorator
@inline export function isYoung(o: oop): bool {
  return (o & 7) == 0 && o >= <u64>newSpaceStart && o < <u64>newSpaceLimit;
}

/** Is o inside the allocated part of new space (eden up to its fill pointer, or past survivors)? */
export function isInAllocatedNewSpace(o: u64): bool {
  if ((o & 7) != 0) return false;
  return (o >= <u64>edenStart && o < <u64>freeStart) || (o >= <u64>pastStart && o < <u64>pastEnd);
}
