// A xenstore client over the shared ring: read, write, mkdir, rm, directory, watches (their
// events are queued while waiting for replies), transactions retried on EAGAIN. One request
// at a time. Everything from xenstored is checked: impossible ring indices, a header length
// over 4096, a reply to a request we did not send, or an unexpected reply type put the
// client in a failed state with a message (xsLastError) and every call returns XS_EPROTO.

import { notify } from "../../kernel/events/channel-ops";
import { bindHandler } from "../../kernel/events/dispatch";
import { waitForEvents } from "../../kernel/sched/idle";
import { xsRingWrite, xsRingRead, xsRingAvailable, XS_RING_CORRUPT } from "./ring";
import {
  writeHeader, headerType, headerReqId, headerTxId, headerLen, errorCode,
  XS_HEADER_SIZE, XS_PAYLOAD_MAX, XS_ERROR, XS_WATCH_EVENT, XS_READ, XS_WRITE, XS_MKDIR, XS_RM,
  XS_DIRECTORY, XS_WATCH, XS_UNWATCH, XS_TRANSACTION_START, XS_TRANSACTION_END,
  XS_EPROTO, XS_E2BIG, XS_ETIMEDOUT, XS_EAGAIN, XS_EIO, XS_EINVAL,
} from "./wire";

export const MAX_WAITS: i32 = 1000;
export const TX_RETRIES: i32 = 16;
const WAIT_NS: i64 = 10_000_000;

const REQ: usize = memory.data(XS_HEADER_SIZE + XS_PAYLOAD_MAX, 8);
const RSP: usize = memory.data(XS_HEADER_SIZE + XS_PAYLOAD_MAX + 1, 8);
// Watch events: a byte queue of [u32 len][payload] records.
const EVQ_SIZE: i32 = 16384;
const EVQ: usize = memory.data(EVQ_SIZE, 8);
let evqLen: i32 = 0;
let evqDropped: u32 = 0;

const ERRMSG: usize = memory.data(128, 8);
let errLen: i32 = 0;

let ring: usize = 0;
let port: u32 = 0;
let nextReqId: u32 = 1;
let failed = false;
let clockNow: u32 = 0;

export type NowFn = () => i64;
export type TransactionBody = (tx: u32) => i32;

function onEvent(p: u32): void {}

export function xsInit(page: usize, evtchn: u32, now: NowFn): void {
  ring = page;
  port = evtchn;
  clockNow = now.index + 1;
  failed = false;
  errLen = 0;
  evqLen = 0;
  bindHandler(port, onEvent);
}

function fail(msg: string): i32 {
  failed = true;
  errLen = 0;
  for (let i = 0; i < msg.length && errLen < 127; i++) {
    store<u8>(ERRMSG + <usize>errLen, <u8>msg.charCodeAt(i));
    errLen++;
  }
  return XS_EPROTO;
}

export function xsFailed(): bool { return failed; }
export function xsLastError(): usize { return ERRMSG; }
export function xsLastErrorLength(): i32 { return errLen; }
export function xsReply(): usize { return RSP + <usize>XS_HEADER_SIZE; }

function wait(): void {
  notify(port);
  waitForEvents(clockNow != 0 ? call_indirect<i64>(clockNow - 1) + WAIT_NS : -1);
}

function send(src: usize, len: i32): i32 {
  let done = 0;
  let waits = 0;
  while (done < len) {
    const n = xsRingWrite(ring, src + <usize>done, len - done);
    if (n == XS_RING_CORRUPT) return fail("xenstore: request ring indices out of range");
    done += n;
    if (done < len) {
      if (++waits > MAX_WAITS) return XS_ETIMEDOUT;
      wait();
    }
  }
  notify(port);
  return 0;
}

/** Reads exactly `len` response bytes (waiting for them). */
function receive(dst: usize, len: i32): i32 {
  let done = 0;
  let waits = 0;
  while (done < len) {
    const n = xsRingRead(ring, dst + <usize>done, len - done);
    if (n == XS_RING_CORRUPT) return fail("xenstore: response ring indices out of range");
    done += n;
    if (n > 0) notify(port);
    if (done < len) {
      if (++waits > MAX_WAITS) return XS_ETIMEDOUT;
      wait();
    }
  }
  return 0;
}

function queueWatchEvent(p: usize, len: i32): void {
  if (evqLen + 4 + len > EVQ_SIZE) {
    evqDropped++;
    return;
  }
  store<u32>(EVQ + <usize>evqLen, <u32>len);
  memory.copy(EVQ + <usize>evqLen + 4, p, <usize>len);
  evqLen += 4 + len;
}

