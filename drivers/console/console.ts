// The PV console: output through the ring (notify the backend on its event channel; wait
// for it to drain when full), input by event (the backend notifies when it adds bytes; with
// an input signal set, that event raises a Smalltalk external semaphore for the reader).
// Before the ring is set up, and when running as dom0 (which has no ring), text goes
// through the console_io hypercall instead.

import { console_io, CONSOLEIO_write, CONSOLEIO_read } from "../../kernel/xen/hypercall";
import { notify } from "../../kernel/events/channel-ops";
import { bindHandler } from "../../kernel/events/dispatch";
import { waitForEvents } from "../../kernel/sched/idle";
import { setLogSink } from "../../kernel/log";
import { markOutput } from "../../kernel/boot-phases";
import { raiseSignal, MAX_SIGNAL_INDEX } from "../../kernel/events/signals";
import { setShutdownFlush } from "../../kernel/shutdown";
import { consoleRingWrite, consoleRingRead, consoleRingOutPending, consoleRingInPending, RING_CORRUPT } from "./ring";

export const CONSOLE_MODE_HYPERCALL: i32 = 0;
export const CONSOLE_MODE_RING: i32 = 1;
export const CONSOLE_MODE_BROKEN: i32 = 2;

/** How many times a full ring is waited on (each wait up to WAIT_NS) before output is dropped. */
export const MAX_WAITS: i32 = 500;
const WAIT_NS: i64 = 10_000_000;

let mode: i32 = CONSOLE_MODE_HYPERCALL;
let ring: usize = 0;
let port: u32 = 0;
let inputEvents: u32 = 0;
let dropped: u64 = 0;
let clockNow: u32 = 0; // table index + 1 of () => i64, for wait deadlines
let inputSignal: i32 = 0; // external semaphore index raised when input is waiting, 0 none

export type NowFn = () => i64;

/** The backend notifies both when it adds input and when it has taken output: only the
 *  first wakes the reader. */
function signalIfInput(): void {
  if (inputSignal > 0 && mode == CONSOLE_MODE_RING && consoleRingInPending(ring) > 0) raiseSignal(inputSignal);
}

function onConsoleEvent(p: u32): void {
  inputEvents++;
  signalIfInput();
}

/** From now on raise external semaphore `index` whenever input is waiting (0 stops). True
 *  when input events can be delivered (ring mode, an index the signal queue takes); false in
 *  hypercall mode (dom0 reads the emergency console by polling). Input already waiting raises
 *  it at once. */
export function consoleSetInputSignal(index: i32): bool {
  if (mode != CONSOLE_MODE_RING || index < 0 || index > MAX_SIGNAL_INDEX) return false;
  inputSignal = index;
  signalIfInput();
  return true;
}

function sink(ptr: usize, len: i32): void {
  consoleWrite(ptr, len);
}

function drain(): void {
  consoleFlush();
}

/** Ring mode: the domU console page (already mapped) and its event channel. */
export function consoleInitRing(page: usize, evtchn: u32, now: NowFn): void {
  ring = page;
  port = evtchn;
  clockNow = now.index + 1;
  mode = CONSOLE_MODE_RING;
  bindHandler(port, onConsoleEvent);
  setLogSink(sink);
  setShutdownFlush(drain);
}

/** Hypercall mode (dom0, or before the ring). */
export function consoleInitHypercall(): void {
  mode = CONSOLE_MODE_HYPERCALL;
  setLogSink(sink);
}

export function consoleMode(): i32 { return mode; }
export function consoleDropped(): u64 { return dropped; }
export function consoleInputEvents(): u32 { return inputEvents; }

function deadline(): i64 {
  return clockNow != 0 ? call_indirect<i64>(clockNow - 1) + WAIT_NS : -1;
}

/** Writes all `len` bytes unless the backend stops draining the ring (then the rest is
 *  counted as dropped). Returns the bytes written. */
export function consoleWrite(ptr: usize, len: i32): i32 {
  if (len <= 0) return 0;
  markOutput();
  if (mode != CONSOLE_MODE_RING) {
    if (mode == CONSOLE_MODE_BROKEN) { dropped += <u64>len; return 0; }
    const rc = console_io(CONSOLEIO_write, len, ptr);
    return rc < 0 ? 0 : len;
  }
  let done: i32 = 0;
  let waits: i32 = 0;
  while (done < len) {
    const n = consoleRingWrite(ring, ptr + <usize>done, len - done);
    if (n == RING_CORRUPT) {
      mode = CONSOLE_MODE_BROKEN;
      dropped += <u64>(len - done);
      return done;
    }
    done += n;
    notify(port);
    if (done < len) {
      if (++waits > MAX_WAITS) {
        dropped += <u64>(len - done);
        return done;
      }
      waitForEvents(deadline());
    }
  }
  return done;
}

/** Waits (bounded) until the backend has taken everything from the output ring. */
export function consoleFlush(): void {
  if (mode != CONSOLE_MODE_RING) return;
  for (let waits = 0; waits < MAX_WAITS; waits++) {
    const pending = consoleRingOutPending(ring);
    if (pending <= 0) return;
    notify(port);
    waitForEvents(deadline());
  }
}

/** Non-blocking read of console input: bytes copied, 0 when none. */
export function consoleRead(dst: usize, max: i32): i32 {
  if (max <= 0) return 0;
  if (mode == CONSOLE_MODE_RING) {
    const n = consoleRingRead(ring, dst, max);
    if (n == RING_CORRUPT) { mode = CONSOLE_MODE_BROKEN; return 0; }
    if (n > 0) notify(port);
    return n;
  }
  if (mode == CONSOLE_MODE_HYPERCALL) {
    const rc = console_io(CONSOLEIO_read, max, dst);
    return rc < 0 ? 0 : <i32>rc;
  }
  return 0;
}
