// Builds a Xen PV kernel ELF from the guest WebAssembly module (kernel + drivers + program):
// the xen runtime (build/runtime/xen stubs lowered with build/aot/x64, the hypercall page,
// memory.grow, the function table behind code_func_index/code_func_name), the module compiled
// by build/aot for target `xen`, laid out from VIRT_BASE 0 (docs/xen-memory.md): text, rodata
// with the Xen notes at its end, data, bss (scratch page, stack guard page, native stack), then
// linear memory right after the stack top as a zero-filled segment (the module's instantiation
// routine writes its data segments there at boot). Every page of the image is a frame of the
// domain's memory (Xen backs and maps all of it), so nothing is padded: a 4 MiB domain has
// 1024 frames for the image, Xen's boot trailer and everything the kernel allocates.

import { Alu, Cond, Reg, Shift, mem } from '../../aot/x64/encoder.ts';
import { ProgramObject } from '../../aot/object.ts';
import { TypeRegistry, VM_MEMDESC, MEM_PAGES } from '../../aot/abi.ts';
import { compileModule } from '../../aot/compile.ts';
import { XEN_TARGET, XEN_SYMBOLS, XEN_RUNTIME_EXPORTS } from '../../aot/targets/xen-intrinsics.ts';
import { WasmError, type WasmModule } from '../../aot/wasm/module.ts';
import { allStubs } from '../../runtime/xen/stubs.ts';
import { lowerStub, LINEAR_BASE_SYMBOL } from '../../runtime/xen/lower.ts';
import { linkObject } from '../linux/link.ts';
import { writeElf, type ElfSection, type ElfSymbol } from '../elf.ts';
import { encodeXenNotes, xenPvNotes } from './notes.ts';
import { DEFAULT_NATIVE_STACK, LINEAR_ALIGN, MIN_NATIVE_STACK } from './pv-layout.ts';

export { DEFAULT_NATIVE_STACK, MIN_NATIVE_STACK };
const PAGE = 4096n;
const up = (v: bigint, a = PAGE) => (v + a - 1n) & ~(a - 1n);

export interface XenKernel {
  elf: Uint8Array;
  address(symbol: string): bigint;
  linearBase: bigint;
  imageEnd: bigint;
  functions: number;
}

export interface XenKernelOptions {
  /** A boot image carried in .rodata (read-only); the platform prefers it to the boot module. */
  embeddedImage?: Uint8Array;
  /** Native stack bytes, a multiple of 4 KiB (default DEFAULT_NATIVE_STACK). The runtime keeps
   *  its lowest 64 KiB for the trap path (build/runtime/xen/lower.ts STACK_RESERVE); wasm code
   *  gets the rest. */
  stackSize?: number;
}

function nativeStackSize(n: number | undefined): number {
  const v = n ?? DEFAULT_NATIVE_STACK;
  if (!Number.isSafeInteger(v) || v % 4096 !== 0 || v < MIN_NATIVE_STACK || v > 1 << 30) {
    throw new RangeError(`xen kernel: native stack size ${v} must be a multiple of 4096 from ${MIN_NATIVE_STACK} to 1 GiB`);
  }
  return v;
}

