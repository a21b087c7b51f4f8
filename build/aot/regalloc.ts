// Register allocation for the single-pass lowering: the wasm value stack is kept as a list of
// abstract values (constants, lazy local reads, registers, or spill slots). Registers come from
// the pools in abi.ts; when a pool is empty the deepest register value of that class is spilled
// to its canonical slot (one 8-byte slot per stack depth). At control-flow joins the stack is
// "flushed": every value goes to its canonical slot, so all edges agree on where values live.
// Flushing uses only `mov`, so it never disturbs the flags of a pending fused compare. rcx and
// rdx are pool registers too; an instruction that needs one as a fixed operand claims it first.
import { Assembler, Reg, mem, type Mem } from './x64/encoder.ts';
import { CLAIMABLE_GPRS, GPR_POOL, XMM_POOL } from './abi.ts';
import type { ValType } from './wasm/module.ts';

export type Loc =
  | { k: 'const'; bits: bigint }
  | { k: 'reg'; r: number }
  | { k: 'slot' }
  | { k: 'local'; i: number };

export interface Val {
  t: ValType;
  loc: Loc;
}

export const isFloat = (t: ValType) => t === 'f32' || t === 'f64';
export const is64 = (t: ValType) => t === 'i64' || t === 'f64' || t === 'funcref' || t === 'externref';

export class ValueStack {
  readonly vals: Val[] = [];
  private freeGpr: Reg[];
  private freeXmm: number[];
  maxDepth = 0;
  /** Local index -> the register it lives in for the whole function (see lower.ts). */
  readonly pinned = new Map<number, number>();

  constructor(
    private asm: Assembler,
    /** Address of the canonical slot for stack depth d. */
    readonly slotAddr: (d: number) => Mem,
    /** Home address of local i (params and declared locals) in the frame. */
    readonly localAddr: (i: number) => Mem,
    readonly localType: (i: number) => ValType,
    pinned: Map<number, number> = new Map(),
    /** Where a float constant's bits live in memory (a RIP-relative pool), if anywhere. */
    readonly floatConst?: (bits: bigint) => Mem,
  ) {
    for (const [i, r] of pinned) this.pinned.set(i, r);
    this.freeGpr = [];
    this.freeXmm = [];
    this.resetPools();
  }
  /** Frees the register of an operand popped with popOperand, when it owned one. */
  release(b: { v: Val; op: number | Mem | bigint }): void {
    if (typeof b.op === 'number' && b.v.loc.k !== 'local') this.freeReg(b.v.t, b.op);
  }

  get length(): number {
    return this.vals.length;
  }
  push(v: Val): void {
    this.vals.push(v);
    if (this.vals.length > this.maxDepth) this.maxDepth = this.vals.length;
  }
  pushReg(t: ValType, r: number): void {
    this.push({ t, loc: { k: 'reg', r } });
  }
  pop(): Val {
    const v = this.vals.pop();
    if (!v) throw new Error('value stack underflow');
    return v;
  }
  peek(n = 0): Val {
    return this.vals[this.vals.length - 1 - n];
  }

