// A small reference interpreter for the images the bootstrapper writes: a Blue-Book style context
// interpreter for SistaV1 (every activation is a real Context object), enough primitives to run
// the class library, and the Xenolith console primitive. It exists to test the bootstrapper, the
// compiler and smalltalk/ end to end in Node; the product VM is vm/ (AssemblyScript).
import { type DecodedObject, SpurImage } from '../../../build/bootstrap/image-dump.ts';
import { smallFloatBits } from '../../../build/bootstrap/spur-heap.ts';

export class Obj {
  hash: number;
  constructor(
    public classIndex: number,
    public format: number,
    public slots: Value[],
    public bytes: Uint8Array | null,
    hash = 0,
  ) {
    this.hash = hash;
  }
}
export class Chr {
  constructor(readonly code: number) {}
}
export class Flt {
  constructor(readonly v: number) {}
}
/** SmallIntegers are JS numbers (safe range) or bigints (beyond 2^53, within 61 bits). */
export type Value = number | bigint | Chr | Flt | Obj;

const SMALL_MIN = -(1n << 60n);
const SMALL_MAX = (1n << 60n) - 1n;
const chars: Chr[] = [];
const chr = (c: number): Chr => (c < 256 ? (chars[c] ??= new Chr(c)) : new Chr(c));
function smallInt(v: bigint): Value | undefined {
  if (v < SMALL_MIN || v > SMALL_MAX) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}
const isInt = (v: Value): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
const big = (v: number | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(v));

class PrimitiveFailure {
  constructor(readonly code = 1) {}
}
const FAIL = new PrimitiveFailure();

export class QuitSignal {
  constructor(readonly status: number) {}
}

// Context slots
const SENDER = 0, PC = 1, STACKP = 2, METHOD = 3, CLOSURE = 4, RECEIVER = 5, CTX_FIXED = 6;

export interface RunResult {
  status: number;
  output: string;
  bytecodes: number;
}

export class Simulator {
  nil!: Obj;
  true!: Obj;
  false!: Obj;
  specialObjects!: Obj;
  classTable = new Map<number, Obj>();
  output = '';
  bytecodeCount = 0;
  private nextHash = 1000;
  private methodCache = new Map<string, Obj | null>();
  private active!: Obj; // active context

  constructor(image: SpurImage) {
    const map = new Map<bigint, Obj>();
    for (const d of image.objects) {
      map.set(d.oop, new Obj(d.classIndex, d.format, [], null, d.hash));
    }
    const conv = (oop: bigint): Value => {
      const v = image.decode(oop);
      if (v.kind === 'int') return smallInt(v.value)!;
      if (v.kind === 'char') return chr(v.value);
      if (v.kind === 'float') return new Flt(v.value);
      const o = map.get(oop);
      if (!o) throw new Error(`dangling oop 0x${oop.toString(16)}`);
      return o;
    };
    for (const d of image.objects) {
      const o = map.get(d.oop)!;
      if (d.format < 9) {
        for (let i = 0; i < d.numSlots; i++) o.slots.push(conv(image.slot(d, i)));
      } else if (d.format >= 24) {
        const header = image.decode(image.slot(d, 0));
        if (header.kind !== 'int') throw new Error('bad method header');
        const numLits = Number(header.value & 0x7fffn);
        for (let i = 0; i <= numLits; i++) o.slots.push(conv(image.slot(d, i)));
        o.bytes = image.bytesOf(d).slice((numLits + 1) * 8);
      } else o.bytes = image.bytesOf(d).slice();
    }
    this.nil = map.get(image.objects[0].oop)!;
    this.false = map.get(image.objects[1].oop)!;
    this.true = map.get(image.objects[2].oop)!;
    this.specialObjects = map.get(image.header.specialObjectsOop)!;
    for (const [i] of image.classTable()) this.classTable.set(i, map.get(image.classAt(i)!.oop)!);
    const processor = this.processor();
    this.active = this.slotObj(this.slotObj(processor, 1), 1);
    const proc = this.slotObj(processor, 1);
    proc.slots[1] = this.nil; // suspendedContext: running now
  }

