// The image writer and builder: build images from smalltalk/ + small packages, decode them with
// the dumper and check what docs/image-format.md promises the VM.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildImage, stringHash } from '../../build/bootstrap/image-builder.ts';
import { type DecodedObject, SpurImage } from '../../build/bootstrap/image-dump.ts';
import { SourceError } from '../../build/bootstrap/source-error.ts';
import { smallFloatBits, decodeSmallFloat } from '../../build/bootstrap/spur-heap.ts';

const work = mkdtempSync(join(tmpdir(), 'xenolith-image-'));
after(() => rmSync(work, { recursive: true, force: true }));

function pkg(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.st'), `Package { #name : #${name} }\n`);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const demo = pkg('Demo', {
  'Demo.class.st': `Class {
	#name : #Demo,
	#superclass : #Object,
	#instVars : [ 'a' ],
	#classVars : [ 'Shared' ],
	#category : #Demo
}

Demo class >> main [
	Shared := 3.
	^ Demo new big + 1.0e300 + 2.5 + Shared
]

Demo >> big [
	^ 123456789012345678901234567890 - -98765432109876543210
]

Demo >> wide [
	^ 'snow \u2603'
]

Demo >> wideSymbol [
	^ #日本語
]

Demo >> привет: x [
	^ #日本語 -> #'a ☃'
]

Demo >> blocks [
	| x |
	x := 0.
	#(1 2 3) do: [:e | x := x + e].
	^ [:y | x + y]
]
`,
});

const built = buildImage({ dirs: [demo] });
const img = new SpurImage(built.image);
const hello = new SpurImage(buildImage({ dirs: ['examples/hello'] }).image);

/** A copy of smalltalk/ without one class, to check the builder's errors about missing classes. */
/** The class library without one class (and without packages that refer to it by name). */
function kernelWithout(className: string, packages: string[] = []): string {
  const dir = join(work, `kernel-without-${className}`);
  cpSync('smalltalk', dir, { recursive: true });
  for (const sub of readdirSync(dir)) rmSync(join(dir, sub, `${className}.class.st`), { force: true });
  for (const p of packages) rmSync(join(dir, p), { recursive: true, force: true });
  return dir;
}

const slotName = (o: DecodedObject, i: number): string => img.describe(img.slot(o, i));

test('header: 64-bit Spur, one segment, flags, special objects oop', () => {
  const h = img.header;
  assert.equal(h.format, 68021);
  assert.equal(h.headerSize, 128);
  assert.equal(h.dataSize, BigInt(built.image.length - 128));
  assert.equal(h.firstSegmentBytes, h.dataSize);
  assert.equal(h.oldBaseAddr, 0x10000000n);
  assert.equal(h.headerFlags, 0x12n);
  assert.ok(h.lastHash > 0n);
  assert.equal(h.freeOldSpace, 0n);
  assert.ok(img.byOop.has(h.specialObjectsOop));
  // the terminating bridge: pinned, marked, format 9, class index 3, then next segment size 0
  const end = built.image.length;
  const view = new DataView(built.image.buffer, built.image.byteOffset);
  assert.equal(view.getBigUint64(end - 16, true), 0x0080000049000003n);
  assert.equal(view.getBigUint64(end - 8, true), 0n);
});

test('old space starts with nil, false, true, free lists, hidden roots, class table page 0', () => {
  const [nil, f, t, freeLists, roots, page0] = img.objects;
  assert.equal(img.className(img.classOf(nil)), 'UndefinedObject');
  assert.equal(img.className(img.classOf(f)), 'False');
  assert.equal(img.className(img.classOf(t)), 'True');
  assert.equal(nil.oop, 0x10000000n);
  assert.deepEqual([freeLists.numSlots, freeLists.format, freeLists.classIndex], [64, 9, 19]);
  assert.ok([...img.bytesOf(freeLists)].every((b) => b === 0));
  assert.deepEqual([roots.numSlots, roots.format, roots.classIndex], [4104, 2, 16]);
  assert.equal(img.slot(roots, 0), page0.oop);
  assert.equal(img.slot(roots, 1), nil.oop);
  assert.equal(img.slot(roots, 4096), nil.oop);
  assert.deepEqual([page0.numSlots, page0.format, page0.classIndex], [1024, 2, 16]);
  for (const o of img.objects) if (o.classIndex >= 32 || o.classIndex < 16) assert.notEqual(o.hash, 0, 'every object has an identity hash');
});

