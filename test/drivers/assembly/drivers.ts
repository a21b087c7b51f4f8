// Test fixture: console ring, xenstore client, grant table and start_info over fake pages.
import { consoleRingWrite, consoleRingRead } from "../../../drivers/console/ring";
import { consoleInitRing, consoleWrite, consoleRead, consoleMode, consoleDropped } from "../../../drivers/console/console";
import { xsInit, xsRead, xsWrite, xsDirectory, xsRm, xsWatch, xsNextWatchEvent, xsTransaction, xsLastError, xsLastErrorLength, xsFailed } from "../../../drivers/xenstore/client";
import { eventsInit } from "../../../kernel/events/dispatch";
import { idleUse } from "../../../kernel/sched/idle";
import { grantTableUse, grantAccess, endAccess, grantsFree, grantEntry } from "../../../kernel/grant/table";
import { copyStartInfo, startInfoMagicOk, nrPages, storeMfn, storeEvtchn, consoleMfn, consoleEvtchn, cmdLineLength, cmdLine, isInitialDomain, modStart, modLen } from "../../../kernel/abi/start-info";
import { SHARED_INFO_PAGE, CONSOLE_PAGE, XENSTORE_PAGE, GRANT_TABLE_PAGES, START_INFO_COPY } from "../../../kernel/memory/special-pages";

const BUF: usize = memory.data(8192, 8);
export function buf(): usize { return BUF; }
export function consolePage(): usize { return CONSOLE_PAGE; }
export function xenstorePage(): usize { return XENSTORE_PAGE; }
export function sharedInfo(): usize { return SHARED_INFO_PAGE; }

export function ringWrite(len: i32): i32 { return consoleRingWrite(CONSOLE_PAGE, BUF, len); }
export function ringRead(max: i32): i32 { return consoleRingRead(CONSOLE_PAGE, BUF, max); }

function now(): i64 { return 0; }
export function init(consolePort: u32, xsPort: u32): void {
  eventsInit(SHARED_INFO_PAGE);
  idleUse(SHARED_INFO_PAGE);
  consoleInitRing(CONSOLE_PAGE, consolePort, now);
  xsInit(XENSTORE_PAGE, xsPort, now);
}
export function conWrite(len: i32): i32 { return consoleWrite(BUF, len); }
export function conRead(max: i32): i32 { return consoleRead(BUF, max); }
export function conMode(): i32 { return consoleMode(); }
export function conDropped(): u64 { return consoleDropped(); }

// xenstore: BUF holds [path][value]; results land in BUF + 4096.
const OUT: usize = BUF + 4096;
export function out(): usize { return OUT; }
export function read(tx: u32, pathLen: i32): i32 { return xsRead(tx, BUF, pathLen, OUT, 4096); }
export function write(tx: u32, pathLen: i32, valueLen: i32): i32 { return xsWrite(tx, BUF, pathLen, BUF + <usize>pathLen, valueLen); }
export function directory(pathLen: i32): i32 { return xsDirectory(0, BUF, pathLen, OUT, 4096); }
export function rm(pathLen: i32): i32 { return xsRm(0, BUF, pathLen); }
export function watch(pathLen: i32, tokenLen: i32): i32 { return xsWatch(BUF, pathLen, BUF + <usize>pathLen, tokenLen); }
export function nextEvent(): i32 { return xsNextWatchEvent(OUT, 4096); }
export function failed(): bool { return xsFailed(); }
export function lastError(): usize { return xsLastError(); }
export function lastErrorLength(): i32 { return xsLastErrorLength(); }

let bodyRuns: i32 = 0;
function txBody(tx: u32): i32 {
  bodyRuns++;
  // write "data/counter" = "1" inside the transaction (path and value at fixed places)
  return xsWrite(tx, BUF + 6000, 12, BUF + 6100, 1);
}
export function transaction(): i32 { bodyRuns = 0; return xsTransaction(txBody); }
export function transactionRuns(): i32 { return bodyRuns; }

export function grantInit(): void { grantTableUse(GRANT_TABLE_PAGES); }
export function grantTable(): usize { return GRANT_TABLE_PAGES; }
export function grant(domid: u32, frame: u64, ro: bool): i32 { return grantAccess(domid, frame, ro); }
export function ungrant(ref: u32): bool { return endAccess(ref); }
export function free(): u32 { return grantsFree(); }
export function entry(ref: u32): usize { return grantEntry(ref); }

export function siCopy(va: i64): bool { copyStartInfo(va, START_INFO_COPY); return startInfoMagicOk(START_INFO_COPY); }
export function siNrPages(): u64 { return nrPages(START_INFO_COPY); }
export function siStore(): u64 { return storeMfn(START_INFO_COPY) * 1000 + <u64>storeEvtchn(START_INFO_COPY); }
export function siConsole(): u64 { return consoleMfn(START_INFO_COPY) * 1000 + <u64>consoleEvtchn(START_INFO_COPY); }
export function siDom0(): bool { return isInitialDomain(START_INFO_COPY); }
export function siCmdLen(): i32 { return cmdLineLength(START_INFO_COPY); }
export function siCmd(): usize { return cmdLine(START_INFO_COPY); }
export function siMod(): u64 { return modStart(START_INFO_COPY) + modLen(START_INFO_COPY); }

// Console input as an external semaphore signal, and the platform's next_signal.
import { consoleSetInputSignal } from "../../../drivers/console/console";
import { raiseSignal, takeSignal, signalsWaiting } from "../../../kernel/events/signals";
import { next_signal } from "platform";
export function conInputSignal(index: i32): bool { return consoleSetInputSignal(index); }
export function sigRaise(index: i32): bool { return raiseSignal(index); }
export function sigTake(): i32 { return takeSignal(); }
export function sigWaiting(): i32 { return signalsWaiting(); }
export function nextSignal(): i32 { return next_signal(); }

import { statsRequested } from "../../../kernel/stats";
export function statsWord(len: i32): bool { return statsRequested(BUF, len); }