/** Sends one request and waits for its reply (queueing watch events that come first).
 *  The reply payload is at xsReply(), NUL-terminated for convenience; returns its length
 *  or a negative error. */
export function xsRequest(type: u32, tx: u32, payload: usize, len: i32): i32 {
  if (failed) return XS_EPROTO;
  if (ring == 0) return XS_EIO;
  if (len < 0 || len > XS_PAYLOAD_MAX) return XS_E2BIG;
  const id = nextReqId++;
  writeHeader(REQ, type, id, tx, <u32>len);
  if (len > 0) memory.copy(REQ + <usize>XS_HEADER_SIZE, payload, <usize>len);
  let rc = send(REQ, XS_HEADER_SIZE + len);
  if (rc < 0) return rc;
  for (;;) {
    rc = receive(RSP, XS_HEADER_SIZE);
    if (rc < 0) return rc;
    const rlen = headerLen(RSP);
    if (rlen > <u32>XS_PAYLOAD_MAX) return fail("xenstore: reply length over 4096");
    rc = receive(RSP + <usize>XS_HEADER_SIZE, <i32>rlen);
    if (rc < 0) return rc;
    store<u8>(RSP + <usize>XS_HEADER_SIZE + <usize>rlen, 0);
    const rtype = headerType(RSP);
    if (rtype == XS_WATCH_EVENT) {
      queueWatchEvent(RSP + <usize>XS_HEADER_SIZE, <i32>rlen);
      continue;
    }
    if (headerReqId(RSP) != id) return fail("xenstore: reply to a request that was not sent");
    if (rtype == XS_ERROR) return errorCode(RSP + <usize>XS_HEADER_SIZE, <i32>rlen);
    if (rtype != type) return fail("xenstore: reply of another type than the request");
    return <i32>rlen;
  }
}

// Request payloads are built here: "path\0" or "path\0value".
const ARGS: usize = memory.data(XS_PAYLOAD_MAX, 8);

function args1(a: usize, alen: i32): i32 {
  if (alen < 0 || alen + 1 > XS_PAYLOAD_MAX) return XS_E2BIG;
  memory.copy(ARGS, a, <usize>alen);
  store<u8>(ARGS + <usize>alen, 0);
  return alen + 1;
}

function args2(a: usize, alen: i32, b: usize, blen: i32, terminateB: bool): i32 {
  const total = alen + 1 + blen + (terminateB ? 1 : 0);
  if (alen < 0 || blen < 0 || total > XS_PAYLOAD_MAX) return XS_E2BIG;
  memory.copy(ARGS, a, <usize>alen);
  store<u8>(ARGS + <usize>alen, 0);
  memory.copy(ARGS + <usize>alen + 1, b, <usize>blen);
  if (terminateB) store<u8>(ARGS + <usize>(alen + 1 + blen), 0);
  return total;
}

function copyOut(n: i32, out: usize, max: i32): i32 {
  if (n < 0) return n;
  const k = n < max ? n : max;
  memory.copy(out, xsReply(), <usize>k);
  return n; // the full length, so the caller can tell it was cut
}

/** Value of `path` into out (at most max bytes): its full length, or -errno. */
export function xsRead(tx: u32, path: usize, pathLen: i32, out: usize, max: i32): i32 {
  const n = args1(path, pathLen);
  if (n < 0) return n;
  return copyOut(xsRequest(XS_READ, tx, ARGS, n), out, max);
}

export function xsWrite(tx: u32, path: usize, pathLen: i32, value: usize, valueLen: i32): i32 {
  const n = args2(path, pathLen, value, valueLen, false);
  if (n < 0) return n;
  const rc = xsRequest(XS_WRITE, tx, ARGS, n);
  return rc < 0 ? rc : 0;
}

export function xsMkdir(tx: u32, path: usize, pathLen: i32): i32 {
  const n = args1(path, pathLen);
  if (n < 0) return n;
  const rc = xsRequest(XS_MKDIR, tx, ARGS, n);
  return rc < 0 ? rc : 0;
}

export function xsRm(tx: u32, path: usize, pathLen: i32): i32 {
  const n = args1(path, pathLen);
  if (n < 0) return n;
  const rc = xsRequest(XS_RM, tx, ARGS, n);
  return rc < 0 ? rc : 0;
}

/** Children of `path` as NUL-separated names into out: the full length, or -errno. */
export function xsDirectory(tx: u32, path: usize, pathLen: i32, out: usize, max: i32): i32 {
  const n = args1(path, pathLen);
  if (n < 0) return n;
  return copyOut(xsRequest(XS_DIRECTORY, tx, ARGS, n), out, max);
}