test('class table: fixed indices, hash = index, metaclasses, format words', () => {
  const table = img.classTable();
  const fixed: Record<number, string> = {
    1: 'SmallInteger', 2: 'Character', 4: 'SmallFloat64', 32: 'LargeNegativeInteger', 33: 'LargePositiveInteger',
    34: 'BoxedFloat64', 35: 'Message', 36: 'Context', 37: 'BlockClosure', 38: 'FullBlockClosure', 50: 'ByteArray',
    51: 'Array', 52: 'ByteString',
  };
  for (const [i, name] of Object.entries(fixed)) assert.equal(table.get(Number(i)), name);
  for (const [i, name] of table) {
    const cls = img.classAt(i)!;
    assert.equal(cls.hash, i, 'class index = identity hash');
    const meta = img.classOf(cls);
    if (!name.endsWith(' class')) assert.equal(img.className(meta), `${name} class`);
    assert.equal(img.className(img.classOf(meta)), name.endsWith(' class') ? 'Metaclass class' : 'Metaclass');
  }
  const fmt = (name: string) => img.intSlot(img.findClass(name), 2);
  assert.equal(fmt('Array'), 2n << 16n);
  assert.equal(fmt('Context'), (3n << 16n) | 6n);
  assert.equal(fmt('FullBlockClosure'), (3n << 16n) | 4n);
  assert.equal(fmt('MethodDictionary'), (3n << 16n) | 2n);
  assert.equal(fmt('ByteString'), 16n << 16n);
  assert.equal(fmt('BoxedFloat64'), 10n << 16n);
  assert.equal(fmt('CompiledMethod'), 24n << 16n);
  assert.equal(fmt('SmallInteger'), 7n << 16n);
  assert.equal(fmt('Class'), (1n << 16n) | 11n);
  assert.equal(fmt('Demo'), (1n << 16n) | 1n);
  const demoCls = img.findClass('Demo');
  assert.equal(img.className(img.object(img.slot(demoCls, 0))), 'Object');
  assert.equal(slotName(demoCls, 6), '#Demo');
  const demoMeta = img.classOf(demoCls);
  assert.equal(img.slot(demoMeta, 5), demoCls.oop, 'Metaclass thisClass');
  assert.equal(img.className(img.object(img.slot(demoMeta, 0))), 'Object class');
  const protoMeta = img.classOf(img.findClass('ProtoObject'));
  assert.equal(img.className(img.object(img.slot(protoMeta, 0))), 'Class', 'ProtoObject class superclass is Class');
});

test('special objects array follows Squeak numbering', () => {
  const soa = img.specialObjects;
  assert.equal(soa.numSlots, 60);
  const expect: Record<number, string> = {
    0: 'nil', 1: 'false', 2: 'true', 5: 'SmallInteger', 6: 'ByteString', 7: 'Array', 9: 'BoxedFloat64', 10: 'Context',
    12: 'Point', 13: 'LargePositiveInteger', 15: 'Message', 16: 'CompiledMethod', 18: 'Semaphore', 19: 'Character',
    20: '#doesNotUnderstand:', 21: '#cannotReturn:', 25: '#mustBeBoolean', 26: 'ByteArray', 27: 'Process',
    34: '#cannotInterpret:', 36: 'BlockClosure', 37: 'FullBlockClosure', 38: '{}', 42: 'LargeNegativeInteger',
    48: '#aboutToReturn:through:', 49: '#run:with:in:', 50: '#attemptToAssign:withIndex:', 57: '#unusedBytecode',
  };
  for (const [i, v] of Object.entries(expect)) assert.equal(slotName(soa, Number(i)), v, `special object ${i}`);
  for (const i of [17, 29, 30, 41]) assert.equal(img.classNameOf(img.slot(soa, i)), 'Semaphore');
  assert.equal(img.classNameOf(img.slot(soa, 8)), 'SystemDictionary');
  const sel = img.slotObject(soa, 23);
  assert.equal(sel.numSlots, 64);
  assert.equal(slotName(sel, 0), '#+');
  assert.equal(slotName(sel, 1), '1');
  assert.equal(slotName(sel, 2 * 17), '#at:put:');
  assert.equal(slotName(sel, 2 * 17 + 1), '2');
  assert.equal(slotName(sel, 2 * 24), '#~~');
  const errs = img.slotObject(soa, 51);
  assert.equal(slotName(errs, 0), 'nil');
  assert.equal(slotName(errs, 1), "#bad receiver");
  assert.equal(errs.numSlots, 24);
});