export function buildXenKernel(m: WasmModule, opts: XenKernelOptions = {}): XenKernel {
  const stackSize = nativeStackSize(opts.stackSize);
  const prefix = 'm0';
  const exportIndex = new Map<string, number>();
  for (const e of m.exports) if (e.kind === 'func') exportIndex.set(e.name, e.index);
  const missing = XEN_RUNTIME_EXPORTS.map((e) => e.name).filter((n) => n !== 'xen_memory_size' && !exportIndex.has(n));
  if (missing.length) throw new WasmError('unsupported', `a xen kernel must export ${missing.join(', ')} (kernel/exports.ts and the program's main)`, 0);
  if (m.memories.length !== 1) throw new WasmError('unsupported', 'a xen kernel defines exactly one memory', 0);
  const exportSymbol = (name: string) => {
    const i = exportIndex.get(name);
    if (i === undefined || i < m.numImportedFuncs) throw new WasmError('unsupported', `export ${name} is missing or an import`, 0);
    return `${prefix}.f${i}`;
  };

  const obj = new ProgramObject();
  const a = obj.asm;
  const link = { exportSymbol, initSymbol: `${prefix}.init`, vmctxSymbol: `${prefix}.vmctx` };

  // ---- runtime text: the entry stub first (the ELF entry is VIRT_BASE) ----
  const stubSymbols = new Map<number, string>();
  for (const s of allStubs()) {
    const start = a.pos;
    const sym = `xen.stub.${s.name}`;
    obj.here(sym);
    if (s.which >= 0) stubSymbols.set(s.which, sym);
    lowerStub(a, s, link);
    obj.functions.push({ name: sym, offset: start, size: a.pos - start });
  }
  emitMemoryGrow(obj, exportSymbol('xen_memory_grow'));
  emitFunctionLookup(obj);
  a.align(4096, 0);
  obj.here(XEN_SYMBOLS.hypercallPage);
  a.raw(new Uint8Array(4096)); // Xen fills it before entry

  // ---- the module ----
  compileModule(obj, m, { target: XEN_TARGET, types: new TypeRegistry(), prefix, memoryGrowSymbol: 'xen.memory_grow' });

  // ---- runtime data ----
  emitFunctionTable(obj);
  const d = obj.data;
  d.align(8);
  obj.define(XEN_SYMBOLS.linearInitialPages, 'data', d.size);
  d.u32(m.memories[0].min);
  d.u32(0);
  obj.define(XEN_SYMBOLS.entryTable, 'data', d.size);
  for (let w = 0; w < 34; w++) {
    const sym = stubSymbols.get(w);
    if (sym) d.ptr(sym);
    else d.u64(0n);
  }
  obj.define(XEN_SYMBOLS.layoutTable, 'data', d.size);
  d.ptr('xen.text_end');
  d.ptr('xen.rodata_end');
  d.ptr('xen.stack_guard');
  const embedded = opts.embeddedImage;
  if (embedded && embedded.length > 0) {
    obj.rodata.align(4096);
    obj.define('xen.embedded_image', 'rodata', obj.rodata.size);
    obj.rodata.bytes(embedded);
    d.ptr('xen.embedded_image');
    d.u64(BigInt(embedded.length));
  } else {
    d.u64(0n);
    d.u64(0n);
  }
  d.align(8);
  obj.define(XEN_SYMBOLS.startInfoSlot, 'data', d.size);
  d.u64(0n);
  // The Xen notes end .rodata (same permissions, no page of their own); their bytes are
  // written once the entry and hypercall page addresses are known.
  const notesSize = encodeXenNotes(xenPvNotes({ entry: 0n, hypercallPage: 0n })).length;
  obj.rodata.align(4);
  const notesOffset = obj.rodata.size;
  obj.rodata.bytes(new Uint8Array(notesSize));
  // bss: whole pages only, the stack top last, so linear memory follows it directly.
  obj.bss(XEN_SYMBOLS.scratch, 4096, 4096);
  obj.bss('xen.stack_guard', 4096, 4096);
  obj.bss(XEN_SYMBOLS.stackLo, stackSize, 4096);
  obj.define(XEN_SYMBOLS.stackHi, 'bss', obj.bssSize);

  // ---- layout (the same arithmetic as linkObject, checked after it) ----
  const textLen = BigInt(a.pos);
  const rodataAddr = up(textLen + 1n);
  const dataAddr = up(rodataAddr + BigInt(obj.rodata.size) + 1n);
  const bssAddr = up(dataAddr + BigInt(obj.data.size) + 1n);
  const bssEnd = bssAddr + BigInt(obj.bssSize);
  const notesAddr = rodataAddr + BigInt(notesOffset);
  const linearBase = up(bssEnd, LINEAR_ALIGN);
  const linearSize = BigInt(m.memories[0].min) * 65536n;
  const imageEnd = linearBase + linearSize;
  const external = (name: string): bigint | undefined => {
    switch (name) {
      case LINEAR_BASE_SYMBOL: return linearBase;
      case XEN_SYMBOLS.imageEnd: return imageEnd;
      case 'xen.text_end': return rodataAddr;
      case 'xen.rodata_end': return dataAddr;
      default: return undefined;
    }
  };
  const l = linkObject(obj, 0n, external);
  if (l.base.rodata !== rodataAddr || l.base.data !== dataAddr || l.base.bss !== bssAddr) {
    throw new Error('xen kernel: section placement differs from linkObject\'s');
  }
  const entry = l.address('xen.stub.xen_entry');
  const notes = encodeXenNotes(xenPvNotes({ entry, hypercallPage: l.address(XEN_SYMBOLS.hypercallPage) }));
  if (notes.length !== notesSize) throw new Error('xen kernel: the notes changed size');
  const sections: ElfSection[] = [
    { name: '.text', kind: 'progbits', perm: 'rx', addr: l.base.text, data: l.text },
    ...(notesOffset > 0 ? [{ name: '.rodata', kind: 'progbits', perm: 'r', addr: l.base.rodata, data: l.rodata.subarray(0, notesOffset) } as ElfSection] : []),
    { name: '.note.Xen', kind: 'note', perm: 'r', addr: notesAddr, data: notes },
    { name: '.data', kind: 'progbits', perm: 'rw', addr: l.base.data, data: l.data },
    { name: '.bss', kind: 'nobits', perm: 'rw', addr: l.base.bss, data: new Uint8Array(0), size: obj.bssSize },
  ];
  if (linearSize > 0n) {
    sections.push({ name: '.linear', kind: 'nobits', perm: 'rw', addr: linearBase, data: new Uint8Array(0), size: Number(linearSize) });
  }
  const symbols: ElfSymbol[] = obj.functions.map((f) => ({
    name: f.name, value: l.base.text + BigInt(f.offset), size: f.size, type: 'func', section: '.text', global: true,
  }));
  return { elf: writeElf({ entry, sections, symbols }), address: l.address, linearBase, imageEnd, functions: obj.functions.length };
}

