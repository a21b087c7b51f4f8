// Test fixture: the xen kernel as a domU under xl: console ring output and input, xenstore
// reads of the toolstack's keys, a write and read-back of our own key.
export { xen_boot, xen_exit, xen_trap, xen_failsafe, xen_event_upcall, xen_memory_size, xen_memory_grow } from "../../../kernel/exports";
import { console_write, console_read, clock_monotonic_ns, wait_event } from "platform";
import { xsRead, xsWrite, xsLastError, xsLastErrorLength } from "../../../drivers/xenstore/client";
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