  // ---- registers ------------------------------------------------------------------------------
  /** Takes a register of t's class out of the pool for a block result (see lower.ts), when at
   *  least `spare` others stay free; undefined otherwise. */
  reserve(t: ValType, spare = 3): number | undefined {
    const free = isFloat(t) ? this.freeXmm : this.freeGpr;
    if (free.length <= spare) return undefined;
    // never a claimable register: a claim moves stack values, not a result waiting for `end`
    const k = free.findIndex((r) => isFloat(t) || !CLAIMABLE_GPRS.includes(r));
    if (k < 0) return undefined;
    const r = free.splice(k, 1)[0];
    (isFloat(t) ? this.reserved.xmm : this.reserved.gpr).add(r);
    return r;
  }
  /** A reserved register now held by a stack value (pushed by the caller). */
  unreserve(t: ValType, r: number): void {
    (isFloat(t) ? this.reserved.xmm : this.reserved.gpr).delete(r);
  }
  /** Registers reserved for results of open blocks. */
  readonly reserved = { gpr: new Set<number>(), xmm: new Set<number>() };
  /** Switches the pinned-local assignment (at a loop boundary, with no value in a register). */
  setPinned(pinned: Map<number, number>): void {
    if (!this.assertNoRegs()) throw new Error('internal: pinned locals changed with values in registers');
    this.pinned.clear();
    for (const [i, r] of pinned) this.pinned.set(i, r);
    this.resetPools();
  }
  private resetPools(): void {
    const isF = (i: number) => isFloat(this.localType(i));
    const takenGpr = new Set([...this.pinned].filter(([i]) => !isF(i)).map(([, r]) => r));
    const takenXmm = new Set([...this.pinned].filter(([i]) => isF(i)).map(([, r]) => r));
    this.freeGpr = GPR_POOL.filter((r) => !takenGpr.has(r) && !this.reserved.gpr.has(r) && !this.claimed.has(r)).reverse();
    this.freeXmm = XMM_POOL.filter((r) => !takenXmm.has(r) && !this.reserved.xmm.has(r)).reverse();
  }
  allocGpr(): Reg {
    if (!this.freeGpr.length) this.spillOne(false);
    return this.freeGpr.pop()!;
  }
  /** Takes r out of the pool when it is free (a value about to be a fixed operand in r: no
   *  move then); undefined otherwise. */
  tryAllocGpr(r: Reg): Reg | undefined {
    const k = this.freeGpr.indexOf(r);
    if (k < 0) return undefined;
    this.freeGpr.splice(k, 1);
    return r;
  }
  allocXmm(): number {
    if (!this.freeXmm.length) this.spillOne(true);
    return this.freeXmm.pop()!;
  }
  alloc(t: ValType): number {
    return isFloat(t) ? this.allocXmm() : this.allocGpr();
  }
  free(v: Val): void {
    if (v.loc.k !== 'reg') return;
    if (isFloat(v.t)) this.freeXmm.push(v.loc.r);
    else this.freeGpr.push(v.loc.r);
  }
  freeReg(t: ValType, r: number): void {
    if (isFloat(t)) this.freeXmm.push(r);
    else this.freeGpr.push(r);
  }
  /** Claimable registers (abi.ts) in use as fixed operands by the instruction being lowered. */
  private readonly claimed = new Set<number>();
  /** Takes r (rcx or rdx) out of the pool until `releaseClaims`, moving a stack value held in it
   *  to another register (or its slot). Call before popping the operands: an operand popped
   *  earlier may sit in r. */
  claim(r: Reg): void {
    if (!CLAIMABLE_GPRS.includes(r)) throw new Error(`internal: register ${r} cannot be claimed`);
    if (this.claimed.has(r)) return;
    this.claimed.add(r);
    const k = this.freeGpr.indexOf(r);
    if (k >= 0) {
      this.freeGpr.splice(k, 1);
      return;
    }
    const d = this.vals.findIndex((v) => v.loc.k === 'reg' && !isFloat(v.t) && v.loc.r === r);
    if (d < 0) throw new Error(`internal: claimed register ${r} is neither free nor on the stack`);
    const to = this.freeGpr.pop();
    if (to === undefined) {
      this.store(d); // frees r: keep it out of the pool
      this.freeGpr.splice(this.freeGpr.indexOf(r), 1);
      return;
    }
    this.asm.movRR(8, to, r);
    this.vals[d] = { t: this.vals[d].t, loc: { k: 'reg', r: to } };
  }
  /** Pops the top value into r, claimed (see claim); a value already in r stays there. */
  popIntoClaimed(r: Reg): Val {
    const v = this.peek();
    if (v.loc.k === 'reg' && !isFloat(v.t) && v.loc.r === r) {
      this.claimed.add(r); // owned by the popped value, so not in the pool
      return this.pop();
    }
    this.claim(r);
    return this.popInto(r);
  }
  /** After an instruction: claimed registers go back to the pool, last in preference. */
  releaseClaims(): void {
    for (const r of this.claimed)
      if (!this.freeGpr.includes(r) && !this.vals.some((v) => v.loc.k === 'reg' && !isFloat(v.t) && v.loc.r === r))
        this.freeGpr.unshift(r);
    this.claimed.clear();
  }
  private spillOne(float: boolean): void {
    for (let d = 0; d < this.vals.length; d++) {
      const v = this.vals[d];
      if (v.loc.k === 'reg' && isFloat(v.t) === float) {
        this.store(d);
        return;
      }
    }
    throw new Error('register pool exhausted with nothing to spill');
  }

