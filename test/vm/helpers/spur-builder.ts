// Builds small 64-bit Spur images in memory for VM tests and benchmarks, laid out as
// docs/image-format.md describes (nil, false, true, free lists, hidden roots, class table page,
// then everything else, then the bridge), with a minimal kernel: the classes the VM needs,
// special selectors, the special objects array, a ProcessorScheduler and one Process whose
// context runs an entry method. Methods are given as bytecode arrays (SistaV1 or V3PlusClosures).

export type Val = SObj | bigint;

export class SObj {
  slots: Val[] = [];
  bytes: Uint8Array | null = null;
  addr = 0n;
  constructor(public classIndex: number, public format: number, public hash: number) {}
}

export const int = (n: number | bigint): bigint => (BigInt(n) << 3n) | 1n;
export const char = (n: number): bigint => (BigInt(n) << 3n) | 2n;
export function isInt(v: bigint): boolean { return (v & 7n) === 1n; }
export function intOf(v: bigint): bigint { return BigInt.asIntN(64, v) >> 3n; }

export const SPECIAL_SELECTORS: [string, number][] = [
  ['+', 1], ['-', 1], ['<', 1], ['>', 1], ['<=', 1], ['>=', 1], ['=', 1], ['~=', 1], ['*', 1], ['/', 1],
  ['\\\\', 1], ['@', 1], ['bitShift:', 1], ['//', 1], ['bitAnd:', 1], ['bitOr:', 1], ['at:', 1],
  ['at:put:', 2], ['size', 0], ['next', 0], ['nextPut:', 1], ['atEnd', 0], ['==', 1], ['class', 0],
  ['~~', 1], ['value', 0], ['value:', 1], ['do:', 1], ['new', 0], ['new:', 1], ['x', 0], ['y', 0],
];

export interface MethodSpec {
  numArgs?: number;
  numTemps?: number;       // including args
  literals?: Val[];
  bytecodes: number[];
  prim?: number;
  v3?: boolean;            // V3PlusClosures instead of SistaV1
  block?: boolean;         // a CompiledBlock (no selector/class literals; outer code appended)
  outer?: SObj;
}

const FORMAT_POINTERS = 1;

export class SpurBuilder {
  objects: SObj[] = [];
  nil: SObj; false_: SObj; true_: SObj;
  freeLists: SObj; hiddenRoots: SObj; classPage: SObj;
  classes = new Map<string, SObj>();
  symbols = new Map<string, SObj>();
  metaclass!: SObj;
  specialObjects!: SObj;
  private nextHash = 200000;

  constructor() {
    this.nil = this.add(new SObj(0, 0, this.hash()));
    this.false_ = this.add(new SObj(0, 0, this.hash()));
    this.true_ = this.add(new SObj(0, 0, this.hash()));
    this.freeLists = this.add(new SObj(19, 9, 0));
    this.freeLists.slots = new Array(64).fill(0n);
    this.hiddenRoots = this.add(new SObj(16, 2, 0));
    this.classPage = this.add(new SObj(16, 2, 0));
    this.hiddenRoots.slots = new Array(4104).fill(this.nil);
    this.hiddenRoots.slots[0] = this.classPage;
    this.classPage.slots = new Array(1024).fill(this.nil);
    this.kernel();
  }

  hash(): number { return this.nextHash++; }
  add(o: SObj): SObj { this.objects.push(o); return o; }

  /** A pointer object of a class, slots given. */
  obj(cls: SObj | string, slots: Val[], format = FORMAT_POINTERS): SObj {
    const c = typeof cls === 'string' ? this.cls(cls) : cls;
    const o = this.add(new SObj(c.hash, format, this.hash()));
    o.slots = slots;
    return o;
  }
  bytesObj(cls: SObj | string, bytes: Uint8Array): SObj {
    const c = typeof cls === 'string' ? this.cls(cls) : cls;
    const o = this.add(new SObj(c.hash, 16 + ((8 - (bytes.length & 7)) & 7), this.hash()));
    o.bytes = bytes;
    return o;
  }
  string(s: string): SObj { return this.bytesObj('ByteString', new TextEncoder().encode(s)); }
  array(vals: Val[]): SObj { return this.obj('Array', vals, 2); }
  /** A LargePositive/NegativeInteger for a bigint outside the SmallInteger range, else the int. */
  integer(v: bigint): Val {
    if (v >= -(1n << 60n) && v < (1n << 60n)) return int(v);
    const neg = v < 0n; let m = neg ? -v : v;
    const bytes: number[] = [];
    while (m > 0n) { bytes.push(Number(m & 255n)); m >>= 8n; }
    return this.bytesObj(neg ? 'LargeNegativeInteger' : 'LargePositiveInteger', Uint8Array.from(bytes));
  }

