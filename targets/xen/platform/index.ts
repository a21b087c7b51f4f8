// The platform interface, `xen` target: AssemblyScript over kernel/ and drivers/, compiled
// into the same module as the program. Same names and signatures as the reference
// declaration targets/node/platform/index.ts (docs/platform.md).
//
// Import paths: asc loads this file as `~lib/platform/index.ts` (from `--path targets/xen`),
// so a relative import resolves from `~lib/platform/`: "../../kernel/x" means <cwd>/kernel/x.
// asc must run from the repository root (the build and the tests do).

import { SHARED_INFO_PAGE, START_INFO_COPY } from "../../kernel/memory/special-pages";
import { monotonicNs, wallclockNs } from "../../kernel/time/clock";
import { waitForEvents } from "../../kernel/sched/idle";
import { poweroff } from "../../kernel/shutdown";
import { crashWithMessage } from "../../kernel/traps/crash-report";
import { cmdLine, cmdLineLength } from "../../kernel/abi/start-info";
import { bootModuleAddress, bootModuleLength } from "../../kernel/memory/boot-trailer";
import { consoleWrite, consoleRead, consoleSetInputSignal } from "../../drivers/console/console";
import { takeSignal, signalsWaiting } from "../../kernel/events/signals";
import { dispatchEvents, eventsPending } from "../../kernel/events/dispatch";
import { bootDone } from "../../kernel/boot";
import { logBytes } from "../../kernel/log";
import { copyFromVa } from "../../kernel/memory/va-copy";
import { rdrand_u64, cpuid, image_layout_va } from "../../kernel/xen/intrinsics";

export function console_write(ptr: usize, len: i32): void {
  if (bootDone()) consoleWrite(ptr, len);
  else logBytes(ptr, len);
}

// Non-blocking: bytes copied (0 when none is waiting), or -1 at end of input (never on Xen).
export function console_read(ptr: usize, max: i32): i32 {
  return consoleRead(ptr, max);
}

export function clock_monotonic_ns(): i64 {
  return <i64>monotonicNs(SHARED_INFO_PAGE);
}

export function clock_wall_ns(): i64 {
  return <i64>wallclockNs(SHARED_INFO_PAGE);
}

export function wait_event(deadline_ns: i64): void {
  waitForEvents(deadline_ns);
}

// Drivers raise external semaphores from their event handlers (kernel/events/signals.ts).
// Events stay masked at the vcpu level while Smalltalk runs, so the VM's interrupt check is
// where those that arrived meanwhile are dispatched: a busy process is preempted by input.
export function next_signal(): i32 {
  if (signalsWaiting() == 0 && eventsPending()) dispatchEvents();
  return takeSignal();
}

// Console input signals external semaphore `index` (1-based; 0 stops): 0 when it will, -1
// when input can only be polled (dom0's emergency console).
export function console_input_signal(index: i32): i32 {
  return consoleSetInputSignal(index) ? 0 : -1;
}

// The boot image: the one the linker embedded in .rodata (image_layout_va 3/4) when there is
// one, else the boot module (xl's ramdisk=, PVGrub's module), which the kernel re-mapped
// read-only at MODULE_WINDOW during boot; so one kernel without an image boots many.
function imageBase(): i64 {
  return image_layout_va(4) > 0 ? image_layout_va(3) : bootModuleAddress();
}

export function image_size(): i64 {
  const embedded = image_layout_va(4);
  return embedded > 0 ? embedded : bootModuleLength();
}

export function image_read(dst: usize, offset: i64, len: i32): i32 {
  const size = image_size();
  if (offset < 0 || len <= 0 || offset >= size) return 0;
  let n = <i64>len;
  if (offset + n > size) n = size - offset;
  const base = imageBase() + offset;
  copyFromVa(dst, base, n);
  return <i32>n;
}

// No block device driver yet: snapshots cannot be written on Xen.
export function snapshot_write(src: usize, offset: i64, len: i32): i32 {
  return -1;
}

const CPUID_OUT: usize = memory.data(16, 8);
const RANDOM: usize = memory.data(8, 8);

// RDRAND (checked with CPUID.1:ECX bit 30). Without it there is no trustworthy entropy
// source in a PV guest, so this crashes rather than return predictable bytes.
export function random_fill(ptr: usize, len: i32): void {
  cpuid(1, 0, CPUID_OUT);
  if ((load<u32>(CPUID_OUT, 8) & (1 << 30)) == 0) {
    crashText("random_fill: no RDRAND on this CPU");
    return;
  }
  let done = 0;
  while (done < len) {
    if (rdrand_u64(RANDOM) == 0) {
      crashText("random_fill: RDRAND gave no data");
      return;
    }
    for (let i = 0; i < 8 && done < len; i++, done++) store<u8>(ptr + <usize>done, load<u8>(RANDOM + <usize>i));
  }
}

const TEXT: usize = memory.data(128, 8);
function crashText(s: string): void {
  let n = 0;
  for (; n < s.length && n < 128; n++) store<u8>(TEXT + <usize>n, <u8>s.charCodeAt(n));
  crashWithMessage(TEXT, n);
}

export function args_size(): i32 {
  return cmdLineLength(START_INFO_COPY);
}

export function args_read(dst: usize, max: i32): i32 {
  let n = args_size();
  if (n > max) n = max;
  if (n > 0) memory.copy(dst, cmdLine(START_INFO_COPY), <usize>n);
  return n;
}

export function exit(status: i32): void {
  poweroff(status);
}

export function crash(msg: usize, len: i32): void {
  crashWithMessage(msg, len);
}
