// Lowering: one wasm function body → x86-64, in a single pass over the instructions, with the
// value stack kept in registers (regalloc.ts), compares fused into branches, constants folded into
// immediates and addressing modes, and precise trap sites recorded for the signal handlers.
import { Alu, Assembler, Cond, Reg, Shift, invertCond, mem, ripMem, type Label, type Mem } from './x64/encoder.ts';
import {
  ENT_CODE, ENT_TYPE, ENT_VMCTX, FRAME_SAVED_VMCTX, MEMBASE, MEM_PAGES, TBL_ELEMS, TBL_SIZE, TRAP,
  TRAP_MESSAGE, VMCTX, VM_MEMBASE, VM_MEMDESC, VM_STACK_LIMIT, XMM_SCRATCH, XMM_SCRATCH2, argOffset,
  type TrapKind, type TypeRegistry, type VmctxLayout,
} from './abi.ts';
import { ValueStack, is64, isFloat, type Val } from './regalloc.ts';

import { assignPinned, weighLocalUses } from './pinning.ts';
import { Reader } from './body-reader.ts';
import { planUnroll, type UnrollPlan } from './unroll.ts';
import { splitCondition, type SetCond, type Split } from './cond-split.ts';
import { splitStraightLineWebs } from './split-webs.ts';
import { emitMemmove } from './x64/memmove.ts';
import { scanBody } from './prologue-scan.ts';
import type { ProgramObject } from './object.ts';
import { WasmError, type FuncType, type ValType, type WasmModule } from './wasm/module.ts';
import type { Intrinsic, IntrinsicContext } from './intrinsics.ts';

export interface FunctionContext {
  obj: ProgramObject;
  module: WasmModule;
  layout: VmctxLayout;
  types: TypeRegistry;
  /** Label of defined or imported-by-intrinsic function in the full index space (undefined: call through vmctx). */
  funcLabel(index: number): Label | undefined;
  intrinsic(index: number): Intrinsic | undefined;
  funcName(index: number): string;
  /** Symbol of element segment k's image (reference values). */
  elemSymbol(segment: number): string;
  /** Symbol of function f's funcref record. */
  funcRefSymbol(f: number): string;
  /** Runtime routine for table.grow (rdi = table descriptor, rsi = delta, rdx = init; eax = old size or -1). */
  tableGrowSymbol: string;
  /** Symbol of data segment k's bytes (read-only data). */
  dataSymbol(segment: number): string;
  /** Symbol of the runtime's memory.grow routine for this target. */
  memoryGrowSymbol: string;
}

interface Ctl {
  kind: 'block' | 'loop' | 'if' | 'func';
  params: ValType[];
  results: ValType[];
  height: number;
  target: Label; // where a branch to this frame goes
  end: Label;
  elseLabel?: Label;
  hadElse: boolean;
  unreachable: boolean;
  /** A block or if with one result and no parameters: every edge to its end delivers the result
   *  in this register (reserved while the block is open) instead of a stack slot. */
  resultReg?: number;
  /** A loop with its own pinned locals: `inner` inside it, `outer` around it. */
  region?: { outer: Map<number, number>; inner: Map<number, number>; clean: Set<number> };
  /** The pinned-local assignment where a branch to this frame lands (a loop's own, else the one
   *  around the block); a branch from code with another assignment moves locals first. */
  pinnedAt?: Map<number, number>;
  /** A loop `loop (if (head) (then ... br 0 ...))` whose back edges re-evaluate the head (body
   *  offsets [start, end), end = the `if`) and branch straight to the then-arm: one taken branch
   *  per iteration instead of a jump back to the test. */
  rotate?: { start: number; end: number; body?: Label; ifCtl?: Ctl; unroll?: UnrollPlan };
  /** An interpreter-style loop `loop (head; block ... block; br_table)` (dispatchHead): each `br`
   *  back edge evaluates the head again and jumps through the loop's jump table itself, so every
   *  handler has its own indirect jump (predicted per handler) instead of sharing one. `table`
   *  and `dflt` are set when the loop's own br_table is compiled. */
  dispatch?: { start: number; end: number; n?: number; table?: Label; dflt?: Label };
  /** Body offset just after this block's `end` (found by scanning ahead; -1: not found). */
  endPos?: number;
}

interface PendingTrap {
  label: Label;
  kind: TrapKind;
  offset: number;
}

const I32_CMP: Record<number, Cond> = { 0x46: Cond.E, 0x47: Cond.NE, 0x48: Cond.L, 0x49: Cond.B, 0x4a: Cond.G, 0x4b: Cond.A, 0x4c: Cond.LE, 0x4d: Cond.BE, 0x4e: Cond.GE, 0x4f: Cond.AE };
const I64_CMP: Record<number, Cond> = { 0x51: Cond.E, 0x52: Cond.NE, 0x53: Cond.L, 0x54: Cond.B, 0x55: Cond.G, 0x56: Cond.A, 0x57: Cond.LE, 0x58: Cond.BE, 0x59: Cond.GE, 0x5a: Cond.AE };
const SIGN64 = 0x8000000000000000n;
/** Where back edges land (loop heads, rotated loop bodies) is aligned with padding run once on
 *  entry (one NOP, or a jmp over it: encoder.ts alignNops): a loop body under 32 bytes then
 *  never straddles a 64-byte line, which on the machines we measured (AMD EPYC) cost the sieve
 *  workload's inner loop about 20%. */
const LOOP_ALIGN = 32;
/** Declared locals written before any read (setBeforeRead) are not zeroed in the prologue. */
export const SKIP_DEAD_ZEROING = true;
/** Every loop, not only a top-level one, gets its own pinned locals (pinning.ts): the hot locals
 *  of an inner loop keep registers however many other locals the loop around it uses. */
export const NESTED_LOOP_REGIONS = true;
/** Float constants are memory operands [rip + pool] (one load, or none for `x op= c`) instead of
 *  `mov rax, imm64; movq xmm, rax`. */
export const FLOAT_CONST_POOL = true;
/** A finished function's jumps get the 2-byte rel8 form where their target is near (ProgramObject.relaxText). */
export const RELAX_JUMPS = true;
/** opcode -> [result type, access size, sign-extending] */
const LOADS: Record<number, [ValType, 1 | 2 | 4 | 8, boolean]> = {
  0x28: ['i32', 4, false], 0x29: ['i64', 8, false], 0x2a: ['f32', 4, false], 0x2b: ['f64', 8, false],
  0x2c: ['i32', 1, true], 0x2d: ['i32', 1, false], 0x2e: ['i32', 2, true], 0x2f: ['i32', 2, false],
  0x30: ['i64', 1, true], 0x31: ['i64', 1, false], 0x32: ['i64', 2, true], 0x33: ['i64', 2, false],
  0x34: ['i64', 4, true], 0x35: ['i64', 4, false],
};
/** opcode -> [value type, access size] */
const STORES: Record<number, [ValType, 1 | 2 | 4 | 8]> = {
  0x36: ['i32', 4], 0x37: ['i64', 8], 0x38: ['f32', 4], 0x39: ['f64', 8],
  0x3a: ['i32', 1], 0x3b: ['i32', 2], 0x3c: ['i64', 1], 0x3d: ['i64', 2], 0x3e: ['i64', 4],
};
/** Folded loads (foldLoad): load opcode -> next opcode -> the ALU operation, 'mul', or for
 *  floats the SSE opcode (addsd 0x58, subsd 0x5c, mulsd 0x59, divsd 0x5e). */
const FOLD_INTO: Record<number, Record<number, Alu | 'mul' | number>> = {
  0x28: { 0x6a: Alu.add, 0x6b: Alu.sub, 0x6c: 'mul', 0x71: Alu.and, 0x72: Alu.or, 0x73: Alu.xor },
  0x29: { 0x7c: Alu.add, 0x7d: Alu.sub, 0x7e: 'mul', 0x83: Alu.and, 0x84: Alu.or, 0x85: Alu.xor },
  0x2a: { 0x92: 0x58, 0x93: 0x5c, 0x94: 0x59, 0x95: 0x5e },
  0x2b: { 0xa0: 0x58, 0xa1: 0x5c, 0xa2: 0x59, 0xa3: 0x5e },
};
const INT_BINARY: Record<number, [4 | 8, Alu | 'mul']> = {
  0x6a: [4, Alu.add], 0x6b: [4, Alu.sub], 0x6c: [4, 'mul'], 0x71: [4, Alu.and], 0x72: [4, Alu.or], 0x73: [4, Alu.xor],
  0x7c: [8, Alu.add], 0x7d: [8, Alu.sub], 0x7e: [8, 'mul'], 0x83: [8, Alu.and], 0x84: [8, Alu.or], 0x85: [8, Alu.xor],
};

/** Start alignment of a function with loops: a whole cache line, so where its loops and
 *  branches fall within 64-byte lines (and decoded-µop windows) depends on its own code only,
 *  not on the size of the functions before it (interp and sha256 moved ±4–8% with placement).
 *  Other functions start at 16 bytes: little padding where it buys nothing. */
export const LOOP_FUNCTION_ALIGN = 64;
export const FUNCTION_ALIGN = 16;

/** Lowers a defined function; `start(alignment)` binds its entry (compile.ts) once the
 *  pre-pass knows whether the body has loops. */
export function lowerFunction(cx: FunctionContext, definedIndex: number, start?: (alignment: number) => void): void {
  const f = new FunctionLowering(cx, definedIndex);
  start?.(f.hasLoops() ? LOOP_FUNCTION_ALIGN : FUNCTION_ALIGN);
  f.run();
}

class FunctionLowering {
  private asm: Assembler;
  private m: WasmModule;
  private funcIndex: number;
  private type: FuncType;
  private localTypes: ValType[];
  private nParams: number;
  private stack: ValueStack;
  private ctls: Ctl[] = [];
  private traps: PendingTrap[] = [];
  private r: Reader;
  private opOffset = 0;
  private maxOut = 0;
  private deadDepth = 0;
  private tables: (() => void)[] = [];
  /** Float constants (by their bits, f32 in the low half) read RIP-relative from after the code. */
  private floatConsts = new Map<bigint, Label>();
  private floatConst(bits: bigint): Mem {
    const key = BigInt.asUintN(64, bits);
    let l = this.floatConsts.get(key);
    if (!l) this.floatConsts.set(key, (l = this.asm.label()));
    return ripMem(l);
  }
  /** Local-use weights inside each loop, by the offset of its `loop` opcode. */
  private loopWeights = new Map<number, Float64Array>();
  /** Locals written inside each loop (local.set / local.tee), by the same offsets. */
  private loopWrites = new Map<number, Set<number>>();
  /** The pinned-local assignment in effect (one object per loop region: compared by identity). */
  private assign = new Map<number, number>();
  private pendingCond: Cond | null = null; // flags hold the i32 on top of the stack
  /** The comparison result condResult materialised last, and an and/or split into jumps whose
   *  labels the next if/br_if binds (cond-split.ts). */
  private lastSet?: SetCond;
  private split?: Split;
  /** The register value a `local.tee` of local i left on the stack, and the body offset after
   *  the tee: a shift right after it (only a constant between) may start a rotate of local i. */
  private lastTee?: { v: Val; i: number; end: number };
  private name: string;

  constructor(private cx: FunctionContext, private definedIndex: number) {
    this.asm = cx.obj.asm;
    this.m = cx.module;
    this.funcIndex = this.m.numImportedFuncs + definedIndex;
    this.type = this.m.types[this.m.funcs[definedIndex]];
    const body = this.m.bodies[definedIndex];
    this.nParams = this.type.params.length;
    this.localTypes = [...this.type.params, ...body.locals];
    this.name = cx.funcName(this.funcIndex);
    // split-webs.ts: short-lived reuses of a local become locals of their own
    const split = splitStraightLineWebs(body.code, this.localTypes, (op, r) => this.skipImmediates(op, r), (r) => this.skipBlockType(r));
    if (split) this.localTypes = split.localTypes;
    const code = split?.code ?? body.code;
    this.r = new Reader(code);
    const nDeclared = this.localTypes.length - this.nParams;
    this.stack = new ValueStack(
      this.asm,
      (d) => mem(Reg.rbp, -16 - 8 * (nDeclared + d)),
      (i) => (i < this.nParams ? mem(Reg.rbp, argOffset(i)) : mem(Reg.rbp, -16 - 8 * (i - this.nParams))),
      (i) => this.localTypes[i],
      this.choosePinned(code),
      FLOAT_CONST_POOL ? (bits) => this.floatConst(bits) : undefined,
    );
  }

  hasLoops(): boolean {
    return this.loopWeights.size > 0;
  }

  /** Picks the locals that live in registers for the whole function (pinning.ts) and weighs
   *  the uses inside each loop, which gets its own assignment (enterRegion). */
  private choosePinned(code: Uint8Array): Map<number, number> {
    const uses = weighLocalUses(new Reader(code), this.localTypes.length, (op, r) => this.skipImmediates(op, r), (r) => this.skipBlockType(r));
    if (!uses) return this.assign;
    this.loopWeights = uses.loops;
    this.loopWrites = uses.writes;
    this.assign = assignPinned(uses.weight, this.localTypes);
    return this.assign;
  }
  /** Declared locals that the straight-line start of the body (up to the first branch, `if` or
   *  `unreachable`) writes before any read: their zero initialisation is dead. */
  private setBeforeRead(): Set<number> {
    const p = new Reader(this.r.bytes, this.r.pos), set = new Set<number>(), read = new Set<number>();
    try {
      while (p.pos < p.bytes.length) {
        const op = p.u8();
        if (op === 0x02 || op === 0x03) this.skipBlockType(p);
        else if (op === 0x20 || op === 0x21 || op === 0x22) {
          const i = p.u32();
          if (op === 0x20) { if (!set.has(i)) read.add(i); }
          else if (!read.has(i) && i >= this.nParams) set.add(i);
        } else if (op === 0x0b) continue;
        else if (op === 0x10 || op === 0x11 || op === 0x1a || op === 0x1b || (op >= 0x23 && op <= 0x24) || (op >= 0x28 && op <= 0xc4))
          this.skipImmediates(op, p);
        else break; // control flow, or an instruction this scan does not know
      }
    } catch {
      // malformed: the main pass reports it; what was found so far holds
    }
    return set;
  }
  private skipBlockType(r: Reader): void {
    const b = r.bytes[r.pos];
    if (b === 0x40 || (b >= 0x6f && b <= 0x7f)) r.pos++;
    else r.s32();
  }

  /** Pinned locals live in registers that calls clobber: save them to their homes before. */
  private savePinned(): void {
    // locals saved or reloaded since the last label and not written since: home already current
    const clean = this.asm.binds === this.cleanBinds ? this.clean : undefined;
    for (const [i, reg] of this.stack.pinned) {
      if (clean?.has(i)) continue;
      if (isFloat(this.localTypes[i])) this.asm.movsdStore(true, this.stack.localAddr(i), reg);
      else this.asm.store(8, this.stack.localAddr(i), reg);
    }
    this.markClean();
  }
  private restorePinned(): void {
    for (const [i, reg] of this.stack.pinned) {
      if (isFloat(this.localTypes[i])) this.asm.movsdLoad(true, reg, this.stack.localAddr(i));
      else this.asm.load(8, reg, this.stack.localAddr(i));
    }
    this.markClean();
  }
  /** Pinned locals whose register equals their home, valid while no label is bound (cleanBinds). */
  private clean = new Set<number>();
  private cleanBinds = -1;
  private markClean(): void {
    this.clean = new Set(this.stack.pinned.keys());
    this.cleanBinds = this.asm.binds;
  }

