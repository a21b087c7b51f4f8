// x86-64 machine-code encoder: registers, REX/ModRM/SIB/displacement/immediate, the integer,
// SSE2 and SSE4.1 instructions the back end needs, labels (rel8 back edges, rel32 fixups otherwise, and
// `relax` to shorten a finished function's jumps to rel8), and data relocations (RIP-relative and
// absolute) resolved later by the linker.
//
// Baseline: every x86-64 CPU we target (the Xen PV hosts and Linux machines of the last 15 years)
// has SSE4.1 (roundsd/roundss) and POPCNT (Nehalem / Barcelona, 2008), so we use them without a
// cpuid check. We do NOT use LZCNT/TZCNT (BMI, Haswell): clz/ctz are BSR/BSF plus CMOV.
// Facts: Intel SDM vol. 2 (instruction formats, ModRM/SIB tables).
import { jumpThreader, markDeadJumps } from './jump-threading.ts';
import { newZxState } from './zero-ext.ts';

export const enum Reg {
  rax = 0, rcx = 1, rdx = 2, rbx = 3, rsp = 4, rbp = 5, rsi = 6, rdi = 7,
  r8 = 8, r9 = 9, r10 = 10, r11 = 11, r12 = 12, r13 = 13, r14 = 14, r15 = 15,
}
export const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
export const enum Cond {
  O = 0, NO = 1, B = 2, AE = 3, E = 4, NE = 5, BE = 6, A = 7,
  S = 8, NS = 9, P = 10, NP = 11, L = 12, GE = 13, LE = 14, G = 15,
}
export const invertCond = (c: Cond): Cond => (c ^ 1) as Cond;

/** A memory operand: [base + index*scale + disp]; base 'rip' is RIP-relative to a symbol. */
export interface Mem {
  base: Reg;
  index?: Reg;
  scale?: 1 | 2 | 4 | 8;
  disp?: number;
  /** RIP-relative to this label instead (base, index and disp unused): data after the code. */
  label?: Label;
  /** No base register: [index*scale + disp32] (base ignored; `lea r, [x*4]`). */
  noBase?: boolean;
}
/** [rip + label]: constants placed after a function's code. */
export const ripMem = (label: Label): Mem => ({ base: Reg.rbp, label });
export const mem = (base: Reg, disp = 0, index?: Reg, scale: 1 | 2 | 4 | 8 = 1): Mem => ({ base, disp, index, scale });

export type Size = 1 | 2 | 4 | 8;

export interface Label {
  id: number;
  pos: number; // -1 until bound
  name?: string;
  /** Jumps to this label go straight to `redirect` (the code here is only `jmp redirect`). */
  redirect?: Label;
}

export interface Reloc {
  /** Byte offset of the 4- or 8-byte field in this buffer. */
  offset: number;
  kind: 'pc32' | 'abs64';
  symbol: string;
  addend: number;
}

export const enum Alu { add = 0, or = 1, adc = 2, sbb = 3, and = 4, sub = 5, xor = 6, cmp = 7 }
export const enum Shift { rol = 0, ror = 1, shl = 4, shr = 5, sar = 7 }

