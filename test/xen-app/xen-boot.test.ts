// Smalltalk on Xen, in ONE boot of the Xen test host (QEMU + Xen + dom0 running `xl create` for
// each guest in turn; ~20 s under TCG once the host is provisioned): examples/hello with its
// image embedded and the same through the PV boot module (xl ramdisk=); `Smalltalk quit: 3` seen
// by the host as poweroff with status 3; a 200 ms wait on the timer semaphore measured in the
// guest; a VM crash showing its Smalltalk stack and the domain seen as crashed; console input
// typed into the domain's console read by the image.
// Skips with the reason when the host cannot be provisioned or XENOLITH_SKIP_XEN_HOST=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../build/bootstrap/image-builder.ts';
import { buildXenApp } from '../../build/pipeline/xen-app.ts';
import { hostUnavailableReason, runGuests, type GuestResult } from '../../build/xenhost/index.ts';
import { SpurBuilder } from '../vm/helpers/spur-builder.ts';

const QUIT_CLASS = `Class { #name : #XQuit, #superclass : #Object, #category : #'X-Quit' }

{ #category : #running }
XQuit class >> main [
	Transcript show: 'quitting with 3'; cr; flush.
	Smalltalk quit: 3
]
`;

// The timer semaphore directly (primitives 135, 136): the class library has no Delay yet.
const SLEEP_CLASS = `Class { #name : #XSleep, #superclass : #Object, #category : #'X-Sleep' }

{ #category : #clocks }
XSleep class >> ms [
	<primitive: 135>
	^ self primitiveFailed
]

{ #category : #timer }
XSleep class >> signal: aSemaphore atMilliseconds: ms [
	<primitive: 136>
	^ self primitiveFailed
]

{ #category : #running }
XSleep class >> main [
	| s t0 t1 |
	#(50 200) do: [:d |
		s := Semaphore new.
		t0 := self ms.
		self signal: s atMilliseconds: t0 + d.
		s wait.
		t1 := self ms.
		Transcript show: 'asked '; show: d printString; show: ' slept '; show: (t1 - t0) printString; show: ' ms'; cr].
	^ 0
]
`;

// Console input (platform console_read through the console ring), polled every 10 ms.
const ECHO_CLASS = `Class { #name : #XEcho, #superclass : #Object, #category : #'X-Echo' }

{ #category : #primitives }
XEcho class >> read: aByteArray [
	<primitive: 'primitiveConsoleRead' module: 'Xenolith'>
	^ self primitiveFailed
]

{ #category : #primitives }
XEcho class >> ms [
	<primitive: 135>
	^ self primitiveFailed
]

{ #category : #primitives }
XEcho class >> signal: aSemaphore atMilliseconds: ms [
	<primitive: 136>
	^ self primitiveFailed
]

{ #category : #running }
XEcho class >> main [
	"Echoes console input upper-cased until a period; polls every 10 ms (no input event yet)."
	| buf n line s |
	Transcript show: 'type a line:'; cr; flush.
	buf := ByteArray new: 64.
	line := WriteStream on: String new.
	[n := self read: buf.
	 n < 0 ifTrue: [^ 2].
	 1 to: n do: [:i | line nextPut: (Character value: (buf at: i)) asUppercase].
	 (line contents includes: $.)] whileFalse: [
		n = 0 ifTrue: [
			s := Semaphore new.
			self signal: s atMilliseconds: self ms + 10.
			s wait]].
	Transcript show: 'got: '; show: line contents; cr; flush.
	^ 0
]
`;

function tonel(dir: string, pkg: string, cls: string, source: string): string {
  const d = join(dir, pkg);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'package.st'), `Package { #name : #'${pkg}' }\n`);
  writeFileSync(join(d, `${cls}.class.st`), source);
  return d;
}

/** An image whose entry sends #inner to nil with no #doesNotUnderstand: anywhere: a VM crash. */
function crashImage(): Uint8Array {
  const SELF = 76, RET_TOP = 92;
  const b = new SpurBuilder();
  b.install('Object', 'inner', { literals: [b.sym('missing')], bytecodes: [SELF, 128, RET_TOP] });
  const m = b.method({ literals: [b.sym('inner')], bytecodes: [SELF, 128, RET_TOP] }, 'outer', b.cls('Object'));
  return b.build(m, b.nil);
}

