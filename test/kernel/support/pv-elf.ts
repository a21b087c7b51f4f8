// Test-only: a PV kernel ELF from a pv-layout.ts layout and segment contents, with the Xen
// notes from build/link/xen/notes.ts. (The product's ELF comes from build/link/elf.ts.)
import { encodeXenNotes, xenPvNotes } from '../../../build/link/xen/notes.ts';
import type { XenImageLayout } from '../../../build/link/xen/pv-layout.ts';

/** `contents`: VA -> bytes, all below linear memory (linear memory is zero-filled memsz). */
export function buildPvElf(l: XenImageLayout, contents: Map<bigint, Uint8Array>): Uint8Array {
  const fileEnd = Number(l.stackHi);
  const image = new Uint8Array(fileEnd);
  for (const [va, bytes] of contents) {
    if (va + BigInt(bytes.length) > l.stackHi) throw new Error(`content at 0x${va.toString(16)} runs past the data segment`);
    image.set(bytes, Number(va));
  }
  const notes = encodeXenNotes(xenPvNotes({ entry: l.entry, hypercallPage: l.hypercallPage }));
  const segs = l.segments;
  const phoff = 64, nph = segs.length + 1, dataOff = 0x1000;
  const notesOff = dataOff + image.length;
  const out = new Uint8Array(notesOff + notes.length);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  dv.setUint16(16, 2, true); dv.setUint16(18, 62, true); dv.setUint32(20, 1, true);
  dv.setBigUint64(24, l.entry, true); dv.setBigUint64(32, BigInt(phoff), true);
  dv.setUint16(52, 64, true); dv.setUint16(54, 56, true); dv.setUint16(56, nph, true); dv.setUint16(58, 64, true);
  const flags = { rx: 5, r: 4, rw: 6 } as const;
  const ph = (i: number, type: number, f: number, off: number, va: bigint, filesz: bigint, memsz: bigint, align: bigint) => {
    const b = phoff + 56 * i;
    dv.setUint32(b, type, true); dv.setUint32(b + 4, f, true); dv.setBigUint64(b + 8, BigInt(off), true);
    dv.setBigUint64(b + 16, va, true); dv.setBigUint64(b + 24, va, true); // p_paddr = p_vaddr (PADDR_OFFSET 0)
    dv.setBigUint64(b + 32, filesz, true); dv.setBigUint64(b + 40, memsz, true); dv.setBigUint64(b + 48, align, true);
  };
  segs.forEach((s, i) => {
    const linear = s.name === 'linear';
    ph(i, 1, flags[s.flags], dataOff + (linear ? 0 : Number(s.vaddr)), s.vaddr, linear ? 0n : s.memsz, s.memsz, 0x1000n);
  });
  ph(segs.length, 4, 4, notesOff, 0n, BigInt(notes.length), BigInt(notes.length), 4n);
  out.set(image, dataOff);
  out.set(notes, notesOff);
  return out;
}
