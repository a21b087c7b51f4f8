// Delay-style scheduling on a fake clock: the host's clocks are virtual, and wait_event (the VM's
// idle call when no process can run) jumps virtual time to the deadline it is given. So these
// tests prove that the VM idles in wait_event with the next timer deadline instead of spinning
// (a spinning VM never advances the clock and hits the wall-clock guard), that the timer
// semaphore (primitives 136 and 242) wakes sleepers in deadline order, that the clocks
// (135, 240, 241) read the platform clocks, and that Mutex primitives (185-187) hand over
// ownership in order. XDelay below is a small Squeak-style Delay: a timer process at priority 80
// keeps the queue of sleepers and re-arms the timer semaphore for the earliest one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileVm } from '../../../build/vm/compile-vm.ts';
import { NodeHost, BufferInput, HostStop } from '../../../build/targets/node-host.ts';
import { buildEvalImage } from '../../../build/cli/commands/run.ts';

const CLOCK_CLASS = `Class {
	#name : #XClock,
	#superclass : #Object,
	#category : #'X-Delay'
}

{ #category : #clocks }
XClock class >> ms [
	<primitive: 135>
	^ self primitiveFailed
]

{ #category : #clocks }
XClock class >> usecs [
	<primitive: 240>
	^ self primitiveFailed
]

{ #category : #clocks }
XClock class >> localUsecs [
	<primitive: 241>
	^ self primitiveFailed
]

{ #category : #system }
XClock class >> specialObjects [
	<primitive: 129>
	^ self primitiveFailed
]

{ #category : #timer }
XClock class >> signal: aSemaphore atMilliseconds: ms [
	<primitive: 136>
	^ self primitiveFailed
]

{ #category : #timer }
XClock class >> signal: aSemaphore atUTCMicroseconds: us [
	<primitive: 242>
	^ self primitiveFailed
]
`;

const DELAY_CLASS = `Class {
	#name : #XDelay,
	#superclass : #Object,
	#instVars : [ 'duration', 'wakeAt', 'sema' ],
	#classVars : [ 'Queue', 'Timer', 'UseMs' ],
	#category : #'X-Delay'
}

{ #category : #'instance creation' }
XDelay class >> forMilliseconds: ms [
	^ self new setDuration: ms
]

{ #category : #scheduling }
XDelay class >> useMilliseconds: aBoolean [
	UseMs := aBoolean
]

{ #category : #scheduling }
XDelay class >> now [
	^ UseMs == true ifTrue: [ XClock ms ] ifFalse: [ XClock usecs ]
]

{ #category : #scheduling }
XDelay class >> ticksFor: ms [
	^ UseMs == true ifTrue: [ ms ] ifFalse: [ ms * 1000 ]
]

{ #category : #scheduling }
XDelay class >> schedule: aDelay [
	Queue isNil ifTrue: [
		Queue := OrderedCollection new.
		Timer := Semaphore new.
		[ [ true ] whileTrue: [ Timer wait. self fireDue ] ] forkAt: 80 ].
	Queue add: aDelay.
	Timer signal
]

{ #category : #scheduling }
XDelay class >> fireDue [
	| now due next |
	now := self now.
	due := Queue select: [ :d | d wakeAt <= now ].
	due do: [ :d | Queue remove: d. d fire ].
	next := nil.
	Queue do: [ :d | (next isNil or: [ d wakeAt < next ]) ifTrue: [ next := d wakeAt ] ].
	next isNil
		ifTrue: [ XClock signal: nil atMilliseconds: 0 ]
		ifFalse: [ UseMs == true
			ifTrue: [ XClock signal: Timer atMilliseconds: next ]
			ifFalse: [ XClock signal: Timer atUTCMicroseconds: next ] ]
]

{ #category : #private }
XDelay >> setDuration: ms [
	duration := ms.
	sema := Semaphore new
]

{ #category : #accessing }
XDelay >> wakeAt [
	^ wakeAt
]

{ #category : #waiting }
XDelay >> wait [
	wakeAt := XDelay now + (XDelay ticksFor: duration).
	XDelay schedule: self.
	sema wait
]

{ #category : #private }
XDelay >> fire [
	sema signal
]
`;

const MUTEX_CLASS = `Class {
	#name : #XMutex,
	#superclass : #LinkedList,
	#instVars : [ 'owner' ],
	#category : #'X-Delay'
}

{ #category : #'mutual exclusion' }
XMutex >> critical: aBlock [
	^ self primEnter
		ifTrue: [ aBlock value ]
		ifFalse: [ aBlock ensure: [ self primExit ] ]
]

{ #category : #private }
XMutex >> primEnter [
	<primitive: 186>
	^ self primitiveFailed
]

{ #category : #private }
XMutex >> primExit [
	<primitive: 185>
	^ self primitiveFailed
]

{ #category : #private }
XMutex >> primTestAndSet [
	<primitive: 187>
	^ self primitiveFailed
]

{ #category : #accessing }
XMutex >> owner [
	^ owner
]
`;