test('method dictionaries are found the way the VM looks them up', () => {
  let checked = 0;
  for (const [i] of img.classTable()) {
    const cls = img.classAt(i)!;
    const dict = img.slot(cls, 1);
    if (dict === img.nil) continue;
    const d = img.object(dict);
    const cap = d.numSlots - 2;
    assert.equal(cap & (cap - 1), 0, 'power of two');
    for (const [sel] of img.methods(cls)) {
      const selObj = [...img.objects].find((o) => o.format >= 16 && o.format < 24 && img.classNameOf(o.oop) === 'ByteSymbol' && img.stringOf(o) === sel)!;
      let probe = selObj.hash & (cap - 1);
      while (img.slot(d, 2 + probe) !== selObj.oop) {
        assert.notEqual(img.slot(d, 2 + probe), img.nil, `lookup of #${sel} hits nil`);
        probe = (probe + 1) & (cap - 1);
      }
      checked++;
    }
    assert.equal(img.intSlot(d, 0), BigInt(img.methods(cls).size), 'tally');
    if (checked > 300) break;
  }
  assert.ok(checked > 100);
});

test('a method: SistaV1 header, literals, selector and class binding last', () => {
  const meta = img.classOf(img.findClass('Demo'));
  const main = img.methods(meta).get('main')!;
  const c = img.compiledCode(main);
  assert.ok(c.sistaV1);
  assert.equal(c.numArgs, 0);
  const lits = c.literals.map((l) => img.describe(l));
  assert.equal(lits.at(-2), '#main');
  assert.equal(lits.at(-1), 'nil->Demo class');
  assert.ok(lits.includes('#Shared->nil'), 'class variable binding');
  assert.ok(lits.includes('#Demo->Demo'), 'global binding of the class');
  const globals = img.slotObject(img.specialObjects, 8);
  const gArray = img.slotObject(globals, 1);
  const demoBinding = c.literals[lits.indexOf('#Demo->Demo')];
  let found = false;
  for (let i = 0; i < gArray.numSlots; i++) if (img.slot(gArray, i) === demoBinding) found = true;
  assert.ok(found, 'the literal is the Association held by Smalltalk');
  // large integers and floats
  const big = img.compiledCode(img.methods(img.findClass('Demo')).get('big')!);
  const large = big.literals.map((l) => img.object(l));
  assert.equal(img.classNameOf(large[0].oop), 'LargePositiveInteger');
  assert.equal(Buffer.from(img.bytesOf(large[0])).toString('hex'), Buffer.from(123456789012345678901234567890n.toString(16).padStart(26, '0'), 'hex').reverse().toString('hex'));
  assert.equal(img.classNameOf(large[1].oop), 'LargeNegativeInteger');
  const boxed = c.literals.map((l) => img.decode(l)).find((v) => v.kind === 'object' && img.classNameOf((v as { oop: bigint }).oop) === 'BoxedFloat64') as { oop: bigint };
  assert.ok(boxed, '1.0e300 is boxed');
  const bytes = img.bytesOf(img.object(boxed.oop));
  assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0, true), 1.0e300);
  assert.ok(c.literals.some((l) => img.decode(l).kind === 'float' && (img.decode(l) as { value: number }).value === 2.5));
  // blocks: a CompiledBlock literal whose last literal is the method
  const blocks = img.compiledCode(img.methods(img.findClass('Demo')).get('blocks')!);
  const blockLits = blocks.literals.filter((l) => img.decode(l).kind === 'object' && img.classNameOf(l) === 'CompiledBlock');
  assert.equal(blockLits.length, 2);
  const inner = img.compiledCode(img.object(blockLits[0]));
  assert.equal(inner.literals.at(-1), img.methods(img.findClass('Demo')).get('blocks')!.oop);
});