  private fail(msg: string): never {
    const body = this.m.bodies[this.definedIndex];
    throw new WasmError('unsupported', `${msg} in function ${this.name}`, body.codeOffset + this.opOffset, this.funcIndex);
  }
  private wasmOffset(): number {
    return this.m.bodies[this.definedIndex].codeOffset + this.opOffset;
  }

  // ---- traps ----------------------------------------------------------------------------------
  private trapLabel(kind: TrapKind): Label {
    const label = this.asm.label();
    this.traps.push({ label, kind, offset: this.wasmOffset() });
    return label;
  }
  private trapIf(c: Cond, kind: TrapKind): void {
    this.asm.jcc(c, this.trapLabel(kind));
  }
  private message(kind: TrapKind, offset: number): string {
    return `${TRAP_MESSAGE[kind]} in ${this.name} at wasm offset 0x${offset.toString(16)}`;
  }
  /** Records the next instruction as a memory access that may fault in the guard region. */
  private memSite(): void {
    this.cx.obj.trap(TRAP.outOfBoundsMemory, this.message('outOfBoundsMemory', this.wasmOffset()));
  }

  // ---- driver ---------------------------------------------------------------------------------
  run(): void {
    const a = this.asm;
    const obj = this.cx.obj;
    const start = a.pos;
    // prologue
    a.push(Reg.rbp);
    a.movRR(8, Reg.rbp, Reg.rsp);
    a.movRR(8, Reg.rax, Reg.rsp);
    a.bytes(0x48, 0x2d); // sub rax, imm32 (frame size, patched below)
    const frameFix = a.pos;
    a.u32(0);
    a.aluRM(Alu.cmp, 8, Reg.rax, mem(VMCTX, VM_STACK_LIMIT));
    this.opOffset = 0;
    a.jcc(Cond.B, this.trapLabel('stackExhausted'));
    a.movRR(8, Reg.rsp, Reg.rax);
    const facts = scanBody(this.r.bytes, this.r.pos, this.nParams, this.localTypes.length, (op, r) => this.skipImmediates(op, r), (r) => this.skipBlockType(r));
    // only calls that may switch instance read the saved vmctx back
    if (!facts || facts.hasCallIndirect || [...facts.calls].some((f) => !this.cx.intrinsic(f) && !this.cx.funcLabel(f)))
      a.store(8, mem(Reg.rbp, FRAME_SAVED_VMCTX), VMCTX);
    const nDeclared = this.localTypes.length - this.nParams;
    const setFirst = !SKIP_DEAD_ZEROING ? new Set<number>() : facts?.writtenFirst ?? this.setBeforeRead();
    if (nDeclared > 0) {
      // a pinned local's home is written (calls, loop boundaries) before it is ever read
      const zeroed: number[] = [];
      for (let j = 0; j < nDeclared; j++)
        if (!this.stack.pinned.has(this.nParams + j) && !setFirst.has(this.nParams + j)) zeroed.push(j);
      if (zeroed.length <= 16) {
        if (zeroed.length) a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
        for (const j of zeroed) a.store(8, mem(Reg.rbp, -16 - 8 * j), Reg.rax);
      }
      else {
        a.aluRR(Alu.xor, 4, Reg.rax, Reg.rax);
        a.lea(8, Reg.rdi, mem(Reg.rbp, -16 - 8 * (nDeclared - 1)));
        a.movRI(Reg.rcx, nDeclared);
        a.repStosq();
      }
    }
    for (const [i, reg] of this.stack.pinned) {
      const t = this.localTypes[i];
      if (i < this.nParams) {
        // i32 arguments: only the low 4 bytes are defined (registers hold i32 zero-extended)
        if (isFloat(t)) a.movsdLoad(true, reg, this.stack.localAddr(i));
        else a.load(is64(t) ? 8 : 4, reg, this.stack.localAddr(i));
      } else if (setFirst.has(i)) continue;
      else if (isFloat(t)) a.logic(0x57, false, reg, reg);
      else a.aluRR(Alu.xor, 4, reg, reg);
    }
    const funcEnd = a.label();
    this.ctls.push({ kind: 'func', params: [], results: this.type.results, height: 0, target: funcEnd, end: funcEnd, hadElse: false, unreachable: false });
    const code = this.r.bytes;
    while (this.ctls.length) {
      if (this.r.pos >= code.length) this.fail('function body ends before its final end');
      this.opOffset = this.r.pos;
      this.op(this.r.u8());
    }
    // epilogue (endBlock bound funcEnd: results already in their slots)
    this.emitReturnFromSlots();
    // out-of-line trap stubs, then jump tables
    for (const t of this.traps) {
      a.bind(t.label);
      obj.trap(TRAP[t.kind], this.message(t.kind, t.offset));
      a.ud2();
      a.byte(TRAP[t.kind]);
    }
    for (const emit of this.tables) emit();
    if (this.floatConsts.size) {
      a.align(8);
      for (const [bits, l] of this.floatConsts) {
        a.bind(l);
        for (let k = 0n; k < 64n; k += 8n) a.byte(Number((bits >> k) & 0xffn));
      }
    }
    let frame = 8 * (1 + nDeclared + this.stack.maxDepth + this.maxOut);
    frame = Math.ceil(frame / 16) * 16;
    a.patch32(frameFix, frame);
    if (RELAX_JUMPS) obj.relaxText(start);
    obj.functions.push({ name: this.name, offset: start, size: a.pos - start });
  }

  /** At the function's end label: every edge has stored the results at [rbp+16+8i] (deliverReturn). */
  private emitReturnFromSlots(): void {
    const a = this.asm;
    a.movRR(8, Reg.rsp, Reg.rbp);
    a.pop(Reg.rbp);
    a.ret();
  }

  // ---- block types ----------------------------------------------------------------------------
  private blockType(): { params: ValType[]; results: ValType[] } {
    const b = this.r.bytes[this.r.pos];
    if (b === 0x40) {
      this.r.pos++;
      return { params: [], results: [] };
    }
    if (b >= 0x6f && b <= 0x7f) return { params: [], results: [this.r.valType()] };
    const idx = this.r.s32();
    const t = this.m.types[idx];
    if (!t) this.fail(`bad block type ${idx}`);
    return { params: t.params, results: t.results };
  }

  // ---- branches -------------------------------------------------------------------------------
  private ctlAt(depth: number): Ctl {
    const c = this.ctls[this.ctls.length - 1 - depth];
    if (!c) this.fail(`branch depth ${depth} out of range`);
    return c;
  }
  private branchTypes(c: Ctl): ValType[] {
    return c.kind === 'loop' ? c.params : c.results;
  }
  /** Loop rotation: the offset of the `if` ending a loop head made only of straight-line,
   *  side-effect-free instructions (loads may trap: traps are precise either way), or undefined. */
  private rotatableHead(pos: number): number | undefined {
    const p = new Reader(this.r.bytes, pos);
    try {
      for (let n = 0; n < 16; n++) {
        const at = p.pos;
        const op = p.u8();
        if (op === 0x04) return p.u8() === 0x40 && at - pos <= 48 ? at : undefined;
        if (op === 0x20 || op === 0x22 || op === 0x23) p.u32();
        else if (op === 0x41) p.s32();
        else if (op === 0x42) p.s64();
        else if (op >= 0x28 && op <= 0x35) { p.u32(); p.u32(); }
        else if (!((op >= 0x45 && op <= 0x5a) || op === 0x6a || op === 0x6b || op === 0x6c || (op >= 0x71 && op <= 0x78) ||
          op === 0x7c || op === 0x7d || op === 0x7e || (op >= 0x83 && op <= 0x8a) || op === 0xa7 || op === 0xac || op === 0xad)) return undefined;
      }
    } catch {
      return undefined;
    }
    return undefined;
  }
  /** A back edge of a rotated loop: evaluate the head again here and branch to the then-arm, or
   *  to the `if`'s else label when the test fails. */
  private rotatedBackEdge(c: Ctl): void {
    const a = this.asm, s = this.stack, rot = c.rotate!;
    // values above the loop's height are dead (in slots, after the flush): the head goes on top
    const pos = this.r.pos, off = this.opOffset;
    this.r.pos = rot.start;
    while (this.r.pos < rot.end) {
      this.opOffset = this.r.pos;
      this.op(this.r.u8());
    }
    if (this.r.pos !== rot.end) this.fail('internal: rotated loop head overran');
    this.r.pos = pos;
    this.opOffset = off;
    const cond = this.popCondition();
    s.flush();
    a.jcc(cond, rot.body!);
    a.jmp(rot.ifCtl!.elseLabel!);
  }
  /** The back edge of a copy of an unrolled rotated loop (unroll.ts) other than the last: the
   *  head again, a failing test leaves through the `if`'s else label, else the then-arm is
   *  lowered once more from its start (same assignment, stack at the `if`'s height). */
  private unrolledCopy(c: Ctl): void {
    const rot = c.rotate!, u = rot.unroll!, ifCtl = rot.ifCtl!;
    u.left--;
    this.r.pos = rot.start;
    while (this.r.pos < rot.end) {
      this.opOffset = this.r.pos;
      this.op(this.r.u8());
    }
    if (this.r.pos !== rot.end) this.fail('internal: rotated loop head overran');
    const cond = this.popCondition();
    this.stack.flush();
    this.asm.jcc(invertCond(cond), ifCtl.elseLabel!);
    this.stack.resetTo(ifCtl.height, []);
    this.lastTee = undefined;
    this.r.pos = u.bodyStart;
  }
  /** Replicated dispatch: the offset of the `br_table` (at least 4 targets) ending a loop head made
   *  of `block`s without types opened on an empty stack and straight-line instructions (locals,
   *  globals, constants, loads and stores, integer arithmetic), or undefined. Re-evaluating the
   *  head at a back edge is what the jump to the loop's start would do. */
  private dispatchHead(pos: number): number | undefined {
    const p = new Reader(this.r.bytes, pos);
    let depth = 0, ops = 0, bytes = 0;
    try {
      for (;;) {
        const at = p.pos;
        const op = p.u8();
        if (op === 0x02) {
          if (p.u8() !== 0x40 || depth !== 0) return undefined;
          continue;
        }
        if (op === 0x0e) return depth === 1 && p.u32() >= 4 ? at : undefined;
        if (++ops > 24) return undefined;
        if (op === 0x20 || op === 0x23) (p.u32(), depth++);
        else if (op === 0x21 || op === 0x24) (p.u32(), depth--);
        else if (op === 0x22) p.u32();
        else if (op === 0x41) (p.s32(), depth++);
        else if (op === 0x42) (p.s64(), depth++);
        else if (op >= 0x28 && op <= 0x35) (p.u32(), p.u32());
        else if (op >= 0x36 && op <= 0x3e) (p.u32(), p.u32(), depth -= 2);
        else if (op === 0x45 || op === 0x50 || op === 0xa7 || op === 0xac || op === 0xad) { /* unary */ }
        else if ((op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x5a) || op === 0x6a || op === 0x6b || op === 0x6c ||
          (op >= 0x71 && op <= 0x78) || op === 0x7c || op === 0x7d || op === 0x7e || (op >= 0x83 && op <= 0x8a)) depth--;
        else return undefined;
        if (depth < 0) return undefined;
        bytes += p.pos - at;
        if (bytes > 96) return undefined;
      }
    } catch {
      return undefined;
    }
  }
  /** A `br` back edge of a loop with a replicated dispatch: the head again (its `block`s emit
   *  nothing), then the indexed jump through the loop's own table. */
  private dispatchBackEdge(c: Ctl): void {
    const a = this.asm, s = this.stack, d = c.dispatch!;
    // values above the loop's height are dead (in slots, after the flush): the head goes on top
    const pos = this.r.pos, off = this.opOffset;
    this.r.pos = d.start;
    while (this.r.pos < d.end) {
      this.opOffset = this.r.pos;
      const op = this.r.u8();
      if (op === 0x02) this.r.u8();
      else this.op(op);
    }
    if (this.r.pos !== d.end) this.fail('internal: dispatch head overran');
    this.opOffset = d.end;
    const idx = this.popIndex();
    s.flush();
    this.tableJump(d.n!, d.table!, d.dflt!, idx);
    this.r.pos = pos;
    this.opOffset = off;
  }
  /** For `br` to block c: when c's `end` is followed by `br` to a loop with a replicated dispatch
   *  (handlers that leave through a shared block to the back edge), that loop: the branch may
   *  dispatch at once. c must deliver nothing (no results) and stay inside the loop. */
  private dispatchAfter(c: Ctl): Ctl | undefined {
    if (c.kind !== 'block' || c.results.length || c.resultReg !== undefined) return undefined;
    const k = this.ctls.indexOf(c);
    if (c.endPos === undefined) {
      // scan ahead from here over the rest of every open construct up to c's end
      c.endPos = -1;
      const p = new Reader(this.r.bytes, this.r.pos);
      let levels = this.ctls.length - k, nest = 0;
      try {
        while (p.pos < this.r.bytes.length && p.pos - this.r.pos < 0x10000) {
          const op = p.u8();
          if (op === 0x02 || op === 0x03 || op === 0x04) (this.skipBlockType(p), nest++);
          else if (op === 0x0b) {
            if (nest > 0) nest--;
            else if (--levels === 0) {
              c.endPos = p.pos;
              break;
            }
          } else this.skipImmediates(op, p);
        }
      } catch {
        c.endPos = -1;
      }
    }
    if (c.endPos < 0 || this.r.bytes[c.endPos] !== 0x0c) return undefined;
    let depth: number;
    try {
      depth = new Reader(this.r.bytes, c.endPos + 1).u32();
    } catch {
      return undefined;
    }
    const loop = this.ctls[k - 1 - depth];
    return loop?.kind === 'loop' && loop.dispatch?.table && loop.pinnedAt === c.pinnedAt ? loop : undefined;
  }
  /** Pops a jump-table index: a pinned local's own register (a zero-extended i32 that flushing
   *  does not change), else the value moved into rcx. */
  private popIndex(): Reg {
    const s = this.stack, v = s.peek();
    const pr = v.loc.k === 'local' ? s.pinned.get(v.loc.i) : undefined;
    if (pr === undefined) {
      s.popIntoClaimed(Reg.rcx);
      return Reg.rcx;
    }
    s.pop();
    return pr;
  }
  /** idx (a zero-extended i32, not rax/rdx) < n ? jump through the 32-bit offsets at `table` :
   *  jump to dflt. */
  private tableJump(n: number, table: Label, dflt: Label, idx: Reg): void {
    const a = this.asm;
    this.stack.claim(Reg.rdx);
    a.aluRI(Alu.cmp, 4, idx, n);
    a.jcc(Cond.AE, dflt);
    a.leaLabel(Reg.rax, table);
    a.load(4, Reg.rdx, mem(Reg.rax, 0, idx, 4), true);
    a.aluRR(Alu.add, 8, Reg.rax, Reg.rdx);
    a.jmpR(Reg.rax);
  }
  /** At a loop (stack flushed): switch to its own pinned locals (top-level loops only when
   *  NESTED_LOOP_REGIONS is off). */
  private enterRegion(c: Ctl): void {
    const w = this.loopWeights.get(this.opOffset);
    if (!w || (!NESTED_LOOP_REGIONS && this.ctls.some((k) => k.kind === 'loop'))) return;
    const outer = this.assign;
    let inner = assignPinned(w, this.localTypes, this.stack.reserved, outer);
    if (inner.size === outer.size && [...inner].every(([i, r]) => outer.get(i) === r)) inner = outer;
    if (inner === outer) return;
    this.movePinned(outer, inner);
    this.setAssign(inner);
    // locals loaded here that the loop never writes keep their frame homes current
    const written = this.loopWrites.get(this.opOffset);
    const clean = new Set([...inner.keys()].filter((i) => outer.get(i) !== inner.get(i) && !written?.has(i)));
    c.region = { outer, inner, clean };
  }
  private setAssign(m: Map<number, number>): void {
    this.assign = m;
    this.stack.setPinned(m);
  }
  /** Moves pinned locals between assignments through their frame homes (only `mov`s). */
  private movePinned(from: Map<number, number>, to: Map<number, number>, clean?: Set<number>): void {
    const a = this.asm, s = this.stack;
    this.cleanBinds = -1;
    for (const [i, r] of from) {
      if (to.get(i) === r || clean?.has(i)) continue;
      if (isFloat(this.localTypes[i])) a.movsdStore(true, s.localAddr(i), r);
      else a.store(8, s.localAddr(i), r);
    }
    for (const [i, r] of to) {
      if (from.get(i) === r) continue;
      const t = this.localTypes[i];
      if (isFloat(t)) a.movsdLoad(true, r, s.localAddr(i));
      else a.load(is64(t) ? 8 : 4, r, s.localAddr(i));
    }
  }
  /** Does a branch to c land where other locals are pinned (it leaves a loop region)? (Branches
   *  to the function's end need nothing: pinned locals are dead there.) */
  private isExit(c: Ctl): boolean {
    return c !== this.ctls[0] && c.pinnedAt !== undefined && c.pinnedAt !== this.assign;
  }
  private emitExit(c: Ctl): void {
    if (this.isExit(c)) this.movePinned(this.assign, c.pinnedAt!, this.innermostRegion()?.clean);
  }
  /** The region of the innermost open loop that has one (its assignment is the current one). */
  private innermostRegion(): Ctl['region'] {
    for (let k = this.ctls.length - 1; k >= 0; k--) if (this.ctls[k].region) return this.ctls[k].region;
    return undefined;
  }
  /** Emits code that runs where c's branch lands (a back edge's head) under c's assignment. */
  private underAssign(c: Ctl, emit: () => void): void {
    if (!this.isExit(c)) return emit();
    const here = this.assign;
    this.setAssign(c.pinnedAt!);
    emit();
    this.setAssign(here);
  }
  /** Stores the function's results (the top values) in the result area [rbp+16+8i] for a branch
   *  that leaves the function. One result goes straight from where it lives (the values below it
   *  are dead); several go through their slots, so that none still reads a parameter's home
   *  (the same words) after an earlier result overwrote it. */
  private deliverReturn(): void {
    const s = this.stack, n = this.type.results.length;
    if (n > 1) s.flush();
    for (let i = 0; i < n; i++) s.storeTo(s.length - n + i, mem(Reg.rbp, argOffset(i)));
  }
  private reserveResult(c: Ctl): void {
    if (c.params.length === 0 && c.results.length === 1) c.resultReg = this.stack.reserve(c.results[0]);
  }
  /** For a target with a result register: moves the top value there (popping it unless `keep`);
   *  returns false for other targets. Only `mov`s: fused-compare flags survive. */
  private deliverResult(c: Ctl, keep: boolean): boolean {
    if (c.resultReg === undefined) return false;
    const s = this.stack;
    if (keep) s.load(s.peek(), c.resultReg);
    else {
      const v = s.pop();
      s.load(v, c.resultReg);
      s.free(v);
    }
    return true;
  }
  /** With the stack flushed: move the branch values to the target's slots (or result register). Uses rax. */
  private moveBranchValues(c: Ctl): void {
    if (c === this.ctls[0]) return this.deliverReturn();
    if (c.resultReg !== undefined) this.stack.load(this.stack.peek(), c.resultReg);
    else {
      const n = this.branchTypes(c).length;
      const from = this.stack.length - n;
      if (from !== c.height) {
        for (let i = 0; i < n; i++) {
          this.asm.load(8, Reg.rax, this.stack.slotAddr(from + i));
          this.asm.store(8, this.stack.slotAddr(c.height + i), Reg.rax);
        }
      }
    }
    this.emitExit(c);
  }
  /** About to emit `jmp target` with no code since the last labels were bound: jumps to those
   *  labels may go to target directly. */
  private threadHere(target: Label): void {
    for (const l of this.asm.labelsHere()) this.asm.redirect(l, target);
  }
  private needsMove(c: Ctl): boolean {
    if (c === this.ctls[0]) return this.type.results.length > 0;
    if (c.resultReg !== undefined || this.isExit(c)) return true;
    const n = this.branchTypes(c).length;
    return n > 0 && this.stack.length - n !== c.height;
  }
  private markUnreachable(): void {
    const c = this.ctls[this.ctls.length - 1];
    this.stack.resetTo(c.height, []);
    c.unreachable = true;
  }
  /** Pops an i32 condition and returns the condition code meaning "true". */
  private popCondition(): Cond {
    if (this.pendingCond !== null) {
      const c = this.pendingCond;
      this.pendingCond = null;
      this.stack.pop();
      return c;
    }
    const v = this.stack.pop();
    if (v.loc.k === 'reg') {
      this.asm.testZf(v.loc.r); // the result is used as ZF only: Cond.NE or its inverse
      this.stack.free(v);
    } else if (v.loc.k === 'const') {
      this.asm.aluRR(Alu.xor, 4, Reg.rax, Reg.rax); // sets ZF=1
      if (BigInt.asUintN(32, v.loc.bits) !== 0n) this.asm.aluRI(Alu.cmp, 4, Reg.rax, 1); // ZF=0
    } else {
      const pr = v.loc.k === 'local' ? this.stack.pinned.get(v.loc.i) : undefined;
      if (pr !== undefined) this.asm.testZf(pr);
      else {
        this.stack.load(v, Reg.rax);
        this.asm.testRR(4, Reg.rax, Reg.rax);
      }
    }
    return Cond.NE;
  }
  /** Peek: is the next opcode one that consumes a condition (br_if / if)? */
  private nextConsumesFlags(): boolean {
    const b = this.r.bytes[this.r.pos];
    return b === 0x0d || b === 0x04;
  }

