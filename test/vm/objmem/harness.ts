// Test harness for the object memory and image code: compiles test/vm/objmem/assembly/entry.ts
// with asc (once per process), instantiates it with a JS "platform" (image bytes in, snapshot
// bytes out), and builds a small Smalltalk-like world (classes, special objects) to test on.

import { fileURLToPath } from "node:url";
import * as path from "node:path";
import * as fs from "node:fs";
import { createHash } from "node:crypto";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let modulePromise: Promise<WebAssembly.Module> | null = null;

const ASC_ARGS = ["-O2", "--debug", "--exportRuntime", "--runtime", "incremental"];

/** Hash of every source the entry can reach, so the compiled module can be cached on disk
 *  (importing asc alone takes seconds). */
function sourceHash(): string {
  const h = createHash("sha256");
  h.update(ASC_ARGS.join(" "));
  h.update(fs.readFileSync(path.join(root, "node_modules/assemblyscript/package.json"), "utf8"));
  for (const dir of ["vm/objmem", "vm/image", "test/vm/objmem/assembly", "targets/node/platform"]) {
    for (const f of fs.readdirSync(path.join(root, dir)).sort()) {
      if (f.endsWith(".ts")) { h.update(f); h.update(fs.readFileSync(path.join(root, dir, f), "utf8")); }
    }
  }
  return h.digest("hex").slice(0, 16);
}

export function compileEntry(): Promise<WebAssembly.Module> {
  if (modulePromise) return modulePromise;
  modulePromise = (async () => {
    const cacheDir = path.join(root, ".cache/objmem-test");
    const cached = path.join(cacheDir, sourceHash() + ".wasm");
    if (fs.existsSync(cached)) return WebAssembly.compile(new Uint8Array(fs.readFileSync(cached)));
    const asc = (await import("assemblyscript/asc")).default;
    let binary: Uint8Array | null = null;
    const errors: string[] = [];
    const result = await asc.main([
      path.join(root, "test/vm/objmem/assembly/entry.ts"),
      "--path", path.join(root, "targets/node"),
      "--outFile", "entry.wasm", ...ASC_ARGS,
    ], {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith(".wasm")) binary = contents as Uint8Array;
      },
      stdout: { write() { return true; } } as any,
      stderr: { write(s: string) { errors.push(String(s)); return true; } } as any,
    });
    if (result.error || !binary) throw new Error("asc failed: " + (result.error?.message ?? "") + errors.join(""));
    fs.mkdirSync(cacheDir, { recursive: true });
    for (const f of fs.readdirSync(cacheDir)) if (f.endsWith(".wasm")) fs.rmSync(path.join(cacheDir, f), { force: true });
    fs.writeFileSync(cached + ".tmp" + process.pid, binary);
    fs.renameSync(cached + ".tmp" + process.pid, cached); // atomic: test files compile in parallel
    return WebAssembly.compile(binary);
  })();
  return modulePromise;
}

export type Ex = Record<string, any>;

export class Vm {
  ex: Ex;
  image: Uint8Array | null;
  snapshot = new Uint8Array(0);
  snapshotLength = 0;
  constructor(ex: Ex, image: Uint8Array | null) { this.ex = ex; this.image = image; }
  get dv(): DataView { return new DataView((this.ex.memory as WebAssembly.Memory).buffer); }
  u64(a: bigint | number): bigint { return this.dv.getBigUint64(Number(a), true); }
  setU64(a: bigint | number, v: bigint): void { this.dv.setBigUint64(Number(a), v, true); }
  imageError(): string {
    const p = this.ex.imageErrorPtr(); const n = this.ex.imageErrorLength();
    return Buffer.from(new Uint8Array((this.ex.memory as WebAssembly.Memory).buffer, p, n)).toString("latin1");
  }
  snapshotBytes(): Uint8Array { return this.snapshot.slice(0, this.snapshotLength); }
}