  // ---- moving values --------------------------------------------------------------------------
  /** Emits a load of value v (not on the stack any more) into register r of its class. */
  load(v: Val, r: number): void {
    const a = this.asm;
    const f = isFloat(v.t);
    switch (v.loc.k) {
      case 'reg':
        if (v.loc.r !== r) f ? a.movaps(r, v.loc.r) : a.movRR(8, r, v.loc.r);
        return;
      case 'const':
        if (f) {
          if (v.loc.bits === 0n) a.logic(0x57, false, r, r);
          else if (this.floatConst) a.movsdLoad(v.t === 'f64', r, this.floatConst(v.loc.bits));
          else {
            a.movRI(Reg.rax, v.loc.bits);
            a.movqXR(v.t === 'f64', r, Reg.rax);
          }
        } else a.movRI(r, v.t === 'i32' ? v.loc.bits & 0xffffffffn : v.loc.bits);
        return;
      case 'slot':
      case 'local': {
        if (v.loc.k === 'local') {
          const pr = this.pinned.get(v.loc.i);
          if (pr !== undefined) {
            if (pr !== r) f ? a.movaps(r, pr) : a.movRR(8, r, pr);
            return;
          }
        }
        if (v.loc.k === 'local' && !f && this.stored && this.stored.i === v.loc.i && this.stored.r === r &&
            this.stored.pos === a.pos && this.stored.binds === a.binds) return; // r still holds it
        const m = v.loc.k === 'local' ? this.localAddr(v.loc.i) : this.slotAddrOf(v);
        if (f) a.movsdLoad(v.t === 'f64', r, m);
        else a.load(is64(v.t) ? 8 : 4, r, m);
        return;
      }
    }
  }
  /** The integer frame local just stored from register r (by `noteStored`): while no code is
   *  emitted and no label bound after that store, r still holds the local (zero-extended if
   *  i32), so a reload into r is skipped (`i++` at the end of a loop, then its test). */
  private stored?: { i: number; r: number; pos: number; binds: number };
  noteStored(i: number, r: number): void {
    this.stored = { i, r, pos: this.asm.pos, binds: this.asm.binds };
  }
  private slotOf = new WeakMap<Val, number>();
  private slotAddrOf(v: Val): Mem {
    const d = this.slotOf.get(v);
    if (d === undefined) throw new Error('internal: slot value without a depth');
    return this.slotAddr(d);
  }

  /** Pops the top value into a register it owns (allocated when needed). */
  popReg(): { v: Val; r: number } {
    const v = this.pop();
    if (v.loc.k === 'reg') return { v, r: v.loc.r };
    const r = this.alloc(v.t);
    this.load(v, r);
    return { v, r };
  }
  /** Pops the top value for reading only: a pinned local's own register (not owned), or a
   *  register the caller owns. */
  popForRead(): { v: Val; r: number; owned: boolean } {
    const v = this.peek();
    if (v.loc.k === 'local') {
      const pr = this.pinned.get(v.loc.i);
      if (pr !== undefined) {
        this.pop();
        return { v, r: pr, owned: false };
      }
    }
    const { r } = this.popReg();
    return { v, r, owned: true };
  }
  /** Pops the top value into a specific scratch register (rax/rcx/rdx or xmm14/15). */
  popInto(r: number): Val {
    const v = this.pop();
    this.load(v, r);
    this.free(v);
    return v;
  }
  /** Pops the top value; returns a memory operand when it lives in memory, else a register. */
  popOperand(): { v: Val; op: number | Mem | bigint } {
    const v = this.vals[this.vals.length - 1];
    if (v.loc.k === 'slot') {
      const m = this.slotAddrOf(v);
      this.pop();
      return { v, op: m };
    }
    if (v.loc.k === 'local') {
      this.pop();
      const pr = this.pinned.get(v.loc.i);
      return { v, op: pr ?? this.localAddr(v.loc.i) };
    }
    if (v.loc.k === 'const') {
      this.pop();
      return { v, op: v.loc.bits };
    }
    const { v: rv, r } = this.popReg();
    return { v: rv, op: r };
  }