  // ---- the instruction switch ------------------------------------------------------------------
  private op(op: number): void {
    const a = this.asm, s = this.stack, r = this.r;
    s.releaseClaims(); // rcx/rdx claimed as fixed operands by the previous instruction
    const top = this.ctls[this.ctls.length - 1];
    if (top.unreachable) {
      this.deadOp(op);
      return;
    }
    if (this.pendingCond !== null && op !== 0x0d && op !== 0x04) this.fail('internal: pending condition not consumed');
    if ((op === 0x71 || op === 0x72) && this.trySplit(op)) return;
    switch (op) {
      case 0x00: // unreachable
        a.jmp(this.trapLabel('unreachable'));
        this.markUnreachable();
        return;
      case 0x01:
        return;
      case 0x02: case 0x03: { // block, loop
        const bt = this.blockType();
        s.flush();
        const c: Ctl = { kind: op === 0x02 ? 'block' : 'loop', ...bt, height: s.length - bt.params.length, target: a.label(), end: a.label(), hadElse: false, unreachable: false };
        if (op === 0x03) {
          this.enterRegion(c);
          if (!bt.params.length && !bt.results.length) {
            const end = this.rotatableHead(r.pos);
            if (end !== undefined) c.rotate = { start: r.pos, end };
            else {
              const head = this.dispatchHead(r.pos);
              if (head !== undefined) c.dispatch = { start: r.pos, end: head };
            }
          }
          c.target = a.label();
          if (!c.rotate) a.alignNops(LOOP_ALIGN);
          a.bind(c.target);
        } else {
          c.target = c.end;
          this.reserveResult(c);
        }
        c.pinnedAt = this.assign;
        this.ctls.push(c);
        return;
      }
      case 0x04: { // if
        const bt = this.blockType();
        const cond = this.popCondition();
        s.flush();
        const split = this.split;
        this.split = undefined;
        const c: Ctl = { kind: 'if', ...bt, height: s.length - bt.params.length, target: a.label(), end: a.label(), elseLabel: split?.onFalse ?? a.label(), hadElse: false, unreachable: false };
        c.target = c.end;
        a.jcc(invertCond(cond), c.elseLabel!);
        if (split?.onTrue) a.bind(split.onTrue);
        if (top.rotate?.end === this.opOffset && !bt.params.length && !bt.results.length) {
          top.rotate.body = a.label();
          a.alignNops(LOOP_ALIGN);
          a.bind(top.rotate.body);
          top.rotate.ifCtl = c;
          top.rotate.unroll = planUnroll(r.bytes, r.pos, top.rotate.end - top.rotate.start);
        }
        this.reserveResult(c);
        c.pinnedAt = this.assign;
        this.ctls.push(c);
        return;
      }
      case 0x05: { // else
        if (top.kind !== 'if') this.fail('else without if');
        this.deliverResult(top, false);
        s.flush();
        a.jmp(top.end);
        a.bind(top.elseLabel!);
        top.hadElse = true;
        s.resetTo(top.height, top.params);
        return;
      }
      case 0x0b: { // end
        if (top.kind === 'func') {
          this.deliverReturn();
          this.endBlock(top);
          return;
        }
        this.deliverResult(top, false);
        s.flush();
        this.endBlock(top);
        return;
      }
      case 0x0c: { // br
        const c = this.ctlAt(r.u32());
        if (c === this.ctls[0]) {
          this.deliverReturn();
          a.jmp(c.target);
          this.markUnreachable();
          return;
        }
        const delivered = this.deliverResult(c, false);
        s.flush();
        if (!delivered) this.moveBranchValues(c);
        else this.emitExit(c);
        if (c.rotate?.unroll?.left && c.rotate.unroll.brPos === this.opOffset && !this.isExit(c)) return this.unrolledCopy(c);
        const via = c.dispatch?.table ? c : this.dispatchAfter(c);
        if (c.rotate?.body) this.underAssign(c, () => this.rotatedBackEdge(c));
        else if (via) this.underAssign(via, () => this.dispatchBackEdge(via));
        else {
          this.threadHere(c.target);
          a.jmp(c.target);
        }
        this.markUnreachable();
        return;
      }
      case 0x0d: { // br_if
        const c = this.ctlAt(r.u32());
        const cond = this.popCondition();
        const onFalse = this.split?.onFalse;
        this.split = undefined;
        if (c === this.ctls[0]) {
          // a conditional return: results go to the result area on the taken path only
          if (this.type.results.length > 1) s.flush();
          const skip = a.label();
          a.jcc(invertCond(cond), skip);
          this.deliverReturn();
          a.jmp(c.target);
          a.bind(skip);
          if (onFalse) a.bind(onFalse);
          return;
        }
        // a result register is dead until the block's end: fill it whether or not we branch
        const delivered = this.deliverResult(c, true);
        s.flush();
        if (!this.isExit(c) && (delivered || !this.needsMove(c))) a.jcc(cond, c.target);
        else {
          const skip = a.label();
          a.jcc(invertCond(cond), skip);
          if (delivered) this.emitExit(c);
          else this.moveBranchValues(c);
          a.jmp(c.target);
          a.bind(skip);
        }
        if (onFalse) a.bind(onFalse);
        return;
      }
      case 0x0e: { // br_table
        const n = r.u32();
        const targets: number[] = [];
        for (let i = 0; i < n; i++) targets.push(r.u32());
        const def = r.u32();
        const idx = n >= 4 ? this.popIndex() : (s.popIntoClaimed(Reg.rcx), Reg.rcx);
        s.flush();
        if (n >= 4) {
          // jump table of 32-bit offsets from the table start; targets needing value moves get stubs
          const table = a.label(), dflt = a.label();
          const entries = targets.map((d) => (this.needsMove(this.ctlAt(d)) ? { d, stub: a.label() } : { d, stub: undefined }));
          this.tableJump(n, table, dflt, idx);
          // the head of a loop with a replicated dispatch: its back edges reuse this table
          for (let k = this.ctls.length - 1; k >= 0; k--) {
            const loop = this.ctls[k];
            if (loop.kind !== 'loop') continue;
            if (loop.dispatch?.end === this.opOffset) Object.assign(loop.dispatch, { n, table, dflt });
            break;
          }
          // the table goes after the function's code, out of the instruction stream
          const tableTargets = entries.map((e) => e.stub ?? this.ctlAt(e.d).target);
          this.tables.push(() => {
            a.align(4);
            a.bind(table);
            for (const t of tableTargets) a.labelDiff32(t, table);
          });
          const stubbed = new Map<Label, number>();
          for (const e of entries) if (e.stub && !stubbed.has(e.stub)) stubbed.set(e.stub, e.d);
          for (const [stub, d] of stubbed) {
            a.bind(stub);
            const c = this.ctlAt(d);
            this.moveBranchValues(c);
            a.jmp(c.target);
          }
          a.bind(dflt);
          const dc = this.ctlAt(def);
          this.moveBranchValues(dc);
          a.jmp(dc.target);
          this.markUnreachable();
          return;
        }
        for (let i = 0; i < n; i++) {
          const c = this.ctlAt(targets[i]);
          const next = a.label();
          a.aluRI(Alu.cmp, 4, Reg.rcx, i | 0);
          if (!this.needsMove(c)) a.jcc(Cond.E, c.target);
          else {
            a.jcc(Cond.NE, next);
            this.moveBranchValues(c);
            a.jmp(c.target);
          }
          a.bind(next);
        }
        const dc = this.ctlAt(def);
        this.moveBranchValues(dc);
        a.jmp(dc.target);
        this.markUnreachable();
        return;
      }
      case 0x0f: { // return
        this.deliverReturn();
        a.jmp(this.ctls[0].target);
        this.markUnreachable();
        return;
      }
      case 0x10: return this.call(r.u32());
      case 0x11: {
        const typeIndex = r.u32();
        const tableIndex = r.u32();
        return this.callIndirect(typeIndex, tableIndex);
      }
      case 0x1a: { // drop
        s.free(s.pop());
        return;
      }
      case 0x1b: return this.select();
      case 0x1c: {
        const n = r.u32();
        for (let i = 0; i < n; i++) r.valType();
        return this.select();
      }
      case 0x20: {
        const i = r.u32();
        s.push({ t: this.localTypes[i], loc: { k: 'local', i } });
        return;
      }
      case 0x21: case 0x22: return this.setLocal(r.u32(), op === 0x22);
      case 0x23: {
        const g = r.u32();
        const t = this.globalType(g);
        const dst = s.alloc(t); // before the cell address: a spill may use rax
        const cell = this.globalCell(g);
        if (isFloat(t)) a.movsdLoad(t === 'f64', dst, cell);
        else a.load(is64(t) ? 8 : 4, dst, cell);
        s.pushReg(t, dst);
        return;
      }
      case 0x24: {
        const g = r.u32();
        const t = this.globalType(g);
        const v = s.popForRead();
        const cell = this.globalCell(g);
        if (isFloat(t)) a.movsdStore(t === 'f64', cell, v.r);
        else a.store(is64(t) ? 8 : 4, cell, v.r);
        if (v.owned) s.freeReg(t, v.r);
        return;
      }
      case 0x3f: { // memory.size
        r.u8();
        a.load(8, Reg.rax, mem(VMCTX, VM_MEMDESC));
        const dst = s.allocGpr();
        a.load(4, dst, mem(Reg.rax, MEM_PAGES));
        s.pushReg('i32', dst);
        return;
      }
      case 0x40: { // memory.grow
        r.u8();
        s.flush();
        s.popInto(Reg.rdi);
        a.movRSym(Reg.rax, this.cx.memoryGrowSymbol); // absolute: the runtime may be far away
        this.savePinned();
        a.callR(Reg.rax);
        this.restorePinned();
        const dst = s.allocGpr();
        a.movRR(4, dst, Reg.rax);
        s.pushReg('i32', dst);
        return;
      }
      case 0x41: s.push({ t: 'i32', loc: { k: 'const', bits: BigInt.asUintN(32, BigInt(r.s32())) } }); return;
      case 0x42: s.push({ t: 'i64', loc: { k: 'const', bits: BigInt.asUintN(64, r.s64()) } }); return;
      case 0x43: s.push({ t: 'f32', loc: { k: 'const', bits: BigInt(r.f32bits()) } }); return;
      case 0x44: s.push({ t: 'f64', loc: { k: 'const', bits: r.f64bits() } }); return;
      case 0xd0: { // ref.null
        const t = r.valType();
        s.push({ t, loc: { k: 'const', bits: 0n } });
        return;
      }
      case 0xd1: { // ref.is_null
        const { r: x } = s.popReg();
        a.testRR(8, x, x);
        a.setcc(Cond.E, x);
        a.movzx8(x, x);
        s.pushReg('i32', x);
        return;
      }
      case 0xd2: { // ref.func
        const f = r.u32();
        const dst = s.allocGpr();
        a.movRSym(dst, this.cx.funcRefSymbol(f));
        s.pushReg('funcref', dst);
        return;
      }
      case 0x25: { // table.get
        const t = r.u32();
        const { r: idx } = s.popReg();
        this.tableEntryAddress(t, idx);
        a.load(8, idx, mem(Reg.rax, 0, idx, 8));
        s.pushReg(this.tableType(t), idx);
        return;
      }
      case 0x26: { // table.set
        const t = r.u32();
        const v = s.popReg();
        const { r: idx } = s.popReg();
        this.tableEntryAddress(t, idx);
        a.store(8, mem(Reg.rax, 0, idx, 8), v.r);
        s.freeReg('i32', idx);
        s.freeReg(v.v.t, v.r);
        return;
      }
      case 0xfc: return this.prefixFC(r.u32());
    }
    if (op >= 0x28 && op <= 0x3e) return this.memoryOp(op);
    if (op >= 0x45 && op <= 0xc4) return this.numeric(op);
    this.fail(`unsupported opcode 0x${op.toString(16)}`);
  }