/** A Vm on the test entry, or on `module` (another build exporting the same API, e.g. bench/gc's). */
export async function newVm(image: Uint8Array | null = null, module?: WebAssembly.Module): Promise<Vm> {
  const mod = module ?? await compileEntry();
  let vm!: Vm;
  const mem = () => new Uint8Array((vm.ex.memory as WebAssembly.Memory).buffer);
  const imports = {
    env: {
      abort(_m: number, _f: number, line: number, col: number) { throw new Error(`abort at ${line}:${col}`); },
      trace() {},
      seed() { return 42; },
    },
    xenolith: {
      clock_monotonic_ns(): bigint { return process.hrtime.bigint(); },
      image_size(): bigint { return vm.image ? BigInt(vm.image.length) : -1n; },
      image_read(dst: number, offset: bigint, len: number): number {
        if (!vm.image) return -1;
        const off = Number(offset);
        if (off >= vm.image.length) return 0;
        const n = Math.min(len, vm.image.length - off);
        mem().set(vm.image.subarray(off, off + n), dst);
        return n;
      },
      snapshot_write(src: number, offset: bigint, len: number): number {
        const off = Number(offset);
        if (off === 0) vm.snapshotLength = 0;
        const end = off + len;
        if (end > vm.snapshot.length) {
          const grown = new Uint8Array(Math.max(end, vm.snapshot.length * 2));
          grown.set(vm.snapshot.subarray(0, vm.snapshotLength));
          vm.snapshot = grown;
        }
        vm.snapshot.set(mem().subarray(src, src + len), off);
        vm.snapshotLength = Math.max(vm.snapshotLength, end);
        return len;
      },
    },
  };
  const inst = await WebAssembly.instantiate(mod, imports as any);
  vm = new Vm(inst.exports as Ex, image);
  return vm;
}

// ---- a small world: classes laid out as Squeak's Behavior (superclass, methodDict, format)

export const spec = { zero: 0, fixed: 1, indexable: 2, fixedIndexable: 3, weak: 4, ephemeron: 5,
  words64: 9, words32: 10, shorts: 12, bytes: 16, method: 24 };

export class World {
  vm: Vm; ex: Ex;
  meta = 0n;
  classes = new Map<string, bigint>();
  roots = 0;       // address of the root area
  numRoots = 0;
  constructor(vm: Vm) { this.vm = vm; this.ex = vm.ex; }
  int(v: number | bigint): bigint { return (BigInt(v) << 3n) | 1n; }
  intValue(o: bigint): bigint { return BigInt.asIntN(64, o) >> 3n; }
  get nil(): bigint { return this.ex.nilObj.value; }

  makeClass(name: string, instSpec: number, instSize: number, index = 0): bigint {
    const ex = this.ex;
    const c: bigint = ex.allocateOldObject(3n, 1, 35);
    if (c === 0n) throw new Error("no memory for class");
    ex.storePointer(c, 2n, this.int((instSpec << 16) | instSize));
    if (this.meta !== 0n) ex.setClassIndexOf(c, Number(ex.rawHashOf(this.meta)));
    if (index) ex.setRawHashOf(c, index);
    const ci = ex.enterIntoClassTable(c);
    if (ci === 0) throw new Error("class table full");
    this.classes.set(name, c);
    return c;
  }
  /** A class by name: read from the class list (special object 4) once there is one, since
   *  the GC may move classes. */
  cls(name: string): bigint {
    const i = this.classNames.indexOf(name);
    if (i >= 0) return this.ex.fetchPointer(this.ex.splObj(4), BigInt(i));
    const c = this.classes.get(name); if (!c) throw new Error(name); return c;
  }