  /** Stores the value at depth d to its canonical slot (only `mov`s; uses rax for constants and locals). */
  store(d: number): void {
    const v = this.vals[d];
    const a = this.asm;
    const m = this.slotAddr(d);
    switch (v.loc.k) {
      case 'slot':
        if (this.slotOf.get(v) === d) return;
        a.load(8, Reg.rax, this.slotAddrOf(v));
        a.store(8, m, Reg.rax);
        break;
      case 'reg':
        if (isFloat(v.t)) a.movsdStore(true, m, v.loc.r);
        else a.store(8, m, v.loc.r);
        this.free(v);
        break;
      case 'const': {
        const bits = is64(v.t) ? BigInt.asIntN(64, v.loc.bits) : BigInt.asIntN(32, v.loc.bits);
        if (bits >= -0x80000000n && bits <= 0x7fffffffn) a.storeImm(is64(v.t) ? 8 : 4, m, Number(bits));
        else {
          a.movRI(Reg.rax, v.loc.bits);
          a.store(8, m, Reg.rax);
        }
        break;
      }
      case 'local': {
        const pr = this.pinned.get(v.loc.i);
        if (pr !== undefined) {
          if (isFloat(v.t)) a.movsdStore(true, m, pr);
          else a.store(8, m, pr);
        } else {
          a.load(8, Reg.rax, this.localAddr(v.loc.i));
          a.store(8, m, Reg.rax);
        }
        break;
      }
    }
    const nv: Val = { t: v.t, loc: { k: 'slot' } };
    this.slotOf.set(nv, d);
    this.vals[d] = nv;
  }
  /** Everything to its canonical slot. */
  flush(): void {
    for (let d = 0; d < this.vals.length; d++) this.store(d);
  }
  /** Values at depths below `depth` to their canonical slots. */
  flushBelow(depth: number): void {
    for (let d = 0; d < depth; d++) this.store(d);
  }
  /** Stores the value at depth d as 8 bytes at `m` (not its slot), e.g. an outgoing argument;
   *  uses rax. The value stays on the stack. */
  storeTo(d: number, m: Mem): void {
    const v = this.vals[d];
    const a = this.asm;
    switch (v.loc.k) {
      case 'reg':
        if (isFloat(v.t)) a.movsdStore(true, m, v.loc.r);
        else a.store(8, m, v.loc.r);
        return;
      case 'const': {
        const bits = is64(v.t) ? BigInt.asIntN(64, v.loc.bits) : BigInt.asIntN(32, v.loc.bits);
        if (bits >= -0x80000000n && bits <= 0x7fffffffn) a.storeImm(8, m, Number(bits));
        else {
          a.movRI(Reg.rax, v.loc.bits);
          a.store(8, m, Reg.rax);
        }
        return;
      }
      case 'local': {
        const pr = this.pinned.get(v.loc.i);
        if (pr !== undefined) {
          if (isFloat(v.t)) a.movsdStore(true, m, pr);
          else a.store(8, m, pr);
          return;
        }
        a.load(8, Reg.rax, this.localAddr(v.loc.i));
        a.store(8, m, Reg.rax);
        return;
      }
      case 'slot':
        a.load(8, Reg.rax, this.slotAddrOf(v));
        a.store(8, m, Reg.rax);
        return;
    }
  }
  /** Before local i is written: materialise pending lazy reads of it. */
  materializeLocal(i: number): void {
    for (let d = 0; d < this.vals.length; d++) {
      const v = this.vals[d];
      if (v.loc.k === 'local' && v.loc.i === i) {
        const r = this.alloc(v.t);
        this.load(v, r);
        this.vals[d] = { t: v.t, loc: { k: 'reg', r } };
      }
    }
  }
  /** Resets the stack to `height` values in slots followed by values of `types` in slots. */
  resetTo(height: number, types: ValType[]): void {
    for (let d = height; d < this.vals.length; d++) this.free(this.vals[d]);
    this.vals.length = height;
    for (const t of types) {
      const v: Val = { t, loc: { k: 'slot' } };
      this.slotOf.set(v, this.vals.length);
      this.push(v);
    }
  }
  /** A value already in slot d (for results of calls). */
  pushSlot(t: ValType): void {
    const v: Val = { t, loc: { k: 'slot' } };
    this.slotOf.set(v, this.vals.length);
    this.push(v);
  }
  /** True when no register is held by a stack value. */
  assertNoRegs(): boolean {
    return this.vals.every((v) => v.loc.k !== 'reg');
  }
  static localMem(base: Reg, off: number): Mem {
    return mem(base, off);
  }
}
