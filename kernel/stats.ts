// Kernel statistics on the console at poweroff, when the domain's command line holds the word
// `xenolith.stats` (xl `extra=`): how often the vcpu blocked, events delivered, timer events,
// external semaphore signals raised, clock reads whose TSC was behind Xen's time stamp. Lets a
// test see from outside that an idle domain sleeps, and what the clock did. A second line
// tells how much memory the domain used: the native stack's high-water mark and the frames
// still free, which is what sizing the stack and the domain needs. A third line gives the boot's
// phases (kernel/boot-phases.ts).

import { START_INFO_COPY, SHARED_INFO_PAGE } from "./memory/special-pages";
import { printPhases } from "./boot-phases";
import { cmdLine, cmdLineLength, nrPages } from "./abi/start-info";
import { idleBlocks } from "./sched/idle";
import { eventsDelivered } from "./events/dispatch";
import { timerFired } from "./time/timer";
import { signalsRaised } from "./events/signals";
import { clockReadsBehindStamp, clockMaxBehindNs } from "./time/clock";
import { put, putDec, putByte } from "./log";
import { native_stack_lo, native_stack_hi, va_load_u64 } from "./xen/intrinsics";
import { framesAvailable } from "./memory/frames";

const WORD = "xenolith.stats";

/** Whether the command line holds WORD as a whole space-separated word. */
export function statsRequested(line: usize, len: i32): bool {
  const n = WORD.length;
  for (let i = 0; i + n <= len; i++) {
    if (i > 0 && load<u8>(line + <usize>(i - 1)) != 32) continue;
    if (i + n < len && load<u8>(line + <usize>(i + n)) != 32) continue;
    let same = true;
    for (let k = 0; k < n && same; k++) same = <i32>load<u8>(line + <usize>(i + k)) == WORD.charCodeAt(k);
    if (same) return true;
  }
  return false;
}

/** Bytes of the native stack ever used: the stack starts zeroed (it is .bss), so the lowest
 *  non-zero word marks the deepest point reached. */
export function nativeStackUsed(): i64 {
  const lo = native_stack_lo();
  const hi = native_stack_hi();
  let va = lo;
  while (va < hi && va_load_u64(va) == 0) va += 8;
  return hi - va;
}

export function printStatsIfRequested(): void {
  if (!statsRequested(cmdLine(START_INFO_COPY), cmdLineLength(START_INFO_COPY))) return;
  put("xenolith: stats: ");
  putDec(<i64>idleBlocks());
  put(" blocks, ");
  putDec(<i64>eventsDelivered());
  put(" events, ");
  putDec(<i64>timerFired());
  put(" timer events, ");
  putDec(<i64>signalsRaised());
  put(" signals, ");
  putDec(<i64>clockReadsBehindStamp());
  put(" clock reads behind the time stamp (up to ");
  putDec(<i64>(clockMaxBehindNs() / 1000));
  put(" us)");
  putByte(10);
  put("xenolith: memory: native stack ");
  putDec(nativeStackUsed());
  put(" bytes used of ");
  putDec((native_stack_hi() - native_stack_lo()) >> 10);
  put(" KiB, ");
  putDec(<i64>framesAvailable());
  put(" of ");
  putDec(<i64>nrPages(START_INFO_COPY));
  put(" pages free");
  putByte(10);
  printPhases(SHARED_INFO_PAGE);
}
