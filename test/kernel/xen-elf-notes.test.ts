// The Xen ELF notes encoder (build/link/xen/notes.ts) and the PV image layout
// (build/link/xen/pv-layout.ts). When binutils' readelf is installed, it decodes the notes
// from a minimal ELF64 holding only a PT_NOTE segment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeXenNotes, decodeNotes, xenPvNotes, XEN_ELFNOTE } from '../../build/link/xen/notes.ts';
import { layoutXenImage } from '../../build/link/xen/pv-layout.ts';

const opts = { entry: 0x0n, hypercallPage: 0x1000n };

test('notes: name "Xen", 4-byte padding, strings NUL-terminated, numbers 8 bytes LE', () => {
  const bytes = encodeXenNotes(xenPvNotes(opts));
  assert.equal(bytes.length % 4, 0);
  const notes = decodeNotes(bytes);
  const byType = new Map(notes.map((n) => [n.type, n]));
  for (const n of notes) assert.equal(n.name, 'Xen');
  const str = (t: number) => new TextDecoder().decode(byType.get(t)!.desc);
  assert.equal(str(XEN_ELFNOTE.GUEST_OS), 'Xenolith\0');
  assert.equal(str(XEN_ELFNOTE.LOADER), 'generic\0');
  assert.equal(str(XEN_ELFNOTE.XEN_VERSION), 'xen-3.0\0');
  const num = (t: number) => new DataView(byType.get(t)!.desc.buffer).getBigUint64(0, true);
  assert.equal(num(XEN_ELFNOTE.HYPERCALL_PAGE), 0x1000n);
  assert.equal(num(XEN_ELFNOTE.ENTRY), 0n);
  assert.equal(num(XEN_ELFNOTE.VIRT_BASE), 0n);
  assert.equal(byType.has(XEN_ELFNOTE.FEATURES), false, 'no features required by default');
  // first note, byte for byte: namesz 4, descsz 9, type 6, "Xen\0", "Xenolith\0" + 3 pad
  assert.deepEqual([...bytes.subarray(0, 28)], [
    4, 0, 0, 0, 9, 0, 0, 0, 6, 0, 0, 0, 0x58, 0x65, 0x6e, 0,
    0x58, 0x65, 0x6e, 0x6f, 0x6c, 0x69, 0x74, 0x68, 0, 0, 0, 0,
  ]);
});

test('notes: bad input is refused with the reason', () => {
  assert.throws(() => xenPvNotes({ entry: 0n, hypercallPage: 0x1234n }), /not page aligned/);
  assert.throws(() => encodeXenNotes([{ type: 6, value: { kind: 'string', value: 'é' } }]), /printable ASCII/);
  assert.throws(() => encodeXenNotes([{ type: 1, value: { kind: 'number', value: 1n << 32n, size: 4 } }]), /does not fit/);
  assert.throws(() => decodeNotes(new Uint8Array([4, 0, 0, 0, 100, 0, 0, 0, 1, 0, 0, 0])), /note at byte 0: name\/desc run past the end/);
});

function minimalElfWithNotes(notes: Uint8Array): Uint8Array {
  const ehdr = 64, phdr = 56;
  const out = new Uint8Array(ehdr + phdr + notes.length);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELF64, little endian, version 1
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 62, true); // EM_X86_64
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, 0n, true); // entry
  dv.setBigUint64(32, BigInt(ehdr), true); // phoff
  dv.setUint16(52, ehdr, true);
  dv.setUint16(54, phdr, true);
  dv.setUint16(56, 1, true); // phnum
  dv.setUint16(58, 64, true); // shentsize
  dv.setUint32(ehdr, 4, true); // PT_NOTE
  dv.setUint32(ehdr + 4, 4, true); // PF_R
  dv.setBigUint64(ehdr + 8, BigInt(ehdr + phdr), true); // offset
  dv.setBigUint64(ehdr + 32, BigInt(notes.length), true); // filesz
  dv.setBigUint64(ehdr + 40, BigInt(notes.length), true); // memsz
  dv.setBigUint64(ehdr + 48, 4n, true); // align
  out.set(notes, ehdr + phdr);
  return out;
}

test('notes: readelf decodes every Xen note', (t) => {
  try {
    execFileSync('readelf', ['--version'], { stdio: 'ignore' });
  } catch {
    t.skip('no readelf: apt-get install binutils');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'xen-notes-'));
  try {
    const file = path.join(dir, 'notes.elf');
    writeFileSync(file, minimalElfWithNotes(encodeXenNotes(xenPvNotes({ ...opts, features: '!writable_page_tables' }))));
    const text = execFileSync('readelf', ['-n', '-W', file], { encoding: 'utf8', timeout: 10_000 });
    const xenLines = text.split('\n').filter((l) => /^\s+Xen\s/.test(l));
    assert.equal(xenLines.length, 9, text);
    // readelf does not know Xen's types: it prints the description bytes
    const hex = (str: string) => [...new TextEncoder().encode(str + '\0')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    assert.ok(xenLines[0].includes('0x00000009') && xenLines[0].includes(hex('Xenolith')), xenLines[0]);
    assert.ok(xenLines.some((l) => l.includes(hex('generic'))), 'LOADER');
    assert.ok(xenLines.some((l) => l.includes(hex('!writable_page_tables'))), 'FEATURES');
    assert.ok(xenLines.some((l) => l.includes('00 10 00 00 00 00 00 00')), 'HYPERCALL_PAGE 0x1000');
    assert.doesNotMatch(text, /[Cc]orrupt|bad|overflow/, text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('layout: hypercall page after the stubs, code after it, linear memory right after the stack top', () => {
  const l = layoutXenImage({ stubs: 700, code: 100_000, rodata: 5000, data: 300, linearInitialPages: 17 });
  assert.equal(l.entry, 0n);
  assert.equal(l.hypercallPage, 0x1000n);
  assert.equal(l.codeStart, 0x2000n);
  const [text, rodata, data, linear] = l.segments;
  assert.deepEqual([text.name, rodata.name, data.name, linear.name], ['text', 'rodata', 'data', 'linear']);
  assert.equal(text.vaddr + text.memsz, rodata.vaddr);
  assert.equal(rodata.vaddr + rodata.memsz, data.vaddr);
  assert.ok(l.scratch >= data.vaddr && l.scratch % 4096n === 0n);
  assert.equal(l.stackLo - l.stackGuard, 4096n);
  assert.equal(l.stackHi - l.stackLo, 256n << 10n, 'the default stack');
  assert.equal(l.linearBase, l.stackHi, 'no padding: every page of the image is a frame of the domain');
  assert.equal(layoutXenImage({ stubs: 1, code: 1, rodata: 0, data: 0, stack: 5000, linearInitialPages: 1 }).stackHi % 4096n, 0n);
  assert.equal(l.imageEnd, l.linearBase + 17n * 65536n);
  for (const s of l.segments) assert.equal(s.vaddr % 4096n, 0n);
  assert.throws(() => layoutXenImage({ stubs: 1, code: 1, rodata: 0, data: 0, linearInitialPages: 70000 }), /exceed 4 GiB/);
  assert.throws(() => layoutXenImage({ stubs: -1, code: 1, rodata: 0, data: 0, linearInitialPages: 1 }), /not a byte count/);
});
