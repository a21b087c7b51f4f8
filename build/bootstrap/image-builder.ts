// The bootstrapper proper: Tonel packages → classes, metaclasses, symbols, globals, compiled
// methods, the startup process and the special objects array → a 64-bit Spur image
// (layouts as docs/image-format.md).
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { Literal } from './ast.ts';
import { type BindingRef, type CompiledCode, type CompileEnvironment, compileMethod, type LiteralRef } from './compiler.ts';
import { SPECIAL_SELECTORS } from './bytecode-emitter.ts';
import { errorAt, SourceError } from './source-error.ts';
import {
  Char, Format, HeapObject, int, type Oop, SMALLINT_MAX, SMALLINT_MIN, SmallFloat, smallFloatBits, SmallInt, writeImage,
} from './spur-heap.ts';
import { isSomCompatPackage, readSomDirectory } from './som/directory.ts';
import { shadowLibraryClasses } from './som/library-names.ts';
import { sendUnknownGlobals } from './som/unknown-globals.ts';
import { characterTables } from './unicode-tables.ts';
import { readTonelDirectory, type TonelClass, type TonelMethod, type TonelPackage } from './tonel.ts';

export const KERNEL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../smalltalk');

/** Class indices fixed by the VM (SpurMemoryManager's known class indices). */
export const FIXED_CLASS_INDICES: Record<string, number> = {
  SmallInteger: 1, Character: 2, SmallFloat64: 4,
  LargeNegativeInteger: 32, LargePositiveInteger: 33, BoxedFloat64: 34, Message: 35, Context: 36,
  BlockClosure: 37, FullBlockClosure: 38, ByteArray: 50, Array: 51, ByteString: 52, Bitmap: 53,
};
export const FIRST_FREE_CLASS_INDEX = 64;

/** Instance variables the VM relies on, by position (a prefix of the class's instVarNames). */
export const REQUIRED_LAYOUTS: Record<string, string[]> = {
  Behavior: ['superclass', 'methodDict', 'format'],
  ClassDescription: ['superclass', 'methodDict', 'format', 'instanceVariables', 'organization'],
  Class: ['superclass', 'methodDict', 'format', 'instanceVariables', 'organization', 'subclasses', 'name', 'classPool', 'sharedPools', 'environment', 'category'],
  Metaclass: ['superclass', 'methodDict', 'format', 'instanceVariables', 'organization', 'thisClass'],
  MethodDictionary: ['tally', 'array'],
  Association: ['key', 'value'],
  Message: ['selector', 'args', 'lookupClass'],
  Context: ['sender', 'pc', 'stackp', 'method', 'closureOrNil', 'receiver'],
  BlockClosure: ['outerContext', 'startpc', 'numArgs'],
  FullBlockClosure: ['outerContext', 'startpc', 'numArgs', 'receiver'],
  Process: ['nextLink', 'suspendedContext', 'priority', 'myList'],
  ProcessorScheduler: ['quiescentProcessLists', 'activeProcess'],
  LinkedList: ['firstLink', 'lastLink'],
  Semaphore: ['firstLink', 'lastLink', 'excessSignals'],
  Point: ['x', 'y'],
  Dictionary: ['tally', 'array'],
  SystemDictionary: ['tally', 'array'],
};

/** Classes the bootstrapper itself instantiates or the VM needs; all must be defined. */
const KERNEL_CLASSES = [
  'ProtoObject', 'Object', 'Behavior', 'ClassDescription', 'Class', 'Metaclass', 'UndefinedObject', 'True', 'False',
  'SmallInteger', 'Character', 'SmallFloat64', 'BoxedFloat64', 'LargePositiveInteger', 'LargeNegativeInteger',
  'Message', 'Context', 'BlockClosure', 'FullBlockClosure', 'CompiledMethod', 'CompiledBlock', 'ByteArray', 'Array',
  'ByteString', 'ByteSymbol', 'Association', 'MethodDictionary', 'SystemDictionary', 'Process', 'ProcessorScheduler',
  'Semaphore', 'LinkedList', 'Point', 'Startup',
];

export const PREDECLARED_GLOBALS = ['Smalltalk', 'Processor', 'Transcript', 'StartupEntry', 'ClassesToInitialize'];
export const USER_PRIORITY = 40;
export const NUM_PRIORITIES = 80;

export interface BuildOptions {
  /** Directories of Tonel packages, loaded after the kernel. */
  dirs: string[];
  /** "Class>>selector" or "Class class>>selector"; default: the one class-side #main in `dirs`. */
  entry?: string;
  kernelDir?: string;
  includeKernel?: boolean;
  progress?: (line: string) => void;
}

export interface BuildResult {
  image: Uint8Array;
  classes: number;
  methods: number;
  objects: number;
  bytes: number;
  entry: string;
}

