// The boot sequence of docs/xen-memory.md, run by xen_boot once the runtime's entry stub
// has switched to the native stack and run the module's start function. After it, the
// kernel's services are up and `main` (the program above the platform) runs.

import { start_info_va, linear_base, linear_initial_pages, image_end_va } from "./xen/intrinsics";
import {
  copyStartInfo, startInfoMagicOk, nrPages, sharedInfoMachineAddress, isInitialDomain,
  consoleMfn, consoleEvtchn, storeMfn, storeEvtchn, ptBase, nrPtFrames, mfnList,
  siFlags, SIF_MOD_START_PFN, modStart, modLen,
} from "./abi/start-info";
import {
  SHARED_INFO_PAGE, CONSOLE_PAGE, XENSTORE_PAGE, START_INFO_COPY,
} from "./memory/special-pages";
import { VIRT_BASE, LINEAR_RESERVED_BYTES } from "./memory/layout";
import { p2mUse, pfnToMfn } from "./memory/p2m";
import { recordBootTables } from "./memory/page-tables";
import { linearInit, linearRemap, linearInitialPagesFit } from "./memory/linear";
import { reclaimBootTrailer } from "./memory/boot-trailer";
import { protectImage, detectNx } from "./memory/protect-image";
import { pteSetNxSupported } from "./memory/pte";
import { eventsInit } from "./events/dispatch";
import { trapsInit } from "./traps/trap-table";
import { crashReportUse, crashWithMessage } from "./traps/crash-report";
import { idleUse } from "./sched/idle";
import { timerInit } from "./time/timer";
import { monotonicNs } from "./time/clock";
import { grantTableInit } from "./grant/table";
import { log, put, putDec, putByte, putHex64 } from "./log";
import { crashDomain } from "./shutdown";
import { earlyConsoleUse } from "./early-console";
import { consoleInitRing, consoleInitHypercall } from "../drivers/console/console";
import { xsInit } from "../drivers/xenstore/client";
import { markPhase, PHASE_ENTRY, PHASE_MEMORY, PHASE_CONSOLE } from "./boot-phases";

let booted = false;
let isDom0 = false;

export function bootDone(): bool { return booted; }
export function runningAsDom0(): bool { return isDom0; }

function nowNs(): i64 {
  return <i64>monotonicNs(SHARED_INFO_PAGE);
}

function check(rc: i64, what: string): void {
  if (rc >= 0) return;
  put("xenolith: boot failed: ");
  put(what);
  put(" returned ");
  putDec(rc);
  putByte(10);
  crashDomain();
}

function pfnOfVa(va: i64): u64 { return <u64>(va - VIRT_BASE) >> 12; }

/** Brings the kernel up. Returns normally; the caller (kernel/exports.ts) runs the program. */
export function boot(): void {
  markPhase(PHASE_ENTRY);
  const siVa = start_info_va();
  copyStartInfo(siVa, START_INFO_COPY);
  const si = START_INFO_COPY;
  if (!startInfoMagicOk(si)) {
    log("xenolith: boot failed: start_info magic is not xen-3.0-x86_64");
    crashDomain();
  }
  isDom0 = isInitialDomain(si);
  consoleInitHypercall();

  // The p2m where Xen put it, and linear memory's frames; then (domU) the console ring, so
  // that whatever fails from here on is on the console (a release Xen drops a domU's
  // console_io output).
  pteSetNxSupported(detectNx());
  p2mUse(<i64>mfnList(si), nrPages(si));
  if (!linearInitialPagesFit()) { log("xenolith: boot failed: the initial linear memory exceeds the frame table's head"); crashDomain(); }
  linearInit(pfnOfVa(linear_base()));
  if (!isDom0) {
    check(linearRemap(CONSOLE_PAGE, consoleMfn(si)), "map console ring");
    earlyConsoleUse(CONSOLE_PAGE, consoleEvtchn(si));
  }

  // Memory: the boot page tables, recorded once; then the boot trailer re-mapped or
  // unmapped (the frame pool starts there).
  const l4Mfn = pfnToMfn(pfnOfVa(<i64>ptBase(si)));
  const recorded = recordBootTables(l4Mfn, VIRT_BASE, linear_base() + LINEAR_RESERVED_BYTES);
  if (recorded < 0) { log("xenolith: boot failed: page-table directory full"); crashDomain(); }
  const initialEnd = linear_base() + (<i64>linear_initial_pages() << 16);
  if (((image_end_va() + 4095) & ~4095) > initialEnd) {
    log("xenolith: boot failed: the image ends after its linear memory");
    crashDomain();
  }
  const paddingPfn = pfnOfVa(<i64>ptBase(si)) + nrPtFrames(si) + 1; // after the boot stack page
  const modByPfn = (siFlags(si) & SIF_MOD_START_PFN) != 0;
  const modVa = modByPfn ? VIRT_BASE + <i64>(modStart(si) << 12) : <i64>modStart(si);
  check(reclaimBootTrailer(initialEnd, paddingPfn, <i64>mfnList(si), nrPages(si), modVa, <i64>modLen(si)), "reclaim boot trailer");
  check(protectImage(), "protect the image");
  markPhase(PHASE_MEMORY);

  // shared_info, then events and traps.
  check(linearRemap(SHARED_INFO_PAGE, sharedInfoMachineAddress(si) >> 12), "map shared_info");
  eventsInit(SHARED_INFO_PAGE);
  idleUse(SHARED_INFO_PAGE);
  crashReportUse(SHARED_INFO_PAGE);
  check(trapsInit(), "set_trap_table/set_callbacks");
  check(timerInit(), "bind VIRQ_TIMER");

  if (!isDom0) {
    consoleInitRing(CONSOLE_PAGE, consoleEvtchn(si), nowNs);
    check(linearRemap(XENSTORE_PAGE, storeMfn(si)), "map xenstore ring");
    xsInit(XENSTORE_PAGE, storeEvtchn(si), nowNs);
  }
  check(grantTableInit(), "grant table setup");
  markPhase(PHASE_CONSOLE);

  booted = true;
  put("xenolith: kernel up, ");
  putDec(<i64>nrPages(si));
  put(" pages, linear memory at ");
  putHex64(<u64>linear_base());
  put(isDom0 ? ", dom0\n" : "\n");
}

/** AssemblyScript's abort (asc --use abort=kernel/boot/xenAbort). */
export function xenAbort(msg: string | null, file: string | null, line: u32, col: u32): void {
  put("xenolith: crash: abort: ");
  if (msg !== null) put(msg);
  put(" at ");
  if (file !== null) put(file);
  putByte(0x3a);
  putDec(line);
  putByte(0x3a);
  putDec(col);
  putByte(10);
  crashDomain();
}

export { crashWithMessage };
