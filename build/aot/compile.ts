// Compiles one WebAssembly module into a ProgramObject: its functions, its vmctx (with memory
// and table descriptors and global cells) in writable data, its data and element segment images
// in read-only data, and an instantiation routine `<prefix>.init` (globals, element segments,
// data segments, start function) that the target's runtime calls with r15 = vmctx, r14 = memory base.
import { Alu, Cond, Reg, Shift, mem, type Label } from './x64/encoder.ts';
import {
  ENT_CODE, ENT_VMCTX, MAX_PAGES, MEMBASE, MEM_MAX, MEM_PAGES, TABLE_ENTRY, TBL_CAP, TBL_ELEMS, TBL_MAX, TBL_SIZE,
  TRAP, TRAP_MESSAGE, VMCTX, VM_MEMDESC, TypeRegistry, vmctxLayout, type TrapKind, type VmctxLayout,
} from './abi.ts';
import { lowerFunction, type FunctionContext } from './lower.ts';
import { lookupIntrinsic, type Intrinsic } from './intrinsics.ts';
import type { ProgramObject } from './object.ts';
import { WasmError, type ConstExpr, type FuncType, type WasmModule } from './wasm/module.ts';

export interface CompileOptions {
  /** Target whose intrinsics bind imports (e.g. 'linux'). */
  target: string;
  /** Shared by all modules of one program. */
  types: TypeRegistry;
  /** Symbol prefix, unique per module in the program. */
  prefix: string;
  /** Allow imports that are not intrinsics (bound at run time through the vmctx). */
  allowImports?: boolean;
  /** Runtime routine for memory.grow (rdi = delta pages; eax = old size or -1). */
  memoryGrowSymbol?: string;
  /** Runtime routine for table.grow (rdi = table descriptor, esi = delta, rdx = init; eax = old size or -1). */
  tableGrowSymbol?: string;
}

export interface CompiledModule {
  prefix: string;
  module: WasmModule;
  layout: VmctxLayout;
  vmctxSymbol: string;
  initSymbol: string;
  /** Text symbol of each function in the full index space (undefined for imports). */
  funcSymbol(index: number): string | undefined;
  funcType(index: number): FuncType;
  /** Memory limits of the defined memory (undefined when none or imported). */
  memory?: { min: number; max: number };
}

export function funcTypeOf(m: WasmModule, index: number): FuncType {
  if (index < m.numImportedFuncs) {
    let k = 0;
    for (const imp of m.imports) if (imp.desc.kind === 'func' && k++ === index) return m.types[imp.desc.typeIndex];
  }
  const t = m.types[m.funcs[index - m.numImportedFuncs]];
  if (!t) throw new WasmError('invalid', `function index ${index} out of range`, 0);
  return t;
}

export function functionName(m: WasmModule, index: number): string {
  const n = m.funcNames.get(index);
  if (n) return n;
  const e = m.exports.find((x) => x.kind === 'func' && x.index === index);
  if (e) return e.name;
  return `func[${index}]`;
}