test('Smalltalk on Xen: hello (embedded and as boot module), quit status, timer, VM crash, console input', { timeout: 900_000 }, async (t) => {
  if (process.env.XENOLITH_SKIP_XEN_HOST === '1') return t.skip('XENOLITH_SKIP_XEN_HOST=1');
  const why = hostUnavailableReason();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'xen-boot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const image = (name: string, bytes: Uint8Array) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
  const hello = image('hello.image', buildImage({ dirs: ['examples/hello'] }).image);
  const quit = image('quit.image', buildImage({ dirs: [tonel(dir, 'X-Quit', 'XQuit', QUIT_CLASS)] }).image);
  const sleep = image('sleep.image', buildImage({ dirs: [tonel(dir, 'X-Sleep', 'XSleep', SLEEP_CLASS)] }).image);
  const echo = image('echo.image', buildImage({ dirs: [tonel(dir, 'X-Echo', 'XEcho', ECHO_CLASS)] }).image);
  const crash = image('crash.image', crashImage());
  const kernel = async (img: string, name: string, embedImage = true) => {
    const out = join(dir, name);
    await buildXenApp({ image: img, out, embedImage });
    return out;
  };
  const vm = await kernel(hello, 'vm.xen', false);
  const guests = [
    { name: 'hello', kernel: await kernel(hello, 'hello.xen') },
    { name: 'module', kernel: vm, ramdisk: hello },
    { name: 'quit', kernel: vm, ramdisk: quit },
    { name: 'sleep', kernel: vm, ramdisk: sleep },
    { name: 'crash', kernel: vm, ramdisk: crash },
    { name: 'echo', kernel: vm, ramdisk: echo, consoleInput: 'hello xen.\n' },
  ].map((g) => ({ ...g, memory: 64, timeLimitSeconds: 60 }));
  let run;
  try {
    run = await runGuests(guests, { progress: (l) => t.diagnostic(l) });
  } catch (e) {
    return t.skip(`the Xen test host did not start: ${(e as Error).message}`);
  }
  const g = new Map<string, GuestResult>(run.guests.map((r) => [r.name, r]));
  const show = (r: GuestResult) => `${r.ending} status ${r.exitStatus}\n${r.console}\n${r.xlLog}`;
  t.diagnostic(`QEMU ${run.qemuSeconds.toFixed(1)} s under ${run.accel}; hello: first output ${g.get('hello')?.firstOutputMs} ms after xl create`);

  for (const name of ['hello', 'module']) {
    const r = g.get(name)!;
    assert.equal(r.ending, 'poweroff', show(r));
    assert.equal(r.exitStatus, 0, show(r));
    assert.match(r.console, /Hello from Smalltalk on Xenolith!\n1000 factorial has 2568 digits\nsum of its digits: 10539\n/, show(r));
  }
  const q = g.get('quit')!;
  assert.equal(q.ending, 'poweroff', show(q));
  assert.equal(q.exitStatus, 3, show(q));
  assert.match(q.console, /quitting with 3\n/, show(q));

  const s = g.get('sleep')!;
  assert.equal(s.ending, 'poweroff', show(s));
  // The first timer wait of a fresh domain takes ~1 s however short (open: a Xen-side wakeup
  // problem, not seen on node or linux); later waits are exact, so the 200 ms one comes second.
  const first = /asked 50 slept (\d+) ms/.exec(s.console);
  const m = /asked 200 slept (\d+) ms/.exec(s.console);
  assert.ok(first && m, show(s));
  t.diagnostic(`timer waits in the guest: 50 ms took ${first[1]} ms (the first), 200 ms took ${m[1]} ms`);
  assert.ok(Number(first[1]) >= 50, show(s));
  assert.ok(Number(m[1]) >= 200 && Number(m[1]) < 400, show(s));

  const c = g.get('crash')!;
  assert.equal(c.ending, 'crash', show(c));
  assert.match(c.console, /doesNotUnderstand/, show(c));
  assert.match(c.console, /Smalltalk stack/, show(c));
  assert.match(c.console, /UndefinedObject>>inner/, show(c));

  const e = g.get('echo')!;
  assert.equal(e.ending, 'poweroff', show(e));
  assert.equal(e.exitStatus, 0, show(e));
  assert.match(e.console, /type a line:\ngot: HELLO XEN\.\n/, show(e));
});
