// Decoder for 64-bit Spur images (ours and real ones with a single segment or several), used by
// tests and as a command-line dumper:
//   node --import tsx build/bootstrap/image-dump.ts app.image [--class Name] [--method Class>>sel]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { decodeSmallFloat } from './spur-heap.ts';

export interface ImageHeader {
  format: number;
  headerSize: number;
  dataSize: bigint;
  oldBaseAddr: bigint;
  specialObjectsOop: bigint;
  lastHash: bigint;
  screenSize: bigint;
  headerFlags: bigint;
  extraVMMemory: number;
  numStackPages: number;
  cogCodeSize: number;
  edenBytes: number;
  maxExtSemTabSize: number;
  imageVersion: number;
  firstSegmentBytes: bigint;
  freeOldSpace: bigint;
}

export interface DecodedObject {
  oop: bigint;
  classIndex: number;
  format: number;
  hash: number;
  numSlots: number;
  flags: { immutable: boolean; remembered: boolean; pinned: boolean; grey: boolean; marked: boolean };
  /** Offset of the first slot in the file. */
  body: number;
}

export type Value =
  | { kind: 'int'; value: bigint }
  | { kind: 'char'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'object'; oop: bigint };

export class SpurImage {
  readonly header: ImageHeader;
  readonly objects: DecodedObject[] = [];
  readonly byOop = new Map<bigint, DecodedObject>();
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const v = this.view;
    if (bytes.length < 128) throw new Error('image file too short for a header');
    const format = v.getUint32(0, true);
    if (format !== 68021 && format !== 68533) throw new Error(`not a 64-bit Spur image (format ${format})`);
    this.header = {
      format, headerSize: v.getUint32(4, true), dataSize: v.getBigUint64(8, true),
      oldBaseAddr: v.getBigUint64(16, true), specialObjectsOop: v.getBigUint64(24, true),
      lastHash: v.getBigUint64(32, true), screenSize: v.getBigUint64(40, true),
      headerFlags: v.getBigUint64(48, true), extraVMMemory: v.getUint32(56, true),
      numStackPages: v.getUint16(60, true), cogCodeSize: v.getUint16(62, true),
      edenBytes: v.getUint32(64, true), maxExtSemTabSize: v.getUint16(68, true),
      imageVersion: v.getUint16(70, true), firstSegmentBytes: v.getBigUint64(72, true),
      freeOldSpace: v.getBigUint64(80, true),
    };
    const h = this.header;
    if (BigInt(h.headerSize) + h.dataSize > BigInt(bytes.length)) throw new Error('image file shorter than header size + data size');
    this.walk();
  }

  private walk(): void {
    const v = this.view;
    const start = this.header.headerSize;
    const end = start + Number(this.header.dataSize);
    let segStart = start;
    let segEnd = start + Number(this.header.firstSegmentBytes);
    let segBase = this.header.oldBaseAddr;
    let pos = segStart;
    for (;;) {
      if (pos === segEnd - 16) {
        // The segment's bridge: word 0 its header (or overflow word), word 1 the next segment's size.
        const w0 = v.getBigUint64(pos, true);
        const nextSize = Number(v.getBigUint64(pos + 8, true));
        if (nextSize === 0) break;
        const slots = w0 >> 56n === 255n ? w0 & 0xffffffffffffffn : 0n;
        segBase = segBase + BigInt(pos - segStart) + 16n + 8n * slots;
        segStart = segEnd;
        segEnd = segStart + nextSize;
        pos = segStart;
        if (segEnd > end) throw new Error('segment runs past the end of the data');
        continue;
      }
      if (pos + 16 > segEnd) throw new Error(`object at file offset ${pos} runs past its segment`);
      let word = v.getBigUint64(pos, true);
      let numSlots = Number(word >> 56n);
      let headerPos = pos;
      if (numSlots === 255) {
        numSlots = Number(word & 0xffffffffffffffn);
        headerPos = pos + 8;
        word = v.getBigUint64(headerPos, true);
      }
      const obj: DecodedObject = {
        oop: segBase + BigInt(headerPos - segStart), classIndex: Number(word & 0x3fffffn),
        format: Number((word >> 24n) & 0x1fn), hash: Number((word >> 32n) & 0x3fffffn), numSlots,
        flags: {
          immutable: ((word >> 23n) & 1n) === 1n, remembered: ((word >> 29n) & 1n) === 1n,
          pinned: ((word >> 30n) & 1n) === 1n, grey: ((word >> 31n) & 1n) === 1n, marked: ((word >> 55n) & 1n) === 1n,
        },
        body: headerPos + 8,
      };
      this.objects.push(obj);
      this.byOop.set(obj.oop, obj);
      pos = headerPos + 8 + 8 * Math.max(numSlots, 1);
    }
  }

  decode(oop: bigint): Value {
    const tag = Number(oop & 7n);
    if (tag === 1) return { kind: 'int', value: BigInt.asIntN(64, oop) >> 3n };
    if (tag === 2) return { kind: 'char', value: Number(oop >> 3n) };
    if (tag === 4) return { kind: 'float', value: decodeSmallFloat(oop) };
    if (tag !== 0) throw new Error(`bad oop tag ${tag}`);
    return { kind: 'object', oop };
  }

  object(oop: bigint): DecodedObject {
    const o = this.byOop.get(oop);
    if (!o) throw new Error(`no object at 0x${oop.toString(16)}`);
    return o;
  }

  slot(o: DecodedObject, i: number): bigint {
    if (i < 0 || i >= o.numSlots) throw new Error(`slot ${i} out of range (${o.numSlots})`);
    return this.view.getBigUint64(o.body + i * 8, true);
  }

  slotObject(o: DecodedObject, i: number): DecodedObject {
    return this.object(this.slot(o, i));
  }

  intSlot(o: DecodedObject, i: number): bigint {
    const v = this.decode(this.slot(o, i));
    if (v.kind !== 'int') throw new Error(`slot ${i} is not a SmallInteger`);
    return v.value;
  }

  byteLength(o: DecodedObject): number {
    if (o.format >= 16) return o.numSlots * 8 - (o.format & 7);
    if (o.format >= 12) return o.numSlots * 8 - (o.format & 3) * 2;
    if (o.format >= 10) return o.numSlots * 8 - (o.format & 1) * 4;
    return o.numSlots * 8;
  }

  bytesOf(o: DecodedObject): Uint8Array {
    return this.bytes.subarray(o.body, o.body + this.byteLength(o));
  }

  stringOf(o: DecodedObject): string {
    if (o.format >= 16 && o.format < 24) return Buffer.from(this.bytesOf(o)).toString('latin1');
    if (o.format === 10 || o.format === 11) {
      const b = this.bytesOf(o);
      let s = '';
      for (let i = 0; i < b.length; i += 4) s += String.fromCodePoint(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
      return s;
    }
    throw new Error('not a string object');
  }

  get specialObjects(): DecodedObject {
    return this.object(this.header.specialObjectsOop);
  }

  get nil(): bigint {
    return this.objects[0].oop;
  }

  /** The hidden roots object: the fifth object. */
  get hiddenRoots(): DecodedObject {
    return this.objects[4];
  }

  classAt(index: number): DecodedObject | undefined {
    const page = this.slot(this.hiddenRoots, index >> 10);
    if (page === this.nil) return undefined;
    const entry = this.slot(this.object(page), index & 1023);
    return entry === this.nil ? undefined : this.object(entry);
  }

  classOf(o: DecodedObject): DecodedObject {
    const c = this.classAt(o.classIndex);
    if (!c) throw new Error(`class index ${o.classIndex} has no class`);
    return c;
  }

  /** Name of a class or "Foo class" of a metaclass (Squeak layouts: name [6], thisClass [5]). */
  className(cls: DecodedObject): string {
    if (cls.numSlots >= 7) {
      const name = this.decode(this.slot(cls, 6));
      if (name.kind === 'object' && name.oop !== this.nil) {
        const n = this.object(name.oop);
        if (n.format >= 16 && n.format < 24) return this.stringOf(n);
      }
    }
    const thisClass = this.slot(cls, 5);
    return `${this.className(this.object(thisClass))} class`;
  }

  classNameOf(oop: bigint): string {
    const v = this.decode(oop);
    if (v.kind === 'int') return 'SmallInteger';
    if (v.kind === 'char') return 'Character';
    if (v.kind === 'float') return 'SmallFloat64';
    return this.className(this.classOf(this.object(oop)));
  }

  /** All classes in the class table: index → name. */
  classTable(): Map<number, string> {
    const out = new Map<number, string>();
    const roots = this.hiddenRoots;
    for (let p = 0; p < 4096; p++) {
      const page = this.slot(roots, p);
      if (page === this.nil) continue;
      const po = this.object(page);
      for (let i = 0; i < 1024; i++) {
        const e = this.slot(po, i);
        if (e !== this.nil) out.set(p * 1024 + i, this.className(this.object(e)));
      }
    }
    return out;
  }

  findClass(name: string): DecodedObject {
    for (const [i, n] of this.classTable()) if (n === name) return this.classAt(i)!;
    throw new Error(`no class ${name}`);
  }

  /** Selector → CompiledMethod of a class's method dictionary (Squeak: tally, array; selectors indexable). */
  methods(cls: DecodedObject): Map<string, DecodedObject> {
    const out = new Map<string, DecodedObject>();
    const dict = this.slot(cls, 1);
    if (dict === this.nil) return out;
    const d = this.object(dict);
    const array = this.slotObject(d, 1);
    for (let i = 2; i < d.numSlots; i++) {
      const sel = this.slot(d, i);
      if (sel === this.nil) continue;
      out.set(this.stringOf(this.object(sel)), this.object(this.slot(array, i - 2)));
    }
    return out;
  }

  /** Header fields, literals and bytecodes of compiled code. */
  compiledCode(m: DecodedObject): {
    header: bigint; numLiterals: number; numTemps: number; numArgs: number; hasPrimitive: boolean;
    largeFrame: boolean; sistaV1: boolean; literals: bigint[]; bytecodes: Uint8Array; primitive: number;
  } {
    if (m.format < 24) throw new Error('not compiled code');
    const header = this.intSlot(m, 0);
    const bits = header & 0x7fffffffn;
    const numLiterals = Number(bits & 0x7fffn);
    const literals: bigint[] = [];
    for (let i = 1; i <= numLiterals; i++) literals.push(this.slot(m, i));
    const all = this.bytesOf(m);
    const bytecodes = all.subarray((numLiterals + 1) * 8, all.length - 1); // minus 1-byte trailer
    const hasPrimitive = ((bits >> 16n) & 1n) === 1n;
    const primitive = hasPrimitive && bytecodes[0] === 248 ? bytecodes[1] | (bytecodes[2] << 8) : 0;
    return {
      header, numLiterals, numTemps: Number((bits >> 18n) & 63n), numArgs: Number((bits >> 24n) & 15n),
      hasPrimitive, largeFrame: ((bits >> 17n) & 1n) === 1n, sistaV1: header < 0n, literals, bytecodes, primitive,
    };
  }

  /** A short printable description of a value. */
  describe(oop: bigint, depth = 1): string {
    const v = this.decode(oop);
    if (v.kind === 'int') return v.value.toString();
    if (v.kind === 'char') return `$${String.fromCodePoint(v.value)}`;
    if (v.kind === 'float') return `${v.value}`;
    if (oop === this.nil) return 'nil';
    if (oop === this.objects[1].oop) return 'false';
    if (oop === this.objects[2].oop) return 'true';
    const o = this.object(oop);
    const cls = this.classAt(o.classIndex);
    const cname = cls ? this.className(cls) : `<pun ${o.classIndex}>`;
    if (cname === 'ByteSymbol') return `#${this.stringOf(o)}`;
    if (cname === 'ByteString') return `'${this.stringOf(o)}'`;
    if (cname === 'Metaclass' || cname.endsWith(' class')) return this.className(o);
    if (depth > 0 && (cname === 'Association' || cname === 'Array') && o.numSlots <= 8) {
      const parts: string[] = [];
      for (let i = 0; i < o.numSlots; i++) parts.push(this.describe(this.slot(o, i), depth - 1));
      return cname === 'Association' ? `${parts[0]}->${parts[1]}` : `{${parts.join('. ')}}`;
    }
    return `a ${cname}`;
  }
}