/** Virtual time in ns; starts at an arbitrary origin far from 0. */
class FakeClock {
  now = 5_000_000_000n;
  readonly wall0 = 1_800_000_000_000_000_000n; // 2027-01-15 UTC, in ns since 1970
  waits: bigint[] = [];
  /** an external semaphore index the host signals once virtual time passes signalAt */
  signalAt = -1n;
  signalIndex = 0;
  /** every clock read costs this much virtual time (a running program takes time) */
  constructor(readonly tick = 1_000n) {}
}

let dir = '';
let wasm: WebAssembly.Module | null = null;

async function runFake(expr: string, clock = new FakeClock()): Promise<{ out: string; status: number; message: string; clock: FakeClock }> {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'xdelay-'));
    mkdirSync(join(dir, 'p'));
    writeFileSync(join(dir, 'p', 'XClock.class.st'), CLOCK_CLASS);
    writeFileSync(join(dir, 'p', 'XDelay.class.st'), DELAY_CLASS);
    writeFileSync(join(dir, 'p', 'XMutex.class.st'), MUTEX_CLASS);
    writeFileSync(join(dir, 'p', 'package.st'), "Package { #name : #'X-Delay' }\n");
  }
  if (!wasm) wasm = await WebAssembly.compile(new Uint8Array(readFileSync((await compileVm({ target: 'node' })).wasmPath)));
  const built = buildEvalImage(expr, [join(dir, 'p')]);
  try {
    const chunks: Uint8Array[] = [];
    const host = new NodeHost({ image: new Uint8Array(readFileSync(built.path)), input: new BufferInput(new Uint8Array(0), true), write: (b) => chunks.push(b) });
    const x = host.imports.xenolith;
    const started = Date.now();
    const guard = (): void => {
      // a VM that spins instead of idling never moves virtual time: stop it
      if (Date.now() - started > 20_000) throw new HostStop(70, true, 'wall-clock guard: the VM spun instead of idling');
    };
    const maybeSignal = (): void => {
      if (clock.signalAt >= 0n && clock.now >= clock.signalAt) { clock.signalAt = -1n; host.signal(clock.signalIndex); }
    };
    x.clock_monotonic_ns = (() => { guard(); clock.now += clock.tick; maybeSignal(); return clock.now; }) as never;
    x.clock_wall_ns = (() => { guard(); clock.now += clock.tick; return clock.wall0 + clock.now; }) as never;
    // The interrupt check polls next_signal without reading a clock when no timer is armed, so
    // polling costs virtual time too: otherwise a busy loop freezes the fake clock and the
    // host's signal (due at a virtual time) never comes.
    const nextSignal = x.next_signal as unknown as () => number;
    x.next_signal = (() => { guard(); clock.now += clock.tick; maybeSignal(); return nextSignal(); }) as never;
    x.wait_event = ((deadline: bigint) => {
      guard();
      clock.waits.push(deadline);
      if (deadline < 0n) throw new HostStop(70, true, 'deadlock: wait_event without a deadline');
      if (deadline > clock.now) clock.now = deadline;
    }) as never;
    const inst = await host.instantiate(wasm);
    const r = host.run(inst);
    return { out: Buffer.concat(chunks).toString('utf8').trim(), status: r.status, message: r.message, clock };
  } finally { built.cleanup(); }
}

