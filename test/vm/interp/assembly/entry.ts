// Test entry for the interpreter: loads the boot image like vm/main.ts, but runs the active
// process until its bottom context returns and answers that value, with accessors so the JS
// side can inspect the result object.

import { crash } from "platform";
import { initializeObjectMemory } from "../../../../vm/objmem/index";
import { loadImage, imageErrorPtr, imageErrorLength } from "../../../../vm/image/index";
import { initInterpreter, resumeActiveProcess } from "../../../../vm/interp/startup";
import { interpret, I } from "../../../../vm/interp/interpreter";
import { vmCrash } from "../../../../vm/interp/crash";
import { R } from "../../../../vm/interp/registers";
import { interruptTicks } from "../../../../vm/interp/scheduler";
import { slotFor, cacheFill, cacheProbe, CACHE_METHOD } from "../../../../vm/interp/lookup";
import { numSlotsOf, formatOf, classIndexOf, fetchSlot, byteSizeOf } from "../../../../vm/interp/oops";
import { pushRemappableOop, setMemoryBudget, bytesInUse } from "../../../../vm/objmem/index";

export { main } from "../../../../vm/main";
export { verifyHeap as testVerifyHeap } from "../../../../vm/objmem/verify";

/** Loads the image, runs until the bottom context returns; answers the returned oop. */
export function testRun(): u64 {
  if (!initializeObjectMemory(1 << 20)) vmCrash("cannot reserve new space");
  if (!loadImage()) { crash(imageErrorPtr(), imageErrorLength()); return 0; }
  testApplyBudget();
  initInterpreter();
  if (!resumeActiveProcess()) vmCrash("no runnable context");
  I.stopOnBottomReturn = true;
  interpret();
  pushRemappableOop(I.stopResult);
  return I.stopResult;
}
export function testSlot(o: u64, i: i32): u64 { return fetchSlot(o, <usize>i); }
export function testNumSlots(o: u64): i32 { return <i32>numSlotsOf(o); }
export function testFormat(o: u64): i32 { return <i32>formatOf(o); }
export function testClassIndex(o: u64): i32 { return <i32>classIndexOf(o); }
export function testByteSize(o: u64): i32 { return <i32>byteSizeOf(o); }
/** Frames activated plus backward jumps taken (the send path keeps no counter of its own). */
export function testActivations(): u64 { return interruptTicks(); }
/** Primitives run through the primitive table (not the inline fast paths). */
export function testPrimitiveCalls(): u64 { return R.primitiveCalls; }
/** testRun caps the object memory at what the loaded image takes plus `bytes` (0: no cap). */
let extraBudget: u64 = 0;
export function testSetMemoryBudget(bytes: u64): void { extraBudget = bytes; }
function testApplyBudget(): void { if (extraBudget != 0) setMemoryBudget(bytesInUse() + extraBudget); }

// The method cache on its own (test/vm/interp/method-cache.test.ts): which entry a pair probes
// first, a fill, and a probe answering the cached method or 0.
export function testCacheEntry(selector: u64, ci: u32): i32 { return <i32>((slotFor(selector, ci) - slotFor(0, 0)) >> 5); }
export function testCacheFill(selector: u64, ci: u32, method: u64): void { cacheFill(selector, ci, method, 0, 0); }
export function testCacheProbe(selector: u64, ci: u32): u64 {
  const e = cacheProbe(selector, ci);
  return e == 0 ? 0 : load<u64>(e + CACHE_METHOD);
}