export function xsWatch(path: usize, pathLen: i32, token: usize, tokenLen: i32): i32 {
  const n = args2(path, pathLen, token, tokenLen, true);
  if (n < 0) return n;
  const rc = xsRequest(XS_WATCH, 0, ARGS, n);
  return rc < 0 ? rc : 0;
}

export function xsUnwatch(path: usize, pathLen: i32, token: usize, tokenLen: i32): i32 {
  const n = args2(path, pathLen, token, tokenLen, true);
  if (n < 0) return n;
  const rc = xsRequest(XS_UNWATCH, 0, ARGS, n);
  return rc < 0 ? rc : 0;
}

/** Starts a transaction: its id (> 0), or -errno. */
export function xsTransactionStart(): i64 {
  store<u8>(ARGS, 0);
  const n = xsRequest(XS_TRANSACTION_START, 0, ARGS, 1);
  if (n < 0) return n;
  let id: u64 = 0;
  let digits = 0;
  const p = xsReply();
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c == 0) break;
    if (c < 0x30 || c > 0x39 || digits >= 10) return fail("xenstore: transaction id is not a number");
    id = id * 10 + <u64>(c - 0x30);
    digits++;
  }
  if (digits == 0 || id == 0 || id > 0xffff_ffff) return fail("xenstore: transaction id is not a number");
  return <i64>id;
}

/** Commits (or aborts) a transaction: 0, XS_EAGAIN when it must be retried, or -errno. */
export function xsTransactionEnd(tx: u32, commit: bool): i32 {
  store<u8>(ARGS, commit ? 0x54 : 0x46); // "T" / "F"
  store<u8>(ARGS, 0, 1);
  const rc = xsRequest(XS_TRANSACTION_END, tx, ARGS, 2);
  return rc < 0 ? rc : 0;
}

/** Runs body(tx) in a transaction, retrying the whole body on EAGAIN. The body returns 0
 *  to commit or a negative error to abort (returned as is). */
export function xsTransaction(body: TransactionBody): i32 {
  for (let attempt = 0; attempt < TX_RETRIES; attempt++) {
    const tx = xsTransactionStart();
    if (tx < 0) return <i32>tx;
    const rc = call_indirect<i32>(body.index, <u32>tx);
    if (rc == XS_EAGAIN) {
      xsTransactionEnd(<u32>tx, false);
      continue;
    }
    if (rc < 0) {
      xsTransactionEnd(<u32>tx, false);
      return rc;
    }
    const end = xsTransactionEnd(<u32>tx, true);
    if (end == XS_EAGAIN) continue;
    return end;
  }
  return XS_EAGAIN;
}

/** Takes the oldest queued watch event ("path\0token\0") into out: its length, 0 if none,
 *  or XS_EINVAL when out is too small (the event stays queued). Also polls the ring for
 *  events that arrived while no request was in flight. */
export function xsNextWatchEvent(out: usize, max: i32): i32 {
  if (!failed && ring != 0) pollEvents();
  if (evqLen == 0) return 0;
  const len = <i32>load<u32>(EVQ);
  if (len > max) return XS_EINVAL;
  memory.copy(out, EVQ + 4, <usize>len);
  memory.copy(EVQ, EVQ + 4 + <usize>len, <usize>(evqLen - 4 - len));
  evqLen -= 4 + len;
  return len;
}

/** Reads complete watch-event messages already in the ring, without waiting. */
function pollEvents(): void {
  for (;;) {
    const avail = xsRingAvailable(ring);
    if (avail == XS_RING_CORRUPT) { fail("xenstore: response ring indices out of range"); return; }
    if (avail < XS_HEADER_SIZE) return;
    // peek the header's length without consuming: read it, then the payload (waiting is
    // fine: xenstored writes whole messages)
    if (receive(RSP, XS_HEADER_SIZE) < 0) return;
    const rlen = headerLen(RSP);
    if (rlen > <u32>XS_PAYLOAD_MAX) { fail("xenstore: reply length over 4096"); return; }
    if (receive(RSP + <usize>XS_HEADER_SIZE, <i32>rlen) < 0) return;
    if (headerType(RSP) != XS_WATCH_EVENT) { fail("xenstore: unsolicited reply"); return; }
    queueWatchEvent(RSP + <usize>XS_HEADER_SIZE, <i32>rlen);
  }
}

export function xsWatchEventsDropped(): u32 { return evqDropped; }
export function xsTxIdOfReply(): u32 { return headerTxId(RSP); }
export function xsIoError(): i32 { return XS_EIO; }