test('delays on the UTC microsecond timer (242) wake in deadline order; the VM idles to each deadline', async () => {
  const r = await runFake(`| log done t0 |
    log := OrderedCollection new. done := Semaphore new. t0 := XClock usecs.
    #(300 100 200) do: [:ms | [(XDelay forMilliseconds: ms) wait. log add: ms -> ((XClock usecs - t0) // 1000). done signal] fork].
    3 timesRepeat: [done wait].
    log asArray`);
  assert.equal(r.status, 0, r.out + r.message);
  const woke = [...r.out.matchAll(/(\d+)->(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(woke.map((w) => w[0]), [100, 200, 300], r.out);
  // each wakes at (or a few virtual µs of clock reads after) its deadline, never early
  for (const [ms, at] of woke) assert.ok(at >= ms && at < ms + 5, `${ms} ms delay woke at ${at} ms: ${r.out}`);
  // the VM idled three times, each time with a timer deadline (never -1, never spinning)
  const timed = r.clock.waits.filter((d) => d >= 0n);
  assert.ok(timed.length >= 3 && timed.length <= 6, `wait_event deadlines: ${r.clock.waits}`);
});

test('delays on the millisecond timer (136) and the millisecond clock (135)', async () => {
  const r = await runFake(`| log done t0 |
    XDelay useMilliseconds: true.
    log := OrderedCollection new. done := Semaphore new. t0 := XClock ms.
    #(50 20 1000 5) do: [:ms | [(XDelay forMilliseconds: ms) wait. log add: ms. done signal] fork].
    4 timesRepeat: [done wait].
    {log asArray. XClock ms - t0}`);
  assert.equal(r.status, 0, r.out + r.message);
  const m = /^#\(#\((.*)\) (\d+)\)$/.exec(r.out);
  assert.ok(m, r.out);
  assert.equal(m![1], '5 20 50 1000');
  const elapsed = Number(m![2]);
  assert.ok(elapsed >= 1000 && elapsed < 1010, `elapsed ${elapsed} ms`);
});

test('a busy lower-priority process is preempted by a timer-woken higher-priority one', async () => {
  const r = await runFake(`| log n |
    log := OrderedCollection new. n := 0.
    [(XDelay forMilliseconds: 10) wait. log add: #woke -> n] forkAt: 60.
    [log isEmpty] whileTrue: [n := n + 1].
    log first value > 0`);
  assert.equal(r.status, 0, r.out + r.message);
  assert.equal(r.out, 'true');
});

test('the clocks read the platform clocks: 240/241 in µs since 1901, 135 in ms since start', async () => {
  const clock = new FakeClock(0n);
  const r = await runFake(`{XClock usecs. XClock localUsecs. XClock ms}`, clock);
  assert.equal(r.status, 0, r.out + r.message);
  const [utc, local, ms] = r.out.replace(/[#()]/g, '').split(' ').map((s) => BigInt(s));
  const expected = (clock.wall0 + clock.now) / 1000n + 2_177_452_800n * 1_000_000n;
  assert.equal(utc, expected);
  assert.equal(local, expected, 'no time zone on a unikernel: local = UTC');
  assert.equal(ms, 0n);
});

test('a timer deadline in the past fires at once; nil disarms the timer', async () => {
  const r = await runFake(`| s t |
    s := Semaphore new.
    XClock signal: s atMilliseconds: XClock ms - 100.
    s wait.
    t := Semaphore new.
    XClock signal: t atMilliseconds: XClock ms + 50.
    XClock signal: nil atMilliseconds: 0.
    [s wait] forkAt: 30.
    XClock signal: s atMilliseconds: XClock ms + 70.
    s wait.
    t excessSignals`);
  assert.equal(r.status, 0, r.out + r.message);
  assert.equal(r.out, '0');
});

test('an external semaphore signalled by the platform (next_signal) preempts a busy loop', async () => {
  const clock = new FakeClock();
  clock.signalAt = clock.now + 5_000_000n;
  clock.signalIndex = 2;
  const r = await runFake(`| sema ext n log |
    ext := Array new: 4. sema := Semaphore new. ext at: 2 put: sema.
    XClock specialObjects at: 39 put: ext.
    log := OrderedCollection new. n := 0.
    [sema wait. log add: n] forkAt: 60.
    [log isEmpty] whileTrue: [n := n + 1].
    {log first > 0. sema excessSignals}`, clock);
  assert.equal(r.status, 0, r.out + r.message);
  assert.equal(r.out, '#(true 0)');
  assert.equal(clock.signalAt, -1n, 'the host signalled');
});

test('the millisecond clock wraps at 2^30 and a deadline past the wrap still fires on time', async () => {
  const r = await runFake(`| s t0 before after |
    s := Semaphore new.
    2 timesRepeat: [XClock signal: s atMilliseconds: ((XClock ms + 16r1FFFFFFF) bitAnd: 16r3FFFFFFF). s wait].
    before := XClock ms.
    t0 := XClock usecs.
    XClock signal: s atMilliseconds: ((before + 100) bitAnd: 16r3FFFFFFF). s wait.
    after := XClock ms.
    {before > 16r3FFFFF00. after < 200. (XClock usecs - t0) // 1000}`);
  assert.equal(r.status, 0, r.out + r.message);
  const m = /^#\(true true (\d+)\)$/.exec(r.out);
  assert.ok(m, r.out);
  assert.ok(Number(m![1]) >= 100 && Number(m![1]) < 105, r.out);
});

test('Mutex primitives 185-187: ownership, re-entry and hand-over in arrival order', async () => {
  const r = await runFake(`| m log done |
    m := XMutex new. log := OrderedCollection new. done := Semaphore new.
    log add: m primTestAndSet; add: m primTestAndSet.
    m primExit.
    m critical: [
      #(1 2 3) do: [:i | [m critical: [log add: i]. done signal] fork].
      (XDelay forMilliseconds: 10) wait.
      log add: #held.
      m critical: [log add: #reentered]].
    3 timesRepeat: [done wait].
    log add: m owner.
    [m critical: [(XDelay forMilliseconds: 10) wait]] fork.
    Processor yield.
    log add: m primTestAndSet.
    log asArray`);
  assert.equal(r.status, 0, r.out + r.message);
  assert.equal(r.out, '#(false true #held #reentered 1 2 3 nil nil)');
});

test.after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