  /** Fresh heap with classes for nil/false/true, Array, ByteArray, WeakArray, Ephemeron ...,
   *  a special objects array, and a root area of numRoots words registered as roots. */
  static async create(opts: { eden?: number; segment?: number; numRoots?: number; image?: Uint8Array; module?: WebAssembly.Module } = {}): Promise<World> {
    const vm = await newVm(opts.image ?? null, opts.module);
    const w = new World(vm);
    const ex = vm.ex;
    if (!ex.initializeObjectMemory(opts.eden ?? 256 * 1024)) throw new Error("initializeObjectMemory failed");
    if (!ex.createBareHeap(opts.segment ?? 1 << 20)) throw new Error("createBareHeap failed");
    w.meta = w.makeClass("Metaclass", spec.fixed, 3);
    ex.setClassIndexOf(w.meta, Number(ex.rawHashOf(w.meta)));
    for (const c of w.classes.values()) ex.setClassIndexOf(c, Number(ex.rawHashOf(w.meta)));
    ex.setClassIndexOf(ex.nilObj.value, Number(ex.rawHashOf(w.makeClass("UndefinedObject", spec.zero, 0, 32))));
    ex.setClassIndexOf(ex.falseObj.value, Number(ex.rawHashOf(w.makeClass("False", spec.zero, 0, 33))));
    ex.setClassIndexOf(ex.trueObj.value, Number(ex.rawHashOf(w.makeClass("True", spec.zero, 0, 34))));
    w.makeClass("Array", spec.indexable, 0);
    w.makeClass("Object", spec.fixed, 0);
    w.makeClass("Node2", spec.fixed, 2);
    w.makeClass("Node4", spec.fixed, 4);
    w.makeClass("Holder", spec.fixedIndexable, 1);
    w.makeClass("ByteArray", spec.bytes, 0);
    w.makeClass("ByteString", spec.bytes, 0);
    w.makeClass("WordArray", spec.words32, 0);
    w.makeClass("ShortArray", spec.shorts, 0);
    w.makeClass("DoubleWordArray", spec.words64, 0);
    w.makeClass("WeakArray", spec.weak, 0);
    w.makeClass("WeakHolder", spec.weak, 1);
    w.makeClass("Ephemeron", spec.ephemeron, 3);
    w.makeClass("CompiledMethod", spec.method, 0);
    const so: bigint = ex.instantiateClass(w.cls("Array"), 60n);
    ex.storePointer(so, 0n, ex.nilObj.value);
    ex.storePointer(so, 1n, ex.falseObj.value);
    ex.storePointer(so, 2n, ex.trueObj.value);
    ex.storePointer(so, 7n, w.cls("Array"));
    ex.storePointer(so, 26n, w.cls("ByteArray"));
    ex.setSpecialObjectsOop(so);
    w.storeClassList();
    w.numRoots = opts.numRoots ?? 64;
    w.roots = ex.testAlloc(w.numRoots * 8);
    for (let i = 0; i < w.numRoots; i++) w.setRoot(i, ex.nilObj.value);
    if (ex.addRootRange(w.roots, w.numRoots) < 0) throw new Error("addRootRange failed");
    return w;
  }
  /** Keep the roots and the named classes in the special objects array (slots 8 and 4) so they
   *  survive a snapshot. */
  storeInSpecialObjects(): void {
    const ex = this.ex;
    this.storeClassList();
    const ra: bigint = ex.allocateOldObject(BigInt(this.numRoots), 2, Number(ex.rawHashOf(this.cls("Array"))));
    for (let i = 0; i < this.numRoots; i++) ex.storePointer(ra, BigInt(i), this.root(i));
    ex.storePointer(ex.specialObjectsOop.value, 8n, ra);
  }
  /** The classes (as the image's globals would) in an Array at special object 4. */
  storeClassList(): void {
    const ex = this.ex;
    const names = [...this.classes.keys()];
    const cl: bigint = ex.allocateOldObject(BigInt(names.length), 2, Number(ex.rawHashOf(this.cls("Array"))));
    names.forEach((n, i) => ex.storePointer(cl, BigInt(i), this.cls(n)));
    ex.storePointer(ex.specialObjectsOop.value, 4n, cl);
    this.classNames = names;
  }
  classNames: string[] = [];

  /** A VM that loaded image bytes written by storeInSpecialObjects + saveImage. */
  static async fromImage(bytes: Uint8Array, classNames: string[], eden = 256 * 1024, shift = 0): Promise<World> {
    const vm = await newVm(bytes);
    const ex = vm.ex;
    if (shift) ex.testAlloc(shift); // load somewhere else than where it was saved
    if (!ex.initializeObjectMemory(eden)) throw new Error("initializeObjectMemory failed");
    if (!ex.loadImage()) throw new Error("loadImage failed: " + vm.imageError());
    const w = new World(vm);
    const so: bigint = ex.specialObjectsOop.value;
    const cl = w.slot(so, 4), ra = w.slot(so, 8);
    classNames.forEach((n, i) => w.classes.set(n, w.slot(cl, i)));
    w.classNames = classNames;
    w.meta = w.classes.get("Metaclass")!;
    w.numRoots = Number(ex.numSlotsOf(ra));
    w.roots = ex.testAlloc(w.numRoots * 8);
    for (let i = 0; i < w.numRoots; i++) w.setRoot(i, w.slot(ra, i));
    if (ex.addRootRange(w.roots, w.numRoots) < 0) throw new Error("addRootRange failed");
    return w;
  }

  root(i: number): bigint { return this.vm.u64(this.roots + i * 8); }
  setRoot(i: number, o: bigint): void { this.vm.setU64(this.roots + i * 8, o); }
  slot(o: bigint, i: number | bigint): bigint { return this.ex.fetchPointer(o, BigInt(i)); }
  verify(): void {
    const r = this.ex.verifyHeap();
    if (r !== 0) throw new Error(`verifyHeap failed: code ${r} at 0x${Number(this.ex.verifyFaultAddress()).toString(16)}`);
  }
}