  sym(s: string): SObj {
    let o = this.symbols.get(s);
    if (!o) { o = this.bytesObj('ByteSymbol', new TextEncoder().encode(s)); this.symbols.set(s, o); }
    return o;
  }

  cls(name: string): SObj {
    const c = this.classes.get(name);
    if (!c) throw new Error(`no class ${name}`);
    return c;
  }

  /** Defines a class: format = instSpec << 16 | instSize; index fixed or the next free one. */
  defineClass(name: string, superName: string | null, instSpec: number, instSize: number, index?: number): SObj {
    const idx = index ?? this.nextClassIndex();
    const c = new SObj(this.metaclass ? this.metaclass.hash : 0, FORMAT_POINTERS, idx);
    this.add(c);
    const md = this.newMethodDict(4);
    c.slots = [superName ? this.cls(superName) : this.nil, md, int((instSpec << 16) | instSize), this.nil, this.nil, this.nil, this.nil];
    this.classes.set(name, c);
    this.classPage.slots[idx] = c;
    if (this.symbols.size > 0 || name !== 'ByteSymbol') this.pendingNames.push([c, name]);
    return c;
  }
  private pendingNames: [SObj, string][] = [];
  private classIndex = 64;
  private nextClassIndex(): number { while (this.classPage.slots[this.classIndex] !== this.nil) this.classIndex++; return this.classIndex++; }

  newMethodDict(cap: number): SObj {
    const md = new SObj(0, 3, this.hash());
    this.add(md);
    md.slots = [int(0), this.nil, ...new Array(cap).fill(this.nil)];
    const arr = new SObj(0, 2, this.hash());
    this.add(arr);
    arr.slots = new Array(cap).fill(this.nil);
    md.slots[1] = arr;
    this.pendingMD.push([md, arr]);
    return md;
  }
  private pendingMD: [SObj, SObj][] = [];

  private kernel(): void {
    // class indices from docs/image-format.md §4
    this.metaclass = null as unknown as SObj;
    const mc = this.defineClass('Metaclass', null, 1, 7, 63);
    this.metaclass = mc; mc.classIndex = mc.hash;
    this.defineClass('Object', null, 0, 0, 64);
    mc.slots[0] = this.cls('Object');
    this.defineClass('SmallInteger', 'Object', 0, 0, 1);
    this.defineClass('Character', 'Object', 0, 0, 2);
    this.defineClass('SmallFloat64', 'Object', 0, 0, 4);
    this.defineClass('LargeNegativeInteger', 'Object', 16, 0, 32);
    this.defineClass('LargePositiveInteger', 'Object', 16, 0, 33);
    this.defineClass('BoxedFloat64', 'Object', 10, 0, 34);
    this.defineClass('Message', 'Object', 1, 3, 35);
    this.defineClass('Context', 'Object', 3, 6, 36);
    this.defineClass('BlockClosure', 'Object', 3, 3, 37);
    this.defineClass('FullBlockClosure', 'Object', 3, 4, 38);
    this.defineClass('ByteArray', 'Object', 16, 0, 50);
    this.defineClass('Array', 'Object', 2, 0, 51);
    this.defineClass('ByteString', 'Object', 16, 0, 52);
    this.defineClass('UndefinedObject', 'Object', 0, 0);
    this.defineClass('True', 'Object', 0, 0);
    this.defineClass('False', 'Object', 0, 0);
    this.defineClass('ByteSymbol', 'ByteString', 16, 0);
    this.defineClass('CompiledMethod', 'Object', 24, 0);
    this.defineClass('CompiledBlock', 'Object', 24, 0);
    this.defineClass('MethodDictionary', 'Object', 3, 2);
    this.defineClass('Association', 'Object', 1, 2);
    this.defineClass('LinkedList', 'Object', 1, 2);
    this.defineClass('Semaphore', 'LinkedList', 1, 3);
    this.defineClass('Process', 'Object', 1, 4);
    this.defineClass('ProcessorScheduler', 'Object', 1, 2);
    this.defineClass('Point', 'Object', 1, 2);
    this.nil.classIndex = this.cls('UndefinedObject').hash;
    this.true_.classIndex = this.cls('True').hash;
    this.false_.classIndex = this.cls('False').hash;
    for (const o of this.objects) {
      if (o.format === 3 && o.slots.length >= 2 && o.classIndex === 0) o.classIndex = this.cls('MethodDictionary').hash;
      if (o.format === 2 && o.classIndex === 0) o.classIndex = this.cls('Array').hash;
    }
    for (const c of this.classes.values()) c.classIndex = mc.hash;
  }