  /** Skipping dead code after an unconditional branch: only structure matters. */
  private deadOp(op: number): void {
    const top = this.ctls[this.ctls.length - 1];
    switch (op) {
      case 0x02: case 0x03: case 0x04:
        this.blockType();
        this.deadDepth++;
        return;
      case 0x05:
        if (this.deadDepth === 0) {
          if (top.kind !== 'if') this.fail('else without if');
          top.unreachable = false;
          this.asm.bind(top.elseLabel!);
          top.hadElse = true;
          this.stack.resetTo(top.height, top.params);
        }
        return;
      case 0x0b:
        if (this.deadDepth > 0) this.deadDepth--;
        else this.endBlock(top);
        return;
    }
    this.skipImmediates(op);
  }

  private endBlock(c: Ctl): void {
    const a = this.asm;
    if (c.region && !c.unreachable) this.movePinned(c.region.inner, c.region.outer, c.region.clean);
    this.ctls.pop();
    if (c.kind === 'if' && !c.hadElse) a.bind(c.elseLabel!);
    a.bind(c.end);
    if (c.resultReg !== undefined) {
      this.stack.resetTo(c.height, []);
      this.stack.unreserve(c.results[0], c.resultReg);
      this.stack.pushReg(c.results[0], c.resultReg); // the value now owns the register
    } else this.stack.resetTo(c.height, c.results);
    if (c.region) this.setAssign(c.region.outer);
  }