function main(argv: string[]): void {
  const file = argv[0];
  if (!file) {
    process.stderr.write('usage: image-dump.ts <image> [--class Name] [--method Class>>selector]\n');
    process.exitCode = 2;
    return;
  }
  const img = new SpurImage(new Uint8Array(readFileSync(file)));
  const h = img.header;
  const lines: string[] = [];
  lines.push(`format ${h.format}  headerSize ${h.headerSize}  dataSize ${h.dataSize}  oldBase 0x${h.oldBaseAddr.toString(16)}`);
  lines.push(`specialObjects 0x${h.specialObjectsOop.toString(16)}  lastHash ${h.lastHash}  flags 0x${h.headerFlags.toString(16)}  firstSegment ${h.firstSegmentBytes}`);
  lines.push(`${img.objects.length} objects`);
  const classIdx = argv.indexOf('--class');
  const methodIdx = argv.indexOf('--method');
  if (methodIdx >= 0) {
    const [cname, sel] = argv[methodIdx + 1].split('>>');
    const cls = img.findClass(cname.trim());
    const m = img.methods(cls).get(sel.trim());
    if (!m) throw new Error(`no method ${argv[methodIdx + 1]}`);
    const c = img.compiledCode(m);
    lines.push(`${argv[methodIdx + 1]}: numArgs ${c.numArgs} numTemps ${c.numTemps} literals ${c.numLiterals} primitive ${c.primitive} largeFrame ${c.largeFrame} sistaV1 ${c.sistaV1}`);
    c.literals.forEach((l, i) => lines.push(`  lit ${i}: ${img.describe(l)}`));
    lines.push(`  bytecodes: ${Buffer.from(c.bytecodes).toString('hex')}`);
  } else if (classIdx >= 0) {
    const cls = img.findClass(argv[classIdx + 1]);
    lines.push(`${argv[classIdx + 1]} index ${cls.hash} format ${img.describe(img.slot(cls, 2))} superclass ${img.describe(img.slot(cls, 0))}`);
    for (const sel of img.methods(cls).keys()) lines.push(`  ${sel}`);
  } else {
    const soa = img.specialObjects;
    for (let i = 0; i < soa.numSlots; i++) lines.push(`special ${i}: ${img.describe(img.slot(soa, i))}`);
    for (const [i, n] of img.classTable()) lines.push(`class ${i}: ${n}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