  /** A CompiledMethod (or CompiledBlock) from a spec. */
  method(spec: MethodSpec, selector?: string, cls?: SObj): SObj {
    const numArgs = spec.numArgs ?? 0;
    const numTemps = spec.numTemps ?? numArgs;
    const lits: Val[] = [...(spec.literals ?? [])];
    if (spec.block) lits.push(spec.outer ?? this.nil);
    else {
      lits.push(selector ? this.sym(selector) : this.nil);
      lits.push(cls ? this.obj('Association', [this.nil, cls]) : this.nil);
    }
    let header = BigInt(lits.length) | (BigInt(spec.prim ? 1 : 0) << 16n) | (1n << 17n)
      | (BigInt(numTemps) << 18n) | (BigInt(numArgs) << 24n);
    if (!spec.v3) header += -(1n << 60n);
    const code = [...(spec.prim ? [spec.v3 ? 139 : 248, spec.prim & 255, spec.prim >> 8] : []), ...spec.bytecodes, 0];
    const m = this.add(new SObj(this.cls(spec.block ? 'CompiledBlock' : 'CompiledMethod').hash, 24, this.hash()));
    m.slots = [int(header), ...lits];
    m.bytes = Uint8Array.from(code);
    return m;
  }

  /** Installs method under selector in cls's method dictionary. */
  install(cls: SObj | string, selector: string, spec: MethodSpec): SObj {
    const c = typeof cls === 'string' ? this.cls(cls) : cls;
    const m = this.method(spec, selector, c);
    this.addToDict(c, this.sym(selector), m);
    return m;
  }

  private addToDict(c: SObj, sel: SObj, m: SObj): void {
    let md = c.slots[1] as SObj;
    let arr = md.slots[1] as SObj;
    let cap = md.slots.length - 2;
    const tally = Number(intOf(md.slots[0] as bigint));
    if ((tally + 1) * 2 > cap) {
      // grow: rebuild with twice the capacity
      const entries: [SObj, SObj][] = [];
      for (let i = 0; i < cap; i++) if (md.slots[2 + i] !== this.nil) entries.push([md.slots[2 + i] as SObj, arr.slots[i] as SObj]);
      cap *= 2;
      md.slots = [int(0), arr, ...new Array(cap).fill(this.nil)];
      arr.slots = new Array(cap).fill(this.nil);
      for (const [s, mm] of entries) this.putInDict(md, arr, cap, s, mm);
    }
    this.putInDict(md, arr, cap, sel, m);
  }
  private putInDict(md: SObj, arr: SObj, cap: number, sel: SObj, m: SObj): void {
    let i = sel.hash & (cap - 1);
    while (md.slots[2 + i] !== this.nil && md.slots[2 + i] !== sel) i = (i + 1) & (cap - 1);
    if (md.slots[2 + i] === this.nil) md.slots[0] = int(Number(intOf(md.slots[0] as bigint)) + 1);
    md.slots[2 + i] = sel;
    arr.slots[i] = m;
  }