  // ---- helpers ----
  private slotObj(o: Obj, i: number): Obj {
    const v = o.slots[i];
    if (!(v instanceof Obj)) throw new Error(`slot ${i} is not an object`);
    return v;
  }
  private processor(): Obj {
    return this.slotObj(this.slotObj(this.specialObjects, 3), 1);
  }
  special(i: number): Value {
    return this.specialObjects.slots[i];
  }
  classOf(v: Value): Obj {
    if (typeof v === 'number' || typeof v === 'bigint') return this.classTable.get(1)!;
    if (v instanceof Chr) return this.classTable.get(2)!;
    if (v instanceof Flt) return this.classTable.get(4)!;
    return this.classTable.get(v.classIndex)!;
  }
  className(cls: Obj): string {
    if (cls.slots.length > 6 && cls.slots[6] instanceof Obj && cls.slots[6].bytes) return Buffer.from(cls.slots[6].bytes).toString('latin1');
    return `${this.className(cls.slots[5] as Obj)} class`;
  }
  str(v: Value): string {
    if (v instanceof Obj && v.bytes && v.format >= 16) return Buffer.from(v.bytes).toString('latin1');
    return String(v);
  }
  private bool(b: boolean): Obj {
    return b ? this.true : this.false;
  }
  private newHash(): number {
    this.nextHash = (this.nextHash * 1103515245 + 12345) % 0x3fffff || 1;
    return this.nextHash;
  }
  instantiate(cls: Obj, size: number): Obj {
    const fmt = big(cls.slots[2] as number);
    const spec = Number((fmt >> 16n) & 31n);
    const instSize = Number(fmt & 0xffffn);
    const index = cls.hash;
    if (spec <= 5) {
      if (size > 0 && spec !== 2 && spec !== 3 && spec !== 4) throw FAIL;
      return new Obj(index, spec, new Array(instSize + size).fill(this.nil), null);
    }
    if (spec === 9) return new Obj(index, spec, [], new Uint8Array(size * 8));
    if (spec === 10) return new Obj(index, spec, [], new Uint8Array(size * 4));
    if (spec === 12) return new Obj(index, spec, [], new Uint8Array(size * 2));
    if (spec === 16) return new Obj(index, spec, [], new Uint8Array(size));
    throw FAIL;
  }
  newString(s: string): Obj {
    return new Obj(52, 16, [], Uint8Array.from(Buffer.from(s, 'latin1')));
  }
  newArray(items: Value[]): Obj {
    return new Obj(51, 2, items, null);
  }
  private float(v: number): Value {
    if (smallFloatBits(v) !== undefined) return new Flt(v);
    const o = new Obj(34, 10, [], new Uint8Array(8));
    new DataView(o.bytes!.buffer).setFloat64(0, v, true);
    return o;
  }
  private floatValue(v: Value): number {
    if (v instanceof Flt) return v.v;
    if (v instanceof Obj && v.classIndex === 34) return new DataView(v.bytes!.buffer, v.bytes!.byteOffset).getFloat64(0, true);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw FAIL;
  }
  private isFloat(v: Value): boolean {
    return v instanceof Flt || (v instanceof Obj && v.classIndex === 34);
  }

  // ---- methods ----
  private header(m: Obj): bigint {
    return big(m.slots[0] as number | bigint) - SMALL_MIN;
  }
  numLits(m: Obj): number {
    return Number(this.header(m) & 0x7fffn);
  }
  private numArgs(m: Obj): number {
    return Number((this.header(m) >> 24n) & 15n);
  }
  private numTemps(m: Obj): number {
    return Number((this.header(m) >> 18n) & 63n);
  }
  private primitiveOf(m: Obj): number {
    if (((this.header(m) >> 16n) & 1n) === 0n) return 0;
    return m.bytes![1] | (m.bytes![2] << 8);
  }
  private frameSize(m: Obj): number {
    return ((this.header(m) >> 17n) & 1n) === 1n ? 56 : 16;
  }

  lookup(cls: Obj, selector: Obj): Obj | null {
    const key = `${cls.hash}:${selector.hash}`;
    const cached = this.methodCache.get(key);
    if (cached !== undefined) return cached;
    let found: Obj | null = null;
    for (let c: Value = cls; c instanceof Obj && c !== this.nil; c = c.slots[0]) {
      const dict = c.slots[1];
      if (!(dict instanceof Obj) || dict === this.nil) continue;
      const cap = dict.slots.length - 2;
      let i = selector.hash & (cap - 1);
      for (;;) {
        const s = dict.slots[2 + i];
        if (s === this.nil) break;
        if (s === selector) {
          found = (dict.slots[1] as Obj).slots[i] as Obj;
          break;
        }
        i = (i + 1) & (cap - 1);
      }
      if (found) break;
    }
    this.methodCache.set(key, found);
    return found;
  }

  // ---- contexts ----
  private push(v: Value): void {
    const c = this.active;
    const sp = c.slots[STACKP] as number;
    c.slots[CTX_FIXED + sp] = v;
    c.slots[STACKP] = sp + 1;
  }
  private pop(): Value {
    const c = this.active;
    const sp = (c.slots[STACKP] as number) - 1;
    c.slots[STACKP] = sp;
    return c.slots[CTX_FIXED + sp];
  }
  private top(n = 0): Value {
    const c = this.active;
    return c.slots[CTX_FIXED + (c.slots[STACKP] as number) - 1 - n];
  }
  private popN(n: number): Value[] {
    const c = this.active;
    const sp = (c.slots[STACKP] as number) - n;
    const out = c.slots.slice(CTX_FIXED + sp, CTX_FIXED + sp + n);
    c.slots[STACKP] = sp;
    return out;
  }