/** Multi-byte NOPs of 1..9 bytes. */
const NOPS: number[][] = [
  [0x90], [0x66, 0x90], [0x0f, 0x1f, 0x00], [0x0f, 0x1f, 0x40, 0x00], [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00], [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00], [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

const isInt8 = (v: number) => v >= -128 && v <= 127;
const isInt32 = (v: number) => v >= -0x80000000 && v <= 0x7fffffff;

export interface Fixup { at: number; label: Label; end: number; base?: Label }
/** A jmp/jcc emitted since the last relax: [start, end) holds it; cond -1 is jmp. */
export interface JumpItem { kind: 'jump'; start: number; end: number; cond: number; label: Label; short: boolean; pinned: boolean; fixup?: Fixup; dead?: boolean }
/** An alignment: [start, end) is padding (NOPs or `fill`); `before` are labels bound at start before it. */
export interface AlignItem { kind: 'align'; start: number; end: number; n: number; fill: number; before?: Label[] }
export type Item = JumpItem | AlignItem;
const NOP_FILL = -1;
/** A cache line: relax places a loop that fits one within one. */
const LINE = 64;

export class Assembler {
  private buf = new Uint8Array(4096);
  pos = 0;
  private labels: Label[] = [];
  private fixups: Fixup[] = [];
  /** Jumps and alignments emitted since the last relax (in emission order), and labels bound since. */
  private items: Item[] = [];
  private bound: Label[] = [];
  readonly relocs: Reloc[] = [];

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b & 0xff;
  }
  bytes(...bs: number[]): void {
    for (const b of bs) this.byte(b);
  }
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }
  u16(v: number): void {
    this.byte(v);
    this.byte(v >>> 8);
  }
  u32(v: number): void {
    this.byte(v);
    this.byte(v >>> 8);
    this.byte(v >>> 16);
    this.byte(v >>> 24);
  }
  u64(v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.u32(Number(x & 0xffffffffn));
    this.u32(Number(x >> 32n));
  }
  patch32(at: number, v: number): void {
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = (v >>> 8) & 0xff;
    this.buf[at + 2] = (v >>> 16) & 0xff;
    this.buf[at + 3] = (v >>> 24) & 0xff;
  }
  align(n: number, fill = 0xcc): void {
    const start = this.pos;
    while (this.pos % n) this.byte(fill);
    this.alignItem(start, n, fill);
  }
  private alignItem(start: number, n: number, fill: number): void {
    this.items.push({ kind: 'align', start, end: this.pos, n, fill, before: this.herePos === start && this.here.length ? [...this.here] : undefined });
  }
  /** Pads to a multiple of n for code that is fallen into: one of the recommended multi-byte NOP
   *  forms (Intel SDM vol. 2 "NOP") when one suffices, else a short jmp over the padding. */
  alignNops(n: number): void {
    const start = this.pos;
    this.nops((n - (this.pos % n)) % n);
    this.alignItem(start, n, NOP_FILL);
  }
  private nops(pad: number): void {
    // more than one NOP: a jmp over the rest is one instruction on entry instead of several (a
    // nested loop's head is entered on every outer iteration: fannkuch ran ~4% of its
    // instructions as such NOPs); the bytes jumped over are never run
    if (pad > NOPS.length) {
      this.bytes(0xeb, pad - 2);
      for (let k = 2; k < pad; k++) this.byte(0xcc);
      return;
    }
    while (pad > 0) {
      const k = Math.min(pad, NOPS.length);
      this.bytes(...NOPS[k - 1]);
      pad -= k;
    }
  }

  // ---- labels -------------------------------------------------------------------------------
  label(name?: string): Label {
    const l: Label = { id: this.labels.length, pos: -1, name };
    this.labels.push(l);
    return l;
  }
  bind(l: Label): void {
    if (l.pos >= 0) throw new Error(`label ${l.name ?? l.id} bound twice`);
    this.dropJumpsToHere(l);
    this.invertBranchOver(l);
    l.pos = this.pos;
    this.bound.push(l);
    this.binds++;
    if (this.herePos !== this.pos) {
      this.herePos = this.pos;
      this.here = [];
    }
    this.here.push(l);
  }
  /** Removes the rel32 `jmp l` / `jcc l` just emitted (loop exits, `else` arms that fall into
   *  their end): a jump to the next instruction does nothing. Labels bound at the jump stay at
   *  its position, which becomes l's. Only the last fixup can be such a jump: the rel32 is the
   *  last 4 bytes emitted, after e9 (jmp) or 0f 8x (jcc); lea/call/table fixups differ. */
  private dropJumpsToHere(l: Label): void {
    for (;;) {
      const f = this.fixups[this.fixups.length - 1];
      if (!f || f.label !== l || f.base || f.end !== this.pos) return;
      const b = this.buf;
      const len = b[f.at - 1] === 0xe9 ? 5 : b[f.at - 2] === 0x0f && (b[f.at - 1] & 0xf0) === 0x80 ? 6 : 0;
      if (!len) return;
      this.fixups.pop();
      this.pos -= len;
      this.removedJumps++;
      // its item too; zero-length alignments recorded after it now sit where it was
      let k = this.items.length - 1;
      while (k >= 0 && !(this.items[k].kind === 'jump' && (this.items[k] as JumpItem).fixup === f)) k--;
      if (k >= 0) {
        this.items.splice(k, 1);
        for (let j = k; j < this.items.length; j++) this.items[j].start = this.items[j].end = this.pos;
      }
      if (this.herePos === this.pos + len) {
        // labels bound after the jump (and before l) move back with it
        for (const h of this.here) h.pos -= len;
        this.herePos = this.pos;
      }
    }
  }
  /** `jcc l; jmp x; l:` becomes `jcc!cc x; l:` when nothing else jumps to the jmp (no label is
   *  bound at it): an `if` whose arm is only a branch. */
  private invertBranchOver(l: Label): void {
    const n = this.items.length;
    if (n < 2) return;
    const j = this.items[n - 1], c = this.items[n - 2];
    if (j.kind !== 'jump' || c.kind !== 'jump' || j.cond >= 0 || c.cond < 0 || c.short || c.label !== l) return;
    if (j.end !== this.pos || c.end !== j.start || !c.fixup) return;
    for (let k = this.bound.length - 1; k >= 0 && this.bound[k].pos >= j.start; k--) if (this.bound[k].pos === j.start) return;
    const f = this.fixups;
    if (j.fixup) {
      if (f[f.length - 1] !== j.fixup || f[f.length - 2] !== c.fixup) return;
      f.length -= 2;
    } else {
      if (f[f.length - 1] !== c.fixup || this.shortJumps[this.shortJumps.length - 1] !== j.label) return;
      f.length -= 1;
      this.shortJumps.pop();
    }
    const end = this.pos;
    this.items.length = n - 2;
    this.pos = c.start;
    this.jcc(invertCond(c.cond as Cond), j.label);
    if (this.herePos === end) {
      // labels bound after the jmp (before l) move back with it
      for (const h of this.here) h.pos = this.pos;
      this.herePos = this.pos;
    }
    this.invertedBranches++;
  }
  /** Branches over a jmp turned into one inverted branch (tests). */
  invertedBranches = 0;
  /** Unreachable jmps relax left out (tests). */
  deadJumps = 0;
  /** Jumps to the next instruction removed so far (tests). */
  removedJumps = 0;
  /** Number of labels bound so far (a straight-line stretch of code has no binds). */
  binds = 0;
  private here: Label[] = [];
  private herePos = -1;
  /** Labels bound at the current position with no code emitted since. */
  labelsHere(): readonly Label[] {
    return this.herePos === this.pos ? this.here : [];
  }
  /** Jump threading: the code at `from` is an unconditional jump to `to`, so jumps to `from`
   *  may go to `to` directly. */
  redirect(from: Label, to: Label): void {
    if (from !== to) from.redirect = to;
  }
  /** Where jumps to l land: the end of its redirect chain (a cycle, an infinite wasm loop, keeps l). */
  private finalPos(l: Label): number {
    let t = l;
    for (let n = 0; t.redirect && n < 64; n++) {
      t = t.redirect;
      if (t === l) return l.pos;
    }
    return t.redirect ? l.pos : t.pos;
  }
  private rel32(l: Label): void {
    this.fixups.push({ at: this.pos, label: l, end: this.pos + 4 });
    this.u32(0);
  }
  /** Resolves label fixups and returns the code. Throws on an unbound label. */
  finish(): Uint8Array {
    for (const l of this.shortJumps)
      if (this.finalPos(l) !== l.pos) throw new Error(`internal: label ${l.name ?? l.id} redirected after a short jump to it`);
    this.shortJumps = [];
    for (const f of this.fixups) {
      if (f.label.pos < 0) throw new Error(`unbound label ${f.label.name ?? f.label.id}`);
      if (f.base && f.base.pos < 0) throw new Error(`unbound label ${f.base.name ?? f.base.id}`);
      const to = this.finalPos(f.label);
      if (to < 0) throw new Error(`unbound label ${f.label.name ?? f.label.id}`);
      this.patch32(f.at, to - (f.base ? f.base.pos : f.end));
    }
    this.fixups = [];
    return this.buf.slice(0, this.pos);
  }

  /** Jump relaxation for the code from `start` (a finished function: every label its jumps reach
   *  is bound): each jmp/jcc whose target lies within rel8 reach becomes the 2-byte form, and
   *  alignments are re-padded for their new positions; a loop head's alignment widens to a whole
   *  line when that keeps a loop of at most 64 bytes within one line (with the old layout sieve's
   *  44-byte counting loop sat on a 64-byte boundary by luck; shortened code moved it to straddle
   *  one: +13% time at equal instruction count). Iterates to a fixed point; a short jump that
   *  falls out of reach (code after an alignment can move) goes back to rel32 for good and
   *  alignments only widen, so it ends. Jumps to a jmp go to its target (jump-threading.ts) and
   *  jmps left unreachable take no bytes; `keep` are positions recorded outside that must stay.
   *  Labels, fixups and relocations in the range move with the code; returns the map from old
   *  positions to new ones for positions recorded outside (symbols, trap sites). */
  relax(start: number, keep: Iterable<number> = []): (p: number) => number {
    let first = this.items.length;
    while (first > 0 && this.items[first - 1].start >= start) first--;
    const items = this.items.slice(first);
    const bound = this.bound.filter((l) => l.pos >= start);
    this.items = [];
    this.bound = [];
    this.here = [];
    this.herePos = -1;
    const n = items.length;
    const ends = items.map((it) => it.end);
    const newStart = new Array<number>(n).fill(0);
    const delta = new Array<number>(n).fill(0); // new minus old position just after item i
    const beforeAlign = new Map<Label, number>();
    items.forEach((it, i) => it.kind === 'align' && it.before?.forEach((l) => beforeAlign.set(l, i)));
    const map = (p: number): number => {
      let lo = 0, hi = n; // first item with end > p
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ends[mid] <= p) lo = mid + 1;
        else hi = mid;
      }
      return lo ? p + delta[lo - 1] : p;
    };
    const mapLabel = (l: Label): number => {
      const i = beforeAlign.get(l);
      return i === undefined ? map(l.pos) : newStart[i];
    };
    const layout = () => {
      let d = 0;
      for (let i = 0; i < n; i++) {
        const it = items[i];
        const s = it.start + d;
        newStart[i] = s;
        const len = it.kind === 'align' ? (it.n - (s % it.n)) % it.n : it.dead ? 0 : it.short ? 2 : it.cond < 0 ? 5 : 6;
        d = s + len - it.end;
        delta[i] = d;
      }
    };
    // where each jump lands, in new positions (undefined: outside the range, not movable by it)
    const thread = jumpThreader(items, start, (l) => this.finalLabel(l), (l) => beforeAlign.has(l));
    const targets = items.map((it) => (it.kind === 'jump' ? thread(it.label) : undefined));
    // jump-table entries too (not calls or RIP-relative data: those land on the label itself)
    for (let k = this.fixups.length - 1; k >= 0 && this.fixups[k].at >= start; k--) {
      const f = this.fixups[k];
      if (f.base && f.label.pos >= 0) f.label = thread(f.label);
    }
    const targetPos = (t: Label): number => (t.pos >= start ? mapLabel(t) : t.pos);
    for (let i = 0; i < n; i++) {
      const it = items[i], t = targets[i];
      if (it.kind === 'jump' && (!t || t.pos < 0)) {
        if (it.short) throw new Error(`internal: short jump to unbound label ${it.label.name ?? it.label.id}`);
        it.pinned = true;
      }
    }
    this.deadJumps += markDeadJumps(items, targets, this.fixups.filter((f) => f.at >= start), (l) => this.finalPos(l), keep);
    // loops: a NOP alignment whose end a later jump goes back to is a loop head; its loop ends
    // with the last such jump
    const headAt = new Map<number, number>(); // old position of a loop-head alignment's end -> item
    items.forEach((it, i) => it.kind === 'align' && it.fill === NOP_FILL && headAt.set(it.end, i));
    const loopEnd = new Map<number, number>(); // alignment item -> its last back-edge item
    for (let i = 0; i < n; i++) {
      const t = targets[i];
      if (!t || t.pos < start || beforeAlign.has(t)) continue;
      const h = headAt.get(t.pos);
      if (h !== undefined && h < i) loopEnd.set(h, i);
    }
    for (let changed = true; changed; ) {
      changed = false;
      layout();
      // a loop that fits one 64-byte line is placed within one (alignments only grow: it ends)
      for (const [h, k] of loopEnd) {
        const al = items[h] as AlignItem;
        if (al.n >= LINE) continue;
        const head = al.end + delta[h], len = items[k].end + delta[k] - head;
        if (len <= LINE && (head % LINE) + len > LINE) {
          al.n = LINE;
          changed = true;
        }
      }
      for (let i = 0; i < n; i++) {
        const it = items[i];
        if (it.kind !== 'jump' || it.dead || (it.pinned && !it.short)) continue;
        const fits = isInt8(targetPos(targets[i]!) - (newStart[i] + 2));
        if (it.short && !fits) {
          it.short = false;
          it.pinned = true;
          changed = true;
        } else if (!it.short && fits) {
          it.short = true;
          changed = true;
        }
      }
    }
    // move the code
    // in place when no code moves up (a jump back to rel32, a wider alignment); else from a copy
    const grew = delta.some((d) => d > 0);
    const old = grew ? this.buf.slice(start, this.pos) : this.buf;
    const from = grew ? start : 0; // old position p is old[p - from]
    const end = this.pos;
    const total = n ? this.pos + delta[n - 1] : this.pos;
    this.ensure(Math.max(0, total - this.pos));
    const out = this.buf;
    const copy = (a: number, b: number, to: number) => {
      if (grew) out.set(old.subarray(a - from, b - from), to);
      else out.copyWithin(to, a, b);
    };
    let w = start, r = start;
    const jumpFixups = new Set<Fixup>();
    const newFixups: Fixup[] = [];
    for (let i = 0; i < n; i++) {
      const it = items[i];
      copy(r, it.start, w);
      w += it.start - r;
      if (it.kind === 'align') {
        const pad = (it.n - (w % it.n)) % it.n;
        if (it.fill === NOP_FILL) {
          this.pos = w;
          this.nops(pad);
        } else out.fill(it.fill, w, w + pad);
        w += pad;
      } else {
        if (it.fixup) jumpFixups.add(it.fixup);
        if (it.dead) {
          // unreachable: after an unconditional jump, and nothing lands on it
        } else if (it.short) {
          out[w] = it.cond < 0 ? 0xeb : 0x70 + it.cond;
          out[w + 1] = (targetPos(targets[i]!) - (w + 2)) & 0xff;
          w += 2;
        } else {
          if (it.cond < 0) out[w++] = 0xe9;
          else {
            out[w++] = 0x0f;
            out[w++] = 0x80 + it.cond;
          }
          out.fill(0, w, w + 4);
          newFixups.push({ at: w, label: targets[i]!, end: w + 4 });
          w += 4;
        }
      }
      r = it.end;
    }
    copy(r, end, w);
    w += end - r;
    this.pos = w;
    // fixups, relocations and labels of the range follow their code
    let f0 = this.fixups.length;
    while (f0 > 0 && this.fixups[f0 - 1].at >= start) f0--;
    const moved = this.fixups.slice(f0).filter((f) => !jumpFixups.has(f));
    for (const f of moved) {
      const at = map(f.at);
      if (!f.base) f.end = at + (f.end - f.at); // the field's instruction ends where it did relative to it
      f.at = at;
    }
    this.fixups.length = f0;
    for (const f of [...moved, ...newFixups].sort((x, y) => x.at - y.at)) this.fixups.push(f);
    for (let k = this.relocs.length - 1; k >= 0 && this.relocs[k].offset >= start; k--) this.relocs[k].offset = map(this.relocs[k].offset);
    const newPos = bound.map(mapLabel);
    bound.forEach((l, k) => (l.pos = newPos[k]));
    this.shortJumps = this.shortJumps.filter((l) => l.pos < start);
    return map;
  }
  /** The label at the end of l's redirect chain (l itself for a cycle). */
  private finalLabel(l: Label): Label {
    let t = l;
    for (let k = 0; t.redirect && k < 64; k++) {
      t = t.redirect;
      if (t === l) return l;
    }
    return t.redirect ? l : t;
  }

  /** A 32-bit entry `label - base` (jump tables). */
  labelDiff32(label: Label, base: Label): void {
    this.fixups.push({ at: this.pos, label, end: 0, base });
    this.u32(0);
  }
  /** lea dst, [rip + label] */
  leaLabel(dst: Reg, l: Label): void {
    this.byte(0x48 | (dst & 8 ? 4 : 0));
    this.byte(0x8d);
    this.byte(((dst & 7) << 3) | 5);
    this.rel32(l);
  }

  // ---- core encoding ------------------------------------------------------------------------
  /** Emits [prefixes] REX opcode ModRM [SIB] [disp] for reg-field `reg` and r/m operand `rm`. */
  private modrm(opcode: number[], reg: number, rm: Reg | Mem, w: boolean, opts: { prefix?: number[]; byteRegs?: boolean; immBytes?: number } = {}): void {
    if (opts.prefix) for (const p of opts.prefix) this.byte(p);
    let rex = w ? 0x48 : 0;
    if (reg & 8) rex |= 0x44;
    if (typeof rm === 'number') {
      if (rm & 8) rex |= 0x41;
      if (opts.byteRegs && ((rm >= 4 && rm < 8) || (reg >= 4 && reg < 8))) rex |= 0x40;
      if (rex) this.byte(rex);
      for (const o of opcode) this.byte(o);
      this.byte(0xc0 | ((reg & 7) << 3) | (rm & 7));
      return;
    }
    let m = rm;
    // [rbp/r13 + index] needs a zero disp8 as base; as the index it does not (scale 1 only)
    if ((m.base & 7) === 5 && !m.disp && m.index !== undefined && (m.scale ?? 1) === 1 && m.index !== Reg.rsp && (m.index & 7) !== 5 && !m.label)
      m = { base: m.index, index: m.base, scale: 1 };
    if (opts.byteRegs && reg >= 4 && reg < 8) rex |= 0x40;
    if (m.label) {
      if (rex) this.byte(rex);
      for (const o of opcode) this.byte(o);
      this.byte(((reg & 7) << 3) | 5);
      this.fixups.push({ at: this.pos, label: m.label, end: this.pos + 4 + (opts.immBytes ?? 0) });
      this.u32(0);
      return;
    }
    if (m.noBase) {
      // SIB with base 101 and mod 00: no base, always a 32-bit displacement
      if (m.index === undefined || m.index === Reg.rsp) throw new Error('a memory operand without base needs an index other than rsp');
      if (m.index & 8) rex |= 0x42;
      if (rex) this.byte(rex);
      for (const o of opcode) this.byte(o);
      this.byte(((reg & 7) << 3) | 4);
      this.byte(({ 1: 0, 2: 1, 4: 2, 8: 3 }[m.scale ?? 1] << 6) | ((m.index & 7) << 3) | 5);
      this.u32(m.disp ?? 0);
      return;
    }
    if (m.base & 8) rex |= 0x41;
    if (m.index !== undefined && m.index & 8) rex |= 0x42;
    if (rex) this.byte(rex);
    for (const o of opcode) this.byte(o);
    const disp = m.disp ?? 0;
    const base = m.base;
    const needSib = m.index !== undefined || (base & 7) === 4;
    let mod: number;
    if (disp === 0 && (base & 7) !== 5) mod = 0;
    else if (isInt8(disp)) mod = 1;
    else if (isInt32(disp)) mod = 2;
    else throw new Error(`displacement ${disp} does not fit 32 bits`);
    if (needSib) {
      if (m.index === Reg.rsp) throw new Error('rsp cannot be an index');
      const scale = { 1: 0, 2: 1, 4: 2, 8: 3 }[m.scale ?? 1];
      const index = m.index === undefined ? 4 : m.index & 7;
      this.byte((mod << 6) | ((reg & 7) << 3) | 4);
      this.byte((scale << 6) | (index << 3) | (base & 7));
    } else {
      this.byte((mod << 6) | ((reg & 7) << 3) | (base & 7));
    }
    if (mod === 1) this.byte(disp);
    else if (mod === 2) this.u32(disp);
  }
  /** RIP-relative operand against a symbol (resolved by the linker). `tail` = bytes after disp. */
  private ripRel(opcode: number[], reg: number, w: boolean, symbol: string, addend: number, prefix?: number[], tail = 0): void {
    if (prefix) for (const p of prefix) this.byte(p);
    let rex = w ? 0x48 : 0;
    if (reg & 8) rex |= 0x44;
    if (rex) this.byte(rex);
    for (const o of opcode) this.byte(o);
    this.byte(((reg & 7) << 3) | 5);
    this.relocs.push({ offset: this.pos, kind: 'pc32', symbol, addend: addend - 4 - tail });
    this.u32(0);
  }
  private sizePrefix(size: Size): number[] | undefined {
    return size === 2 ? [0x66] : undefined;
  }

  // ---- integer ------------------------------------------------------------------------------
  /** dst op= src (op in add/or/adc/sbb/and/sub/xor/cmp); size 4 or 8. */
  aluRR(op: Alu, size: 4 | 8, dst: Reg, src: Reg): void {
    this.modrm([0x01 + 8 * op], src, dst, size === 8);
    this.zfFrom(op, size, dst);
    if (size === 4 && op !== Alu.cmp) this.zx(dst);
  }
  aluRM(op: Alu, size: 4 | 8, dst: Reg, src: Mem): void {
    this.modrm([0x03 + 8 * op], dst, src, size === 8);
    this.zfFrom(op, size, dst);
    if (size === 4 && op !== Alu.cmp) this.zx(dst);
  }
  /** After add/or/and/sub/xor of a 32-bit register, ZF tells whether the register is zero. */
  private zfFrom(op: Alu, size: 4 | 8, dst: Reg | Mem): void {
    if (op === Alu.cmp || op === Alu.adc || op === Alu.sbb || size !== 4 || typeof dst !== 'number') return;
    this.zfReg = dst;
    this.zfEnd = this.pos;
    this.zfBinds = this.binds;
  }
  private zfReg = -1;
  private zfEnd = -1;
  private zfBinds = -1;
  /** `test r, r` (32-bit) for a consumer of ZF only (je/jne): left out when the instruction just
   *  before set ZF from that register's 32-bit value and no label lies between them. */
  testZf(r: Reg): void {
    if (this.zfEnd === this.pos && this.zfBinds === this.binds && this.zfReg === r) {
      this.testsSkipped++;
      return;
    }
    this.testRR(4, r, r);
  }
  /** `test` instructions testZf left out (tests). */
  testsSkipped = 0;
  aluMR(op: Alu, size: 4 | 8, dst: Mem, src: Reg): void {
    this.modrm([0x01 + 8 * op], src, dst, size === 8);
  }
  aluRI(op: Alu, size: 4 | 8, dst: Reg | Mem, imm: number): void {
    if (!isInt32(imm)) throw new Error(`immediate ${imm} does not fit 32 bits`);
    if (isInt8(imm)) {
      this.modrm([0x83], op, dst, size === 8, { immBytes: 1 });
      this.byte(imm);
    } else {
      this.modrm([0x81], op, dst, size === 8, { immBytes: 4 });
      this.u32(imm);
    }
    this.zfFrom(op, size, dst);
    // a 32-bit op, or a 64-bit and with a non-negative mask, leaves bits 32..63 zero
    if (typeof dst === 'number' && op !== Alu.cmp && (size === 4 || (op === Alu.and && imm >= 0))) this.zx(dst);
  }
  /** cmp size [m], imm8 (sign-extended): tests a value in memory without loading it. */
  cmpMI8(size: Size, m: Mem, imm: number): void {
    if (!isInt8(imm)) throw new Error(`immediate ${imm} does not fit 8 bits`);
    this.modrm([size === 1 ? 0x80 : 0x83], Alu.cmp, m, size === 8, { prefix: this.sizePrefix(size), immBytes: 1 });
    this.byte(imm);
  }
  /** mov; `mov r32, r32` zero-extending a register whose bits 32..63 are already zero is left
   *  out, and `mov r64, s; mov r32, r32` becomes `mov r32, s` (zero-ext.ts). */
  movRR(size: 4 | 8, dst: Reg, src: Reg): void {
    const z = this.zxState;
    if (size === 4 && dst === src && z.binds === this.binds) {
      if (z.end === this.pos && z.reg === dst) {
        this.zxSkipped++;
        return;
      }
      if (z.movEnd === this.pos && z.movDst === dst && z.mov32) {
        this.pos = z.movStart; // the 64-bit copy just emitted becomes a 32-bit one
        this.zxSkipped++;
        z.mov32();
        return;
      }
    }
    const start = this.pos;
    this.modrm([0x89], src, dst, size === 8);
    if (size === 4) this.zx(dst);
    else this.copied64(start, dst, () => this.movRR(4, dst, src));
  }
  /** A 64-bit copy into dst occupies [start, pos); `mov32` emits its 32-bit form. */
  private copied64(start: number, dst: Reg, mov32: () => void): void {
    Object.assign(this.zxState, { movStart: start, movEnd: this.pos, movDst: dst, mov32, binds: this.binds });
  }
  /** Takes back the code from `to` on (straight-line code only: no label bound, jump or fixup
   *  recorded since); what was known about the code after it is forgotten. */
  rewind(to: number): void {
    if (to > this.pos || to < 0) throw new Error(`internal: rewind to ${to} from ${this.pos}`);
    this.pos = to;
    this.zxState = newZxState();
    this.zfEnd = -1;
  }
  /** The instruction just emitted wrote dst's low 32 bits and zeroed the rest. */
  private zx(dst: Reg): void {
    Object.assign(this.zxState, { reg: dst, end: this.pos, binds: this.binds });
  }
  private zxState = newZxState();
  /** Zero-extending movs left out or merged into the copy before them (tests). */
  zxSkipped = 0;
  /** Load: size 1/2 zero-extend into 32 bits (movzx), 4 zero-extends to 64, 8 full. */
  load(size: Size, dst: Reg, src: Mem, signed = false, destSize: 4 | 8 = 4): void {
    if (size === 8) {
      const start = this.pos;
      this.modrm([0x8b], dst, src, true);
      // a frame slot (never a trapping linear-memory access, which must keep its width)
      if (src.base === Reg.rbp && src.index === undefined && !src.label) this.copied64(start, dst, () => this.load(4, dst, src));
      return;
    }
    if (size === 4) {
      if (signed) return this.modrm([0x63], dst, src, true); // movsxd
      this.modrm([0x8b], dst, src, false);
      return this.zx(dst);
    }
    const op = size === 1 ? (signed ? 0xbe : 0xb6) : signed ? 0xbf : 0xb7;
    this.modrm([0x0f, op], dst, src, signed && destSize === 8);
    if (!signed || destSize === 4) this.zx(dst);
  }
  store(size: Size, dst: Mem, src: Reg): void {
    if (size === 1) return this.modrm([0x88], src, dst, false, { byteRegs: true });
    this.modrm([0x89], src, dst, size === 8, { prefix: this.sizePrefix(size) });
  }
  storeImm(size: Size, dst: Mem, imm: number): void {
    if (size === 1) {
      this.modrm([0xc6], 0, dst, false);
      this.byte(imm);
    } else if (size === 2) {
      this.modrm([0xc7], 0, dst, false, { prefix: [0x66] });
      this.u16(imm);
    } else {
      if (!isInt32(imm)) throw new Error(`immediate ${imm} does not fit 32 bits`);
      this.modrm([0xc7], 0, dst, size === 8);
      this.u32(imm);
    }
  }
  /** mov dst, imm: the shortest of mov r32,imm32 / mov r64,simm32 / movabs. */
  movRI(dst: Reg, imm: bigint | number): void {
    const v = BigInt.asUintN(64, BigInt(imm));
    if (v <= 0xffffffffn) {
      if (dst & 8) this.byte(0x41);
      this.byte(0xb8 + (dst & 7));
      this.u32(Number(v));
    } else if (BigInt.asIntN(64, v) < 0n && BigInt.asIntN(64, v) >= -0x80000000n) {
      this.modrm([0xc7], 0, dst, true);
      this.u32(Number(v & 0xffffffffn));
    } else {
      this.byte(0x48 | (dst & 8 ? 1 : 0));
      this.byte(0xb8 + (dst & 7));
      this.u64(v);
    }
  }
  /** movabs dst, symbol+addend (64-bit absolute relocation). */
  movRSym(dst: Reg, symbol: string, addend = 0): void {
    this.byte(0x48 | (dst & 8 ? 1 : 0));
    this.byte(0xb8 + (dst & 7));
    this.relocs.push({ offset: this.pos, kind: 'abs64', symbol, addend });
    this.u64(0n);
  }
  lea(size: 4 | 8, dst: Reg, src: Mem): void {
    this.modrm([0x8d], dst, src, size === 8);
    if (size === 4) this.zx(dst);
  }
  leaSym(dst: Reg, symbol: string, addend = 0): void {
    this.ripRel([0x8d], dst, true, symbol, addend);
  }
  /** Load `size` bytes from symbol+addend, RIP-relative. */
  loadSym(size: 4 | 8, dst: Reg, symbol: string, addend = 0): void {
    this.ripRel([0x8b], dst, size === 8, symbol, addend);
  }
  storeSym(size: 4 | 8, symbol: string, src: Reg, addend = 0): void {
    this.ripRel([0x89], src, size === 8, symbol, addend);
  }
  testRR(size: 4 | 8, a: Reg, b: Reg): void {
    this.modrm([0x85], b, a, size === 8);
  }
  testRI(size: 4 | 8, a: Reg | Mem, imm: number): void {
    this.modrm([0xf7], 0, a, size === 8);
    this.u32(imm);
  }
  imulRR(size: 4 | 8, dst: Reg, src: Reg | Mem): void {
    this.modrm([0x0f, 0xaf], dst, src, size === 8);
  }
  imulRRI(size: 4 | 8, dst: Reg, src: Reg, imm: number): void {
    if (isInt8(imm)) {
      this.modrm([0x6b], dst, src, size === 8);
      this.byte(imm);
    } else {
      this.modrm([0x69], dst, src, size === 8);
      this.u32(imm);
    }
  }
  /** Group-3 unary: 2 not, 3 neg, 4 mul, 6 div, 7 idiv. */
  unary(ext: 2 | 3 | 4 | 6 | 7, size: 4 | 8, rm: Reg | Mem): void {
    this.modrm([0xf7], ext, rm, size === 8);
  }
  div(size: 4 | 8, rm: Reg): void {
    this.unary(6, size, rm);
  }
  idiv(size: 4 | 8, rm: Reg): void {
    this.unary(7, size, rm);
  }
  neg(size: 4 | 8, rm: Reg): void {
    this.unary(3, size, rm);
  }
  not(size: 4 | 8, rm: Reg): void {
    this.unary(2, size, rm);
  }
  /** cdq (4) / cqo (8): sign-extend eax/rax into edx/rdx. */
  signExtendAx(size: 4 | 8): void {
    if (size === 8) this.byte(0x48);
    this.byte(0x99);
  }
  shiftCl(op: Shift, size: 4 | 8, rm: Reg): void {
    this.modrm([0xd3], op, rm, size === 8);
  }
  shiftI(op: Shift, size: 4 | 8, rm: Reg, imm: number): void {
    this.modrm([0xc1], op, rm, size === 8);
    this.byte(imm);
    if (size === 4) this.zx(rm);
  }
  movzx8(dst: Reg, src: Reg): void {
    this.modrm([0x0f, 0xb6], dst, src, false, { byteRegs: true });
    this.zx(dst);
  }
  /** Sign-extend the low 8/16/32 bits of src into dst (32- or 64-bit destination). */
  movsx(from: 1 | 2 | 4, to: 4 | 8, dst: Reg, src: Reg): void {
    if (from === 4) return this.modrm([0x63], dst, src, true);
    this.modrm([0x0f, from === 1 ? 0xbe : 0xbf], dst, src, to === 8, { byteRegs: from === 1 });
  }
  setcc(c: Cond, dst: Reg): void {
    this.modrm([0x0f, 0x90 + c], 0, dst, false, { byteRegs: true });
  }
  cmov(c: Cond, size: 4 | 8, dst: Reg, src: Reg | Mem): void {
    this.modrm([0x0f, 0x40 + c], dst, src, size === 8);
  }
  bsr(size: 4 | 8, dst: Reg, src: Reg): void {
    this.modrm([0x0f, 0xbd], dst, src, size === 8);
  }
  bsf(size: 4 | 8, dst: Reg, src: Reg): void {
    this.modrm([0x0f, 0xbc], dst, src, size === 8);
  }
  popcnt(size: 4 | 8, dst: Reg, src: Reg): void {
    this.modrm([0x0f, 0xb8], dst, src, size === 8, { prefix: [0xf3] });
  }
  xchg(size: 4 | 8, a: Reg, b: Reg): void {
    this.modrm([0x87], a, b, size === 8);
  }
  push(r: Reg): void {
    if (r & 8) this.byte(0x41);
    this.byte(0x50 + (r & 7));
  }
  pop(r: Reg): void {
    if (r & 8) this.byte(0x41);
    this.byte(0x58 + (r & 7));
  }
  ret(): void {
    this.byte(0xc3);
  }
  ud2(): void {
    this.bytes(0x0f, 0x0b);
  }
  syscall(): void {
    this.bytes(0x0f, 0x05);
  }
  nop(): void {
    this.byte(0x90);
  }
  int3(): void {
    this.byte(0xcc);
  }
  /** rep movsb (forward unless direction flag set) / rep stosb. */
  repMovsb(): void {
    this.bytes(0xf3, 0xa4);
  }
  repStosb(): void {
    this.bytes(0xf3, 0xaa);
  }
  repStosq(): void {
    this.bytes(0xf3, 0x48, 0xab);
  }
  std(): void {
    this.byte(0xfd);
  }
  cld(): void {
    this.byte(0xfc);
  }

  // ---- control flow -------------------------------------------------------------------------
  jmp(l: Label): void {
    const start = this.pos;
    const d = this.backward8(l);
    if (d !== undefined) this.bytes(0xeb, d & 0xff);
    else {
      this.byte(0xe9);
      this.rel32(l);
    }
    this.jumpItem(start, -1, l, d !== undefined);
  }
  jcc(c: Cond, l: Label): void {
    const start = this.pos;
    const d = this.backward8(l);
    if (d !== undefined) this.bytes(0x70 + c, d & 0xff);
    else {
      this.bytes(0x0f, 0x80 + c);
      this.rel32(l);
    }
    this.jumpItem(start, c, l, d !== undefined);
  }
  private jumpItem(start: number, cond: number, label: Label, short: boolean): void {
    this.items.push({ kind: 'jump', start, end: this.pos, cond, label, short, pinned: false, fixup: short ? undefined : this.fixups[this.fixups.length - 1] });
  }
  /** The rel8 of a 2-byte jump to l when l is already bound, not redirected, and near enough
   *  behind (loop back edges); forward jumps keep rel32, as their distance is not known yet. */
  private backward8(l: Label): number | undefined {
    if (l.pos < 0 || l.redirect) return undefined;
    const d = l.pos - (this.pos + 2);
    if (d < -128) return undefined;
    this.shortJumps.push(l);
    return d;
  }
  /** Labels reached by rel8 jumps: their target may not move (checked in finish). */
  private shortJumps: Label[] = [];
  call(l: Label): void {
    this.byte(0xe8);
    this.rel32(l);
  }
  callR(r: Reg | Mem): void {
    this.modrm([0xff], 2, r, false);
  }
  jmpR(r: Reg | Mem): void {
    this.modrm([0xff], 4, r, false);
  }
  /** call [rip + symbol] style is not needed; call a symbol's address directly (pc32). */
  callSym(symbol: string): void {
    this.byte(0xe8);
    this.relocs.push({ offset: this.pos, kind: 'pc32', symbol, addend: -4 });
    this.u32(0);
  }

  // ---- SSE ----------------------------------------------------------------------------------
  /** Generic SSE op: [prefix] 0F op /r with xmm (or gpr) reg field and xmm/gpr/mem operand. */
  sse(prefix: number | null, op: number[], reg: number, rm: number | Mem, w = false): void {
    this.modrm([0x0f, ...op], reg, rm as Reg | Mem, w, { prefix: prefix === null ? undefined : [prefix] });
  }
  /** movsd/movss xmm, xmm|mem (load) */
  movsdLoad(dbl: boolean, x: number, src: Mem): void {
    this.sse(dbl ? 0xf2 : 0xf3, [0x10], x, src);
  }
  movsdStore(dbl: boolean, dst: Mem, x: number): void {
    this.sse(dbl ? 0xf2 : 0xf3, [0x11], x, dst);
  }
  /** movups: 16 unaligned bytes, xmm <- mem / mem <- xmm. */
  movupsLoad(x: number, src: Mem): void {
    this.sse(null, [0x10], x, src);
  }
  movupsStore(dst: Mem, x: number): void {
    this.sse(null, [0x11], x, dst);
  }
  movaps(dst: number, src: number): void {
    this.sse(null, [0x28], dst, src);
  }
  /** movq/movd xmm <- gpr */
  movqXR(dbl: boolean, x: number, r: Reg): void {
    this.sse(0x66, [0x6e], x, r, dbl);
  }
  /** movq/movd gpr <- xmm */
  movqRX(dbl: boolean, r: Reg, x: number): void {
    this.sse(0x66, [0x7e], x, r, dbl);
  }
  /** add 58, mul 59, sub 5C, min 5D, div 5E, max 5F, sqrt 51 (scalar sd/ss). */
  arith(op: number, dbl: boolean, dst: number, src: number | Mem): void {
    this.sse(dbl ? 0xf2 : 0xf3, [op], dst, src);
  }
  ucomis(dbl: boolean, a: number, b: number): void {
    this.sse(dbl ? 0x66 : null, [0x2e], a, b);
  }
  /** and 54, andn 55, or 56, xor 57 (packed, pd when dbl). */
  logic(op: number, dbl: boolean, dst: number, src: number): void {
    this.sse(dbl ? 0x66 : null, [op], dst, src);
  }
  /** cvtsi2sd/ss xmm, r32/r64 */
  cvtsi2s(dbl: boolean, srcSize: 4 | 8, x: number, r: Reg): void {
    this.sse(dbl ? 0xf2 : 0xf3, [0x2a], x, r, srcSize === 8);
  }
  /** cvttsd2si/cvttss2si r32/r64, xmm */
  cvtts2si(dbl: boolean, dstSize: 4 | 8, r: Reg, x: number): void {
    this.sse(dbl ? 0xf2 : 0xf3, [0x2c], r, x, dstSize === 8);
  }
  /** cvtss2sd (toDouble) / cvtsd2ss */
  cvtFloat(toDouble: boolean, dst: number, src: number): void {
    this.sse(toDouble ? 0xf3 : 0xf2, [0x5a], dst, src);
  }
  /** SSE4.1 roundsd/roundss; mode 0 nearest, 1 floor, 2 ceil, 3 trunc (| 8: suppress precision exception). */
  round(dbl: boolean, dst: number, src: number, mode: number): void {
    this.modrm([0x0f, 0x3a, dbl ? 0x0b : 0x0a], dst, src as Reg, false, { prefix: [0x66] });
    this.byte(mode);
  }
}