  /** Finishes the kernel objects and answers the image bytes; the active process runs
   *  `entry` with `receiver` (and args, for a method with arguments). */
  /** A Process running method on receiver at priority; build() puts it on its run queue. */
  process(method: SObj, receiver: Val, priority: number): SObj {
    const p = this.obj('Process', [this.nil, this.context(method, receiver), int(priority), this.nil]);
    this.runnable.push([p, priority]);
    return p;
  }
  private runnable: [SObj, number][] = [];
  /** Contents of the external objects array (special object 38): semaphores the host signals. */
  externalObjects: Val[] = [];
  /** The ProcessorScheduler (created on first use, so methods can refer to it). */
  scheduler(): SObj {
    if (!this.sched) this.sched = this.obj('ProcessorScheduler', [this.nil, this.nil]);
    return this.sched;
  }
  private sched: SObj | null = null;
  /** A Float: SmallFloat64 immediate when encodable, else a BoxedFloat64. */
  float(f: number): Val {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, f, true);
    const raw = dv.getBigUint64(0, true);
    const sign = raw >> 63n; const rest = raw & ((1n << 63n) - 1n);
    if (rest === 0n) return (sign << 3n) | 4n;
    const exp = rest >> 52n;
    if (exp > 896n && exp < 1152n) return ((((rest - (896n << 52n)) << 1n) | sign) << 3n) | 4n;
    const o = this.add(new SObj(this.cls('BoxedFloat64').hash, 10, this.hash()));
    o.bytes = new Uint8Array(dv.buffer.slice(0));
    return o;
  }

  build(entry: SObj, receiver: Val, args: Val[] = []): Uint8Array {
    for (const [c, name] of this.pendingNames) c.slots[6] = this.sym(name);
    this.pendingNames = [];
    const specialSel = this.array(SPECIAL_SELECTORS.flatMap(([s, n]) => [this.sym(s), int(n)]));
    const listObjs = Array.from({ length: 80 }, () => this.obj('LinkedList', [this.nil, this.nil]));
    const lists = this.array(listObjs);
    const sched = this.scheduler();
    sched.slots[0] = lists;
    for (const [p, prio] of this.runnable) {
      const l = listObjs[prio - 1];
      if (l.slots[0] === this.nil) l.slots[0] = p; else (l.slots[1] as SObj).slots[0] = p;
      l.slots[1] = p;
      p.slots[3] = l;
    }
    const ctx = this.context(entry, receiver, args);
    const proc = this.obj('Process', [this.nil, ctx, int(40), this.nil]);
    sched.slots[1] = proc;
    const errNames = ['', 'bad receiver', 'bad argument', 'bad index', 'bad number of arguments',
      'inappropriate operation', 'unsupported operation', 'no modification', 'insufficient object memory',
      'insufficient C memory', 'not found', 'bad method'];
    const errTable = this.array(errNames.map((n) => (n ? this.sym(n) : this.nil)));
    const so: Val[] = new Array(60).fill(this.nil);
    so[0] = this.nil; so[1] = this.false_; so[2] = this.true_;
    so[3] = this.obj('Association', [this.sym('Processor'), sched]);
    so[5] = this.cls('SmallInteger'); so[6] = this.cls('ByteString'); so[7] = this.cls('Array');
    so[9] = this.cls('BoxedFloat64'); so[10] = this.cls('Context'); so[12] = this.cls('Point');
    so[13] = this.cls('LargePositiveInteger'); so[15] = this.cls('Message'); so[16] = this.cls('CompiledMethod');
    so[18] = this.cls('Semaphore'); so[19] = this.cls('Character');
    so[20] = this.sym('doesNotUnderstand:'); so[21] = this.sym('cannotReturn:'); so[23] = specialSel;
    so[25] = this.sym('mustBeBoolean'); so[26] = this.cls('ByteArray'); so[27] = this.cls('Process');
    so[29] = this.obj('Semaphore', [this.nil, this.nil, int(0)]);
    so[36] = this.cls('BlockClosure'); so[37] = this.cls('FullBlockClosure'); so[38] = this.array(this.externalObjects);
    so[42] = this.cls('LargeNegativeInteger'); so[48] = this.sym('aboutToReturn:through:');
    so[49] = this.sym('run:with:in:'); so[50] = this.sym('attemptToAssign:withIndex:'); so[51] = errTable;
    so[57] = this.sym('unusedBytecode');
    this.specialObjects = this.array(so);
    // class-index fix-ups for objects created before their class existed
    for (const [md, arr] of this.pendingMD) { md.classIndex = this.cls('MethodDictionary').hash; arr.classIndex = this.cls('Array').hash; }
    return this.write();
  }

  /** A fresh method Context for method with receiver and args, its temps nil. */
  context(method: SObj, receiver: Val, args: Val[] = []): SObj {
    const header = intOf(method.slots[0] as bigint);
    const numLits = Number(BigInt.asUintN(15, header));
    const numTemps = Number((BigInt.asUintN(64, header) >> 18n) & 63n);
    const stack: Val[] = new Array(56).fill(this.nil);
    args.forEach((a, i) => { stack[i] = a; });
    return this.obj('Context', [this.nil, int((numLits + 1) * 8 + 1), int(numTemps), method, this.nil, receiver, ...stack], 3);
  }

  private write(): Uint8Array {
    const base = 0x10000000n;
    let off = 0n;
    const sizeOf = (o: SObj): bigint => {
      const n = this.numSlots(o);
      return BigInt((n >= 255 ? 16 : 8) + 8 * Math.max(n, 1));
    };
    for (const o of this.objects) {
      const n = this.numSlots(o);
      o.addr = base + off + (n >= 255 ? 8n : 0n);
      off += sizeOf(o);
    }
    const dataSize = off + 16n;
    const buf = new Uint8Array(128 + Number(dataSize));
    const dv = new DataView(buf.buffer);
    const oopOf = (v: Val): bigint => (typeof v === 'bigint' ? v : v.addr);
    for (const o of this.objects) {
      const n = this.numSlots(o);
      let at = 128 + Number(o.addr - base);
      if (n >= 255) dv.setBigUint64(at - 8, (255n << 56n) | BigInt(n), true);
      const fmt = o.format + (o.format >= 16 && o.bytes ? 0 : 0);
      const header = BigInt(o.classIndex) | (BigInt(fmt) << 24n) | (BigInt(o.hash & 0x3FFFFF) << 32n) | (BigInt(Math.min(n, 255)) << 56n);
      dv.setBigUint64(at, header, true);
      at += 8;
      if (o.format >= 24) {
        o.slots.forEach((v, i) => dv.setBigUint64(at + 8 * i, oopOf(v), true));
        buf.set(o.bytes!, at + 8 * o.slots.length);
      } else if (o.format >= 16 || (o.format >= 10 && o.bytes)) {
        buf.set(o.bytes!, at);
      } else if (o.format === 9) {
        o.slots.forEach((v, i) => dv.setBigUint64(at + 8 * i, v as bigint, true));
      } else {
        o.slots.forEach((v, i) => dv.setBigUint64(at + 8 * i, oopOf(v), true));
      }
    }
    // bridge
    dv.setBigUint64(128 + Number(off), 0x0080000049000003n, true);
    dv.setUint32(0, 68021, true);
    dv.setUint32(4, 128, true);
    dv.setBigUint64(8, dataSize, true);
    dv.setBigUint64(16, base, true);
    dv.setBigUint64(24, this.specialObjects.addr, true);
    dv.setBigUint64(32, BigInt(this.nextHash), true);
    dv.setBigUint64(48, 0x12n, true);
    dv.setBigUint64(72, dataSize, true);
    return buf;
  }

  private numSlots(o: SObj): number {
    if (o.format >= 24) {
      const total = o.slots.length * 8 + o.bytes!.length;
      const n = Math.ceil(total / 8);
      o.format = 24 + (n * 8 - total);
      return n;
    }
    if (o.format >= 10 && o.format < 16 && o.bytes) return Math.ceil(o.bytes.length / 8);
    if (o.format >= 16) {
      const n = Math.ceil(o.bytes!.length / 8);
      o.format = 16 + (n * 8 - o.bytes!.length);
      return n;
    }
    return o.slots.length;
  }
}
