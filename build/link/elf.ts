// A generic ELF64 (x86-64, little-endian) writer for executables: allocated sections each get a
// PT_LOAD segment with R / RX / RW permissions (never W+X), note sections also get a PT_NOTE,
// and the file carries section headers, .symtab/.strtab (function and object symbols) and
// .shstrtab, so readelf, gdb and perf understand it. Used by the `linux` target (static
// executables) and by the `xen` target (PV kernels, which add their own notes).
// Facts: System V ABI gABI "ELF-64 Object File Format" and the x86-64 psABI.

export type Perm = 'r' | 'rx' | 'rw';

export interface ElfSection {
  name: string;
  /** progbits: file contents; nobits: zero-filled memory (bss); note: ELF notes. */
  kind: 'progbits' | 'nobits' | 'note';
  perm: Perm;
  addr: bigint;
  data: Uint8Array; // empty for nobits
  /** Memory size for nobits sections. */
  size?: number;
  align?: number;
}

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: number;
  type: 'func' | 'object' | 'notype';
  /** Name of the section the symbol is in. */
  section: string;
  global?: boolean;
}

export interface ElfImage {
  entry: bigint;
  sections: ElfSection[];
  symbols?: ElfSymbol[];
  /** Page size for segment alignment (default 4096). */
  pageSize?: number;
  /** e_type: 2 executable (default). */
  type?: number;
}

const SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOTE = 7, SHT_NOBITS = 8;
const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
const PT_LOAD = 1, PT_NOTE = 4, PT_GNU_STACK = 0x6474e551;
const PF_X = 1, PF_W = 2, PF_R = 4;

/** Encodes one ELF note (namesz, descsz, type, name NUL-padded to 4, desc padded to 4). */
export function elfNote(name: string, type: number, desc: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name + '\0');
  const pad = (n: number) => (n + 3) & ~3;
  const out = new Uint8Array(12 + pad(nameBytes.length) + pad(desc.length));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, nameBytes.length, true);
  dv.setUint32(4, desc.length, true);
  dv.setUint32(8, type, true);
  out.set(nameBytes, 12);
  out.set(desc, 12 + pad(nameBytes.length));
  return out;
}

class StrTab {
  bytes: number[] = [0];
  private index = new Map<string, number>();
  add(s: string): number {
    if (!s) return 0;
    const hit = this.index.get(s);
    if (hit !== undefined) return hit;
    const off = this.bytes.length;
    this.bytes.push(...new TextEncoder().encode(s), 0);
    this.index.set(s, off);
    return off;
  }
}

