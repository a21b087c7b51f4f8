// The object the back end hands to a linker: one text section (all code of a program, built with
// one Assembler so calls between functions are plain rel32), read-only and writable data
// sections, named symbols in each, relocations, function symbols for the ELF symbol table and
// the trap-site table.
import { Assembler, type Reloc } from './x64/encoder.ts';

export type SectionName = 'text' | 'rodata' | 'data' | 'bss';

export interface SymbolDef {
  section: SectionName;
  offset: number;
}

/** A growable byte section with its own relocations (abs64 fields pointing at symbols). */
export class DataSection {
  private buf = new Uint8Array(1024);
  size = 0;
  readonly relocs: Reloc[] = [];
  private ensure(n: number) {
    if (this.size + n <= this.buf.length) return;
    let s = this.buf.length * 2;
    while (s < this.size + n) s *= 2;
    const nb = new Uint8Array(s);
    nb.set(this.buf.subarray(0, this.size));
    this.buf = nb;
  }
  align(n: number): number {
    while (this.size % n) this.u8(0);
    return this.size;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.size++] = v & 0xff;
  }
  u32(v: number): void {
    for (let i = 0; i < 4; i++) this.u8(v >>> (8 * i));
  }
  u64(v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.u32(Number(x & 0xffffffffn));
    this.u32(Number(x >> 32n));
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.size);
    this.size += b.length;
  }
  zeros(n: number): void {
    this.ensure(n);
    this.size += n; // buffer is zero-initialised
  }
  /** An 8-byte absolute pointer to symbol+addend. */
  ptr(symbol: string, addend = 0): void {
    this.relocs.push({ offset: this.size, kind: 'abs64', symbol, addend });
    this.u64(0n);
  }
  /** Patch an 8-byte absolute pointer at a given offset. */
  ptrAt(offset: number, symbol: string, addend = 0): void {
    this.relocs.push({ offset, kind: 'abs64', symbol, addend });
  }
  setU64(offset: number, v: bigint): void {
    const x = BigInt.asUintN(64, v);
    for (let i = 0; i < 8; i++) this.buf[offset + i] = Number((x >> BigInt(8 * i)) & 0xffn);
  }
  contents(): Uint8Array {
    return this.buf.slice(0, this.size);
  }
}

export interface TrapSite {
  /** Offset in text of the faulting instruction (the ud2, or the memory access). */
  pc: number;
  code: number;
  message: string;
}

export interface FunctionSymbol {
  name: string;
  offset: number;
  size: number;
}

export class ProgramObject {
  readonly asm = new Assembler();
  readonly rodata = new DataSection();
  readonly data = new DataSection();
  bssSize = 0;
  readonly symbols = new Map<string, SymbolDef>();
  readonly functions: FunctionSymbol[] = [];
  readonly trapSites: TrapSite[] = [];

  constructor() {
    this.define('text.base', 'text', 0);
    this.define('rodata.base', 'rodata', 0);
    this.define('data.base', 'data', 0);
  }

  define(name: string, section: SectionName, offset: number): void {
    if (this.symbols.has(name)) throw new Error(`symbol ${name} defined twice`);
    const def = { section, offset };
    this.symbols.set(name, def);
    if (section === 'text') this.textSinceRelax.push(def);
  }
  /** Defines a text symbol at the current position. */
  here(name: string): void {
    this.define(name, 'text', this.asm.pos);
  }
  /** Reserve zeroed writable space (bss), returns the symbol offset. */
  bss(name: string, size: number, align = 16): number {
    this.bssSize = Math.ceil(this.bssSize / align) * align;
    const off = this.bssSize;
    this.define(name, 'bss', off);
    this.bssSize += size;
    return off;
  }
  trap(code: number, message: string): void {
    this.trapSites.push({ pc: this.asm.pos, code, message });
  }
  /** Shortens the jumps of the text from `start` (a function just finished: see Assembler.relax);
   *  its trap sites and text symbols move with the code. */
  relaxText(start: number): void {
    const keep = [...this.trapSites.slice(this.relaxedTraps).map((t) => t.pc), ...this.textSinceRelax.map((s) => s.offset)];
    const map = this.asm.relax(start, keep);
    for (let i = this.relaxedTraps; i < this.trapSites.length; i++) {
      const t = this.trapSites[i];
      if (t.pc >= start) t.pc = map(t.pc);
    }
    this.relaxedTraps = this.trapSites.length;
    for (const s of this.textSinceRelax) if (s.offset > start) s.offset = map(s.offset);
    this.textSinceRelax = [];
  }
  private relaxedTraps = 0;
  private textSinceRelax: SymbolDef[] = [];
}