/** xen.memory_grow (rdi = delta pages; eax = old size or -1): calls the kernel's
 *  xen_memory_grow export (build/aot's convention), then records the new size in the memory
 *  descriptor that memory.size and bulk-memory range checks read. */
function emitMemoryGrow(obj: ProgramObject, growSymbol: string): void {
  const a = obj.asm;
  const start = a.pos;
  obj.here('xen.memory_grow');
  a.push(Reg.rbp);
  a.movRR(8, Reg.rbp, Reg.rsp);
  a.aluRI(Alu.sub, 8, Reg.rsp, 32);
  a.movRR(4, Reg.rdi, Reg.rdi);
  a.store(8, mem(Reg.rbp, -8), Reg.rdi);
  a.store(8, mem(Reg.rsp, 0), Reg.rdi);
  a.callSym(growSymbol);
  a.load(4, Reg.rax, mem(Reg.rsp, 0));
  const done = a.label('xen.memory_grow.done');
  a.aluRI(Alu.cmp, 4, Reg.rax, -1);
  a.jcc(Cond.E, done);
  a.load(8, Reg.rdx, mem(Reg.r15, VM_MEMDESC), false, 8);
  a.load(8, Reg.rcx, mem(Reg.rbp, -8), false, 8);
  a.aluMR(Alu.add, 8, mem(Reg.rdx, MEM_PAGES), Reg.rcx);
  a.bind(done);
  a.movRR(8, Reg.rsp, Reg.rbp);
  a.pop(Reg.rbp);
  a.ret();
  obj.functions.push({ name: 'xen.memory_grow', offset: start, size: a.pos - start });
}