interface ClassInfo {
  def: TonelClass;
  name: string;
  superclass: ClassInfo | undefined;
  subclasses: ClassInfo[];
  instVarNames: string[];
  classInstVarNames: string[]; // inherited first
  instSpec: number;
  obj: HeapObject;
  meta: HeapObject;
  methods: TonelMethod[];
  classMethods: TonelMethod[];
  pool: Map<string, HeapObject>;
  binding: HeapObject;
  metaBinding: HeapObject;
}

class HashGenerator {
  private state = 0x2545f491;
  last = 0;
  next(): number {
    for (;;) {
      this.state = (Math.imul(this.state, 1103515245) + 12345) >>> 0;
      const h = (this.state >>> 8) & 0x3fffff;
      if (h !== 0) {
        this.last = h;
        return h;
      }
    }
  }
}

/** Content hash shared with String>>stringHash in smalltalk/: over code points, so that a
 * WideSymbol hashes as its characters do (a string argument is read as code points, a byte
 * array as Latin-1 characters). */
export function stringHash(chars: Uint8Array | string): number {
  let h = 0;
  const cps = typeof chars === 'string' ? [...chars].map((ch) => ch.codePointAt(0)!) : chars;
  for (const x of cps) h = (h * 31 + x) % 0x40000000;
  return h;
}

// Computed once per process: a scan of every code point takes a few hundred milliseconds.
let unicodeTablesCache: Map<string, number[]> | undefined;
const unicodeTables = (): Map<string, number[]> => (unicodeTablesCache ??= characterTables());

