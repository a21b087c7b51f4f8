// The xenstore client against a fake xenstored working on the shared ring in linear memory:
// request encoding, replies, errors, watches, transactions retried on EAGAIN, and a backend
// that sends garbage indices or lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDrivers, putBytes, getString, CONSOLE_PORT, XS_PORT, type DriversEx } from './support/load.ts';
import type { FakeXen } from '../kernel/support/fake-xen.ts';

const REQ = 0, RSP = 1024, REQ_CONS = 2048, REQ_PROD = 2052, RSP_CONS = 2056, RSP_PROD = 2060;
const T = { DIRECTORY: 1, READ: 2, WATCH: 4, TX_START: 6, TX_END: 7, WRITE: 11, RM: 13, WATCH_EVENT: 15, ERROR: 16 };

interface Msg { type: number; reqId: number; txId: number; payload: Buffer }

/** A fake xenstored: parses requests from the ring, answers through `answer`. */
class FakeXenstored {
  store = new Map<string, string>();
  requests: Msg[] = [];
  pending = Buffer.alloc(0);
  answer: (m: Msg, d: FakeXenstored) => Msg[] = (m) => this.defaultAnswer(m);
  txStarts = 0;
  eagainLeft = 0;
  constructor(public xen: FakeXen, public page: number) {}

  static msg(type: number, reqId: number, txId: number, payload: string | Buffer): Msg {
    return { type, reqId, txId, payload: typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload };
  }

  defaultAnswer(m: Msg): Msg[] {
    const parts = m.payload.toString('latin1').split('\0');
    const ok = (p: string) => [FakeXenstored.msg(m.type, m.reqId, m.txId, p)];
    switch (m.type) {
      case T.READ: {
        const v = this.store.get(parts[0]);
        return v === undefined ? [FakeXenstored.msg(T.ERROR, m.reqId, m.txId, 'ENOENT\0')] : ok(v);
      }
      case T.WRITE: this.store.set(parts[0], m.payload.subarray(parts[0].length + 1).toString('latin1')); return ok('OK\0');
      case T.RM: this.store.delete(parts[0]); return ok('OK\0');
      case T.DIRECTORY: {
        const kids = [...this.store.keys()].filter((k) => k.startsWith(parts[0] + '/')).map((k) => k.slice(parts[0].length + 1));
        return ok(kids.map((k) => k + '\0').join(''));
      }
      case T.WATCH: return [FakeXenstored.msg(T.WATCH, m.reqId, 0, 'OK\0'), FakeXenstored.msg(T.WATCH_EVENT, 0, 0, `${parts[0]}\0${parts[1]}\0`)];
      case T.TX_START: this.txStarts++; return ok(`${40 + this.txStarts}\0`);
      case T.TX_END:
        if (this.eagainLeft > 0 && parts[0] === 'T') { this.eagainLeft--; return [FakeXenstored.msg(T.ERROR, m.reqId, m.txId, 'EAGAIN\0')]; }
        return ok('OK\0');
    }
    return [FakeXenstored.msg(T.ERROR, m.reqId, m.txId, 'ENOSYS\0')];
  }

  /** Runs on notify: consume requests, write answers. */
  service(): void {
    const v = this.xen.view, p = this.page;
    let cons = v.getUint32(p + REQ_CONS, true);
    const prod = v.getUint32(p + REQ_PROD, true);
    const bytes: number[] = [];
    while (cons !== prod) { bytes.push(this.xen.bytes[p + REQ + (cons % 1024)]); cons = (cons + 1) >>> 0; }
    v.setUint32(p + REQ_CONS, cons, true);
    this.pending = Buffer.from([...this.pending, ...bytes]);
    while (this.pending.length >= 16) {
      const len = this.pending.readUInt32LE(12);
      if (this.pending.length < 16 + len) break;
      const m = { type: this.pending.readUInt32LE(0), reqId: this.pending.readUInt32LE(4), txId: this.pending.readUInt32LE(8), payload: this.pending.subarray(16, 16 + len) };
      this.pending = this.pending.subarray(16 + len);
      this.requests.push(m);
      for (const r of this.answer(m, this)) this.reply(r);
    }
  }

  reply(r: Msg, lenOverride?: number): void {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(r.type, 0); h.writeUInt32LE(r.reqId, 4); h.writeUInt32LE(r.txId, 8); h.writeUInt32LE(lenOverride ?? r.payload.length, 12);
    this.raw(Buffer.from([...h, ...r.payload]));
  }

  raw(b: Buffer): void {
    const v = this.xen.view, p = this.page;
    let prod = v.getUint32(p + RSP_PROD, true);
    for (const byte of b) { this.xen.bytes[p + RSP + (prod % 1024)] = byte; prod = (prod + 1) >>> 0; }
    v.setUint32(p + RSP_PROD, prod, true);
  }
}

async function setup(startIndex = 0) {
  let d!: FakeXenstored;
  const { xen, ex } = await loadDrivers({ onNotify: (port) => { if (port === XS_PORT) d.service(); } });
  d = new FakeXenstored(xen, ex.xenstorePage());
  for (const off of [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD]) xen.view.setUint32(ex.xenstorePage() + off, startIndex, true);
  ex.init(CONSOLE_PORT, XS_PORT);
  return { xen, ex, d };
}

function path(xen: FakeXen, ex: DriversEx, p: string, value = ''): [number, number] {
  putBytes(xen, ex.buf(), p + value);
  return [p.length, value.length];
}

function error(xen: FakeXen, ex: DriversEx): string {
  return getString(xen, ex.lastError(), ex.lastErrorLength());
}