  private newContext(method: Obj, receiver: Value, args: Value[], closure: Value, copied: Value[]): Obj {
    const ctx = new Obj(36, 3, new Array(CTX_FIXED + this.frameSize(method)).fill(this.nil), null);
    const temps = this.numTemps(method);
    ctx.slots[SENDER] = this.active;
    ctx.slots[PC] = (this.numLits(method) + 1) * 8 + 1;
    ctx.slots[STACKP] = temps;
    ctx.slots[METHOD] = method;
    ctx.slots[CLOSURE] = closure;
    ctx.slots[RECEIVER] = receiver;
    let i = CTX_FIXED;
    for (const a of args) ctx.slots[i++] = a;
    for (const c of copied) ctx.slots[i++] = c;
    if (ctx.slots.length < CTX_FIXED + temps) throw new Error('frame too small');
    return ctx;
  }

  send(selector: Obj, numArgs: number, lookupClass?: Obj): void {
    const receiver = this.top(numArgs);
    const cls = lookupClass ?? this.classOf(receiver);
    const method = this.lookup(cls, selector);
    if (!method) {
      const args = this.popN(numArgs);
      this.pop();
      const msgClass = this.special(15) as Obj;
      const msg = this.instantiate(msgClass, 0);
      msg.slots[0] = selector;
      msg.slots[1] = this.newArray(args);
      msg.slots[2] = cls;
      this.push(receiver);
      this.push(msg);
      const dnu = this.special(20) as Obj;
      const m2 = this.lookup(cls, dnu);
      if (!m2) throw new Error(`${this.className(cls)} does not understand #${this.str(selector)} nor #doesNotUnderstand:`);
      this.activate(m2, 1);
      return;
    }
    this.activate(method, numArgs);
  }

  private activate(method: Obj, numArgs: number): void {
    const prim = this.primitiveOf(method);
    let errorCode: Value | undefined;
    if (prim !== 0) {
      const res = this.primitive(prim, numArgs, method);
      if (res === undefined) return; // succeeded (result pushed) or switched context
      errorCode = res === FAIL ? this.nil : this.errorObject(res.code);
    }
    const args = this.popN(numArgs);
    const receiver = this.pop();
    const ctx = this.newContext(method, receiver, args, this.nil, []);
    this.active = ctx;
    if (prim !== 0) {
      // skip callPrimitive; store the error code for a following long store temp
      ctx.slots[PC] = (ctx.slots[PC] as number) + 3;
      const b = method.bytes!;
      const off = (ctx.slots[PC] as number) - 1 - (this.numLits(method) + 1) * 8;
      if (b[off] === 245 && errorCode !== undefined) ctx.slots[CTX_FIXED + b[off + 1]] = errorCode;
    }
  }

  private errorObject(code: number): Value {
    const table = this.special(51);
    if (table instanceof Obj && code >= 1 && code <= table.slots.length) return table.slots[code - 1];
    return code;
  }

  /** Return value to `target` (a context), making `from` and everything up to target dead. */
  private returnTo(target: Value, value: Value): void {
    if (!(target instanceof Obj) || target === this.nil || target.slots[PC] === this.nil) {
      throw new Error(`return to a dead or nil context; output so far ${JSON.stringify(this.output)}\n${this.backtrace()}`);
    }
    let c: Value = this.active;
    while (c instanceof Obj && c !== target && c !== this.nil) {
      const next: Value = c.slots[SENDER];
      c.slots[SENDER] = this.nil;
      c.slots[PC] = this.nil;
      c = next;
    }
    this.active = target;
    this.push(value);
  }

  private methodReturn(value: Value): void {
    const ctx = this.active;
    const closure = ctx.slots[CLOSURE];
    if (closure === this.nil) {
      const sender = ctx.slots[SENDER];
      if (sender === this.nil) throw new Error('return from the bottom context');
      this.returnTo(sender, value);
      return;
    }
    // non-local return: to the home method context's sender
    let h = (closure as Obj).slots[0] as Obj; // outerContext
    while (h.slots[CLOSURE] !== this.nil) h = (h.slots[CLOSURE] as Obj).slots[0] as Obj;
    const target = h.slots[SENDER];
    if (h.slots[PC] === this.nil || !(target instanceof Obj) || target === this.nil) {
      this.push(ctx);
      this.push(value);
      this.send(this.special(21) as Obj, 1); // cannotReturn:
      return;
    }
    // unwind contexts between here and home?
    for (let c: Value = ctx.slots[SENDER]; c instanceof Obj && c !== h && c !== this.nil; c = c.slots[SENDER]) {
      const m = c.slots[METHOD] as Obj;
      if (this.primitiveOf(m) === 198) {
        this.push(ctx);
        this.push(value);
        this.push(c);
        this.send(this.special(48) as Obj, 2);
        return;
      }
    }
    this.returnTo(target, value);
  }

  // ---- the interpreter loop ----
  run(maxBytecodes = 200_000_000): RunResult {
    try {
      for (;;) {
        if (this.bytecodeCount++ > maxBytecodes) throw new Error(`bytecode budget exhausted; output so far ${JSON.stringify(this.output)}\n${this.backtrace()}`);
        this.step();
      }
    } catch (e) {
      if (e instanceof QuitSignal) return { status: e.status, output: this.output, bytecodes: this.bytecodeCount };
      throw e;
    }
  }