function pow2AtLeast(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

export class ImageBuilder {
  private hashes = new HashGenerator();
  private objects: HeapObject[] = [];
  readonly nil: HeapObject;
  readonly false: HeapObject;
  readonly true: HeapObject;
  private classes = new Map<string, ClassInfo>();
  private order: ClassInfo[] = [];
  private symbols = new Map<string, HeapObject>();
  private globals = new Map<string, HeapObject>(); // name → Association
  private classTable = new Map<number, HeapObject>();
  private methodCount = 0;
  private progress: (line: string) => void;

  constructor(private readonly opts: BuildOptions) {
    this.progress = opts.progress ?? (() => {});
    this.nil = new HeapObject(Format.zeroSized);
    this.false = new HeapObject(Format.zeroSized);
    this.true = new HeapObject(Format.zeroSized);
    for (const [o, n] of [[this.nil, 'nil'], [this.false, 'false'], [this.true, 'true']] as const) {
      o.hash = this.hashes.next();
      o.note = n;
    }
  }

  // ---- allocation helpers ----

  private alloc(cls: string | HeapObject, format: number, note = ''): HeapObject {
    const o = new HeapObject(format);
    o.cls = typeof cls === 'string' ? this.cls(cls).obj : cls;
    o.hash = this.hashes.next();
    o.note = note || (typeof cls === 'string' ? `a ${cls}` : '');
    this.objects.push(o);
    return o;
  }

  /** Character's Unicode tables (build/bootstrap/unicode-tables.ts), into the class variables
   * of those names that Character declares, each a WordArray. */
  private fillCharacterTables(): void {
    const ch = this.classes.get('Character');
    if (!ch) return;
    const tables = [...unicodeTables()].filter(([name]) => ch.pool.has(name));
    if (tables.length === 0) return;
    if (!this.classes.has('WordArray')) throw errorAt(ch.def.file, ch.def.pos, 'Character\'s Unicode tables need the class WordArray');
    for (const [name, words] of tables) {
      const o = this.alloc('WordArray', Format.words32, `Character ${name}`);
      o.data = new Uint8Array(Uint32Array.from(words).buffer);
      ch.pool.get(name)!.slots[1] = o;
    }
  }

  private cls(name: string): ClassInfo {
    const c = this.classes.get(name);
    if (!c) throw new Error(`class ${name} is not defined`);
    return c;
  }

  /** A new instance with named slots set by name (unset ones nil) plus `indexable` extra slots. */
  private instance(className: string, fields: Record<string, Oop> = {}, indexable: Oop[] = []): HeapObject {
    const c = this.cls(className);
    const isPointers = c.instSpec <= 5;
    if (!isPointers) throw new Error(`${className} is not a pointer class`);
    const o = this.alloc(className, c.instSpec);
    o.slots = c.instVarNames.map((n) => fields[n] ?? this.nil);
    for (const k of Object.keys(fields)) if (!c.instVarNames.includes(k)) throw new Error(`${className} has no instance variable ${k}`);
    if (indexable.length > 0 && c.instSpec !== Format.indexable && c.instSpec !== Format.fixedIndexable) throw new Error(`${className} is not indexable`);
    o.slots.push(...indexable);
    return o;
  }

  array(items: Oop[]): HeapObject {
    const o = this.alloc('Array', Format.indexable);
    o.slots = items;
    return o;
  }

  symbol(s: string): HeapObject {
    let sym = this.symbols.get(s);
    if (!sym) {
      const cps = [...s].map((ch) => ch.codePointAt(0)!);
      if (cps.every((cp) => cp <= 255)) {
        sym = this.alloc('ByteSymbol', Format.bytes, `#${s}`);
        sym.data = Uint8Array.from(cps);
      } else {
        // As Symbol class>>intern: does at run time: a WideSymbol when a ByteSymbol cannot
        // hold the characters; interned once here, so `'…' asSymbol` finds this one.
        if (!this.classes.has('WideSymbol')) throw new Error(`symbol #${s} needs WideSymbol, which is not defined`);
        if (cps.some((cp) => cp >= 0xd800 && cp <= 0xdfff)) throw new Error(`symbol #${s} holds a lone surrogate`);
        sym = this.alloc('WideSymbol', Format.words32, `#${s}`);
        sym.data = new Uint8Array(Uint32Array.from(cps).buffer);
      }
      this.symbols.set(s, sym);
    }
    return sym;
  }

  string(s: string): HeapObject {
    const latin1 = [...s].every((ch) => ch.codePointAt(0)! <= 255);
    if (latin1) {
      const o = this.alloc('ByteString', Format.bytes, `'${s.slice(0, 20)}'`);
      o.data = new Uint8Array(Buffer.from(s, 'latin1'));
      return o;
    }
    if (!this.classes.has('WideString')) throw new Error(`string '${s.slice(0, 20)}' needs WideString, which is not defined`);
    const cps = [...s].map((ch) => ch.codePointAt(0)!);
    const o = this.alloc('WideString', Format.words32);
    o.data = new Uint8Array(Uint32Array.from(cps).buffer);
    return o;
  }

  private integer(v: bigint): Oop {
    if (v >= SMALLINT_MIN && v <= SMALLINT_MAX) return new SmallInt(v);
    const neg = v < 0n;
    let mag = neg ? -v : v;
    const bytes: number[] = [];
    while (mag > 0n) {
      bytes.push(Number(mag & 255n));
      mag >>= 8n;
    }
    const o = this.alloc(neg ? 'LargeNegativeInteger' : 'LargePositiveInteger', Format.bytes);
    o.data = Uint8Array.from(bytes);
    return o;
  }

  private float(v: number): Oop {
    if (smallFloatBits(v) !== undefined) return new SmallFloat(v);
    const o = this.alloc('BoxedFloat64', Format.words32);
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, v, true); // platform (little-endian) order; header flag 0x2
    o.data = new Uint8Array(buf.buffer);
    return o;
  }

  private association(key: Oop, value: Oop): HeapObject {
    return this.instance('Association', { key, value });
  }

  /** Dictionary-like object (tally, array of Associations) laid out by key hash (Symbols: identity hash). */
  private hashedDictionary(className: string, entries: HeapObject[]): HeapObject {
    const cap = pow2AtLeast(Math.max(8, Math.ceil((entries.length * 4) / 3) + 1));
    const slots: Oop[] = new Array<Oop>(cap).fill(this.nil);
    for (const assoc of entries) {
      const key = assoc.slots[0];
      if (!(key instanceof HeapObject)) throw new Error('dictionary key must be a Symbol');
      let i = key.hash % cap;
      while (slots[i] !== this.nil) i = (i + 1) % cap;
      slots[i] = assoc;
    }
    return this.instance(className, { tally: int(entries.length), array: this.array(slots) });
  }

  // ---- loading ----

  private loadPackages(): TonelPackage[] {
    const kernelDir = this.opts.kernelDir ?? KERNEL_DIR;
    const dirs = [...(this.opts.includeKernel === false ? [] : [kernelDir]), ...this.opts.dirs];
    const pkgs: TonelPackage[] = [];
    let somCompat: TonelPackage[] = [];
    const somPkgs: TonelPackage[] = [];
    let readsSom = false;
    for (const d of dirs) {
      if (!existsSync(d) || !statSync(d).isDirectory()) throw new Error(`${d}: no such directory`);
      const som = readSomDirectory(d);
      readsSom ||= som.length > 0;
      somPkgs.push(...som);
      const found = [...readTonelDirectory(d), ...som];
      if (found.length === 0) throw new Error(`${d}: no Tonel (*.st) or SOM (*.som) files found`);
      // SOM-Compat only joins images built from SOM sources (added below).
      somCompat = [...somCompat, ...found.filter((p) => isSomCompatPackage(p, kernelDir))];
      const kept = found.filter((p) => !isSomCompatPackage(p, kernelDir));
      for (const p of kept) this.progress(`read ${p.name}: ${p.classes.length} classes, ${p.methods.length} methods`);
      pkgs.push(...kept);
    }
    if (readsSom) {
      for (const p of somCompat) this.progress(`read ${p.name}: ${p.classes.length} classes, ${p.methods.length} methods (SOM sources)`);
      pkgs.push(...somCompat);
      shadowLibraryClasses(somPkgs, pkgs.filter((p) => !somPkgs.includes(p)), PREDECLARED_GLOBALS);
    }
    return pkgs;
  }

  private defineClasses(pkgs: TonelPackage[]): void {
    const defs = new Map<string, TonelClass>();
    for (const p of pkgs) {
      for (const c of p.classes) {
        const prev = defs.get(c.name);
        if (prev) throw errorAt(c.file, c.pos, `class ${c.name} is already defined in ${prev.file.path}`);
        defs.set(c.name, c);
      }
    }
    for (const k of KERNEL_CLASSES) if (!defs.has(k)) throw new Error(`kernel class ${k} is not defined (load smalltalk/)`);
    // Order superclasses first, keeping definition order otherwise.
    const visiting = new Set<string>();
    const visit = (name: string): ClassInfo => {
      const done = this.classes.get(name);
      if (done) return done;
      const def = defs.get(name)!;
      if (visiting.has(name)) throw errorAt(def.file, def.pos, `circular superclass chain through ${name}`);
      visiting.add(name);
      let sup: ClassInfo | undefined;
      if (def.superclass !== null) {
        if (!defs.has(def.superclass)) throw errorAt(def.file, def.pos, `superclass ${def.superclass} of ${name} is not defined`);
        sup = visit(def.superclass);
      } else if (name !== 'ProtoObject') throw errorAt(def.file, def.pos, 'only ProtoObject may have a nil superclass');
      const info = this.makeClassInfo(def, sup);
      this.classes.set(name, info);
      this.order.push(info);
      sup?.subclasses.push(info);
      return info;
    };
    for (const name of defs.keys()) visit(name);
    for (const [name, layout] of Object.entries(REQUIRED_LAYOUTS)) {
      const c = this.classes.get(name);
      if (!c) continue;
      layout.forEach((iv, i) => {
        if (c.instVarNames[i] !== iv) {
          throw errorAt(c.def.file, c.def.pos, `${name} must have instance variable '${iv}' at index ${i} (docs/image-format.md), has '${c.instVarNames[i] ?? 'none'}'`);
        }
      });
    }
    const mustBe = (name: string, spec: number[]): void => {
      const c = this.cls(name);
      if (!spec.includes(c.instSpec)) throw errorAt(c.def.file, c.def.pos, `${name} must have format ${spec.join(' or ')}, has ${c.instSpec}`);
    };
    mustBe('Array', [2]); mustBe('Context', [3]); mustBe('BlockClosure', [3]); mustBe('FullBlockClosure', [3]);
    mustBe('MethodDictionary', [3]); mustBe('ByteString', [16]); mustBe('ByteSymbol', [16]); mustBe('ByteArray', [16]);
    mustBe('LargePositiveInteger', [16]); mustBe('LargeNegativeInteger', [16]); mustBe('BoxedFloat64', [10]);
    mustBe('CompiledMethod', [24]); mustBe('CompiledBlock', [24]);
    mustBe('SmallInteger', [7]); mustBe('Character', [7]); mustBe('SmallFloat64', [7]);
  }

  private makeClassInfo(def: TonelClass, sup: ClassInfo | undefined): ClassInfo {
    const inherited = sup?.instVarNames ?? [];
    const instVarNames = [...inherited, ...def.instVars];
    const classInstVarNames = [...(sup?.classInstVarNames ?? []), ...def.classInstVars];
    for (const [list, what] of [[instVarNames, 'instance'], [classInstVarNames, 'class-instance']] as const) {
      const seen = new Set<string>();
      for (const n of list) {
        if (seen.has(n)) throw errorAt(def.file, def.pos, `duplicate ${what} variable '${n}' in ${def.name}`);
        seen.add(n);
      }
    }
    let type = def.type;
    if (type === undefined && sup) {
      const s = sup.instSpec;
      type = s === 2 || s === 3 ? 'variable' : s === 4 ? 'weak' : s === 9 ? 'doubleWords' : s === 10 ? 'words' : s === 12 ? 'shorts' : s === 16 ? 'bytes' : s === 24 ? 'compiledMethod' : 'normal';
    }
    const n = instVarNames.length;
    const nonPointer = (t: string): void => {
      if (n > 0) throw errorAt(def.file, def.pos, `${def.name}: a ${t} class cannot have instance variables`);
    };
    let instSpec: number;
    switch (type ?? 'normal') {
      case 'normal': instSpec = n === 0 ? 0 : 1; break;
      case 'variable': instSpec = n === 0 ? 2 : 3; break;
      case 'weak': instSpec = 4; break;
      case 'ephemeron': instSpec = 5; break;
      case 'immediate': nonPointer('immediate'); instSpec = 7; break;
      case 'doubleWords': nonPointer('64-bit'); instSpec = 9; break;
      case 'words': nonPointer('word'); instSpec = 10; break;
      case 'shorts': nonPointer('16-bit'); instSpec = 12; break;
      case 'bytes': nonPointer('byte'); instSpec = 16; break;
      case 'compiledMethod': nonPointer('compiled method'); instSpec = 24; break;
      default: throw errorAt(def.file, def.pos, `unknown class type ${type}`);
    }
    const obj = new HeapObject(Format.fixed);
    obj.note = def.name;
    const meta = new HeapObject(Format.fixed);
    meta.note = `${def.name} class`;
    return {
      def, name: def.name, superclass: sup, subclasses: [], instVarNames, classInstVarNames, instSpec, obj, meta,
      methods: [], classMethods: [], pool: new Map(), binding: undefined as unknown as HeapObject,
      metaBinding: undefined as unknown as HeapObject,
    };
  }

  private assignClassIndices(): void {
    const used = new Set<number>(Object.values(FIXED_CLASS_INDICES));
    let next = FIRST_FREE_CLASS_INDEX;
    const fresh = (): number => {
      while (used.has(next)) next++;
      used.add(next);
      return next;
    };
    for (const c of this.order) {
      const fixed = FIXED_CLASS_INDICES[c.name];
      c.obj.classIndex = fixed ?? fresh();
      c.meta.classIndex = fresh();
      for (const o of [c.obj, c.meta]) {
        if (o.classIndex >= 1 << 22) throw new Error('too many classes for the class table');
        o.hash = o.classIndex;
        this.classTable.set(o.classIndex, o);
        this.objects.push(o);
      }
    }
    const metaclass = this.cls('Metaclass');
    for (const c of this.order) {
      c.obj.cls = c.meta;
      c.meta.cls = metaclass.obj;
    }
    this.nil.cls = this.cls('UndefinedObject').obj;
    this.false.cls = this.cls('False').obj;
    this.true.cls = this.cls('True').obj;
  }

  private attachMethods(pkgs: TonelPackage[]): void {
    for (const p of pkgs) {
      for (const m of p.methods) {
        const c = this.classes.get(m.className);
        if (!c) throw errorAt(m.file, m.pos, `method for undefined class ${m.className}`);
        const list = m.meta ? c.classMethods : c.methods;
        const dup = list.find((x) => x.node.selector === m.node.selector);
        if (dup) throw errorAt(m.file, m.pos, `${m.className}${m.meta ? ' class' : ''}>>${m.node.selector} is already defined at ${dup.file.path}`);
        list.push(m);
      }
    }
  }

  private defineGlobals(): void {
    for (const c of this.order) {
      c.binding = this.association(this.symbol(c.name), c.obj);
      this.globals.set(c.name, c.binding);
      c.metaBinding = this.association(this.nil, c.meta);
      for (const v of c.def.classVars) {
        if (c.pool.has(v)) throw errorAt(c.def.file, c.def.pos, `duplicate class variable ${v}`);
        c.pool.set(v, this.association(this.symbol(v), this.nil));
      }
      if (c.def.pools.length > 0) throw errorAt(c.def.file, c.def.pos, 'shared pools are not supported yet');
    }
    for (const g of PREDECLARED_GLOBALS) {
      if (this.globals.has(g)) throw new Error(`global ${g} clashes with a class name`);
      this.globals.set(g, this.association(this.symbol(g), this.nil));
    }
  }

  private environmentFor(c: ClassInfo, meta: boolean): CompileEnvironment {
    const instVarNames = meta ? [...this.cls('Class').instVarNames, ...c.classInstVarNames] : c.instVarNames;
    const classVarOwner = (name: string): ClassInfo | undefined => {
      for (let k: ClassInfo | undefined = c; k; k = k.superclass) if (k.pool.has(name)) return k;
      return undefined;
    };
    return {
      className: meta ? `${c.name} class` : c.name,
      instVarNames,
      classVar: (name) => {
        const owner = classVarOwner(name);
        return owner ? { kind: 'classVar', name, owner: owner.name } : undefined;
      },
      global: (name) => (this.globals.has(name) ? { kind: 'global', name, owner: 'Smalltalk' } : undefined),
    };
  }

  private bindingObject(b: BindingRef): HeapObject {
    if (b.kind === 'global') return this.globals.get(b.name)!;
    return this.cls(b.owner).pool.get(b.name)!;
  }

  literal(l: Literal): Oop {
    switch (l.kind) {
      case 'nil': return this.nil;
      case 'true': return this.true;
      case 'false': return this.false;
      case 'char': return new Char(l.value);
      case 'string': return this.string(l.value);
      case 'symbol': return this.symbol(l.value);
      case 'array': return this.array(l.elements.map((e) => this.literal(e)));
      case 'bytes': {
        const o = this.alloc('ByteArray', Format.bytes);
        o.data = Uint8Array.from(l.bytes);
        return o;
      }
      case 'number': {
        const n = l.value;
        if (n.kind === 'int') return this.integer(n.value);
        if (n.kind === 'float') return this.float(n.value);
        if (!this.classes.has('ScaledDecimal')) throw new Error('scaled decimal literal needs class ScaledDecimal');
        if (!this.classes.has('Fraction')) throw new Error('scaled decimal literal needs class Fraction');
        const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
        const g = gcd(n.num, n.den);
        const [num, den] = [n.num / g, n.den / g];
        const frac = den === 1n ? this.integer(num) : this.instance('Fraction', { numerator: this.integer(num), denominator: this.integer(den) });
        return this.instance('ScaledDecimal', { fraction: frac, scale: int(n.scale) });
      }
    }
  }

  private compiledCodeObject(code: CompiledCode, c: ClassInfo, meta: boolean, outer?: HeapObject): HeapObject {
    const o = this.alloc(code.isBlock ? 'CompiledBlock' : 'CompiledMethod', Format.compiled, `${c.name}${meta ? ' class' : ''}>>${code.selector}${code.isBlock ? ' [block]' : ''}`);
    const header = SMALLINT_MIN + BigInt(code.literals.length) + (code.primitive > 0 ? 1n << 16n : 0n) +
      (code.largeFrame ? 1n << 17n : 0n) + (BigInt(code.numTemps) << 18n) + (BigInt(code.numArgs) << 24n);
    o.slots = [new SmallInt(header)];
    for (const ref of code.literals) o.slots.push(this.literalRef(ref, c, meta, o, outer));
    const data = new Uint8Array(code.bytecodes.length + 1);
    data.set(code.bytecodes);
    data[code.bytecodes.length] = 0; // #NoTrailer
    o.data = data;
    return o;
  }

  private literalRef(ref: LiteralRef, c: ClassInfo, meta: boolean, self: HeapObject, outer: HeapObject | undefined): Oop {
    switch (ref.k) {
      case 'value': return this.literal(ref.value);
      case 'binding': return this.bindingObject(ref.binding);
      case 'block': return this.compiledCodeObject(ref.code, c, meta, self);
      case 'namedPrimitive':
        return this.array([ref.module === null ? this.nil : this.symbol(ref.module), this.symbol(ref.name), int(0), int(0)]);
      case 'methodClass': return meta ? c.metaBinding : c.binding;
      case 'outerCode':
        if (!outer) throw new Error('internal: block without outer code');
        return outer;
    }
  }

  private compileAll(): Map<ClassInfo, { inst: HeapObject; meta: HeapObject }> {
    const dicts = new Map<ClassInfo, { inst: HeapObject; meta: HeapObject }>();
    for (const c of this.order) {
      const make = (methods: TonelMethod[], meta: boolean): HeapObject => {
        const env = this.environmentFor(c, meta);
        const entries: [HeapObject, HeapObject][] = [];
        for (const m of methods) {
          try {
            if (m.category === 'SOM') sendUnknownGlobals(m.node, env);
            const code: CompiledCode = compileMethod(m.file, m.node, env);
            entries.push([this.symbol(m.node.selector), this.compiledCodeObject(code, c, meta)]);
          } catch (err) {
            if (err instanceof SourceError) throw err;
            throw errorAt(m.file, m.pos, `${env.className}>>${m.node.selector}: ${(err as Error).message}`);
          }
          this.methodCount++;
        }
        return this.methodDictionary(entries);
      };
      dicts.set(c, { inst: make(c.methods, false), meta: make(c.classMethods, true) });
    }
    return dicts;
  }

  private methodDictionary(entries: [HeapObject, HeapObject][]): HeapObject {
    const cap = pow2AtLeast(Math.max(4, Math.ceil((entries.length * 4) / 3) + 1));
    const selectors: Oop[] = new Array<Oop>(cap).fill(this.nil);
    const methods: Oop[] = new Array<Oop>(cap).fill(this.nil);
    for (const [sel, m] of entries) {
      let i = sel.hash & (cap - 1);
      while (selectors[i] !== this.nil) i = (i + 1) & (cap - 1);
      selectors[i] = sel;
      methods[i] = m;
    }
    return this.instance('MethodDictionary', { tally: int(entries.length), array: this.array(methods) }, selectors);
  }

  private formatWord(instSpec: number, instSize: number): SmallInt {
    return int((instSpec << 16) | instSize);
  }

  private fillClasses(dicts: Map<ClassInfo, { inst: HeapObject; meta: HeapObject }>, smalltalk: HeapObject): void {
    const classInfo = this.cls('Class');
    const metaclassInfo = this.cls('Metaclass');
    for (const c of this.order) {
      const d = dicts.get(c)!;
      const pool = c.pool.size > 0 ? this.hashedDictionary('Dictionary', [...c.pool.values()]) : this.nil;
      const fields: Record<string, Oop> = {
        superclass: c.superclass ? c.superclass.obj : this.nil,
        methodDict: d.inst,
        format: this.formatWord(c.instSpec, c.instSpec <= 5 ? c.instVarNames.length : 0),
        instanceVariables: c.def.instVars.length > 0 ? this.array(c.def.instVars.map((v) => this.string(v))) : this.nil,
        subclasses: c.subclasses.length > 0 ? this.array(c.subclasses.map((s) => s.obj)) : this.nil,
        name: this.symbol(c.def.shownName ?? c.name),
        classPool: pool,
        environment: smalltalk,
        category: c.def.category ? this.symbol(c.def.category) : this.nil,
      };
      c.obj.format = Format.fixed;
      c.obj.slots = classInfo.instVarNames.map((n) => fields[n] ?? this.nil);
      for (let i = 0; i < c.classInstVarNames.length; i++) c.obj.slots.push(this.nil);
      const metaFields: Record<string, Oop> = {
        superclass: c.superclass ? c.superclass.meta : classInfo.obj,
        methodDict: d.meta,
        format: this.formatWord(1, classInfo.instVarNames.length + c.classInstVarNames.length),
        instanceVariables: c.def.classInstVars.length > 0 ? this.array(c.def.classInstVars.map((v) => this.string(v))) : this.nil,
        thisClass: c.obj,
      };
      c.meta.slots = metaclassInfo.instVarNames.map((n) => metaFields[n] ?? this.nil);
    }
  }

  private resolveEntry(): { cls: ClassInfo; selector: string; classSide: boolean; text: string } {
    let text = this.opts.entry;
    if (!text) {
      const userDirs = this.opts.dirs.map((d) => resolve(d));
      const candidates = this.order.filter((c) => c.classMethods.some((m) => m.node.selector === 'main') &&
        userDirs.some((d) => resolve(c.def.file.path).startsWith(d)));
      if (candidates.length !== 1) {
        throw new Error(candidates.length === 0
          ? 'no entry point: give --entry Class>>selector (or define a class-side #main)'
          : `several classes define class-side #main (${candidates.map((c) => c.name).join(', ')}): give --entry`);
      }
      text = `${candidates[0].name} class>>main`;
    }
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(\s+class)?\s*>>\s*#?(\S+)\s*$/.exec(text);
    if (!m) throw new Error(`bad entry '${text}': expected Class>>selector or Class class>>selector`);
    const cls = this.classes.get(m[1]);
    if (!cls) throw new Error(`entry class ${m[1]} is not defined`);
    const classSide = m[2] !== undefined;
    const list = classSide ? cls.classMethods : cls.methods;
    // Inherited methods are fine too: search the chain.
    let found = list.some((x) => x.node.selector === m[3]);
    for (let k = cls.superclass; !found && k; k = k.superclass) found = (classSide ? k.classMethods : k.methods).some((x) => x.node.selector === m[3]);
    if (!found) throw new Error(`entry ${text}: method not found`);
    if (m[3].includes(':') || /^[^A-Za-z]/.test(m[3])) throw new Error(`entry ${text}: the entry selector must be unary`);
    return { cls, selector: m[3], classSide, text: `${m[1]}${classSide ? ' class' : ''}>>${m[3]}` };
  }

  build(): BuildResult {
    const pkgs = this.loadPackages();
    this.defineClasses(pkgs);
    this.assignClassIndices();
    this.attachMethods(pkgs);
    const entry = this.resolveEntry();
    this.defineGlobals();
    this.progress(`classes: ${this.order.length} (class table up to index ${Math.max(...this.classTable.keys())})`);
    const dicts = this.compileAll();
    this.progress(`compiled ${this.methodCount} methods`);

    const smalltalk = this.hashedDictionary('SystemDictionary', [...this.globals.values()]);
    smalltalk.note = 'Smalltalk';
    this.globals.get('Smalltalk')!.slots[1] = smalltalk;
    this.fillClasses(dicts, smalltalk);

    // Startup process: Processor activeProcess suspendedContext = Startup class>>run.
    const startup = this.cls('Startup');
    const runSel = this.symbol('run');
    const runDict = dicts.get(startup)!.meta;
    const runIndex = runDict.slots.slice(2).indexOf(runSel);
    if (runIndex < 0) throw errorAt(startup.def.file, startup.def.pos, 'Startup needs a class-side method #run');
    const runMethod = (runDict.slots[1] as HeapObject).slots[runIndex] as HeapObject;
    const header = (runMethod.slots[0] as SmallInt).value - SMALLINT_MIN;
    const numLits = Number(header & 0x7fffn);
    const numTemps = Number((header >> 18n) & 63n);
    const large = ((header >> 17n) & 1n) === 1n;
    const frame: Oop[] = new Array<Oop>(large ? 56 : 16).fill(this.nil);
    const context = this.instance('Context', {
      sender: this.nil, pc: int((numLits + 1) * 8 + 1), stackp: int(numTemps), method: runMethod,
      closureOrNil: this.nil, receiver: startup.obj,
    }, frame);
    const lists = Array.from({ length: NUM_PRIORITIES }, () => this.instance('LinkedList'));
    const processFields: Record<string, Oop> = { suspendedContext: context, priority: int(USER_PRIORITY) };
    if (this.cls('Process').instVarNames.includes('name')) processFields.name = this.string('main');
    const process = this.instance('Process', processFields);
    const scheduler = this.instance('ProcessorScheduler', { quiescentProcessLists: this.array(lists), activeProcess: process });
    const processorAssoc = this.globals.get('Processor')!;
    processorAssoc.slots[1] = scheduler;
    this.globals.get('StartupEntry')!.slots[1] = this.array([entry.cls.obj, this.symbol(entry.selector), entry.classSide ? this.true : this.false]);
    const toInit = this.order.filter((c) => c.classMethods.some((m) => m.node.selector === 'initialize'));
    this.globals.get('ClassesToInitialize')!.slots[1] = this.array(toInit.map((c) => c.obj));

    const semaphore = (): HeapObject => this.instance('Semaphore', { excessSignals: int(0) });
    const specialSelectors: Oop[] = [];
    for (const [sel, n] of SPECIAL_SELECTORS) specialSelectors.push(this.symbol(sel), int(n));
    const errTable = [
      'bad receiver', 'bad argument', 'bad index', 'bad number of arguments', 'inappropriate operation',
      'unsupported operation', 'no modification', 'insufficient object memory', 'insufficient C memory', 'not found',
      'bad method', 'internal error in named primitive machinery', 'object may move', 'resource limit exceeded',
      'object is pinned', 'primitive write beyond end of object', 'object moved', 'object not pinned',
      'error in callback', 'operating system error', 'ffi call exception', 'heap compaction needed', 'operation failed',
    ];
    const opt = (name: string): Oop => (this.classes.has(name) ? this.cls(name).obj : this.nil);
    const soa: Oop[] = new Array<Oop>(60).fill(this.nil);
    const set = (i: number, v: Oop): void => { soa[i] = v; };
    set(0, this.nil); set(1, this.false); set(2, this.true); set(3, processorAssoc);
    set(4, opt('Bitmap')); set(5, opt('SmallInteger')); set(6, opt('ByteString')); set(7, opt('Array'));
    set(8, smalltalk); set(9, opt('BoxedFloat64')); set(10, opt('Context')); set(12, opt('Point'));
    set(13, opt('LargePositiveInteger')); set(15, opt('Message')); set(16, opt('CompiledMethod'));
    set(17, semaphore()); set(18, opt('Semaphore')); set(19, opt('Character'));
    set(20, this.symbol('doesNotUnderstand:')); set(21, this.symbol('cannotReturn:'));
    set(23, this.array(specialSelectors)); set(25, this.symbol('mustBeBoolean')); set(26, opt('ByteArray'));
    set(27, opt('Process')); set(29, semaphore()); set(30, semaphore()); set(34, this.symbol('cannotInterpret:'));
    set(36, opt('BlockClosure')); set(37, opt('FullBlockClosure')); set(38, this.array([])); set(39, opt('Mutex'));
    set(41, semaphore()); set(42, opt('LargeNegativeInteger'));
    set(48, this.symbol('aboutToReturn:through:')); set(49, this.symbol('run:with:in:'));
    set(50, this.symbol('attemptToAssign:withIndex:'));
    set(51, this.array([this.nil, ...errTable.map((s) => this.symbol(s))]));
    set(57, this.symbol('unusedBytecode'));
    const specialObjects = this.array(soa);
    specialObjects.note = 'special objects array';

    this.fillCharacterTables();

    // Symbol table (Symbol class variable SymbolTable): open addressing by String>>stringHash.
    const symbolClass = this.cls('Symbol');
    const tableAssoc = symbolClass.pool.get('SymbolTable');
    if (!tableAssoc) throw errorAt(symbolClass.def.file, symbolClass.def.pos, 'Symbol needs the class variable SymbolTable');
    const all = [...this.symbols.values()];
    const cap = pow2AtLeast(Math.max(64, all.length * 2));
    const table: Oop[] = new Array<Oop>(cap).fill(this.nil);
    for (const [text, s] of this.symbols) {
      let i = stringHash(text) % cap;
      while (table[i] !== this.nil) i = (i + 1) % cap;
      table[i] = s;
    }
    tableAssoc.slots[1] = this.array(table);
    // Symbols created after this point would be missing from the table.
    const frozen = this.symbols.size;

    const written = writeImage(
      { nil: this.nil, false: this.false, true: this.true, specialObjects, classTable: this.classTable, lastHash: this.hashes.last },
      this.objects,
    );
    if (this.symbols.size !== frozen) throw new Error('internal: symbol created after the symbol table');
    return {
      image: written.bytes, classes: this.order.length, methods: this.methodCount, objects: written.objectCount,
      bytes: written.bytes.length, entry: entry.text,
    };
  }
}

export function buildImage(opts: BuildOptions): BuildResult {
  return new ImageBuilder(opts).build();
}

export { SourceError };
export type { ClassInfo };
export const kernelDirectory = (): string => join(KERNEL_DIR);
