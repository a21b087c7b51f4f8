// Xen ELF notes (xen/include/public/elfnote.h): what tells Xen's PV domain builder how to
// load the kernel. Each note is an ELF note with name "Xen"; string values are NUL-
// terminated ASCII, numeric values 8 bytes (the header allows 4 or 8) for x86-64.
// Standalone encoder: build/link/elf.ts (the generic ELF writer) places the bytes in a
// PT_NOTE segment / SHT_NOTE section.

export const XEN_ELFNOTE = {
  INFO: 0,
  ENTRY: 1,
  HYPERCALL_PAGE: 2,
  VIRT_BASE: 3,
  PADDR_OFFSET: 4,
  XEN_VERSION: 5,
  GUEST_OS: 6,
  GUEST_VERSION: 7,
  LOADER: 8,
  PAE_MODE: 9,
  FEATURES: 10,
  BSD_SYMTAB: 11,
  HV_START_LOW: 12,
  L1_MFN_VALID: 13,
  SUSPEND_CANCEL: 14,
  INIT_P2M: 15,
  MOD_START_PFN: 16,
  SUPPORTED_FEATURES: 17,
  PHYS32_ENTRY: 18,
} as const;

export type XenNoteValue = { kind: 'string'; value: string } | { kind: 'number'; value: bigint; size: 4 | 8 };

export interface XenNote {
  type: number;
  value: XenNoteValue;
}

const NAME = 'Xen';

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Encodes notes back to back, each {u32 namesz, u32 descsz, u32 type, name, desc} with name
 *  and desc padded to 4 bytes (the ELF note format, also in ELF64). */
export function encodeXenNotes(notes: readonly XenNote[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const n of notes) {
    if (!Number.isInteger(n.type) || n.type < 0 || n.type > 0xffff_ffff) {
      throw new RangeError(`Xen note type ${n.type} is not a u32`);
    }
    let desc: Uint8Array;
    if (n.value.kind === 'string') {
      if (!/^[\x20-\x7e]*$/.test(n.value.value)) {
        throw new RangeError(`Xen note ${n.type}: string value must be printable ASCII: ${JSON.stringify(n.value.value)}`);
      }
      desc = new TextEncoder().encode(n.value.value + '\0');
    } else {
      const { value, size } = n.value;
      if (value < 0n || value >= 1n << BigInt(8 * size)) {
        throw new RangeError(`Xen note ${n.type}: 0x${value.toString(16)} does not fit in ${size} bytes`);
      }
      desc = new Uint8Array(size);
      const dv = new DataView(desc.buffer);
      if (size === 8) dv.setBigUint64(0, value, true);
      else dv.setUint32(0, Number(value), true);
    }
    const name = new TextEncoder().encode(NAME + '\0');
    const out = new Uint8Array(12 + align4(name.length) + align4(desc.length));
    const dv = new DataView(out.buffer);
    dv.setUint32(0, name.length, true);
    dv.setUint32(4, desc.length, true);
    dv.setUint32(8, n.type, true);
    out.set(name, 12);
    out.set(desc, 12 + align4(name.length));
    parts.push(out);
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}

export interface DecodedNote {
  name: string;
  type: number;
  desc: Uint8Array;
  offset: number;
}

/** Decodes a note segment (any owner), with byte offsets in errors. */
export function decodeNotes(bytes: Uint8Array): DecodedNote[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notes: DecodedNote[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new Error(`note at byte ${at}: truncated header`);
    const namesz = dv.getUint32(at, true);
    const descsz = dv.getUint32(at + 4, true);
    const type = dv.getUint32(at + 8, true);
    const nameAt = at + 12;
    const descAt = nameAt + align4(namesz);
    const end = descAt + align4(descsz);
    if (end > bytes.length) throw new Error(`note at byte ${at}: name/desc run past the end (${end} > ${bytes.length})`);
    const rawName = bytes.subarray(nameAt, nameAt + namesz);
    const name = new TextDecoder().decode(rawName[rawName.length - 1] === 0 ? rawName.subarray(0, -1) : rawName);
    notes.push({ name, type, desc: bytes.slice(descAt, descAt + descsz), offset: at });
    at = end;
  }
  return notes;
}

export interface XenPvNoteOptions {
  /** Virtual address of the ELF entry stub. */
  entry: bigint;
  /** Virtual address of the page-aligned hypercall page (Xen fills it). */
  hypercallPage: bigint;
  /** XEN_ELFNOTE_VIRT_BASE (docs/xen-memory.md: 0). */
  virtBase?: bigint;
  guestOs?: string;
  guestVersion?: string;
  /** `|`-separated Xen features; a leading `!` makes one required. None by default: the
   *  kernel changes page tables only through hypercalls. */
  features?: string;
}

/** The notes a Xenolith PV kernel carries. */
export function xenPvNotes(o: XenPvNoteOptions): XenNote[] {
  const str = (type: number, value: string): XenNote => ({ type, value: { kind: 'string', value } });
  const num = (type: number, value: bigint): XenNote => ({ type, value: { kind: 'number', value, size: 8 } });
  if ((o.hypercallPage & 0xfffn) !== 0n) {
    throw new RangeError(`hypercall page 0x${o.hypercallPage.toString(16)} is not page aligned`);
  }
  const notes: XenNote[] = [
    str(XEN_ELFNOTE.GUEST_OS, o.guestOs ?? 'Xenolith'),
    str(XEN_ELFNOTE.GUEST_VERSION, o.guestVersion ?? '0.1'),
    str(XEN_ELFNOTE.XEN_VERSION, 'xen-3.0'),
    str(XEN_ELFNOTE.LOADER, 'generic'),
    num(XEN_ELFNOTE.VIRT_BASE, o.virtBase ?? 0n),
    num(XEN_ELFNOTE.PADDR_OFFSET, 0n),
    num(XEN_ELFNOTE.ENTRY, o.entry),
    num(XEN_ELFNOTE.HYPERCALL_PAGE, o.hypercallPage),
  ];
  if (o.features) notes.push(str(XEN_ELFNOTE.FEATURES, o.features));
  return notes;
}
