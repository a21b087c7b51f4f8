// Where a boot's time goes: the TSC at each phase of the way from kernel entry to the image's
// first console output, printed (with `xenolith.stats` on the command line, beside the kernel
// statistics) as µs since kernel entry. Raw TSC readings are kept because the first phases come
// before shared_info is mapped; they are scaled with vcpu_time_info's factor (Xen system time)
// when printed. The VM's own phases come from vm/main.ts through the @global below, which the
// VM looks for with isDefined: the linux target, which has no kernel, compiles them away.

import { rdtsc } from "./xen/intrinsics";
import { VT_TSC_TO_SYSTEM_MUL, VT_TSC_SHIFT, VI_TIME, vcpuInfo } from "./abi/shared-info";
import { scaleTscDelta } from "./time/clock";
import { put, putUdec } from "./log";

export const PHASE_ENTRY: i32 = 0; // kernel/boot.ts starts (after the runtime's entry stub)
export const PHASE_MEMORY: i32 = 1; // p2m, linear memory, page tables, boot trailer, image protection
export const PHASE_CONSOLE: i32 = 2; // shared_info, events, traps, timer, console ring, xenstore, grants
export const PHASE_VM: i32 = 3; // vm/main.ts entered
export const PHASE_OBJMEM: i32 = 4; // sizeSpaces + initializeObjectMemory done
export const PHASE_IMAGE: i32 = 5; // loadImage done
export const PHASE_INTERP: i32 = 6; // initInterpreter done
export const PHASE_OUTPUT: i32 = 7; // the image's first console write
export const PHASE_COUNT: i32 = 8;

const NAMES: StaticArray<string> = ["entry", "memory", "console", "vm", "objmem", "image", "interp", "output"];
/** TSC per phase, 0 = not reached. memory.data: usable before any global initialiser ran. */
const STAMPS: usize = memory.data(8 * 8, 8);

/** Records the TSC for `phase` the first time it is reached. */
export function markPhase(phase: i32): void {
  if (phase < 0 || phase >= PHASE_COUNT) return;
  const at = STAMPS + (<usize>phase << 3);
  if (load<u64>(at) == 0) store<u64>(at, <u64>rdtsc());
}

/** The image's console output: counts as the first output only once the VM is running (the
 *  kernel's own lines before it do not). */
export function markOutput(): void {
  if (load<u64>(STAMPS + (<usize>PHASE_VM << 3)) != 0) markPhase(PHASE_OUTPUT);
}

/** µs from kernel entry to `phase` with the TSC scale of `sharedInfo`'s vcpu 0, or -1 when
 *  the phase was not reached. */
export function phaseMicros(sharedInfo: usize, phase: i32): i64 {
  const t0 = load<u64>(STAMPS);
  const t = load<u64>(STAMPS + (<usize>phase << 3));
  if (t0 == 0 || t == 0 || t < t0) return -1;
  const ti = vcpuInfo(sharedInfo, 0) + VI_TIME;
  const ns = scaleTscDelta(t - t0, load<u32>(ti + VT_TSC_TO_SYSTEM_MUL), <i32>load<i8>(ti + VT_TSC_SHIFT));
  return <i64>(ns / 1000);
}

/** One line: `xenolith: boot phases us: entry 0 memory 812 ... output 40211` (phases not
 *  reached are left out). */
export function printPhases(sharedInfo: usize): void {
  put("xenolith: boot phases us:");
  for (let p = 0; p < PHASE_COUNT; p++) {
    const us = phaseMicros(sharedInfo, p);
    if (us < 0) continue;
    put(" ");
    put(NAMES[p]);
    put(" ");
    putUdec(<u64>us);
  }
  put("\n");
}

/** For vm/main.ts (see the top of this file): the VM's phases, PHASE_VM..PHASE_INTERP. */
// @ts-ignore: decorator
@global export function xenolithBootPhase(phase: i32): void {
  if (phase >= PHASE_VM && phase <= PHASE_INTERP) markPhase(phase);
}