/** xen.code_func_index(rip) -> index in xen.func_table or -1; xen.code_func_name(index, dst
 *  virtual address, max) -> bytes copied. System V registers (intrinsic convention). */
function emitFunctionLookup(obj: ProgramObject): void {
  const a = obj.asm;
  let start = a.pos;
  obj.here(XEN_SYMBOLS.codeFuncIndex);
  const loop = a.label('fi.loop'), next = a.label('fi.next'), none = a.label('fi.none');
  a.leaSym(Reg.rsi, 'xen.func_table');
  a.load(8, Reg.rcx, mem(Reg.rsi, 0), false, 8);
  a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
  a.bind(loop);
  a.aluRR(Alu.cmp, 8, Reg.rax, Reg.rcx);
  a.jcc(Cond.AE, none);
  a.movRR(8, Reg.rdx, Reg.rax);
  a.shiftI(Shift.shl, 8, Reg.rdx, 5); // rdx = index * 32
  a.aluRR(Alu.add, 8, Reg.rdx, Reg.rsi);
  a.aluRM(Alu.cmp, 8, Reg.rdi, mem(Reg.rdx, 8));
  a.jcc(Cond.B, next);
  a.aluRM(Alu.cmp, 8, Reg.rdi, mem(Reg.rdx, 16));
  a.jcc(Cond.AE, next);
  a.ret();
  a.bind(next);
  a.aluRI(Alu.add, 8, Reg.rax, 1);
  a.jmp(loop);
  a.bind(none);
  a.movRI(Reg.rax, -1);
  a.ret();
  obj.functions.push({ name: XEN_SYMBOLS.codeFuncIndex, offset: start, size: a.pos - start });

  start = a.pos;
  obj.here(XEN_SYMBOLS.codeFuncName);
  const empty = a.label('fn.empty'), short = a.label('fn.short');
  a.leaSym(Reg.r8, 'xen.func_table');
  a.aluRM(Alu.cmp, 8, Reg.rdi, mem(Reg.r8, 0));
  a.jcc(Cond.AE, empty);
  a.shiftI(Shift.shl, 8, Reg.rdi, 5);
  a.aluRR(Alu.add, 8, Reg.r8, Reg.rdi); // r8 = entry - 8
  a.load(8, Reg.rcx, mem(Reg.r8, 32), false, 8); // name length
  a.movRR(4, Reg.rdx, Reg.rdx);
  a.aluRR(Alu.cmp, 8, Reg.rcx, Reg.rdx);
  a.jcc(Cond.BE, short);
  a.movRR(8, Reg.rcx, Reg.rdx);
  a.bind(short);
  a.movRR(8, Reg.rax, Reg.rcx);
  a.movRR(8, Reg.rdi, Reg.rsi);
  a.load(8, Reg.rsi, mem(Reg.r8, 24), false, 8); // name pointer
  a.repMovsb();
  a.ret();
  a.bind(empty);
  a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
  a.ret();
  obj.functions.push({ name: XEN_SYMBOLS.codeFuncName, offset: start, size: a.pos - start });
}

/** xen.func_table in rodata: u64 count, then per function {u64 pad, start, end, name, len}
 *  laid out so that entry i is at 8 + 32*i: [start, end, name, len]. */
function emitFunctionTable(obj: ProgramObject): void {
  const r = obj.rodata;
  const names: number[] = [];
  r.align(8);
  const nameBase = r.size;
  for (const f of obj.functions) {
    names.push(r.size - nameBase);
    r.bytes(new TextEncoder().encode(f.name));
  }
  r.align(8);
  obj.define('xen.func_names', 'rodata', nameBase);
  obj.define('xen.func_table', 'rodata', r.size);
  r.u64(BigInt(obj.functions.length));
  obj.functions.forEach((f, i) => {
    r.ptr('text.base', f.offset);
    r.ptr('text.base', f.offset + f.size);
    r.ptr('xen.func_names', names[i]);
    r.u64(BigInt(new TextEncoder().encode(f.name).length));
  });
}