test('write then read, request encoding on the wire, indices free-running across 2^32', async () => {
  const { xen, ex, d } = await setup(0xffff_ff00);
  const [pl, vl] = path(xen, ex, 'device/vif/0/state', '4');
  assert.equal(ex.write(0, pl, vl), 0);
  const w = d.requests[0];
  assert.equal(w.type, T.WRITE);
  assert.equal(w.txId, 0);
  assert.equal(w.payload.toString('latin1'), 'device/vif/0/state\x004', 'path NUL value, no trailing NUL');
  path(xen, ex, 'device/vif/0/state');
  assert.equal(ex.read(0, pl), 1);
  assert.equal(getString(xen, ex.out(), 1), '4');
  assert.equal(d.requests[1].payload.toString('latin1'), 'device/vif/0/state\0');
  assert.notEqual(d.requests[1].reqId, w.reqId);
  for (let i = 0; i < 40; i++) assert.equal(ex.read(0, pl), 1, 'many round trips wrap the ring');
});

test('errors come back as -errno; directory lists children; rm', async () => {
  const { xen, ex, d } = await setup();
  const [pl] = path(xen, ex, 'nothing/here');
  assert.equal(ex.read(0, pl), -2);
  d.store.set('a/x', '1');
  d.store.set('a/y', '2');
  const [al] = path(xen, ex, 'a');
  const n = ex.directory(al);
  assert.equal(getString(xen, ex.out(), n), 'x\0y\0');
  const [xl] = path(xen, ex, 'a/x');
  assert.equal(ex.rm(xl), 0);
  assert.equal(d.store.has('a/x'), false);
  assert.equal(ex.failed(), 0);
});

test('watch events arriving before the reply are queued and handed out in order', async () => {
  const { xen, ex } = await setup();
  const [pl, tl] = path(xen, ex, 'control/shutdown', 'tok1');
  assert.equal(ex.watch(pl, tl), 0);
  const n = ex.nextEvent();
  assert.equal(getString(xen, ex.out(), n), 'control/shutdown\0tok1\0');
  assert.equal(ex.nextEvent(), 0);
});

test('a watch event that arrives while idle is picked up by polling', async () => {
  const { xen, ex, d } = await setup();
  d.reply(FakeXenstored.msg(T.WATCH_EVENT, 0, 0, 'memory/target\0t\0'));
  const n = ex.nextEvent();
  assert.equal(getString(xen, ex.out(), n), 'memory/target\0t\0');
});

test('transactions: the body is re-run when the commit answers EAGAIN', async () => {
  const { xen, ex, d } = await setup();
  putBytes(xen, ex.buf() + 6000, 'data/counter');
  putBytes(xen, ex.buf() + 6100, '1');
  d.eagainLeft = 2;
  assert.equal(ex.transaction(), 0);
  assert.equal(ex.transactionRuns(), 3);
  const writes = d.requests.filter((m) => m.type === T.WRITE);
  assert.deepEqual(writes.map((m) => m.txId), [41, 42, 43], 'each write carries its transaction id');
  const ends = d.requests.filter((m) => m.type === T.TX_END).map((m) => m.payload.toString('latin1'));
  assert.deepEqual(ends, ['T\0', 'T\0', 'T\0']);
});

test('garbage from xenstored: a reply length over 4096 is a protocol error, not a copy', async () => {
  const { xen, ex, d } = await setup();
  d.answer = (m, dd) => { dd.reply(FakeXenstored.msg(m.type, m.reqId, 0, 'xx'), 0x7fff_ffff); return []; };
  const [pl] = path(xen, ex, 'k');
  assert.equal(ex.read(0, pl), -71);
  assert.equal(ex.failed(), 1);
  assert.match(error(xen, ex), /length over 4096/);
  assert.equal(ex.read(0, pl), -71, 'stays failed');
});

test('garbage from xenstored: response indices out of range', async () => {
  const { xen, ex, d } = await setup();
  d.answer = () => { xen.view.setUint32(ex.xenstorePage() + RSP_PROD, 0x9000_0000, true); return []; };
  const [pl] = path(xen, ex, 'k');
  assert.equal(ex.read(0, pl), -71);
  assert.match(error(xen, ex), /response ring indices/);
  assert.equal(xen.view.getUint32(ex.xenstorePage() + RSP_CONS, true), 0, 'nothing consumed from a corrupt ring');
});

test('garbage from xenstored: request ring indices out of range', async () => {
  const { xen, ex } = await setup();
  xen.view.setUint32(ex.xenstorePage() + REQ_CONS, 77777, true);
  const [pl] = path(xen, ex, 'k');
  assert.equal(ex.read(0, pl), -71);
  assert.match(error(xen, ex), /request ring indices/);
});

test('garbage from xenstored: a reply with another request id or type', async () => {
  {
    const { xen, ex, d } = await setup();
    d.answer = (m) => [FakeXenstored.msg(m.type, m.reqId + 100, 0, 'v')];
    const [pl] = path(xen, ex, 'k');
    assert.equal(ex.read(0, pl), -71);
    assert.match(error(xen, ex), /not sent/);
  }
  {
    const { xen, ex, d } = await setup();
    d.answer = (m) => [FakeXenstored.msg(T.DIRECTORY, m.reqId, 0, 'v')];
    const [pl] = path(xen, ex, 'k');
    assert.equal(ex.read(0, pl), -71);
    assert.match(error(xen, ex), /another type/);
  }
});

test('a silent xenstored times out instead of hanging', async () => {
  const { xen, ex, d } = await setup();
  d.answer = () => [];
  const [pl] = path(xen, ex, 'k');
  assert.equal(ex.read(0, pl), -110);
});

test('a path too long for one message is refused before anything is sent', async () => {
  const { xen, ex, d } = await setup();
  putBytes(xen, ex.buf(), 'p'.repeat(4096));
  assert.equal(ex.read(0, 4096), -7);
  assert.equal(d.requests.length, 0);
});