  /** The active context chain, innermost first. */
  backtrace(depth = 25): string {
    const lines: string[] = [];
    for (let c: Value = this.active; c instanceof Obj && c !== this.nil && lines.length < depth; c = c.slots[SENDER]) {
      const m = c.slots[METHOD] as Obj;
      const home = this.methodOf(m);
      const binding = home.slots[this.numLits(home)] as Obj;
      const sel = this.str(home.slots[this.numLits(home) - 1]);
      lines.push(`  ${c.slots[CLOSURE] !== this.nil ? '[] in ' : ''}${this.className(binding.slots[1] as Obj)}>>${sel} pc ${String(c.slots[PC])}`);
    }
    return lines.join('\n');
  }

  private fetch(): number {
    const ctx = this.active;
    const m = ctx.slots[METHOD] as Obj;
    const pc = ctx.slots[PC] as number;
    ctx.slots[PC] = pc + 1;
    return m.bytes![pc - 1 - (this.numLits(m) + 1) * 8];
  }

  private literal(i: number): Value {
    return (this.active.slots[METHOD] as Obj).slots[1 + i];
  }

  private jump(d: number): void {
    this.active.slots[PC] = (this.active.slots[PC] as number) + d;
  }

  private condJump(onTrue: boolean, d: number): void {
    const v = this.pop();
    if (v === this.true || v === this.false) {
      if ((v === this.true) === onTrue) this.jump(d);
      return;
    }
    this.push(v);
    this.send(this.special(25) as Obj, 0);
  }

  private step(): void {
    let extA = 0;
    let extB = 0;
    let b = this.fetch();
    while (b === 224 || b === 225) {
      const x = this.fetch();
      if (b === 224) extA = extA * 256 + x;
      else extB = extB === 0 && x > 127 ? x - 256 : extB * 256 + x;
      b = this.fetch();
    }
    const ctx = this.active;
    const rcvr = ctx.slots[RECEIVER];
    if (b < 16) return this.push((rcvr as Obj).slots[b]);
    if (b < 32) return this.push((this.literal(b - 16) as Obj).slots[1]);
    if (b < 64) return this.push(this.literal(b - 32));
    if (b < 76) return this.push(ctx.slots[CTX_FIXED + b - 64]);
    switch (b) {
      case 76: return this.push(rcvr);
      case 77: return this.push(this.true);
      case 78: return this.push(this.false);
      case 79: return this.push(this.nil);
      case 80: return this.push(0);
      case 81: return this.push(1);
      case 82: return this.push(ctx);
      case 83: return this.push(this.top());
      case 88: return this.methodReturn(rcvr);
      case 89: return this.methodReturn(this.true);
      case 90: return this.methodReturn(this.false);
      case 91: return this.methodReturn(this.nil);
      case 92: return this.methodReturn(this.pop());
      case 93: return this.returnTo(ctx.slots[SENDER], this.nil);
      case 94: return this.returnTo(ctx.slots[SENDER], this.pop());
      case 95: return;
    }
    if (b >= 96 && b < 128) {
      const sel = this.special(23) as Obj;
      const i = b - 96;
      const numArgs = sel.slots[i * 2 + 1] as number;
      if (this.inlineSpecial(i)) return;
      return this.send(sel.slots[i * 2] as Obj, numArgs);
    }
    if (b < 176) {
      const n = (b - 128) >> 4;
      return this.send(this.literal((b - 128) & 15) as Obj, n);
    }
    if (b < 184) return this.jump(b - 176 + 1);
    if (b < 192) return this.condJump(true, b - 184 + 1);
    if (b < 200) return this.condJump(false, b - 192 + 1);
    if (b < 208) {
      (rcvr as Obj).slots[b - 200] = this.pop();
      return;
    }
    if (b < 216) {
      ctx.slots[CTX_FIXED + b - 208] = this.pop();
      return;
    }
    if (b === 216) {
      this.pop();
      return;
    }
    const x = this.fetch();
    switch (b) {
      case 226: return this.push((rcvr as Obj).slots[x + extA * 256]);
      case 227: return this.push((this.literal(x + extA * 256) as Obj).slots[1]);
      case 228: return this.push(this.literal(x + extA * 256));
      case 229: return this.push(ctx.slots[CTX_FIXED + x]);
      case 231: {
        const n = x & 127;
        if (x & 128) this.push(this.newArray(this.popN(n)));
        else this.push(this.newArray(new Array(n).fill(this.nil)));
        return;
      }
      case 232: return this.push(x + extB * 256);
      case 233: return this.push(chr(x + extB * 256));
      case 234:
        return this.send(this.literal((x >> 3) + extA * 32) as Obj, (x & 7) + extB * 8);
      case 235: {
        const m = ctx.slots[METHOD] as Obj;
        const home = this.methodOf(m);
        const binding = home.slots[this.numLits(home)] as Obj;
        const cls = binding.slots[1] as Obj;
        return this.send(this.literal((x >> 3) + extA * 32) as Obj, (x & 7) + extB * 8, cls.slots[0] as Obj);
      }
      case 237: return this.jump(x + extB * 256);
      case 238: return this.condJump(true, x + extB * 256);
      case 239: return this.condJump(false, x + extB * 256);
      case 240: (rcvr as Obj).slots[x + extA * 256] = this.pop(); return;
      case 241: (this.literal(x + extA * 256) as Obj).slots[1] = this.pop(); return;
      case 242: ctx.slots[CTX_FIXED + x] = this.pop(); return;
      case 243: (rcvr as Obj).slots[x + extA * 256] = this.top(); return;
      case 244: (this.literal(x + extA * 256) as Obj).slots[1] = this.top(); return;
      case 245: ctx.slots[CTX_FIXED + x] = this.top(); return;
    }
    const y = this.fetch();
    switch (b) {
      case 248: return; // callPrimitive reached by a failed primitive: already handled on activation
      case 249: {
        const code = this.literal(x + extA * 256) as Obj;
        const numCopied = y & 63;
        const copied = this.popN(numCopied);
        // flag 64 (ignoreOuterContext): a clean block, created without its outer context as the VM does
        const outer = (y & 64) !== 0 ? this.nil : ctx;
        const closure = new Obj(38, 3, [outer, code, this.numArgs(code), rcvr, ...copied], null);
        this.push(closure);
        return;
      }
      case 251: return this.push((ctx.slots[CTX_FIXED + y] as Obj).slots[x]);
      case 252: (ctx.slots[CTX_FIXED + y] as Obj).slots[x] = this.top(); return;
      case 253: (ctx.slots[CTX_FIXED + y] as Obj).slots[x] = this.pop(); return;
    }
    throw new Error(`unknown bytecode ${b}`);
  }

