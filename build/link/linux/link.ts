// Lays a ProgramObject out as a static x86-64 Linux executable: .text (R+X) at 0x401000, then
// .rodata (R), .data (RW) and .bss (RW), each page-aligned so no page is both writable and
// executable; resolves relocations; writes the ELF with a symbol table of every function.
import { writeElf, type ElfSection, type ElfSymbol } from '../elf.ts';
import type { ProgramObject, SectionName } from '../../aot/object.ts';
import type { Reloc } from '../../aot/x64/encoder.ts';

export const TEXT_BASE = 0x401000n;
const PAGE = 4096n;
const up = (v: bigint) => (v + PAGE - 1n) & ~(PAGE - 1n);

export interface LinkedImage {
  elf: Uint8Array;
  address(symbol: string): bigint;
  sections: Record<SectionName, { addr: bigint; size: number }>;
}

export interface LinkedSections {
  text: Uint8Array;
  rodata: Uint8Array;
  data: Uint8Array;
  bssSize: number;
  base: Record<SectionName, bigint>;
  address(symbol: string): bigint;
}

/** Places the object's sections at page-aligned addresses from `start` and resolves its
 *  relocations; symbols it does not define are looked up in `external`. */
export function linkObject(obj: ProgramObject, start: bigint, external?: (symbol: string) => bigint | undefined): LinkedSections {
  const text = obj.asm.finish();
  const rodata = obj.rodata.contents();
  const data = obj.data.contents();
  const textAddr = start;
  const rodataAddr = up(textAddr + BigInt(text.length) + 1n);
  const dataAddr = up(rodataAddr + BigInt(rodata.length) + 1n);
  const bssAddr = up(dataAddr + BigInt(data.length) + 1n);
  const base: Record<SectionName, bigint> = { text: textAddr, rodata: rodataAddr, data: dataAddr, bss: bssAddr };
  const address = (name: string): bigint => {
    const s = obj.symbols.get(name);
    if (s) return base[s.section] + BigInt(s.offset);
    const e = external?.(name);
    if (e === undefined) throw new Error(`undefined symbol ${name}`);
    return e;
  };
  const apply = (buf: Uint8Array, secAddr: bigint, relocs: Reloc[]) => {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (const r of relocs) {
      const S = address(r.symbol);
      if (r.kind === 'abs64') dv.setBigUint64(r.offset, BigInt.asUintN(64, S + BigInt(r.addend)), true);
      else {
        const v = S + BigInt(r.addend) - (secAddr + BigInt(r.offset));
        if (v < -0x80000000n || v > 0x7fffffffn) throw new Error(`relocation to ${r.symbol} out of range`);
        dv.setInt32(r.offset, Number(v), true);
      }
    }
  };
  apply(text, textAddr, obj.asm.relocs);
  apply(rodata, rodataAddr, obj.rodata.relocs);
  apply(data, dataAddr, obj.data.relocs);
  return { text, rodata, data, bssSize: obj.bssSize, base, address };
}

export function linkExecutable(obj: ProgramObject, entrySymbol: string): LinkedImage {
  const l = linkObject(obj, TEXT_BASE);
  const { text, rodata, data, base, address } = l;
  const sections: ElfSection[] = [
    { name: '.text', kind: 'progbits', perm: 'rx', addr: base.text, data: text },
    { name: '.rodata', kind: 'progbits', perm: 'r', addr: base.rodata, data: rodata },
    { name: '.data', kind: 'progbits', perm: 'rw', addr: base.data, data: data },
    { name: '.bss', kind: 'nobits', perm: 'rw', addr: base.bss, data: new Uint8Array(0), size: Math.max(obj.bssSize, 8) },
  ];
  const symbols: ElfSymbol[] = obj.functions.map((f) => ({
    name: f.name, value: base.text + BigInt(f.offset), size: f.size, type: 'func', section: '.text', global: true,
  }));
  const elf = writeElf({ entry: address(entrySymbol), sections, symbols });
  return {
    elf, address,
    sections: {
      text: { addr: base.text, size: text.length }, rodata: { addr: base.rodata, size: rodata.length },
      data: { addr: base.data, size: data.length }, bss: { addr: base.bss, size: obj.bssSize },
    },
  };
}