  private skipImmediates(op: number, r: Reader = this.r): void {
    if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x24) || op === 0x25 || op === 0x26 || op === 0xd2) r.u32();
    else if (op === 0x0e) { const n = r.u32(); for (let i = 0; i <= n; i++) r.u32(); }
    else if (op === 0x11) { r.u32(); r.u32(); }
    else if (op === 0x1c) { const n = r.u32(); for (let i = 0; i < n; i++) r.valType(); }
    else if (op >= 0x28 && op <= 0x3e) { r.u32(); r.u32(); }
    else if (op === 0x3f || op === 0x40) r.u8();
    else if (op === 0x41) r.s32();
    else if (op === 0x42) r.s64();
    else if (op === 0x43) r.pos += 4;
    else if (op === 0x44) r.pos += 8;
    else if (op === 0xd0) r.u8();
    else if (op === 0xfc) {
      const sub = r.u32();
      if (sub === 8) { r.u32(); r.u8(); }
      else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) r.u32();
      else if (sub === 10) { r.u8(); r.u8(); }
      else if (sub === 11) r.u8();
      else if (sub === 12 || sub === 14) { r.u32(); r.u32(); }
    }
  }

  // ---- locals, globals, select -------------------------------------------------------------------
  private setLocal(i: number, tee: boolean): void {
    const a = this.asm, s = this.stack;
    this.clean.delete(i); // in-place updates of a pinned local (pinnedOperand) end here too
    const t = this.localTypes[i];
    if (!tee && !s.pinned.has(i) && this.r.bytes[this.r.pos] === 0x20) {
      // `local.set i; local.get i` of a local in the frame is a tee: no reload of what was stored
      const p = new Reader(this.r.bytes, this.r.pos + 1);
      try {
        if (p.u32() === i) {
          this.r.pos = p.pos;
          tee = true;
        }
      } catch { /* malformed: the main loop reports it */ }
    }
    const v = s.pop(); // consumed: only the values below need their lazy reads of i materialised
    s.materializeLocal(i);
    const dst = s.localAddr(i);
    if (v.loc.k === 'local' && v.loc.i === i) {
      if (tee) s.push(v);
      return;
    }
    const pr = s.pinned.get(i);
    if (pr !== undefined) {
      if (v.loc.k === 'reg') {
        if (isFloat(t)) a.movaps(pr, v.loc.r);
        else a.movRR(8, pr, v.loc.r);
        // a tee keeps the value in its register too: the next operation (usually its only
        // reader) may then update that register in place instead of copying the local first
        if (tee) (s.push(v), (this.lastTee = { v, i, end: this.r.pos }));
        else s.free(v);
        return;
      } else {
        s.load(v, pr);
        s.free(v);
      }
      if (tee) s.push({ t, loc: { k: 'local', i } });
      return;
    }
    if (v.loc.k === 'const' && !isFloat(t)) {
      const bits = is64(t) ? BigInt.asIntN(64, v.loc.bits) : BigInt.asIntN(32, v.loc.bits);
      if (bits >= -0x80000000n && bits <= 0x7fffffffn) {
        a.storeImm(is64(t) ? 8 : 4, dst, Number(bits));
        if (tee) s.push(v);
        return;
      }
    }
    if (v.loc.k === 'reg') {
      if (isFloat(t)) a.movsdStore(true, dst, v.loc.r);
      else {
        a.store(8, dst, v.loc.r);
        s.noteStored(i, v.loc.r);
      }
      if (tee) (s.push(v), (this.lastTee = { v, i, end: this.r.pos }));
      else s.free(v);
      return;
    }
    const from = v.loc.k === 'local' ? s.pinned.get(v.loc.i) : undefined;
    if (from !== undefined) {
      // a pinned local's value: stored straight from its register (`f = e` of sha256's rounds)
      if (isFloat(t)) a.movsdStore(true, dst, from);
      else a.store(8, dst, from);
      if (tee) s.push({ t, loc: { k: 'local', i } });
      return;
    }
    s.load(v, isFloat(t) ? XMM_SCRATCH : Reg.rax);
    if (isFloat(t)) a.movsdStore(true, dst, XMM_SCRATCH);
    else a.store(8, dst, Reg.rax);
    if (tee) s.push(v.loc.k === 'const' ? v : { t, loc: { k: 'local', i } });
  }

  /** The cell of global g: defined globals live in the vmctx; imported ones behind a pointer
   *  (loaded into rax). */
  private globalCell(g: number): Mem {
    if (g >= this.m.numImportedGlobals) return mem(VMCTX, this.cx.layout.globalCell(g - this.m.numImportedGlobals));
    this.asm.load(8, Reg.rax, mem(VMCTX, this.cx.layout.globalPtr(g)));
    return mem(Reg.rax);
  }

  private globalType(g: number): ValType {
    if (g < this.m.numImportedGlobals) {
      let k = 0;
      for (const imp of this.m.imports) if (imp.desc.kind === 'global' && k++ === g) return imp.desc.type;
    }
    const def = this.m.globals[g - this.m.numImportedGlobals];
    if (!def) this.fail(`global ${g} out of range`);
    return def.type;
  }

  private select(): void {
    const a = this.asm, s = this.stack;
    // a comparison just materialised: its flags select (cc: the first operand), not a test of it
    const ls = this.lastSet, top = s.peek();
    let cc = Cond.NE;
    if (ls && ls.end === a.pos && ls.binds === a.binds && top?.t === 'i32' && top.loc.k === 'reg' && top.loc.r === ls.r) {
      s.free(s.pop());
      a.rewind(ls.at);
      cc = ls.cc;
    } else {
      const cond = s.popReg();
      a.testRR(4, cond.r, cond.r);
      s.freeReg('i32', cond.r);
    }
    this.lastSet = undefined;
    // flags must survive loading b and a: loads are movs (constants of floats use movq, also flag-free)
    const b = s.popOperand();
    const av = s.popReg();
    const t = av.v.t;
    if (isFloat(t)) {
      const skip = a.label();
      a.jcc(cc, skip);
      if (typeof b.op === 'number') a.movaps(av.r, b.op);
      else if (typeof b.op === 'bigint') s.load(b.v, av.r);
      else a.movsdLoad(t === 'f64', av.r, b.op);
      a.bind(skip);
    } else {
      let src: number | Mem;
      if (typeof b.op === 'bigint') {
        a.movRI(Reg.rax, b.op);
        src = Reg.rax;
      } else src = b.op;
      a.cmov(invertCond(cc), is64(t) ? 8 : 4, av.r, src);
    }
    s.release(b);
    s.pushReg(t, av.r);
  }

  // ---- calls ----------------------------------------------------------------------------------
  /** Spills everything below the top `n` values (the arguments) and stores the arguments
   *  straight into the outgoing area [rsp+8i]. */
  private outgoing(ft: FuncType): void {
    const s = this.stack;
    const n = ft.params.length;
    this.maxOut = Math.max(this.maxOut, n, ft.results.length);
    const base = s.length - n;
    s.flushBelow(base);
    for (let i = 0; i < n; i++) s.storeTo(base + i, mem(Reg.rsp, 8 * i));
    s.resetTo(base, []);
  }
  /** Results come back in [rsp+8i]: load them into registers. */
  private incoming(ft: FuncType): void {
    const s = this.stack, a = this.asm;
    for (let i = 0; i < ft.results.length; i++) {
      const t = ft.results[i];
      const r = s.alloc(t);
      if (isFloat(t)) a.movsdLoad(t === 'f64', r, mem(Reg.rsp, 8 * i));
      else a.load(is64(t) ? 8 : 4, r, mem(Reg.rsp, 8 * i));
      s.pushReg(t, r);
    }
  }
  private funcType(index: number): FuncType {
    if (index < this.m.numImportedFuncs) {
      let k = 0;
      for (const imp of this.m.imports) if (imp.desc.kind === 'func' && k++ === index) return this.m.types[imp.desc.typeIndex];
    }
    const t = this.m.types[this.m.funcs[index - this.m.numImportedFuncs]];
    if (!t) this.fail(`function ${index} out of range`);
    return t;
  }
  private call(index: number): void {
    const a = this.asm, s = this.stack;
    const ft = this.funcType(index);
    const intr = this.cx.intrinsic(index);
    if (intr) return this.callIntrinsic(intr, ft);
    this.savePinned();
    this.outgoing(ft);
    const label = this.cx.funcLabel(index);
    if (label) a.call(label);
    else {
      const off = this.cx.layout.importFunc(index);
      a.load(8, Reg.rax, mem(VMCTX, off));
      a.load(8, VMCTX, mem(VMCTX, off + 8));
      a.load(8, MEMBASE, mem(VMCTX, VM_MEMBASE));
      a.callR(Reg.rax);
      a.load(8, VMCTX, mem(Reg.rbp, FRAME_SAVED_VMCTX));
      a.load(8, MEMBASE, mem(VMCTX, VM_MEMBASE));
    }
    this.restorePinned();
    this.incoming(ft);
  }
  private callIndirect(typeIndex: number, tableIndex: number): void {
    const a = this.asm, s = this.stack;
    const ft = this.m.types[typeIndex];
    if (!ft) this.fail(`type ${typeIndex} out of range`);
    s.popIntoClaimed(Reg.rdx);
    this.savePinned();
    this.outgoing(ft);
    a.load(8, Reg.rax, mem(VMCTX, this.cx.layout.tablePtr(tableIndex)));
    a.aluRM(Alu.cmp, 8, Reg.rdx, mem(Reg.rax, TBL_SIZE));
    this.trapIf(Cond.AE, 'undefinedElement');
    a.load(8, Reg.rax, mem(Reg.rax, TBL_ELEMS));
    a.load(8, Reg.rdx, mem(Reg.rax, 0, Reg.rdx, 8));
    a.testRR(8, Reg.rdx, Reg.rdx);
    this.trapIf(Cond.E, 'uninitializedElement');
    a.aluRI(Alu.cmp, 8, mem(Reg.rdx, ENT_TYPE), this.cx.types.idOf(ft));
    this.trapIf(Cond.NE, 'indirectTypeMismatch');
    a.load(8, VMCTX, mem(Reg.rdx, ENT_VMCTX));
    a.load(8, MEMBASE, mem(VMCTX, VM_MEMBASE));
    a.callR(mem(Reg.rdx, ENT_CODE));
    a.load(8, VMCTX, mem(Reg.rbp, FRAME_SAVED_VMCTX));
    a.load(8, MEMBASE, mem(VMCTX, VM_MEMBASE));
    this.restorePinned();
    this.incoming(ft);
  }
  private callIntrinsic(intr: Intrinsic, ft: FuncType): void {
    const a = this.asm, s = this.stack;
    s.flush();
    this.savePinned(); // before the argument registers are loaded: r9/r10/r11 may be homes
    const n = ft.params.length;
    // integer arguments 7..9 (WASI path_open has 9) go in r10, r11, rax: free here after savePinned
    const gprArgs = [Reg.rdi, Reg.rsi, Reg.rdx, Reg.rcx, Reg.r8, Reg.r9, Reg.r10, Reg.r11, Reg.rax];
    const nInt = ft.params.filter((t) => !isFloat(t)).length;
    if (nInt > gprArgs.length || n - nInt > 8) this.fail(`intrinsic with ${nInt} integer and ${n - nInt} float arguments (at most ${gprArgs.length} and 8)`);
    let gi = 0, xi = 0;
    for (let i = 0; i < n; i++) {
      const t = ft.params[i];
      const src = s.slotAddr(s.length - n + i);
      if (isFloat(t)) a.movsdLoad(t === 'f64', xi++, src);
      else a.load(is64(t) ? 8 : 4, gprArgs[gi++], src);
    }
    s.resetTo(s.length - n, []);
    const ctx: IntrinsicContext = {
      asm: a,
      obj: this.cx.obj,
      trapLabel: (kind) => this.trapLabel(kind),
      trapIf: (c, kind) => this.trapIf(c, kind),
    };
    intr.emit(ctx);
    this.restorePinned();
    if (ft.results.length > 1) this.fail('intrinsics return at most one value');
    if (ft.results.length === 1) {
      const t = ft.results[0];
      const dst = s.alloc(t);
      if (isFloat(t)) a.movaps(dst, 0);
      else a.movRR(is64(t) ? 8 : 4, dst, Reg.rax);
      s.pushReg(t, dst);
    }
  }

  // ---- memory -----------------------------------------------------------------------------------
  /** Pops an i32 address and returns the operand [r14 + addr + offset] plus the register to free. */
  private address(offset: number): { m: Mem; reg?: number } {
    const a = this.asm, s = this.stack;
    const v = s.peek();
    if (v.loc.k === 'const') {
      s.pop();
      const ea = Number(BigInt.asUintN(32, v.loc.bits)) + offset;
      if (ea <= 0x7fffffff) return { m: mem(MEMBASE, ea) };
      a.movRI(Reg.rax, ea);
      return { m: mem(MEMBASE, 0, Reg.rax) };
    }
    const { r, owned } = s.popForRead();
    const reg = owned ? r : undefined;
    if (offset <= 0x7fffffff) return { m: mem(MEMBASE, offset, r), reg };
    a.movRI(Reg.rax, offset);
    a.aluRR(Alu.add, 8, Reg.rax, r);
    return { m: mem(MEMBASE, 0, Reg.rax), reg };
  }
  private memoryOp(op: number): void {
    const a = this.asm, s = this.stack, r = this.r;
    r.u32(); // alignment hint
    const offset = r.u32();
    if (op <= 0x35) {
      // loads
      const [t, size, signed] = LOADS[op];
      if (this.foldLoad(op, t, offset)) return;
      const tgt = this.pinnedSetNext(t) ?? this.pinnedTeeNext(t);
      const { m, reg } = this.address(offset);
      if (tgt) {
        // `local.set` (or `local.tee`) of a pinned local next: load straight into its register
        s.materializeLocal(tgt.i);
        this.memSite();
        if (isFloat(t)) a.movsdLoad(t === 'f64', tgt.r, m);
        else a.load(size, tgt.r, m, signed, t === 'i64' ? 8 : 4);
        if (reg !== undefined) s.freeReg('i32', reg);
        this.consumeSet(tgt);
        if ('tee' in tgt) s.push({ t, loc: { k: 'local', i: tgt.i } }); // the tee's value: a read of the local
        return;
      }
      if (t === 'i32' && this.nextConsumesFlags()) {
        // a loaded i32 tested by br_if/if: compare it in memory with 0 (its extension to 32
        // bits is zero exactly when the loaded bits are)
        this.memSite();
        a.cmpMI8(size, m, 0);
        if (reg !== undefined) s.freeReg('i32', reg);
        s.push({ t: 'i32', loc: { k: 'const', bits: 0n } }); // placeholder, see condResult
        this.pendingCond = Cond.NE;
        return;
      }
      if (isFloat(t)) {
        const x = s.allocXmm();
        this.memSite();
        a.movsdLoad(t === 'f64', x, m);
        if (reg !== undefined) s.freeReg('i32', reg);
        s.pushReg(t, x);
      } else {
        // a shift next takes this value as its count: load it into rcx when free
        const next = this.r.bytes[this.r.pos];
        const isCount = (next >= 0x74 && next <= 0x78) || (next >= 0x86 && next <= 0x8a);
        const dst = (isCount && reg !== Reg.rcx ? s.tryAllocGpr(Reg.rcx) : undefined) ?? reg ?? s.allocGpr();
        if (reg !== undefined && dst !== reg) s.freeReg('i32', reg);
        this.memSite();
        a.load(size, dst, m, signed, t === 'i64' ? 8 : 4);
        s.pushReg(t, dst);
      }
      return;
    }
    // stores
    const [t, size] = STORES[op];
    const v = s.pop();
    let imm: number | undefined;
    let src: number | undefined;
    if (v.loc.k === 'const' && !isFloat(t)) {
      const bits = BigInt.asIntN(64, v.loc.bits);
      const trunc = size === 8 ? bits : BigInt.asIntN(size * 8, bits);
      if (trunc >= -0x80000000n && trunc <= 0x7fffffffn) imm = Number(trunc);
    }
    let owned = true;
    if (imm === undefined) {
      const pr = v.loc.k === 'local' ? s.pinned.get(v.loc.i) : undefined;
      if (v.loc.k === 'reg') src = v.loc.r;
      else if (pr !== undefined) {
        src = pr; // a pinned local stored straight from its register
        owned = false;
      } else {
        src = s.alloc(t);
        s.load(v, src);
      }
    }
    const { m, reg } = this.address(offset);
    this.memSite();
    if (imm !== undefined) a.storeImm(size, m, imm);
    else if (isFloat(t)) a.movsdStore(t === 'f64', m, src!);
    else a.store(size, m, src!);
    if (src !== undefined && owned) s.freeReg(t, src);
    if (reg !== undefined) s.freeReg('i32', reg);
  }

  /** A full-width load that is the right operand of the next instruction (integer add sub mul
   *  and or xor, float add sub mul div) becomes that instruction's memory operand (`add esi,
   *  [r14+rdi]`): no register and no instruction for the loaded value. Nothing runs between the
   *  two, and the access is this load's trap site, so a fault traps exactly as the load would. */
  private foldLoad(op: number, t: ValType, offset: number): boolean {
    const a = this.asm, s = this.stack;
    const kind = FOLD_INTO[op]?.[this.r.bytes[this.r.pos]];
    if (kind === undefined || s.length < 2 || s.peek(1).t !== t) return false;
    this.r.pos++; // the binary operation (one opcode byte), done here
    const left = s.peek(1);
    const size = is64(t) ? 8 : 4;
    const li = left.loc.k === 'local' ? left.loc.i : undefined;
    const pl = li !== undefined ? s.pinned.get(li) : undefined;
    const inPlace = pl !== undefined && this.nextIsSetOf(li!); // `x = x op load`, x pinned
    const { m, reg } = this.address(offset);
    const lv = s.pop(); // after the address: computing it may have spilled the left operand
    let x: number;
    let into = inPlace || lv.loc.k === 'reg' ? undefined : this.pinnedSetNext(t);
    if (into && (m.base === into.r || m.index === into.r)) into = undefined; // the address reads it
    if (inPlace) {
      s.materializeLocal(li!);
      x = pl;
    } else if (into) {
      s.materializeLocal(into.i); // lazy reads of the local below keep its old value
      s.load(lv, into.r);
      x = into.r;
    } else {
      s.push(lv);
      x = s.popReg().r;
    }
    this.memSite();
    if (isFloat(t)) a.arith(kind as number, t === 'f64', x, m);
    else if (kind === 'mul') a.imulRR(size, x, m);
    else a.aluRM(kind as Alu, size, x, m);
    if (reg !== undefined) s.freeReg('i32', reg);
    if (inPlace) s.push({ t, loc: { k: 'local', i: li! } });
    else if (into) this.consumeSet(into);
    else s.pushReg(t, x);
    return true;
  }

  private tableType(t: number): ValType {
    if (t < this.m.numImportedTables) {
      let k = 0;
      for (const imp of this.m.imports) if (imp.desc.kind === 'table' && k++ === t) return imp.desc.elemType;
    }
    const def = this.m.tables[t - this.m.numImportedTables];
    if (!def) this.fail(`table ${t} out of range`);
    return def.elemType;
  }
  /** rax = the elements of table t, after checking idx (a zero-extended i32) < size. */
  private tableEntryAddress(t: number, idx: number): void {
    const a = this.asm;
    a.load(8, Reg.rax, mem(VMCTX, this.cx.layout.tablePtr(t)));
    a.aluRM(Alu.cmp, 8, idx, mem(Reg.rax, TBL_SIZE));
    this.trapIf(Cond.AE, 'outOfBoundsTable');
    a.load(8, Reg.rax, mem(Reg.rax, TBL_ELEMS));
  }
  /** Checks [start, start+len) against table t's size (start, len zero-extended; uses rax only,
   *  so that r8 can hold a pinned local); leaves rax = the table's elements. */
  private checkTableRange(t: number, start: Reg, len: Reg): void {
    const a = this.asm;
    a.load(8, Reg.rax, mem(VMCTX, this.cx.layout.tablePtr(t)));
    a.aluRR(Alu.add, 8, start, len); // no carry: both are below 2^32
    a.aluRM(Alu.cmp, 8, start, mem(Reg.rax, TBL_SIZE));
    this.trapIf(Cond.A, 'outOfBoundsTable');
    a.aluRR(Alu.sub, 8, start, len);
    a.load(8, Reg.rax, mem(Reg.rax, TBL_ELEMS));
  }
  /** Before a bulk memory operation loads its three operands into rcx/rdx/rsi/rdi: the values
   *  under them and those of them in registers go to their slots; constants and local reads stay
   *  as they are (no round trip through a slot). */
  private flushForBulk(): void {
    const s = this.stack, base = s.length - 3;
    s.flushBelow(base);
    for (let d = base; d < s.length; d++) if (s.vals[d].loc.k === 'reg') s.store(d);
  }
  /** memmove of rcx bytes from rsi to rdi (native pointers); x64/memmove.ts. */
  private memmove(): void {
    emitMemmove(this.asm, XMM_SCRATCH, XMM_SCRATCH2);
  }

  /** Bounds check of [base, base+len) (64-bit) against the memory size; the value stack must be
   *  flushed (uses rax only, so that r8 can hold a pinned local). */
  private checkRange(base: Reg, len: Reg): void {
    const a = this.asm;
    a.load(8, Reg.rax, mem(VMCTX, VM_MEMDESC));
    a.load(8, Reg.rax, mem(Reg.rax, MEM_PAGES));
    a.shiftI(Shift.shl, 8, Reg.rax, 16);
    a.aluRR(Alu.add, 8, base, len); // no carry: both are below 2^32
    a.aluRR(Alu.cmp, 8, Reg.rax, base);
    this.trapIf(Cond.B, 'outOfBoundsMemory');
    a.aluRR(Alu.sub, 8, base, len);
  }

  private prefixFC(sub: number): void {
    const a = this.asm, s = this.stack, r = this.r;
    if (sub <= 7) return this.truncSat(sub);
    switch (sub) {
      case 8: { // memory.init seg: dst src n
        const seg = r.u32();
        r.u8();
        s.flush();
        s.popInto(Reg.rcx);
        s.popInto(Reg.rsi);
        s.popInto(Reg.rdi);
        a.lea(8, Reg.rax, mem(Reg.rsi, 0, Reg.rcx));
        a.aluRM(Alu.cmp, 8, Reg.rax, mem(VMCTX, this.cx.layout.dataLen(seg)));
        this.trapIf(Cond.A, 'outOfBoundsMemory');
        this.checkRange(Reg.rdi, Reg.rcx);
        a.leaSym(Reg.rax, this.cx.dataSymbol(seg));
        a.aluRR(Alu.add, 8, Reg.rsi, Reg.rax);
        a.aluRR(Alu.add, 8, Reg.rdi, MEMBASE);
        a.repMovsb();
        return;
      }
      case 9: { // data.drop
        const seg = r.u32();
        a.storeImm(8, mem(VMCTX, this.cx.layout.dataLen(seg)), 0);
        return;
      }
      case 10: { // memory.copy dst src n
        r.u8(); r.u8();
        this.flushForBulk();
        s.popInto(Reg.rcx);
        s.popInto(Reg.rsi); // src
        s.popInto(Reg.rdi); // dst
        this.checkRange(Reg.rsi, Reg.rcx);
        this.checkRange(Reg.rdi, Reg.rcx);
        a.aluRR(Alu.add, 8, Reg.rsi, MEMBASE);
        a.aluRR(Alu.add, 8, Reg.rdi, MEMBASE);
        this.memmove();
        return;
      }
      case 12: { // table.init seg table: d s n
        const seg = r.u32();
        const t = r.u32();
        s.flush();
        s.popInto(Reg.rcx);
        s.popInto(Reg.rsi);
        s.popInto(Reg.rdi);
        a.lea(8, Reg.rax, mem(Reg.rsi, 0, Reg.rcx));
        a.aluRM(Alu.cmp, 8, Reg.rax, mem(VMCTX, this.cx.layout.elemLen(seg)));
        this.trapIf(Cond.A, 'outOfBoundsTable');
        this.checkTableRange(t, Reg.rdi, Reg.rcx);
        a.lea(8, Reg.rdi, mem(Reg.rax, 0, Reg.rdi, 8));
        a.movRSym(Reg.rax, this.cx.elemSymbol(seg));
        a.lea(8, Reg.rsi, mem(Reg.rax, 0, Reg.rsi, 8));
        a.shiftI(Shift.shl, 8, Reg.rcx, 3);
        a.repMovsb();
        return;
      }
      case 13: { // elem.drop
        const seg = r.u32();
        a.storeImm(8, mem(VMCTX, this.cx.layout.elemLen(seg)), 0);
        return;
      }
      case 14: { // table.copy dst src: d s n
        const dt = r.u32();
        const st = r.u32();
        s.flush();
        s.popInto(Reg.rcx);
        s.popInto(Reg.rsi);
        s.popInto(Reg.rdi);
        this.checkTableRange(st, Reg.rsi, Reg.rcx);
        a.lea(8, Reg.rsi, mem(Reg.rax, 0, Reg.rsi, 8));
        this.checkTableRange(dt, Reg.rdi, Reg.rcx);
        a.lea(8, Reg.rdi, mem(Reg.rax, 0, Reg.rdi, 8));
        a.shiftI(Shift.shl, 8, Reg.rcx, 3);
        this.memmove();
        return;
      }
      case 15: { // table.grow: init delta -> old size | -1
        const t = r.u32();
        s.flush();
        s.popInto(Reg.rsi);
        s.popInto(Reg.rdx);
        a.load(8, Reg.rdi, mem(VMCTX, this.cx.layout.tablePtr(t)));
        a.movRSym(Reg.rax, this.cx.tableGrowSymbol);
        this.savePinned();
        a.callR(Reg.rax);
        this.restorePinned();
        const dst = s.allocGpr();
        a.movRR(4, dst, Reg.rax);
        s.pushReg('i32', dst);
        return;
      }
      case 16: { // table.size
        const t = r.u32();
        const dst = s.allocGpr();
        a.load(8, Reg.rax, mem(VMCTX, this.cx.layout.tablePtr(t)));
        a.load(4, dst, mem(Reg.rax, TBL_SIZE));
        s.pushReg('i32', dst);
        return;
      }
      case 17: { // table.fill: i val n
        const t = r.u32();
        s.flush();
        s.popInto(Reg.rcx);
        s.popInto(Reg.rdx);
        s.popInto(Reg.rsi);
        this.checkTableRange(t, Reg.rsi, Reg.rcx);
        const loop = a.label(), done = a.label();
        a.bind(loop);
        a.testRR(8, Reg.rcx, Reg.rcx);
        a.jcc(Cond.E, done);
        a.store(8, mem(Reg.rax, 0, Reg.rsi, 8), Reg.rdx);
        a.aluRI(Alu.add, 8, Reg.rsi, 1);
        a.aluRI(Alu.sub, 8, Reg.rcx, 1);
        a.jmp(loop);
        a.bind(done);
        return;
      }
      case 11: { // memory.fill dst val n
        r.u8();
        this.flushForBulk();
        s.popInto(Reg.rcx);
        s.popInto(Reg.rdx);
        s.popInto(Reg.rdi);
        this.checkRange(Reg.rdi, Reg.rcx);
        a.aluRR(Alu.add, 8, Reg.rdi, MEMBASE);
        a.movRR(4, Reg.rax, Reg.rdx);
        a.repStosb();
        return;
      }
    }
    this.fail(`unsupported instruction 0xfc ${sub}`);
  }

  // ---- numeric ------------------------------------------------------------------------------------
  private numeric(op: number): void {
    const a = this.asm, s = this.stack;
    // integer compares (fused with a following br_if/if)
    if (op === 0x45 || op === 0x50) {
      const size = op === 0x45 ? 4 : 8;
      const x = s.popForRead();
      a.testRR(size, x.r, x.r);
      return this.condResult(Cond.E, x.r, x.owned);
    }
    if (I32_CMP[op] !== undefined || I64_CMP[op] !== undefined) {
      const size = I32_CMP[op] !== undefined ? 4 : 8;
      const cc = I32_CMP[op] ?? I64_CMP[op];
      const b = s.popOperand();
      const x = s.popForRead();
      this.aluWith(Alu.cmp, size, x.r, b);
      return this.condResult(cc, x.r, x.owned);
    }
    if (op >= 0x5b && op <= 0x66) return this.floatCompare(op);
    switch (op) {
      case 0x67: return this.bitCount('clz', 4);
      case 0x68: return this.bitCount('ctz', 4);
      case 0x69: return this.bitCount('popcnt', 4);
      case 0x79: return this.bitCount('clz', 8);
      case 0x7a: return this.bitCount('ctz', 8);
      case 0x7b: return this.bitCount('popcnt', 8);
    }
    if (INT_BINARY[op]) {
      const [size, alu] = INT_BINARY[op];
      const t: ValType = size === 4 ? 'i32' : 'i64';
      const b = s.popOperand();
      if (alu !== 'mul' && this.pinnedOperand(alu, size, t, b)) return;
      const top = s.peek();
      const src = top.loc.k === 'local' ? s.pinned.get(top.loc.i) : undefined;
      if (alu === 'mul' && src !== undefined && typeof b.op === 'bigint' && fitsImm(b.op, size)) {
        // a pinned local times a constant: three-operand imul, no copy of the local
        s.pop();
        const into = this.setOrTeeTarget(t); // also the local itself: imul reads src first
        const dst = into?.r ?? s.allocGpr();
        a.imulRRI(size, dst, src, immOf(b.op, size));
        this.leaDone(t, dst, into);
        return;
      }
      const into = this.computeIntoPinned(t, b);
      const { r: x } = into ? { r: into.r } : s.popReg();
      if (alu === 'mul') {
        if (typeof b.op === 'bigint' && fitsImm(b.op, size)) a.imulRRI(size, x, x, immOf(b.op, size));
        else if (typeof b.op === 'bigint') {
          a.movRI(Reg.rax, b.op);
          a.imulRR(size, x, Reg.rax);
        } else a.imulRR(size, x, b.op);
      } else this.aluWith(alu, size, x, b);
      if (alu !== Alu.cmp) s.release(b);
      if (into) this.consumeSet(into);
      else s.pushReg(t, x);
      return;
    }
    switch (op) {
      case 0x6d: case 0x6e: case 0x6f: case 0x70: return this.divRem(4, op - 0x6d);
      case 0x7f: case 0x80: case 0x81: case 0x82: return this.divRem(8, op - 0x7f);
      case 0x74: return this.shift(4, Shift.shl);
      case 0x75: return this.shift(4, Shift.sar);
      case 0x76: return this.shift(4, Shift.shr);
      case 0x77: return this.shift(4, Shift.rol);
      case 0x78: return this.shift(4, Shift.ror);
      case 0x86: return this.shift(8, Shift.shl);
      case 0x87: return this.shift(8, Shift.sar);
      case 0x88: return this.shift(8, Shift.shr);
      case 0x89: return this.shift(8, Shift.rol);
      case 0x8a: return this.shift(8, Shift.ror);
    }
    if (op >= 0x8b && op <= 0xa6) return this.floatArith(op);
    return this.conversion(op);
  }

  /** Is the next instruction `local.set` of a pinned local of type t? Then a result can be
   *  computed straight into its register (consumeSet skips the set). */
  private pinnedSetNext(t: ValType): { i: number; r: number; end: number } | undefined {
    if (this.r.bytes[this.r.pos] !== 0x21) return undefined;
    const next = this.localIndexAfter(this.r.pos);
    if (!next) return undefined;
    const r = this.stack.pinned.get(next.i);
    return r !== undefined && this.localTypes[next.i] === t ? { i: next.i, r, end: next.end } : undefined;
  }
  /** Is the next instruction `local.tee` of a pinned float local of type t? A loaded value can
   *  go straight into its register, the tee's value left as a lazy read of the local (nbody's
   *  `bm = body.mass` tee, then a right operand: no copy). Floats only: integer loads tee'd into
   *  pinned locals were not measured. */
  private pinnedTeeNext(t: ValType): { i: number; r: number; end: number; tee: true } | undefined {
    if (this.r.bytes[this.r.pos] !== 0x22 || !isFloat(t)) return undefined;
    const next = this.localIndexAfter(this.r.pos);
    if (!next) return undefined;
    const r = this.stack.pinned.get(next.i);
    return r !== undefined && this.localTypes[next.i] === t ? { i: next.i, r, end: next.end, tee: true } : undefined;
  }
  /** The local index operand of the instruction at `at` (local.get/set/tee) and where it ends;
   *  undefined when it does not decode (the validator reports that later). */
  private localIndexAfter(at: number): { i: number; end: number } | undefined {
    const p = new Reader(this.r.bytes, at + 1);
    try {
      return { i: p.u32(), end: p.pos };
    } catch {
      return undefined;
    }
  }
  /** `i32.const c; i32.add|i32.sub` (i64 for size 8) next: consumes both and returns the
   *  displacement (+c or -c, as a signed 32-bit value) that a lea adds instead; else 0. */
  private constAddSubNext(size: 4 | 8): number {
    const bytes = this.r.bytes, at = this.r.pos;
    if (bytes[at] !== (size === 4 ? 0x41 : 0x42)) return 0;
    const p = new Reader(bytes, at + 1);
    let c: bigint;
    try {
      c = size === 4 ? BigInt(p.s32()) : p.s64();
    } catch {
      return 0;
    }
    const op = bytes[p.pos];
    const add = size === 4 ? 0x6a : 0x7c;
    if (op !== add && op !== add + 1) return 0;
    let d = op === add ? c : -c;
    if (size === 4) d = BigInt.asIntN(32, d); // lea's 32-bit result wraps like i32 arithmetic
    if (d < -0x80000000n || d > 0x7fffffffn) return 0;
    this.r.pos = p.pos + 1;
    return Number(d);
  }
  /** A `lea` result followed by `local.set` of a pinned local, or by `local.tee` of one that a
   *  load then reads (only reads: an in-place update would want a copy of its own), goes straight
   *  into that local's register (lazy reads of its old value are materialised first). */
  private leaTarget(t: ValType): { i: number; r: number; end: number; tee: boolean } | undefined {
    const bytes = this.r.bytes, at = this.r.pos;
    if (bytes[at] !== 0x21 && bytes[at] !== 0x22) return undefined;
    const next = this.localIndexAfter(at);
    if (!next) return undefined;
    const { i, end } = next;
    const r = this.stack.pinned.get(i);
    if (r === undefined || this.localTypes[i] !== t) return undefined;
    const tee = bytes[at] === 0x22;
    if (tee && !(bytes[end] >= 0x28 && bytes[end] <= 0x35) && !(bytes[end] === 0x20 && this.localIndexAfter(end)?.i === i)) return undefined;
    this.stack.materializeLocal(i);
    return { i, r, end, tee };
  }
  /** Pushes a lea's result: the register allocated for it, or the local leaTarget chose. */
  private leaDone(t: ValType, dst: number, into: { i: number; end: number; tee: boolean } | undefined): void {
    const s = this.stack;
    if (!into) return s.pushReg(t, dst);
    this.consumeSet(into);
    if (into.tee) s.push({ t, loc: { k: 'local', i: into.i } });
  }
  /** The `local.set` found by pinnedSetNext, done: the value is already in the register. */
  private consumeSet(tgt: { i: number; end: number }): void {
    this.clean.delete(tgt.i);
    this.r.pos = tgt.end;
  }
  /** A binary operation whose right operand b is popped and whose left operand is next on the
   *  stack, followed by `local.set` of a pinned local: when the left operand is not in a register
   *  yet, pops it into the local's register (the caller operates there and calls consumeSet), so
   *  the result needs no copy. Not when b reads the local (its register is about to change). */
  private computeIntoPinned(t: ValType, b: { v: Val }): { i: number; r: number; end: number } | undefined {
    const s = this.stack;
    const tgt = this.pinnedSetNext(t);
    if (!tgt || s.peek().loc.k === 'reg' || (b.v.loc.k === 'local' && b.v.loc.i === tgt.i)) return undefined;
    const x = s.pop();
    s.materializeLocal(tgt.i); // lazy reads of the local below keep its old value
    s.load(x, tgt.r); // nothing when x reads the local itself
    return tgt;
  }

  /** Is the next instruction local.set/local.tee of local i? */
  private nextIsSetOf(i: number): boolean {
    const bytes = this.r.bytes;
    const op = bytes[this.r.pos];
    if (op !== 0x21 && op !== 0x22) return false;
    const probe = new Reader(bytes, this.r.pos + 1);
    try {
      return probe.u32() === i;
    } catch {
      return false;
    }
  }

  /** Binary ALU op whose left operand is a pinned local: update it in place when the result goes
   *  back to the same local (`x = x op b`), else use lea / the right operand's register. */
  private pinnedOperand(alu: Alu, size: 4 | 8, t: ValType, b: { v: Val; op: number | Mem | bigint }): boolean {
    const a = this.asm, s = this.stack;
    const top = s.peek();
    const commutative = alu === Alu.add || alu === Alu.and || alu === Alu.or || alu === Alu.xor;
    if (commutative && b.v.loc.k === 'local' && typeof b.op === 'number' && this.nextIsSetOf(b.v.loc.i)) {
      // `y = x op y` with y pinned: y op= x in place
      const j = b.v.loc.i;
      s.materializeLocal(j);
      const x = s.popOperand();
      this.aluWith(alu, size, b.op, x);
      s.release(x);
      s.push({ t, loc: { k: 'local', i: j } });
      return true;
    }
    if (top.loc.k !== 'local') return false;
    const i = top.loc.i;
    const pr = s.pinned.get(i);
    if (pr === undefined) return false;
    if (this.nextIsSetOf(i)) {
      s.pop();
      s.materializeLocal(i);
      this.aluWith(alu, size, pr, b);
      if (alu !== Alu.cmp) s.release(b);
      s.push({ t, loc: { k: 'local', i } });
      return true;
    }
    if (alu === Alu.add && typeof b.op === 'number' && b.v.loc.k === 'local') {
      // both operands pinned locals: one lea into a fresh register (`+ c` / `- c` next: its disp)
      s.pop();
      const disp = this.constAddSubNext(size);
      const into = this.leaTarget(t);
      const dst = into?.r ?? s.allocGpr();
      a.lea(size, dst, mem(pr, disp, b.op));
      this.leaDone(t, dst, into);
      return true;
    }
    if (typeof b.op === 'bigint' && (alu === Alu.add || alu === Alu.sub) && fitsImm(b.op, size)) {
      s.pop();
      const imm = immOf(b.op, size);
      const disp = alu === Alu.add ? imm : size === 4 ? (-imm | 0) : -imm;
      if (disp < -0x80000000 || disp > 0x7fffffff) {
        s.push(top);
        return false;
      }
      const into = this.leaTarget(t);
      const dst = into?.r ?? s.allocGpr();
      a.lea(size, dst, mem(pr, disp));
      this.leaDone(t, dst, into);
      if (!into && size === 4) this.reloadSameAddress(i, disp, dst);
      return true;
    }
    if (commutative && typeof b.op === 'number' && b.v.loc.k === 'reg') {
      s.pop();
      a.aluRR(alu, size, b.op, pr);
      s.pushReg(t, b.op);
      return true;
    }
    return false;
  }

  /** Right after `addr = local i + disp` into register r: the same `local.get i; i32.const;
   *  i32.add|sub` again, read at once by an integer load (`store(addr, f(load(addr)))`, a
   *  read-modify-write of a computed address) loads through r, which stays on the stack for the
   *  store: no second lea. */
  private reloadSameAddress(i: number, disp: number, r: number): void {
    const bytes = this.r.bytes, start = this.r.pos;
    if (bytes[start] !== 0x20 || this.localIndexAfter(start)?.i !== i) return;
    const p = new Reader(bytes, start);
    let loadAt: number, offset: number;
    try {
      p.u8();
      p.u32();
      if (p.u8() !== 0x41) return;
      const c = p.s32();
      const op = p.u8();
      if (op !== 0x6a && op !== 0x6b) return;
      if ((op === 0x6a ? c : -c | 0) !== disp) return;
      loadAt = p.pos;
      const load = p.u8();
      if (load < 0x28 || load > 0x35 || isFloat(LOADS[load][0])) return;
      p.u32(); // alignment hint
      offset = p.u32();
      if (offset > 0x7fffffff) return;
    } catch {
      return;
    }
    const [t, size, signed] = LOADS[bytes[loadAt]];
    const dst = this.stack.allocGpr();
    this.opOffset = loadAt; // a trap reports the load
    this.memSite();
    this.asm.load(size, dst, mem(MEMBASE, offset, r), signed, t === 'i64' ? 8 : 4);
    this.stack.pushReg(t, dst);
    this.r.pos = p.pos;
  }

  private aluWith(alu: Alu, size: 4 | 8, x: number, b: { v: Val; op: number | Mem | bigint }): void {
    const a = this.asm;
    if (typeof b.op === 'bigint') {
      if (fitsImm(b.op, size)) a.aluRI(alu, size, x, immOf(b.op, size));
      else {
        a.movRI(Reg.rax, b.op);
        a.aluRR(alu, size, x, Reg.rax);
      }
    } else if (typeof b.op === 'number') {
      a.aluRR(alu, size, x, b.op);
      if (alu === Alu.cmp) this.stack.release(b);
    } else a.aluRM(alu, size, x, b.op);
  }

  /** Flags hold a condition: fuse into the next br_if/if, else materialise 0/1 in x. */
  private condResult(cc: Cond, x: number, owned = true): void {
    const a = this.asm, s = this.stack;
    if (!owned) {
      // x is a pinned local: the result needs a register of its own (movs keep the flags)
      if (!this.nextConsumesFlags()) {
        const dst = s.allocGpr(), at = a.pos;
        a.setcc(cc, dst);
        a.movzx8(dst, dst);
        s.pushReg('i32', dst);
        this.lastSet = { r: dst, cc, at, end: a.pos, binds: a.binds };
        return;
      }
      x = s.allocGpr();
    }
    if (this.nextConsumesFlags()) {
      s.freeReg('i32', x);
      // a placeholder value; popCondition consumes it via pendingCond
      s.push({ t: 'i32', loc: { k: 'const', bits: 0n } });
      this.pendingCond = cc;
      return;
    }
    const at = a.pos;
    a.setcc(cc, x);
    a.movzx8(x, x);
    s.pushReg('i32', x);
    this.lastSet = { r: x, cc, at, end: a.pos, binds: a.binds };
  }
  /** i32.and / i32.or of a comparison just materialised, feeding an if/br_if: jumps instead. */
  private trySplit(op: number): boolean {
    const next = this.r.bytes[this.r.pos];
    // not the `if` ending a rotated loop's head: its replays at back edges consume the condition
    let nextOk = !this.ctls.some((k) => k.rotate?.end === this.r.pos);
    if (next === 0x04) nextOk &&= this.r.bytes[this.r.pos + 1] === 0x40 || (this.r.bytes[this.r.pos + 1] >= 0x6f && this.r.bytes[this.r.pos + 1] <= 0x7f);
    else if (next === 0x0d) {
      const depth = new Reader(this.r.bytes, this.r.pos + 1).u32();
      const c = this.ctls[this.ctls.length - 1 - depth];
      nextOk &&= !!c && this.branchTypes(c).length === 0;
    }
    this.split = splitCondition(op, { asm: this.asm, stack: this.stack, last: this.lastSet, next, nextOk });
    this.lastSet = undefined;
    if (this.split) this.pendingCond = Cond.NE;
    return !!this.split;
  }

  private bitCount(kind: 'clz' | 'ctz' | 'popcnt', size: 4 | 8): void {
    const a = this.asm, s = this.stack;
    const { r: x } = s.popReg();
    const bits = size * 8;
    if (kind === 'popcnt') a.popcnt(size, x, x);
    else if (kind === 'clz') {
      a.movRI(Reg.rax, 2 * bits - 1);
      a.bsr(size, x, x);
      a.cmov(Cond.E, size, x, Reg.rax);
      a.aluRI(Alu.xor, size, x, bits - 1);
    } else {
      a.movRI(Reg.rax, bits);
      a.bsf(size, x, x);
      a.cmov(Cond.E, size, x, Reg.rax);
    }
    s.pushReg(size === 4 ? 'i32' : 'i64', x);
  }

  /** kind: 0 div_s, 1 div_u, 2 rem_s, 3 rem_u */
  private divRem(size: 4 | 8, kind: number): void {
    const a = this.asm, s = this.stack;
    const t: ValType = size === 4 ? 'i32' : 'i64';
    const bv = s.peek();
    let divisor: number;
    let constB: bigint | undefined;
    if (bv.loc.k === 'const') constB = size === 4 ? BigInt.asIntN(32, bv.loc.bits) : BigInt.asIntN(64, bv.loc.bits);
    s.claim(Reg.rdx); // rdx:rax: the divisor must not land in rdx
    const b = s.popReg();
    divisor = b.r;
    s.popInto(Reg.rax);
    if (constB === undefined || constB === 0n) {
      a.testRR(size, divisor, divisor);
      this.trapIf(Cond.E, 'divideByZero');
    }
    const signed = kind === 0 || kind === 2;
    const done = a.label();
    if (signed && (constB === undefined || constB === -1n)) {
      const normal = a.label();
      a.aluRI(Alu.cmp, size, divisor, -1);
      a.jcc(Cond.NE, normal);
      if (kind === 0) {
        // INT_MIN / -1 overflows
        if (size === 4) a.aluRI(Alu.cmp, 4, Reg.rax, -0x80000000);
        else {
          a.movRI(Reg.rdx, SIGN64);
          a.aluRR(Alu.cmp, 8, Reg.rax, Reg.rdx);
        }
        this.trapIf(Cond.E, 'overflow');
      } else {
        a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
        a.jmp(done);
      }
      a.bind(normal);
    }
    if (signed) {
      a.signExtendAx(size);
      a.idiv(size, divisor);
    } else {
      a.aluRR(Alu.xor, 4, Reg.rdx, Reg.rdx);
      a.div(size, divisor);
    }
    a.bind(done);
    const res = kind === 0 || kind === 1 ? Reg.rax : Reg.rdx;
    a.movRR(size, divisor, res);
    s.pushReg(t, divisor);
  }

  /** Peephole, at `local.get x; const n; shl` (or shr_u): when the code goes on with
   *  `local.get x; const bits-n; shr_u (shl); or|xor|add` (the bits are disjoint), that is one
   *  rotate: consumes those instructions and returns the left-rotate count (0: no match). */
  private rotatePattern(size: 4 | 8, local: number, left: boolean, n: number): number {
    const probe = new Reader(this.r.bytes, this.r.pos);
    try {
      if (probe.u8() !== 0x20 || probe.u32() !== local) return 0;
      if (probe.u8() !== (size === 4 ? 0x41 : 0x42)) return 0;
      const m = size === 4 ? BigInt(probe.s32()) : probe.s64();
      if (BigInt.asUintN(size === 4 ? 5 : 6, m) !== BigInt(size * 8 - n) || BigInt.asUintN(size === 4 ? 5 : 6, m) === 0n) return 0;
      const second = probe.u8();
      const wantSecond = size === 4 ? (left ? 0x76 : 0x74) : left ? 0x88 : 0x86;
      if (second !== wantSecond) return 0;
      const comb = probe.u8();
      const ok = size === 4 ? comb === 0x72 || comb === 0x73 || comb === 0x6a : comb === 0x84 || comb === 0x85 || comb === 0x7c;
      if (!ok) return 0;
    } catch {
      return 0;
    }
    this.r.pos = probe.pos;
    return left ? n : size * 8 - n;
  }

  /** The local that v was just tee'd into, when only the constant count of the shift being
   *  lowered came between (`(shl (local.tee x (load …)) n)` of sha256's message schedule). */
  private teeBeforeConst(v: Val): number | undefined {
    const t = this.lastTee;
    if (!t || t.v !== v) return undefined;
    const p = new Reader(this.r.bytes, t.end);
    try {
      const op = p.u8();
      if (op === 0x41) p.s32();
      else if (op === 0x42) p.s64();
      else return undefined;
    } catch {
      return undefined;
    }
    return p.pos === this.opOffset ? t.i : undefined;
  }

  private shift(size: 4 | 8, sh: Shift): void {
    const a = this.asm, s = this.stack;
    const t: ValType = size === 4 ? 'i32' : 'i64';
    const bv = s.peek();
    if (bv.loc.k === 'const') {
      s.pop();
      const n = Number(bv.loc.bits & BigInt(size * 8 - 1));
      const xv = s.peek();
      const xl = xv.loc.k === 'local' ? xv.loc.i : this.teeBeforeConst(xv);
      const rot = n && xl !== undefined && (sh === Shift.shl || sh === Shift.shr) ? this.rotatePattern(size, xl, sh === Shift.shl, n) : 0;
      if (!rot && sh === Shift.shl && n >= 1 && n <= 3 && (this.shlAddAsLea(t, size, n) || this.shlAsLea(t, size, n))) return;
      const into = this.computeIntoPinned(t, { v: bv });
      const { r: x } = into ? { r: into.r } : s.popReg();
      if (rot) a.shiftI(Shift.rol, size, x, rot);
      else if (n) a.shiftI(sh, size, x, n);
      else if (size === 4) a.movRR(4, x, x);
      if (into) this.consumeSet(into);
      else s.pushReg(t, x);
      return;
    }
    const count = s.popIntoClaimed(Reg.rcx);
    const into = this.computeIntoPinned(t, { v: count });
    const { r: x } = into ? { r: into.r } : s.popReg();
    a.shiftCl(sh, size, x);
    if (into) this.consumeSet(into);
    else s.pushReg(t, x);
  }

  /** `x << 1..3` of a pinned local x is one lea [x*2^n] (plus a constant added or subtracted
   *  next): into a fresh register, or straight into the pinned local that a following local.set
   *  or local.tee writes; no copy of x and no mov after. */
  private shlAsLea(t: ValType, size: 4 | 8, n: number): boolean {
    const s = this.stack, bytes = this.r.bytes;
    const xv = s.peek();
    const pr = xv.loc.k === 'local' ? s.pinned.get(xv.loc.i) : undefined;
    if (pr === undefined) return false;
    s.pop();
    const disp = this.constAddSubNext(size);
    const into = this.setOrTeeTarget(t);
    const dst = into?.r ?? s.allocGpr();
    this.asm.lea(size, dst, n === 1 && !disp ? mem(pr, 0, pr) : { base: pr, index: pr, scale: (1 << n) as 2 | 4 | 8, disp, noBase: true });
    this.leaDone(t, dst, into);
    return true;
  }
  /** `b + (x << 1..3)` (the add next, x in a register of its own, b a pinned local or a register)
   *  is one lea [b + x*2^n] (plus a constant added or subtracted next): no shift and add, and the
   *  sum goes straight into a pinned local a following set/tee writes (an interpreter's
   *  `base + (operand << 2)` addresses and jump targets). */
  private shlAddAsLea(t: ValType, size: 4 | 8, n: number): boolean {
    const s = this.stack;
    if (this.r.bytes[this.r.pos] !== (size === 4 ? 0x6a : 0x7c) || s.length < 2) return false;
    const xv = s.peek(), bv = s.peek(1);
    if (xv.loc.k !== 'reg') return false;
    const br = bv.loc.k === 'local' ? s.pinned.get(bv.loc.i) : bv.loc.k === 'reg' ? bv.loc.r : undefined;
    if (br === undefined) return false;
    const x = xv.loc.r;
    s.pop();
    s.pop();
    this.r.pos++; // the add
    const disp = this.constAddSubNext(size);
    const into = this.leaTarget(t);
    const dst = into?.r ?? x;
    this.asm.lea(size, dst, { base: br, index: x, scale: (1 << n) as 2 | 4 | 8, disp });
    if (dst !== x) s.freeReg(t, x);
    if (bv.loc.k === 'reg') s.freeReg(t, br);
    this.leaDone(t, dst, into);
    return true;
  }
  /** `local.set` or `local.tee` of a pinned local of type t next: a result computed without
   *  reading its operand's register again (lea, three-operand imul) goes straight into that
   *  local's register; its older lazy reads on the stack are materialised first. */
  private setOrTeeTarget(t: ValType): { i: number; r: number; end: number; tee: boolean } | undefined {
    const s = this.stack, bytes = this.r.bytes, at = this.r.pos;
    const next = bytes[at] === 0x21 || bytes[at] === 0x22 ? this.localIndexAfter(at) : undefined;
    const r = next ? s.pinned.get(next.i) : undefined;
    if (!next || r === undefined || this.localTypes[next.i] !== t) return undefined;
    s.materializeLocal(next.i);
    return { ...next, r, tee: bytes[at] === 0x22 };
  }

  // ---- floats -------------------------------------------------------------------------------------
  private floatCompare(op: number): void {
    const a = this.asm, s = this.stack;
    const dbl = op >= 0x61;
    const k = dbl ? op - 0x61 : op - 0x5b; // eq ne lt gt le ge
    const b = s.popReg();
    const x = s.popReg();
    if (k >= 2 && this.nextConsumesFlags()) {
      // lt/gt/le/ge are one condition (false when unordered): fuse with the br_if/if
      if (k === 2 || k === 4) a.ucomis(dbl, b.r, x.r);
      else a.ucomis(dbl, x.r, b.r);
      s.freeReg(b.v.t, b.r);
      s.freeReg(x.v.t, x.r);
      s.push({ t: 'i32', loc: { k: 'const', bits: 0n } });
      this.pendingCond = k <= 3 ? Cond.A : Cond.AE;
      return;
    }
    const dst = s.allocGpr();
    switch (k) {
      case 0: // eq: ZF=1 and PF=0
        a.ucomis(dbl, x.r, b.r);
        a.setcc(Cond.E, dst);
        a.setcc(Cond.NP, Reg.rax);
        a.aluRR(Alu.and, 4, dst, Reg.rax);
        break;
      case 1: // ne: ZF=0 or PF=1
        a.ucomis(dbl, x.r, b.r);
        a.setcc(Cond.NE, dst);
        a.setcc(Cond.P, Reg.rax);
        a.aluRR(Alu.or, 4, dst, Reg.rax);
        break;
      case 2: a.ucomis(dbl, b.r, x.r); a.setcc(Cond.A, dst); break; // lt
      case 3: a.ucomis(dbl, x.r, b.r); a.setcc(Cond.A, dst); break; // gt
      case 4: a.ucomis(dbl, b.r, x.r); a.setcc(Cond.AE, dst); break; // le
      case 5: a.ucomis(dbl, x.r, b.r); a.setcc(Cond.AE, dst); break; // ge
    }
    a.movzx8(dst, dst);
    s.freeReg(b.v.t, b.r);
    s.freeReg(x.v.t, x.r);
    s.pushReg('i32', dst);
  }

  /** sqrt (op 0x51) or a rounding (mode) of a local's lazy read or a spilled value: the SSE
   *  source operand reads it where it is, into a fresh register, where popping it into a register
   *  first would copy it (nbody: sqrt of the distance squared, also kept in a pinned local). */
  private unaryFromOperand(op: number, dbl: boolean): boolean {
    const s = this.stack, top = s.peek();
    const pinnedReg = top.loc.k === 'local' && s.pinned.get(top.loc.i) !== undefined;
    if (top.loc.k !== 'slot' && top.loc.k !== 'local') return false;
    if (op !== 0x51 && !pinnedReg) return false; // roundsd's encoder takes registers only
    const x = s.allocXmm();
    const b = s.popOperand();
    if (op === 0x51) this.asm.arith(0x51, dbl, x, b.op as number | Mem);
    else this.asm.round(dbl, x, b.op as number, op);
    s.release(b);
    s.pushReg(dbl ? 'f64' : 'f32', x);
    return true;
  }

  private floatArith(op: number): void {
    const a = this.asm, s = this.stack;
    const dbl = op >= 0x99;
    const k = dbl ? op - 0x99 : op - 0x8b;
    const t: ValType = dbl ? 'f64' : 'f32';
    // k: 0 abs 1 neg 2 ceil 3 floor 4 trunc 5 nearest 6 sqrt 7 add 8 sub 9 mul 10 div 11 min 12 max 13 copysign
    if (k >= 2 && k <= 6 && this.unaryFromOperand(k === 6 ? 0x51 : [2, 1, 3, 0][k - 2] | 8, dbl)) return;
    if (k <= 6) {
      const { r: x } = s.popReg();
      if (k <= 1 && dbl) s.claim(Reg.rcx);
      if (k <= 1) {
        a.movqRX(dbl, Reg.rax, x);
        if (dbl) {
          a.movRI(Reg.rcx, k === 0 ? SIGN64 - 1n : SIGN64);
          a.aluRR(k === 0 ? Alu.and : Alu.xor, 8, Reg.rax, Reg.rcx);
        } else a.aluRI(k === 0 ? Alu.and : Alu.xor, 4, Reg.rax, k === 0 ? 0x7fffffff : -0x80000000);
        a.movqXR(dbl, x, Reg.rax);
      } else if (k <= 5) a.round(dbl, x, x, [2, 1, 3, 0][k - 2] | 8);
      else a.arith(0x51, dbl, x, x);
      s.pushReg(t, x);
      return;
    }
    if (k <= 10) {
      // add sub mul div: the right operand straight from a pinned local, a slot or a local's home
      const b = s.popOperand();
      let src: number | Mem;
      if (typeof b.op === 'bigint') {
        if (FLOAT_CONST_POOL) src = this.floatConst(b.op);
        else {
          s.load(b.v, XMM_SCRATCH);
          src = XMM_SCRATCH;
        }
      } else src = b.op;
      const into = this.computeIntoPinned(t, b);
      const { r: x } = into ? { r: into.r } : s.popReg();
      a.arith([0x58, 0x5c, 0x59, 0x5e][k - 7], dbl, x, src);
      s.release(b);
      if (into) this.consumeSet(into);
      else s.pushReg(t, x);
      return;
    }
    const b = s.popReg();
    const { r: x } = s.popReg();
    if (k <= 12) {
      const isMin = k === 11;
      const nan = a.label(), equal = a.label(), done = a.label();
      a.ucomis(dbl, x, b.r);
      a.jcc(Cond.P, nan);
      a.jcc(Cond.E, equal);
      a.arith(isMin ? 0x5d : 0x5f, dbl, x, b.r);
      a.jmp(done);
      a.bind(equal); // equal (possibly +0 / -0): min ors the sign bits, max ands them
      a.logic(isMin ? 0x56 : 0x54, dbl, x, b.r);
      a.jmp(done);
      a.bind(nan);
      // a NaN operand: the result is x86's default NaN (a canonical NaN with the sign set), as V8
      // gives, not a propagated payload; the spec allows either, and the differential fuzzer
      // compares NaNs that reach memory bit for bit
      a.movRI(Reg.rax, dbl ? 0xfff8000000000000n : 0xffc00000n);
      a.movqXR(dbl, x, Reg.rax);
      a.bind(done);
    } else {
      // copysign
      s.claim(Reg.rcx);
      s.claim(Reg.rdx);
      a.movqRX(dbl, Reg.rax, x);
      a.movqRX(dbl, Reg.rcx, b.r);
      if (dbl) {
        a.movRI(Reg.rdx, SIGN64);
        a.aluRR(Alu.and, 8, Reg.rcx, Reg.rdx);
        a.not(8, Reg.rdx);
        a.aluRR(Alu.and, 8, Reg.rax, Reg.rdx);
        a.aluRR(Alu.or, 8, Reg.rax, Reg.rcx);
      } else {
        a.aluRI(Alu.and, 4, Reg.rcx, -0x80000000);
        a.aluRI(Alu.and, 4, Reg.rax, 0x7fffffff);
        a.aluRR(Alu.or, 4, Reg.rax, Reg.rcx);
      }
      a.movqXR(dbl, x, Reg.rax);
    }
    s.freeReg(t, b.r);
    s.pushReg(t, x);
  }

  private conversion(op: number): void {
    const a = this.asm, s = this.stack;
    switch (op) {
      case 0xa7: { // i32.wrap_i64
        const { r: x } = s.popReg();
        a.movRR(4, x, x);
        return s.pushReg('i32', x);
      }
      case 0xa8: case 0xa9: case 0xaa: case 0xab: // i32.trunc_f32_s/u, f64_s/u
      case 0xae: case 0xaf: case 0xb0: case 0xb1: { // i64.trunc_...
        const to64 = op >= 0xae;
        const k = to64 ? op - 0xae : op - 0xa8;
        return this.truncTrapping(k >= 2, (k & 1) === 0, to64);
      }
      case 0xac: case 0xad: { // i64.extend_i32_s/u
        // a pinned local extends straight from its register (no copy first)
        const { r: src, owned } = s.popForRead();
        const x = owned ? src : s.allocGpr();
        if (op === 0xac) a.movsx(4, 8, x, src);
        else a.movRR(4, x, src);
        return s.pushReg('i64', x);
      }
      case 0xb2: case 0xb3: case 0xb4: case 0xb5: // f32.convert_i32_s/u, i64_s/u
      case 0xb7: case 0xb8: case 0xb9: case 0xba: { // f64.convert...
        const dbl = op >= 0xb7;
        const k = dbl ? op - 0xb7 : op - 0xb2;
        return this.convertInt(dbl, k >= 2, (k & 1) === 0);
      }
      case 0xb6: case 0xbb: { // f32.demote_f64 / f64.promote_f32
        const { r: x } = s.popReg();
        a.cvtFloat(op === 0xbb, x, x);
        return s.pushReg(op === 0xbb ? 'f64' : 'f32', x);
      }
      case 0xbc: case 0xbd: { // i32/i64.reinterpret_f
        const dbl = op === 0xbd;
        const { v, r: x } = s.popReg();
        const dst = s.allocGpr();
        a.movqRX(dbl, dst, x);
        s.freeReg(v.t, x);
        return s.pushReg(dbl ? 'i64' : 'i32', dst);
      }
      case 0xbe: case 0xbf: { // f32/f64.reinterpret_i
        const dbl = op === 0xbf;
        const { v, r: x } = s.popReg();
        const dst = s.allocXmm();
        a.movqXR(dbl, dst, x);
        s.freeReg(v.t, x);
        return s.pushReg(dbl ? 'f64' : 'f32', dst);
      }
      case 0xc0: case 0xc1: case 0xc2: case 0xc3: case 0xc4: { // sign extension
        const { r: x } = s.popReg();
        if (op === 0xc0) a.movsx(1, 4, x, x);
        else if (op === 0xc1) a.movsx(2, 4, x, x);
        else if (op === 0xc2) a.movsx(1, 8, x, x);
        else if (op === 0xc3) a.movsx(2, 8, x, x);
        else a.movsx(4, 8, x, x);
        return s.pushReg(op <= 0xc1 ? 'i32' : 'i64', x);
      }
    }
    this.fail(`unsupported opcode 0x${op.toString(16)}`);
  }

  /** Loads an f64 constant into xmm scratch 2. */
  private f64const(x: number, v: number): void {
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, v, true);
    this.asm.movRI(Reg.rax, buf.getBigUint64(0, true));
    this.asm.movqXR(true, x, Reg.rax);
  }

  /** Pops a float, converts f32 to f64 (exact) into xmm scratch, returns it. */
  private popAsF64(fromF64: boolean): number {
    const s = this.stack, a = this.asm;
    const { v, r: x } = s.popReg();
    if (fromF64) a.movaps(XMM_SCRATCH, x);
    else a.cvtFloat(true, XMM_SCRATCH, x);
    s.freeReg(v.t, x);
    return XMM_SCRATCH;
  }

  private truncTrapping(fromF64: boolean, signed: boolean, to64: boolean): void {
    const a = this.asm, s = this.stack;
    const x = this.popAsF64(fromF64);
    const dst = s.allocGpr();
    a.ucomis(true, x, x);
    this.trapIf(Cond.P, 'invalidConversion');
    const hi = to64 ? (signed ? 2 ** 63 : 2 ** 64) : signed ? 2 ** 31 : 2 ** 32;
    const lo = to64 ? (signed ? -(2 ** 63) : -1) : signed ? -(2 ** 31) - 1 : -1;
    this.f64const(XMM_SCRATCH2, hi);
    a.ucomis(true, x, XMM_SCRATCH2);
    this.trapIf(Cond.AE, 'overflow');
    this.f64const(XMM_SCRATCH2, lo);
    a.ucomis(true, x, XMM_SCRATCH2);
    // x <= lo traps, except i64 signed where lo = -2^63 itself is valid
    this.trapIf(to64 && signed ? Cond.B : Cond.BE, 'overflow');
    this.emitTruncate(x, dst, signed, to64);
    s.pushReg(to64 ? 'i64' : 'i32', dst);
  }

  /** x in range (checked): truncate into dst. */
  private emitTruncate(x: number, dst: Reg, signed: boolean, to64: boolean): void {
    const a = this.asm;
    if (!to64) {
      a.cvtts2si(true, 8, dst, x);
      a.movRR(4, dst, dst);
      return;
    }
    if (signed) {
      a.cvtts2si(true, 8, dst, x);
      return;
    }
    const big = a.label(), done = a.label();
    this.f64const(XMM_SCRATCH2, 2 ** 63);
    a.ucomis(true, x, XMM_SCRATCH2);
    a.jcc(Cond.AE, big);
    a.cvtts2si(true, 8, dst, x);
    a.jmp(done);
    a.bind(big);
    a.arith(0x5c, true, x, XMM_SCRATCH2);
    a.cvtts2si(true, 8, dst, x);
    a.movRI(Reg.rax, SIGN64);
    a.aluRR(Alu.xor, 8, dst, Reg.rax);
    a.bind(done);
  }

  /** 0xFC 0..7: saturating truncations. */
  private truncSat(sub: number): void {
    const a = this.asm, s = this.stack;
    const to64 = sub >= 4;
    const k = sub & 3;
    const fromF64 = k >= 2, signed = (k & 1) === 0;
    const x = this.popAsF64(fromF64);
    const dst = s.allocGpr();
    const done = a.label(), tooHigh = a.label(), tooLow = a.label(), isNan = a.label();
    a.ucomis(true, x, x);
    a.jcc(Cond.P, isNan);
    const hi = to64 ? (signed ? 2 ** 63 : 2 ** 64) : signed ? 2 ** 31 : 2 ** 32;
    const lo = to64 ? (signed ? -(2 ** 63) : -1) : signed ? -(2 ** 31) - 1 : -1;
    this.f64const(XMM_SCRATCH2, hi);
    a.ucomis(true, x, XMM_SCRATCH2);
    a.jcc(Cond.AE, tooHigh);
    this.f64const(XMM_SCRATCH2, lo);
    a.ucomis(true, x, XMM_SCRATCH2);
    a.jcc(to64 && signed ? Cond.B : Cond.BE, tooLow);
    this.emitTruncate(x, dst, signed, to64);
    a.jmp(done);
    a.bind(isNan);
    a.aluRR(Alu.xor, 4, dst, dst);
    a.jmp(done);
    a.bind(tooHigh);
    a.movRI(dst, to64 ? (signed ? SIGN64 - 1n : (1n << 64n) - 1n) : signed ? 0x7fffffffn : 0xffffffffn);
    a.jmp(done);
    a.bind(tooLow);
    if (!signed) a.aluRR(Alu.xor, 4, dst, dst);
    else a.movRI(dst, to64 ? SIGN64 : 0x80000000n);
    a.bind(done);
    s.pushReg(to64 ? 'i64' : 'i32', dst);
  }

  private convertInt(dbl: boolean, from64: boolean, signed: boolean): void {
    const a = this.asm, s = this.stack;
    if (from64 && !signed) s.claim(Reg.rcx); // before the pop: the operand must not be in rcx
    const { v, r: x } = s.popReg();
    const dst = s.allocXmm();
    if (!from64) {
      if (signed) a.movsx(4, 8, Reg.rax, x);
      else a.movRR(4, Reg.rax, x);
      a.cvtsi2s(dbl, 8, dst, Reg.rax);
    } else if (signed) a.cvtsi2s(dbl, 8, dst, x);
    else {
      const big = a.label(), done = a.label();
      a.testRR(8, x, x);
      a.jcc(Cond.S, big);
      a.cvtsi2s(dbl, 8, dst, x);
      a.jmp(done);
      a.bind(big);
      // halve with the low bit kept sticky (round-to-odd), convert, double
      a.movRR(8, Reg.rax, x);
      a.shiftI(Shift.shr, 8, Reg.rax, 1);
      a.movRR(8, Reg.rcx, x);
      a.aluRI(Alu.and, 8, Reg.rcx, 1);
      a.aluRR(Alu.or, 8, Reg.rax, Reg.rcx);
      a.cvtsi2s(dbl, 8, dst, Reg.rax);
      a.arith(0x58, dbl, dst, dst);
      a.bind(done);
    }
    s.freeReg(v.t, x);
    s.pushReg(dbl ? 'f64' : 'f32', dst);
  }
}

function fitsImm(v: bigint, size: 4 | 8): boolean {
  if (size === 4) return true; // any 32-bit value is a valid imm32 for a 32-bit op
  const x = BigInt.asIntN(64, v);
  return x >= -0x80000000n && x <= 0x7fffffffn;
}
function immOf(v: bigint, size: 4 | 8): number {
  return size === 4 ? Number(BigInt.asIntN(32, v)) : Number(BigInt.asIntN(64, v));
}