  private methodOf(code: Obj): Obj {
    // a CompiledBlock's last literal is its outer code
    let m = code;
    while (this.classOf(m) !== this.special(16)) m = m.slots[this.numLits(m)] as Obj;
    return m;
  }

  /** Quick paths for special sends on SmallIntegers (the primitive semantics). */
  private inlineSpecial(i: number): boolean {
    if (i >= 16) {
      if (i === 22) { // ==
        const a = this.pop();
        const r = this.pop();
        this.push(this.bool(this.identical(r, a)));
        return true;
      }
      return false;
    }
    const a = this.top(0);
    const r = this.top(1);
    if (typeof a !== 'number' || typeof r !== 'number') return false;
    const prim = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 17, 12, 14, 15][i];
    if (prim === 0) return false;
    const res = this.intPrim(prim, r, a);
    if (res === undefined) return false;
    this.popN(2);
    this.push(res);
    return true;
  }

  private identical(a: Value, b: Value): boolean {
    if (a === b) return true;
    if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
    if (a instanceof Chr && b instanceof Chr) return a.code === b.code;
    if (a instanceof Flt && b instanceof Flt) return Object.is(a.v, b.v);
    return false;
  }

  private intPrim(p: number, r: number | bigint, a: Value): Value | undefined {
    if (!isInt(a)) return undefined;
    const x = big(r);
    const y = big(a);
    switch (p) {
      case 1: return smallInt(x + y);
      case 2: return smallInt(x - y);
      case 3: return this.bool(x < y);
      case 4: return this.bool(x > y);
      case 5: return this.bool(x <= y);
      case 6: return this.bool(x >= y);
      case 7: return this.bool(x === y);
      case 8: return this.bool(x !== y);
      case 9: return smallInt(x * y);
      case 10: return y !== 0n && x % y === 0n ? smallInt(x / y) : undefined;
      case 11: { if (y === 0n) return undefined; const m = x % y; return smallInt(m !== 0n && (m < 0n) !== (y < 0n) ? m + y : m); }
      case 12: { if (y === 0n) return undefined; let q = x / y; if (x % y !== 0n && (x < 0n) !== (y < 0n)) q -= 1n; return smallInt(q); }
      case 13: return y === 0n ? undefined : smallInt(x / y);
      case 14: return smallInt(x & y);
      case 15: return smallInt(x | y);
      case 16: return smallInt(x ^ y);
      case 17: {
        if (y > 0n) { if (y > 64n) return x === 0n ? 0 : undefined; return smallInt(x << y); }
        return smallInt(y < -64n ? (x < 0n ? -1n : 0n) : x >> -y);
      }
    }
    return undefined;
  }

  // ---- primitives: answer undefined on success (result pushed), or a failure ----
  private primitive(p: number, numArgs: number, method: Obj): PrimitiveFailure | undefined {
    try {
      const r = this.primitiveBody(p, numArgs, method);
      if (r === 'switched') return undefined;
      if (r === undefined) return FAIL;
      this.popN(numArgs + 1);
      this.push(r);
      return undefined;
    } catch (e) {
      if (e instanceof PrimitiveFailure) return e;
      throw e;
    }
  }

  private arg(numArgs: number, i: number): Value {
    return this.top(numArgs - 1 - i);
  }

  private primitiveBody(p: number, numArgs: number, method: Obj): Value | undefined | 'switched' {
    const rcvr = this.top(numArgs);
    const a0 = numArgs > 0 ? this.arg(numArgs, 0) : undefined;
    if (p >= 1 && p <= 17) return isInt(rcvr) ? this.intPrim(p, rcvr, a0!) : undefined;
    if (p >= 256 && p <= 519) return this.quickPrim(p, rcvr);
    if ((p >= 41 && p <= 59) || (p >= 541 && p <= 559)) return this.floatPrim(p > 500 ? p - 500 : p, rcvr, a0);
    switch (p) {
      case 40: return isInt(rcvr) ? this.float(Number(rcvr)) : undefined;
      case 60: case 61: case 63: case 64: return this.atPrim(p, rcvr, a0!, numArgs > 1 ? this.arg(numArgs, 1) : undefined);
      case 62: {
        if (!(rcvr instanceof Obj)) return 0;
        return this.indexableSize(rcvr);
      }
      case 68: {
        if (!(rcvr instanceof Obj) || rcvr.format < 24 || typeof a0 !== 'number') return undefined;
        if (a0 < 1 || a0 > rcvr.slots.length) return undefined;
        return rcvr.slots[a0 - 1];
      }
      case 70: return rcvr instanceof Obj ? this.instantiate(rcvr, 0) : undefined;
      case 71: return rcvr instanceof Obj && typeof a0 === 'number' && a0 >= 0 ? this.instantiate(rcvr, a0) : undefined;
      case 73: case 74: {
        if (!(rcvr instanceof Obj) || typeof a0 !== 'number' || a0 < 1 || a0 > rcvr.slots.length) return undefined;
        if (p === 73) return rcvr.slots[a0 - 1];
        rcvr.slots[a0 - 1] = this.arg(numArgs, 1);
        return this.arg(numArgs, 1);
      }
      case 75: {
        if (!(rcvr instanceof Obj)) return undefined;
        if (rcvr.hash === 0) rcvr.hash = this.newHash();
        return rcvr.hash;
      }
      case 83: case 84: return this.performPrim(p, numArgs);
      case 85: case 86: case 87: case 88: case 167: return this.processPrim(p, rcvr);
      case 105: {
        const [start, stop, repl, rstart] = [0, 1, 2, 3].map((i) => this.arg(numArgs, i));
        if (!(rcvr instanceof Obj) || !(repl instanceof Obj) || typeof start !== 'number' || typeof stop !== 'number' || typeof rstart !== 'number') return undefined;
        if ((rcvr.bytes === null) !== (repl.bytes === null)) return undefined;
        for (let i = start; i <= stop; i++) {
          const j = rstart + i - start;
          if (rcvr.bytes) {
            if (i < 1 || i > rcvr.bytes.length || j < 1 || j > repl.bytes!.length) return undefined;
            rcvr.bytes[i - 1] = repl.bytes![j - 1];
          } else {
            const fixed = this.fixedSize(rcvr);
            const rf = this.fixedSize(repl);
            if (i < 1 || i > rcvr.slots.length - fixed || j < 1 || j > repl.slots.length - rf) return undefined;
            rcvr.slots[fixed + i - 1] = repl.slots[rf + j - 1];
          }
        }
        return rcvr;
      }
      case 110: return this.bool(this.identical(rcvr, a0!));
      case 111: return this.classOf(rcvr);
      case 113: throw new QuitSignal(typeof a0 === 'number' ? a0 : 0);
      case 117: return this.namedPrim(method, numArgs);
      case 130: return 0;
      case 135: return Date.now() % 1000000000;
      case 148: {
        if (!(rcvr instanceof Obj)) return rcvr;
        return new Obj(rcvr.classIndex, rcvr.format, rcvr.slots.slice(), rcvr.bytes ? rcvr.bytes.slice() : null);
      }
      case 169: return this.bool(!this.identical(rcvr, a0!));
      case 170: return typeof a0 === 'number' && a0 >= 0 && a0 < 0x110000 ? chr(a0) : undefined;
      case 171: return rcvr instanceof Chr ? rcvr.code : undefined;
      case 207: case 208: case 209: return this.closureValue(p === 208 ? 206 : 201, numArgs);
      case 201: case 202: case 203: case 204: case 205: case 206: return undefined; // old-style BlockClosures only
      case 210: case 211: case 212: {
        if (!(rcvr instanceof Obj) || rcvr.classIndex !== 36) return undefined;
        const sp = rcvr.slots[STACKP] as number;
        if (p === 212) return sp;
        if (typeof a0 !== 'number' || a0 < 1 || a0 > sp) return undefined;
        if (p === 210) return rcvr.slots[CTX_FIXED + a0 - 1];
        rcvr.slots[CTX_FIXED + a0 - 1] = this.arg(numArgs, 1);
        return this.arg(numArgs, 1);
      }
      case 230: return rcvr;
      case 240: return smallInt(BigInt(Date.now()) * 1000n);
    }
    return undefined; // 195-199, 21-29 and everything else fail (Smalltalk fallbacks)
  }

  private fixedSize(o: Obj): number {
    const cls = this.classOf(o);
    return Number(big(cls.slots[2] as number) & 0xffffn);
  }

  private indexableSize(o: Obj): number {
    if (o.format >= 24) return o.slots.length * 8 + o.bytes!.length;
    if (o.bytes) {
      if (o.format >= 16) return o.bytes.length;
      if (o.format >= 12) return o.bytes.length / 2;
      if (o.format >= 10) return o.bytes.length / 4;
      return o.bytes.length / 8;
    }
    if (o.classIndex === 36) return o.slots[STACKP] as number;
    return o.slots.length - this.fixedSize(o);
  }

  private atPrim(p: number, rcvr: Value, index: Value, value: Value | undefined): Value | undefined {
    if (!(rcvr instanceof Obj) || typeof index !== 'number') return undefined;
    if (rcvr.format >= 24) {
      // bytecodes part of compiled code (1-based from the start of the object)
      const i = index - 1 - rcvr.slots.length * 8;
      if (i < 0 || i >= rcvr.bytes!.length) return undefined;
      if (p === 60) return rcvr.bytes![i];
      if (typeof value !== 'number') return undefined;
      rcvr.bytes![i] = value;
      return value;
    }
    if (rcvr.bytes) {
      if (rcvr.format < 16) {
        if (rcvr.format < 10) return undefined;
        const dv = new DataView(rcvr.bytes.buffer, rcvr.bytes.byteOffset);
        if (index < 1 || index > rcvr.bytes.length / 4) return undefined;
        if (p === 60) return dv.getUint32((index - 1) * 4, true);
        if (typeof value !== 'number') return undefined;
        dv.setUint32((index - 1) * 4, value, true);
        return value;
      }
      if (index < 1 || index > rcvr.bytes.length) return undefined;
      if (p === 60 || p === 63) return p === 60 ? rcvr.bytes[index - 1] : chr(rcvr.bytes[index - 1]);
      const v = value instanceof Chr && p === 64 ? value.code : value;
      if (typeof v !== 'number' || v < 0 || v > 255) return undefined;
      if (p === 64 && !(value instanceof Chr)) return undefined;
      rcvr.bytes[index - 1] = v;
      return value;
    }
    if (p === 63 || p === 64) return undefined;
    if (rcvr.classIndex === 36) return undefined;
    const fixed = this.fixedSize(rcvr);
    if (index < 1 || index > rcvr.slots.length - fixed) return undefined;
    if (p === 60) return rcvr.slots[fixed + index - 1];
    rcvr.slots[fixed + index - 1] = value!;
    return value;
  }

  private floatPrim(p: number, rcvr: Value, a: Value | undefined): Value | undefined {
    if (!this.isFloat(rcvr)) return undefined;
    const x = this.floatValue(rcvr);
    const needArg = (): number => {
      if (a === undefined || !(this.isFloat(a) || isInt(a))) throw FAIL;
      return this.floatValue(a);
    };
    switch (p) {
      case 41: return this.float(x + needArg());
      case 42: return this.float(x - needArg());
      case 43: return this.bool(x < needArg());
      case 44: return this.bool(x > needArg());
      case 45: return this.bool(x <= needArg());
      case 46: return this.bool(x >= needArg());
      case 47: return this.bool(x === needArg());
      case 48: return this.bool(x !== needArg());
      case 49: return this.float(x * needArg());
      case 50: { const y = needArg(); return y === 0 ? undefined : this.float(x / y); }
      case 51: return Number.isFinite(x) ? smallInt(BigInt(Math.trunc(x))) : undefined;
      case 52: return this.float(x - Math.trunc(x));
      case 55: return this.float(Math.sqrt(x));
      case 56: return this.float(Math.sin(x));
      case 57: return this.float(Math.atan(x));
      case 58: return this.float(Math.log(x));
      case 59: return this.float(Math.exp(x));
    }
    return undefined;
  }

  private performPrim(p: number, numArgs: number): Value | undefined | 'switched' {
    const sel = this.arg(numArgs, 0);
    if (!(sel instanceof Obj) || !sel.bytes) return undefined;
    const selName = this.str(sel);
    const expected = /^[A-Za-z_]/.test(selName) ? (selName.match(/:/g) ?? []).length : 1;
    if (p === 83 && expected !== numArgs - 1) return undefined;
    if (p === 84) {
      const arr = this.arg(numArgs, 1);
      if (!(arr instanceof Obj) || arr.slots.length !== expected) return undefined;
    }
    let args: Value[];
    if (p === 83) args = this.popN(numArgs).slice(1);
    else {
      const arr = this.arg(numArgs, 1);
      if (!(arr instanceof Obj) || arr.classIndex !== 51) return undefined;
      args = arr.slots.slice();
      this.popN(2);
    }
    for (const a of args) this.push(a);
    this.send(sel, args.length);
    return 'switched';
  }

  /** Quick-return primitives: 256 self, 257-263 true false nil -1 0 1 2, 264+n instance variable n. */
  private quickPrim(p: number, rcvr: Value): Value | undefined {
    if (p === 256) return rcvr;
    if (p <= 263) return [this.true, this.false, this.nil, -1, 0, 1, 2][p - 257];
    const i = p - 264;
    return rcvr instanceof Obj && rcvr.format <= 5 && i < rcvr.slots.length ? rcvr.slots[i] : undefined;
  }

  private closureValue(p: number, numArgs: number): Value | undefined | 'switched' {
    const closure = this.top(numArgs);
    if (!(closure instanceof Obj) || (closure.classIndex !== 38 && closure.classIndex !== 37)) return undefined;
    const code = closure.slots[1] as Obj;
    let args: Value[];
    if (p === 206) {
      const arr = this.arg(numArgs, 0);
      if (!(arr instanceof Obj) || arr.classIndex !== 51 || arr.slots.length !== this.numArgs(code)) return undefined;
      args = arr.slots.slice();
      this.popN(2);
    } else {
      if (numArgs !== this.numArgs(code)) return undefined;
      args = this.popN(numArgs);
      this.pop();
    }
    const ctx = this.newContext(code, closure.slots[3], args, closure, closure.slots.slice(4));
    this.active = ctx;
    return 'switched';
  }

  private namedPrim(method: Obj, numArgs: number): Value | undefined {
    const spec = method.slots[1] as Obj;
    const mod = this.str(spec.slots[0]);
    const name = this.str(spec.slots[1]);
    if (mod === 'Xenolith' && (name === 'primitiveConsoleWrite' || name === 'primitiveConsoleWriteError') && numArgs === 1) {
      const s = this.arg(1, 0);
      if (!(s instanceof Obj) || !s.bytes || s.format < 16 || s.format >= 24) throw new PrimitiveFailure(3);
      this.output += Buffer.from(s.bytes).toString('latin1');
      return this.top(1);
    }
    return undefined;
  }

  // ---- processes (Blue Book scheduler, enough for fork/semaphores) ----
  private processPrim(p: number, rcvr: Value): Value | undefined | 'switched' {
    const scheduler = this.processor();
    if (p === 167) return scheduler;
    if (!(rcvr instanceof Obj)) return undefined;
    switch (p) {
      case 85: { // signal
        this.popN(1);
        this.push(rcvr);
        if (rcvr.slots[0] === this.nil) rcvr.slots[2] = (rcvr.slots[2] as number) + 1;
        else this.resume(this.removeFirst(rcvr));
        return 'switched';
      }
      case 86: { // wait
        const excess = rcvr.slots[2] as number;
        if (excess > 0) {
          rcvr.slots[2] = excess - 1;
          return rcvr;
        }
        this.popN(1);
        this.push(rcvr);
        const active = scheduler.slots[1] as Obj;
        this.addLast(rcvr, active);
        this.switchToNext();
        return 'switched';
      }
      case 87: { // resume
        this.popN(1);
        this.push(rcvr);
        this.resume(rcvr);
        return 'switched';
      }
      case 88: { // suspend
        const active = scheduler.slots[1] as Obj;
        if (rcvr !== active) return undefined;
        this.popN(1);
        this.push(this.nil);
        this.switchToNext();
        return 'switched';
      }
    }
    return undefined;
  }

  private removeFirst(list: Obj): Obj {
    const first = list.slots[0] as Obj;
    if (first === list.slots[1]) {
      list.slots[0] = this.nil;
      list.slots[1] = this.nil;
    } else list.slots[0] = first.slots[0];
    first.slots[0] = this.nil;
    first.slots[3] = this.nil;
    return first;
  }

  private addLast(list: Obj, proc: Obj): void {
    if (list.slots[1] === this.nil) list.slots[0] = proc;
    else (list.slots[1] as Obj).slots[0] = proc;
    list.slots[1] = proc;
    proc.slots[3] = list;
  }

  private resume(proc: Obj): void {
    const scheduler = this.processor();
    const active = scheduler.slots[1] as Obj;
    const lists = scheduler.slots[0] as Obj;
    if ((proc.slots[2] as number) > (active.slots[2] as number)) {
      this.addLast(lists.slots[(active.slots[2] as number) - 1] as Obj, active);
      active.slots[1] = this.active;
      this.transferTo(proc);
    } else this.addLast(lists.slots[(proc.slots[2] as number) - 1] as Obj, proc);
  }

  private switchToNext(): void {
    const scheduler = this.processor();
    const lists = scheduler.slots[0] as Obj;
    const active = scheduler.slots[1] as Obj;
    active.slots[1] = this.active;
    for (let p = lists.slots.length; p >= 1; p--) {
      const list = lists.slots[p - 1] as Obj;
      if (list.slots[0] !== this.nil) {
        this.transferTo(this.removeFirst(list));
        return;
      }
    }
    throw new Error('no runnable process');
  }

  private transferTo(proc: Obj): void {
    const scheduler = this.processor();
    scheduler.slots[1] = proc;
    this.active = proc.slots[1] as Obj;
    proc.slots[1] = this.nil;
    proc.slots[3] = this.nil;
  }
}

export function runImage(bytes: Uint8Array, maxBytecodes?: number): RunResult {
  return new Simulator(new SpurImage(bytes)).run(maxBytecodes);
}

export type { DecodedObject };