export function writeElf(image: ElfImage): Uint8Array {
  const page = image.pageSize ?? 4096;
  const secs = image.sections;
  for (const s of secs) {
    if (s.kind !== 'nobits' && s.size !== undefined && s.size !== s.data.length) throw new Error(`section ${s.name}: size differs from data`);
  }
  const sorted = [...secs].sort((x, y) => (x.addr < y.addr ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const end = prev.addr + BigInt(prev.kind === 'nobits' ? prev.size ?? 0 : prev.data.length);
    if (end > sorted[i].addr) throw new Error(`sections ${prev.name} and ${sorted[i].name} overlap`);
  }
  const notes = secs.filter((s) => s.kind === 'note');
  const phnum = secs.length + notes.length + 1;
  const ehsize = 64, phentsize = 56, shentsize = 64;
  let off = ehsize + phnum * phentsize;
  const fileOff = new Map<ElfSection, number>();
  for (const s of secs) {
    const align = BigInt(page);
    // offset ≡ addr (mod page) so the loader can map it
    const want = Number(s.addr % align);
    off = Math.ceil((off - want) / page) * page + want;
    if (off < ehsize + phnum * phentsize) off += page;
    fileOff.set(s, off);
    if (s.kind !== 'nobits') off += s.data.length;
  }
  // symbol table
  const strtab = new StrTab();
  const shstr = new StrTab();
  const sectionIndex = new Map<string, number>();
  secs.forEach((s, i) => sectionIndex.set(s.name, i + 1));
  const syms = [...(image.symbols ?? [])].sort((x, y) => Number(!!x.global) - Number(!!y.global));
  const symtab = new Uint8Array(24 * (syms.length + 1));
  const sdv = new DataView(symtab.buffer);
  let firstGlobal = syms.length + 1;
  syms.forEach((sym, i) => {
    const o = 24 * (i + 1);
    if (sym.global && firstGlobal > i + 1) firstGlobal = i + 1;
    const shndx = sectionIndex.get(sym.section);
    if (shndx === undefined) throw new Error(`symbol ${sym.name}: no section ${sym.section}`);
    sdv.setUint32(o, strtab.add(sym.name), true);
    const type = sym.type === 'func' ? 2 : sym.type === 'object' ? 1 : 0;
    sdv.setUint8(o + 4, ((sym.global ? 1 : 0) << 4) | type);
    sdv.setUint16(o + 6, shndx, true);
    sdv.setBigUint64(o + 8, sym.value, true);
    sdv.setBigUint64(o + 16, BigInt(sym.size), true);
  });
  const strBytes = Uint8Array.from(strtab.bytes);
  // non-allocated sections
  const symOff = (off = Math.ceil(off / 8) * 8);
  off += symtab.length;
  const strOff = off;
  off += strBytes.length;
  const names = secs.map((s) => shstr.add(s.name));
  const symName = shstr.add('.symtab'), strName = shstr.add('.strtab'), shstrName = shstr.add('.shstrtab');
  const shstrBytes = Uint8Array.from(shstr.bytes);
  const shstrOff = off;
  off += shstrBytes.length;
  const shoff = (off = Math.ceil(off / 8) * 8);
  const shnum = secs.length + 4;
  off += shnum * shentsize;

  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  // ELF header
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  dv.setUint16(16, image.type ?? 2, true);
  dv.setUint16(18, 62, true); // EM_X86_64
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, image.entry, true);
  dv.setBigUint64(32, BigInt(ehsize), true);
  dv.setBigUint64(40, BigInt(shoff), true);
  dv.setUint32(48, 0, true);
  dv.setUint16(52, ehsize, true);
  dv.setUint16(54, phentsize, true);
  dv.setUint16(56, phnum, true);
  dv.setUint16(58, shentsize, true);
  dv.setUint16(60, shnum, true);
  dv.setUint16(62, shnum - 1, true);
  // program headers
  let ph = ehsize;
  const phdr = (type: number, flags: number, offset: number, vaddr: bigint, filesz: number, memsz: number, align: number) => {
    dv.setUint32(ph, type, true);
    dv.setUint32(ph + 4, flags, true);
    dv.setBigUint64(ph + 8, BigInt(offset), true);
    dv.setBigUint64(ph + 16, vaddr, true);
    dv.setBigUint64(ph + 24, vaddr, true);
    dv.setBigUint64(ph + 32, BigInt(filesz), true);
    dv.setBigUint64(ph + 40, BigInt(memsz), true);
    dv.setBigUint64(ph + 48, BigInt(align), true);
    ph += phentsize;
  };
  const permFlags = (p: Perm) => PF_R | (p === 'rx' ? PF_X : 0) | (p === 'rw' ? PF_W : 0);
  for (const s of secs) {
    const filesz = s.kind === 'nobits' ? 0 : s.data.length;
    const memsz = s.kind === 'nobits' ? s.size ?? 0 : s.data.length;
    phdr(PT_LOAD, permFlags(s.perm), fileOff.get(s)!, s.addr, filesz, memsz, page);
  }
  for (const s of notes) phdr(PT_NOTE, PF_R, fileOff.get(s)!, s.addr, s.data.length, s.data.length, 4);
  phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0n, 0, 0, 16);
  // contents
  for (const s of secs) if (s.kind !== 'nobits') out.set(s.data, fileOff.get(s)!);
  out.set(symtab, symOff);
  out.set(strBytes, strOff);
  out.set(shstrBytes, shstrOff);
  // section headers (index 0 is null)
  let sh = shoff + shentsize;
  const shdr = (name: number, type: number, flags: number, addr: bigint, offset: number, size: number, link: number, info: number, align: number, entsize: number) => {
    dv.setUint32(sh, name, true);
    dv.setUint32(sh + 4, type, true);
    dv.setBigUint64(sh + 8, BigInt(flags), true);
    dv.setBigUint64(sh + 16, addr, true);
    dv.setBigUint64(sh + 24, BigInt(offset), true);
    dv.setBigUint64(sh + 32, BigInt(size), true);
    dv.setUint32(sh + 40, link, true);
    dv.setUint32(sh + 44, info, true);
    dv.setBigUint64(sh + 48, BigInt(align), true);
    dv.setBigUint64(sh + 56, BigInt(entsize), true);
    sh += shentsize;
  };
  secs.forEach((s, i) => {
    const type = s.kind === 'nobits' ? SHT_NOBITS : s.kind === 'note' ? SHT_NOTE : SHT_PROGBITS;
    const flags = SHF_ALLOC | (s.perm === 'rx' ? SHF_EXECINSTR : 0) | (s.perm === 'rw' ? SHF_WRITE : 0);
    const size = s.kind === 'nobits' ? s.size ?? 0 : s.data.length;
    shdr(names[i], type, flags, s.addr, fileOff.get(s)!, size, 0, 0, s.align ?? (s.kind === 'note' ? 4 : 16), 0);
  });
  const strIndex = secs.length + 2;
  shdr(symName, SHT_SYMTAB, 0, 0n, symOff, symtab.length, strIndex, firstGlobal, 8, 24);
  shdr(strName, SHT_STRTAB, 0, 0n, strOff, strBytes.length, 0, 0, 1, 0);
  shdr(shstrName, SHT_STRTAB, 0, 0n, shstrOff, shstrBytes.length, 0, 0, 1, 0);
  return out;
}
