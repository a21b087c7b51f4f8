// Test fixture: the xen kernel as a domU under xl: console ring output and input, xenstore
// reads of the toolstack's keys, a write and read-back of our own key, and a watch on a key
// that dom0 writes once the domain says (data/watching) that its watch is set.
export { xen_boot, xen_exit, xen_trap, xen_failsafe, xen_event_upcall, xen_memory_size, xen_memory_grow } from "../../../kernel/exports";
import { console_write, console_read, clock_monotonic_ns, wait_event } from "platform";
import { xsRead, xsWrite, xsWatch, xsNextWatchEvent, xsLastError, xsLastErrorLength } from "../../../drivers/xenstore/client";
import { put, putDec, putBytes, putByte } from "../../../kernel/log";

const PATH: usize = memory.data(256);
const VALUE: usize = memory.data(256);
const OUT: usize = memory.data(1024);

function ascii(dst: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(dst + <usize>i, <u8>s.charCodeAt(i));
  return s.length;
}

function show(key: string): void {
  const n = xsRead(0, PATH, ascii(PATH, key), OUT, 1024);
  put("xs ");
  put(key);
  put(" = ");
  if (n < 0) {
    put("error ");
    putDec(n);
    putByte(32);
    putBytes(xsLastError(), xsLastErrorLength());
  } else {
    putBytes(OUT, n < 1024 ? n : 1024);
  }
  putByte(10);
}

const TOKEN: usize = memory.data(16);

/** Watches data/poke, tells dom0 by writing data/watching, then waits (up to 20 s) for an event
 *  after which the key reads back with a value: the initial event xenstored sends when a
 *  watch is set comes before dom0 writes, while the key does not exist yet. */
function watchPoke(): void {
  const rc = xsWatch(PATH, ascii(PATH, "data/poke"), TOKEN, ascii(TOKEN, "poke"));
  put("xs watch set ");
  putDec(rc);
  putByte(10);
  if (rc != 0) return;
  xsWrite(0, PATH, ascii(PATH, "data/watching"), VALUE, ascii(VALUE, "1"));
  const deadline = clock_monotonic_ns() + 20_000_000_000;
  let events = 0;
  while (clock_monotonic_ns() < deadline) {
    const n = xsNextWatchEvent(OUT, 1024);
    if (n == 0) { wait_event(deadline); continue; }
    if (n < 0) break;
    events++;
    const v = xsRead(0, PATH, ascii(PATH, "data/poke"), OUT, 1024);
    if (v > 0) {
      put("xs watch event ");
      putDec(events);
      put(": data/poke = ");
      putBytes(OUT, v < 1024 ? v : 1024);
      putByte(10);
      return;
    }
  }
  put("xs watch: no event with a value\n");
}

export function main(): i32 {
  const hello = memory.data(16);
  ascii(hello, "domU up\n");
  console_write(hello, 8);
  show("name");
  show("domid");
  const rc = xsWrite(0, PATH, ascii(PATH, "data/xenolith"), VALUE, ascii(VALUE, "hello-xs"));
  put("xs write ");
  putDec(rc);
  putByte(10);
  show("data/xenolith");
  watchPoke();
  // console input: wait up to 20 s for a line
  const deadline = clock_monotonic_ns() + 20_000_000_000;
  let got = 0;
  while (clock_monotonic_ns() < deadline) {
    const n = console_read(OUT + <usize>got, 1000 - got);
    got += n;
    if (got > 0 && load<u8>(OUT + <usize>(got - 1)) == 10) break;
    if (n == 0) wait_event(deadline);
  }
  put("read: ");
  putBytes(OUT, got);
  if (got == 0) putByte(10);
  return 5;
}