test('strings beyond Latin-1 become WideStrings of 32-bit code points', () => {
  const c = img.compiledCode(img.methods(img.findClass('Demo')).get('wide')!);
  const s = img.object(c.literals[0]);
  assert.equal(img.classNameOf(s.oop), 'WideString');
  assert.equal(s.format, 10, '6 code points = 3 slots, no unused half');
  assert.equal(img.stringOf(s), 'snow \u2603');
});

test('symbols beyond Latin-1 become WideSymbols, interned once, and name selectors', () => {
  const methods = img.methods(img.findClass('Demo'));
  const lit = img.compiledCode(methods.get('wideSymbol')!).literals[0];
  const sym = img.object(lit);
  assert.equal(img.classNameOf(lit), 'WideSymbol');
  assert.equal(img.stringOf(sym), '日本語');
  assert.equal(sym.format, 11, '3 code points = 2 slots, one half unused');
  const greet = methods.get('привет:');
  assert.ok(greet, 'the Cyrillic selector is in the method dictionary');
  assert.ok(img.compiledCode(greet).literals.includes(lit), 'the same literal in another method is the same object');
  const wide = img.objects.filter((o) => o.classIndex === img.findClass('WideSymbol').hash).map((o) => img.stringOf(o));
  assert.deepEqual(wide.sort(), ['a ☃', 'привет:', '日本語']);
});

test('startup: Processor activeProcess runs Startup class>>run; StartupEntry names the entry', () => {
  const soa = hello.specialObjects;
  const assoc = hello.slotObject(soa, 3);
  const scheduler = hello.slotObject(assoc, 1);
  assert.equal(hello.classNameOf(scheduler.oop), 'ProcessorScheduler');
  assert.equal(hello.slotObject(scheduler, 0).numSlots, 80);
  const process = hello.slotObject(scheduler, 1);
  assert.equal(hello.intSlot(process, 2), 40n);
  const ctx = hello.slotObject(process, 1);
  assert.equal(hello.classNameOf(ctx.oop), 'Context');
  const method = hello.slotObject(ctx, 3);
  const run = hello.methods(hello.classOf(hello.findClass('Startup'))).get('run')!;
  assert.equal(method.oop, run.oop);
  const code = hello.compiledCode(run);
  assert.equal(hello.intSlot(ctx, 1), BigInt((code.numLiterals + 1) * 8 + 1));
  assert.equal(hello.intSlot(ctx, 2), BigInt(code.numTemps));
  assert.equal(hello.slot(ctx, 5), hello.findClass('Startup').oop);
  assert.equal(hello.slot(ctx, 0), hello.nil);
  const globals = hello.slotObject(soa, 8);
  const arr = hello.slotObject(globals, 1);
  const entries = new Map<string, string>();
  for (let i = 0; i < arr.numSlots; i++) {
    const a = hello.slot(arr, i);
    if (a === hello.nil) continue;
    const o = hello.object(a);
    entries.set(hello.describe(hello.slot(o, 0)), hello.describe(hello.slot(o, 1), 1));
  }
  assert.equal(entries.get('#StartupEntry'), '{Hello. #main. true}');
  assert.equal(entries.get('#Smalltalk'), 'a SystemDictionary');
  assert.equal(entries.get('#Hello'), 'Hello');
});

test('the symbol table holds every symbol at its String>>stringHash slot', () => {
  const symbolClass = img.findClass('Symbol');
  const pool = img.slotObject(symbolClass, 7);
  const arr = img.slotObject(pool, 1);
  let table: DecodedObject | undefined;
  for (let i = 0; i < arr.numSlots; i++) {
    const a = img.slot(arr, i);
    if (a !== img.nil && img.describe(img.slot(img.object(a), 0)) === '#SymbolTable') table = img.slotObject(img.object(a), 1);
  }
  assert.ok(table);
  const symbolClasses = [img.findClass('ByteSymbol').hash, img.findClass('WideSymbol').hash];
  const symbols = img.objects.filter((o) => symbolClasses.includes(o.classIndex));
  assert.ok(symbols.some((o) => o.classIndex === symbolClasses[1]), 'wide symbols are in the table too');
  for (const s of symbols) {
    let i = stringHash(img.stringOf(s)) % table.numSlots;
    while (img.slot(table, i) !== s.oop) {
      assert.notEqual(img.slot(table, i), img.nil, `#${img.stringOf(s)} missing`);
      i = (i + 1) % table.numSlots;
    }
  }
});