export function compileModule(obj: ProgramObject, m: WasmModule, opts: CompileOptions): CompiledModule {
  const { prefix, types } = opts;
  const a = obj.asm;
  const layout = vmctxLayout(m);
  const nFuncs = m.numImportedFuncs + m.funcs.length;
  const labels: (Label | undefined)[] = [];
  const intrinsics: (Intrinsic | undefined)[] = [];
  const funcImports = m.imports.filter((i) => i.desc.kind === 'func');
  for (let i = 0; i < m.numImportedFuncs; i++) {
    const imp = funcImports[i];
    const intr = lookupIntrinsic(opts.target, imp.module, imp.name);
    if (intr) {
      const ft = m.types[(imp.desc as { typeIndex: number }).typeIndex];
      if (ft.params.join() !== intr.params.join() || ft.results.join() !== intr.results.join())
        throw new WasmError('invalid', `import ${imp.module}.${imp.name} has type (${ft.params}) -> (${ft.results}), the ${opts.target} target provides (${intr.params}) -> (${intr.results})`, 0, i);
    } else if (!opts.allowImports) {
      throw new WasmError('unsupported', `import ${imp.module}.${imp.name} is not provided by the ${opts.target} target`, 0, i);
    }
    intrinsics.push(intr);
    labels.push(undefined);
  }
  if (!opts.allowImports) {
    const other = m.imports.find((i) => i.desc.kind !== 'func');
    if (other) throw new WasmError('unsupported', `${other.desc.kind} import ${other.module}.${other.name} is not provided by the ${opts.target} target`, 0);
  }
  for (let i = 0; i < m.funcs.length; i++) labels.push(a.label(`${prefix}.f${m.numImportedFuncs + i}`));
  const funcSym = (i: number) => (i < m.numImportedFuncs ? undefined : `${prefix}.f${i}`);

  // ---- vmctx and descriptors in writable data ----
  const data = obj.data;
  data.align(16);
  const vmctxSymbol = `${prefix}.vmctx`;
  const vmBase = data.size;
  obj.define(vmctxSymbol, 'data', vmBase);
  data.zeros(layout.size);
  let memory: CompiledModule['memory'];
  if (m.memories.length) {
    const lim = m.memories[0];
    memory = { min: lim.min, max: Math.min(lim.max ?? MAX_PAGES, MAX_PAGES) };
    data.ptrAt(vmBase + VM_MEMDESC, vmctxSymbol, layout.memDesc);
    data.setU64(vmBase + layout.memDesc + MEM_PAGES, BigInt(lim.min));
    data.setU64(vmBase + layout.memDesc + MEM_MAX, BigInt(memory.max));
  }
  for (let t = 0; t < m.tables.length; t++) {
    const lim = m.tables[t].limits;
    const cap = lim.min; // grown tables move to memory from rt.table_grow
    const elems = `${prefix}.table${t}`;
    obj.bss(elems, Math.max(cap, 1) * TABLE_ENTRY, 16);
    const d = vmBase + layout.tableDesc(t);
    data.ptrAt(d + TBL_ELEMS, elems);
    data.setU64(d + TBL_SIZE, BigInt(lim.min));
    data.setU64(d + TBL_MAX, BigInt(lim.max ?? 0xffffffff));
    data.setU64(d + TBL_CAP, BigInt(cap));
    data.ptrAt(vmBase + layout.tablePtr(m.numImportedTables + t), vmctxSymbol, layout.tableDesc(t));
  }
  for (let g = 0; g < m.globals.length; g++)
    data.ptrAt(vmBase + layout.globalPtr(m.numImportedGlobals + g), vmctxSymbol, layout.globalCell(g));
  // funcref records (typeId, code, vmctx) of every function: the values of ref.func and of tables
  // (those of imported functions are filled in by the instantiation routine)
  const frefSym = (f: number) => `${prefix}.fref${f}`;
  for (let f = 0; f < nFuncs; f++) {
    data.align(16);
    obj.define(frefSym(f), 'data', data.size);
    data.u64(BigInt(types.idOf(funcTypeOf(m, f))));
    if (f < m.numImportedFuncs) data.zeros(16);
    else {
      data.ptr(funcSym(f)!);
      data.ptr(vmctxSymbol);
    }
    data.u64(0n);
  }
  // element segment images (reference values; global.get items are filled in at instantiation)
  const elemImages = m.elems.map((seg, k) => {
    data.align(16);
    const sym = `${prefix}.elem${k}`;
    obj.define(sym, 'data', data.size);
    for (const item of seg.items) {
      if (item.kind === 'ref.func') data.ptr(frefSym(item.funcIndex));
      else data.u64(0n);
    }
    return sym;
  });

  // ---- functions ----
  const cx: FunctionContext = {
    obj, module: m, layout, types,
    funcLabel: (i) => labels[i],
    intrinsic: (i) => intrinsics[i],
    funcName: (i) => functionName(m, i),
    dataSymbol: (k) => `${prefix}.data${k}`,
    elemSymbol: (k) => `${prefix}.elem${k}`,
    funcRefSymbol: (f) => frefSym(f),
    tableGrowSymbol: opts.tableGrowSymbol ?? 'rt.table_grow',
    memoryGrowSymbol: opts.memoryGrowSymbol ?? 'rt.memory_grow',
  };
  for (let i = 0; i < m.funcs.length; i++) {
    const idx = m.numImportedFuncs + i;
    lowerFunction(cx, i, (alignment) => {
      a.align(alignment);
      a.bind(labels[idx]!);
      obj.here(funcSym(idx)!);
    });
  }

  // ---- data segment images in read-only data ----
  const ro = obj.rodata;
  const dataImages = m.datas.map((seg, k) => {
    const sym = `${prefix}.data${k}`;
    obj.define(sym, 'rodata', ro.size);
    ro.bytes(seg.bytes);
    return sym;
  });

  // ---- instantiation routine ----
  a.align(16);
  const initSymbol = `${prefix}.init`;
  const initStart = a.pos;
  obj.here(initSymbol);
  const traps: { label: Label; kind: TrapKind; what: string }[] = [];
  const trapIf = (c: Cond, kind: TrapKind, what: string) => {
    const label = a.label();
    traps.push({ label, kind, what });
    a.jcc(c, label);
  };
  a.push(Reg.rbp);
  a.movRR(8, Reg.rbp, Reg.rsp);
  /** Evaluates a constant expression into rax (numbers as raw bits). */
  const evalConst = (e: ConstExpr) => {
    switch (e.kind) {
      case 'i32.const': a.movRI(Reg.rax, BigInt.asUintN(32, BigInt(e.value))); break;
      case 'i64.const': a.movRI(Reg.rax, BigInt.asUintN(64, e.value)); break;
      case 'f32.const': a.movRI(Reg.rax, BigInt(e.bits >>> 0)); break;
      case 'f64.const': a.movRI(Reg.rax, e.bits); break;
      case 'ref.null': a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax); break;
      case 'ref.func':
        a.movRSym(Reg.rax, frefSym(e.funcIndex));
        break;
      case 'global.get':
        a.load(8, Reg.rax, mem(VMCTX, layout.globalPtr(e.globalIndex)));
        a.load(8, Reg.rax, mem(Reg.rax));
        break;
    }
  };
  for (let f = 0; f < m.numImportedFuncs; f++) {
    a.movRSym(Reg.rdx, frefSym(f));
    a.load(8, Reg.rax, mem(VMCTX, layout.importFunc(f)));
    a.store(8, mem(Reg.rdx, ENT_CODE), Reg.rax);
    a.load(8, Reg.rax, mem(VMCTX, layout.importFunc(f) + 8));
    a.store(8, mem(Reg.rdx, ENT_VMCTX), Reg.rax);
  }
  for (let g = 0; g < m.globals.length; g++) {
    evalConst(m.globals[g].init);
    a.store(8, mem(VMCTX, layout.globalCell(g)), Reg.rax);
  }
  m.elems.forEach((seg, k) => {
    seg.items.forEach((item, j) => {
      if (item.kind !== 'global.get') return;
      evalConst(item);
      a.movRSym(Reg.rdx, elemImages[k], 8 * j);
      a.store(8, mem(Reg.rdx), Reg.rax);
    });
    const n = seg.items.length;
    a.movRI(Reg.rax, seg.mode === 'passive' ? n : 0);
    a.store(8, mem(VMCTX, layout.elemLen(k)), Reg.rax);
    if (seg.mode !== 'active') return;
    evalConst(seg.offset!);
    a.movRR(4, Reg.rax, Reg.rax);
    a.load(8, Reg.rdx, mem(VMCTX, layout.tablePtr(seg.tableIndex)));
    a.lea(8, Reg.rcx, mem(Reg.rax, n));
    a.aluRM(Alu.cmp, 8, Reg.rcx, mem(Reg.rdx, TBL_SIZE));
    trapIf(Cond.A, 'outOfBoundsTable', `element segment ${k}`);
    if (!n) return;
    a.load(8, Reg.rdi, mem(Reg.rdx, TBL_ELEMS));
    a.lea(8, Reg.rdi, mem(Reg.rdi, 0, Reg.rax, 8));
    a.movRSym(Reg.rsi, elemImages[k]);
    a.movRI(Reg.rcx, n * TABLE_ENTRY);
    a.repMovsb();
  });
  m.datas.forEach((seg, k) => {
    if (seg.mode !== 'active') {
      a.movRI(Reg.rax, seg.bytes.length);
      a.store(8, mem(VMCTX, layout.dataLen(k)), Reg.rax);
      return;
    }
    evalConst(seg.offset!);
    a.movRR(4, Reg.rax, Reg.rax);
    a.movRI(Reg.rcx, seg.bytes.length);
    a.lea(8, Reg.rdx, mem(Reg.rax, 0, Reg.rcx));
    a.load(8, Reg.rdi, mem(VMCTX, VM_MEMDESC));
    a.load(8, Reg.rdi, mem(Reg.rdi, MEM_PAGES));
    a.shiftI(Shift.shl, 8, Reg.rdi, 16);
    a.aluRR(Alu.cmp, 8, Reg.rdx, Reg.rdi);
    trapIf(Cond.A, 'outOfBoundsMemory', `data segment ${k}`);
    a.lea(8, Reg.rdi, mem(MEMBASE, 0, Reg.rax));
    a.leaSym(Reg.rsi, dataImages[k]);
    a.repMovsb();
  });
  if (m.start !== undefined) {
    const l = labels[m.start];
    if (l) a.call(l);
    else {
      // an imported start function: call it in its own instance, then restore ours
      const off = layout.importFunc(m.start);
      a.push(VMCTX);
      a.push(VMCTX); // keeps rsp 16-byte aligned
      a.load(8, Reg.rax, mem(VMCTX, off));
      a.load(8, VMCTX, mem(VMCTX, off + 8));
      a.load(8, MEMBASE, mem(VMCTX, 0));
      a.callR(Reg.rax);
      a.pop(VMCTX);
      a.pop(VMCTX);
      a.load(8, MEMBASE, mem(VMCTX, 0));
    }
  }
  a.pop(Reg.rbp);
  a.ret();
  for (const t of traps) {
    a.bind(t.label);
    obj.trap(TRAP[t.kind], `${TRAP_MESSAGE[t.kind]} in instantiation (${t.what})`);
    a.ud2();
    a.byte(TRAP[t.kind]);
  }
  obj.functions.push({ name: `${prefix}.init`, offset: initStart, size: a.pos - initStart });

  return {
    prefix, module: m, layout, vmctxSymbol, initSymbol, memory,
    funcSymbol: funcSym,
    funcType: (i) => funcTypeOf(m, i),
  };
}
