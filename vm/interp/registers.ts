// The interpreter's registers and the stack zone (StackInterpreter style).
//
// Frames live in stack pages in linear memory; a Context object exists for a frame only when
// the image asks for one (thisContext, a block creation, a process switch, a debugger):
// the two are then "married". Every word in the live part of a page is a valid oop (frame
// bookkeeping words are stored SmallInteger-tagged), so the garbage collector treats the live
// part of each page as a root range.
//
// Frame layout (slots grow upward; sp points at the top element):
//
//   [receiver-or-closure][arg 1]..[arg n]       pushed by the caller
//   fp -> [savedFP|1][savedIP<<3|1][method][flags<<3|1][context or nil][receiver][closure or nil]
//         [temp 0 = arg 1]..[temp numTemps-1][operand stack ...]
//
// savedFP is 0 (stored as 1) in the base frame of a page: its savedIP word then holds the caller
// Context (or nil at the bottom of a process). ip is a byte offset from the method's first slot
// (the header word), so a Context's pc = ip + 1.

import { oop } from "./oops";

export const FR_SAVED_FP: usize = 0;
export const FR_SAVED_IP: usize = 8;
export const FR_METHOD: usize = 16;
export const FR_FLAGS: usize = 24;
export const FR_CONTEXT: usize = 32;
export const FR_RECEIVER: usize = 40;
export const FR_CLOSURE: usize = 48;
export const FR_TEMPS: usize = 56;
export const FR_HEADER_SLOTS: usize = 7;

export const FLAG_BLOCK: u32 = 0x100;
/** Set in a frame whose caller may be absent (a base frame) or not run SistaV1 bytecodes:
 *  runSista's return then checks both. Clear only in frames that runSista's own fast paths
 *  build above the frame it runs (same page, a SistaV1 method), so their returns test one bit
 *  instead of reading the caller's method header. A frame's method never changes in place
 *  (a Context's method store divorces its page), so the bit stays true. */
export const FLAG_CHECK_RETURN: u32 = 0x200;

/** The most stack pages a zone has (the page table's size); R.numPages is the zone's own count. */
export const NUM_PAGES: i32 = 48;
export const PAGE_BYTES: usize = 32768;
/** Words kept free above any frame: a large frame (56) + header + args + headroom for primitives. */
export const PAGE_HEADROOM: usize = (56 + 7 + 16 + 8) * 8;

/** The registers: where the active frame is and what it executes. */
export class R {
  static fp: usize = 0;
  static sp: usize = 0;
  static ip: usize = 0;
  static method: oop = 0;
  static mbase: usize = 0;        // address of the method's first slot (method + 8)
  static page: i32 = -1;          // the active stack page
  static pageLimit: usize = 0;    // highest address a frame may start below (page end - headroom)
  static primFailCode: i32 = 0;
  static argCount: i32 = 0;       // of the primitive being run
  static newMethod: oop = 0;      // method whose primitive is being run
  static zone: usize = 0;         // start of the stack zone
  static numPages: i32 = NUM_PAGES; // pages in the zone: fewer in a small host (vm/main.ts)
  static pageStamp: u32 = 0;
  static interruptCounter: i32 = 0;
  static bytecodeCount: u64 = 0;
  // what the tests read instead of a per-send counter (none on the send path): frames built and
  // backward jumps, summed at each interrupt-counter reset (scheduler.ts), and primitives run
  // through the primitive table (executeMethod)
  static ticks: u64 = 0;
  static primitiveCalls: u64 = 0;
}

// Page table: NUM_PAGES records of 32 bytes: [headFP u32][headSP u32][headIP u32][inUse u32][stamp u32]
export const pageTable: usize = memory.data(NUM_PAGES * 32);

// @ts-ignore: decorator
@inline export function pageBase(p: i32): usize { return R.zone + <usize>p * PAGE_BYTES; }
// @ts-ignore: decorator
@inline export function pageRec(p: i32): usize { return pageTable + (<usize>p << 5); }
// @ts-ignore: decorator
@inline export function pageOf(addr: usize): i32 { return <i32>((addr - R.zone) / PAGE_BYTES); }
// @ts-ignore: decorator
@inline export function inZone(addr: usize): bool {
  return addr >= R.zone && addr < R.zone + <usize>R.numPages * PAGE_BYTES;
}
// @ts-ignore: decorator
@inline export function pageInUse(p: i32): bool { return load<u32>(pageRec(p), 12) != 0; }
// @ts-ignore: decorator
@inline export function pageHeadFP(p: i32): usize { return <usize>load<u32>(pageRec(p)); }
// @ts-ignore: decorator
@inline export function pageHeadSP(p: i32): usize { return <usize>load<u32>(pageRec(p), 4); }
// @ts-ignore: decorator
@inline export function pageHeadIP(p: i32): usize { return <usize>load<u32>(pageRec(p), 8); }
export function setPageHead(p: i32, fp: usize, sp: usize, ip: usize): void {
  const r = pageRec(p);
  store<u32>(r, <u32>fp); store<u32>(r, <u32>sp, 4); store<u32>(r, <u32>ip, 8);
}
export function setPageInUse(p: i32, b: bool): void {
  store<u32>(pageRec(p), b ? 1 : 0, 12);
  store<u32>(pageRec(p), ++R.pageStamp, 16);
}
// @ts-ignore: decorator
@inline export function pageStamp(p: i32): u32 { return load<u32>(pageRec(p), 16); }

// ---- frame field access
// @ts-ignore: decorator
@inline export function frSavedFP(fp: usize): usize { return <usize>(load<u64>(fp) & ~(<u64>1)); }
// @ts-ignore: decorator
@inline export function frSavedIP(fp: usize): usize { return <usize>(load<u64>(fp, FR_SAVED_IP) >> 3); }
// @ts-ignore: decorator
@inline export function frMethod(fp: usize): oop { return load<u64>(fp, FR_METHOD); }
// @ts-ignore: decorator
@inline export function frFlags(fp: usize): u32 { return <u32>(load<u64>(fp, FR_FLAGS) >> 3); }
// @ts-ignore: decorator
@inline export function frNumArgs(fp: usize): usize { return <usize>(frFlags(fp) & 0xFF); }
// @ts-ignore: decorator
@inline export function frIsBlock(fp: usize): bool { return (frFlags(fp) & FLAG_BLOCK) != 0; }
// @ts-ignore: decorator
@inline export function frContext(fp: usize): oop { return load<u64>(fp, FR_CONTEXT); }
// @ts-ignore: decorator
@inline export function frReceiver(fp: usize): oop { return load<u64>(fp, FR_RECEIVER); }
// @ts-ignore: decorator
@inline export function frClosure(fp: usize): oop { return load<u64>(fp, FR_CLOSURE); }
// @ts-ignore: decorator
@inline export function frTempAddr(fp: usize, i: usize): usize { return fp + FR_TEMPS + (i << 3); }
/** The slot holding the receiver (or the closure of a block activation) pushed by the caller. */
// @ts-ignore: decorator
@inline export function frRcvrSlot(fp: usize): usize { return fp - ((frNumArgs(fp) + 1) << 3); }