test('SmallFloat64 encoding round-trips and boxes what it cannot hold', () => {
  for (const v of [0, -0, 1, -1.5, 2.5, 3.141592653589793, 1e-10, 1e30]) {
    const bits = smallFloatBits(v);
    assert.ok(bits !== undefined, `${v} is immediate`);
    assert.equal(bits! & 7n, 4n);
    assert.ok(Object.is(decodeSmallFloat(bits!), v), `${v} round-trips`);
  }
  for (const v of [1e300, 1e-300, Infinity, NaN]) assert.equal(smallFloatBits(v), undefined, `${v} is boxed`);
});

test('build errors: file:line:col for source, clear messages otherwise', () => {
  const bad = pkg('Bad', {
    'Bad.class.st': 'Class {\n\t#name : #Bad,\n\t#superclass : #Object,\n\t#category : #Bad\n}\n\nBad class >> main [\n\t^ Zork new\n]\n',
  });
  assert.throws(() => buildImage({ dirs: [bad] }), (e: unknown) => e instanceof SourceError && /Bad\.class\.st:8:4: undeclared variable 'Zork'$/.test(e.message));
  const nosuper = pkg('NoSuper', { 'X.class.st': 'Class { #name : #X, #superclass : #Missing }\nX class >> main [ ^ 0 ]\n' });
  assert.throws(() => buildImage({ dirs: [nosuper] }), /X\.class\.st:1:1: superclass Missing of X is not defined/);
  assert.throws(() => buildImage({ dirs: [demo], entry: 'Demo>>nope' }), /entry Demo>>nope: method not found/);
  assert.throws(() => buildImage({ dirs: [demo], entry: 'garbage' }), /bad entry 'garbage'/);
  const dup = pkg('Dup', { 'Object.class.st': 'Class { #name : #Object, #superclass : #ProtoObject }\n' });
  assert.throws(() => buildImage({ dirs: [dup], entry: 'Startup class>>run' }), /class Object is already defined/);
  const scaled = pkg('Scaled', { 'S.class.st': 'Class { #name : #S }\nS class >> main [ ^ 1.5s2 ]\n' });
  assert.throws(() => buildImage({ dirs: [scaled], kernelDir: kernelWithout('ScaledDecimal', ['Compiler']) }), /\/Scaled\/S\.class\.st:2:1: S class>>main: scaled decimal literal needs class ScaledDecimal$/);
  const layout = pkg('Layout', { 'Point.extension.st': 'Extension { #name : #Nowhere }\nNowhere >> x [ ^ 1 ]\n' });
  assert.throws(() => buildImage({ dirs: [layout], entry: 'Startup class>>run' }), /method for undefined class Nowhere/);
});

test('xenolith image: CLI with progress lines and a JSON summary', () => {
  const out = join(work, 'hello.image');
  const json = execFileSync(process.execPath, ['bin/xenolith.js', 'image', 'examples/hello', '-o', out, '--json'], { encoding: 'utf8', timeout: 60_000 });
  const summary = JSON.parse(json);
  assert.equal(summary.entry, 'Hello class>>main');
  assert.ok(summary.classes > 50);
  assert.ok(summary.methods > 500);
  assert.equal(summary.bytes, readFileSync(out).length);
  const text = execFileSync(process.execPath, ['bin/xenolith.js', 'image', 'examples/hello', '-o', out], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(text, /classes, \d+ methods, \d+ objects, \d+ bytes, entry Hello class>>main/);
  const bad = pkg('BadCli', { 'B.class.st': 'Class { #name : #B }\nB class >> main [ ^ 1 + ]\n' });
  try {
    execFileSync(process.execPath, ['bin/xenolith.js', 'image', bad, '-o', out], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    assert.fail('should fail');
  } catch (e) {
    const err = e as { status: number; stderr: string };
    assert.equal(err.status, 1);
    assert.match(err.stderr, /B\.class\.st:2:25: expression expected/);
  }
});
