// Console output for a domU's first boot steps, before events, the clock and the console
// driver exist. A domU's console_io writes are dropped by a release Xen, so without this a
// failure early in boot ends the domain with nothing on its console. The ring page is mapped
// into linear memory (CONSOLE_PAGE) as the very first step; this sink writes it and notifies
// the backend by its event channel. When the ring is full it yields the vcpu (the backend
// needs to run) a bounded number of times, since nothing can be waited on yet. The console
// driver replaces this sink once the event machinery is up.

import { sched_op, SCHEDOP_yield } from "./xen/hypercall";
import { notify } from "./events/channel-ops";
import { setLogSink } from "./log";
import { setShutdownFlush } from "./shutdown";
import { consoleRingWrite, consoleRingOutPending, RING_CORRUPT } from "../drivers/console/ring";

/** Yields allowed per write (and per final drain) while the backend empties a full ring. */
export const EARLY_MAX_YIELDS: i32 = 20000;

let ring: usize = 0;
let port: u32 = 0;
let broken = false;

function earlyWrite(ptr: usize, len: i32): void {
  if (broken) return;
  let done: i32 = 0;
  let yields: i32 = 0;
  while (done < len) {
    const n = consoleRingWrite(ring, ptr + <usize>done, len - done);
    if (n == RING_CORRUPT) { broken = true; return; }
    done += n;
    notify(port);
    if (done < len) {
      if (++yields > EARLY_MAX_YIELDS) return;
      sched_op(SCHEDOP_yield, 0);
    }
  }
}

function earlyDrain(): void {
  for (let i = 0; i < EARLY_MAX_YIELDS; i++) {
    if (broken || consoleRingOutPending(ring) <= 0) return;
    notify(port);
    sched_op(SCHEDOP_yield, 0);
  }
}

/** From now on kernel output (log.ts) goes to the ring at `page` (already mapped). */
export function earlyConsoleUse(page: usize, evtchn: u32): void {
  ring = page;
  port = evtchn;
  broken = false;
  setLogSink(earlyWrite);
  setShutdownFlush(earlyDrain);
}
