// The xen pipeline without Xen: the VM plus examples/hello's image built as a PV kernel
// (build/pipeline/xen-app.ts): an ELF with the Xen notes, the image embedded byte for byte in a
// read-only segment (or left out for the boot module), the reported size is the file's size,
// and bad input gets a clear error. The VM's xen wasm is cached (.cache/vm-xen), ~10 s cold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../build/bootstrap/image-builder.ts';
import { buildXenApp } from '../../build/pipeline/xen-app.ts';
import { decodeNotes, XEN_ELFNOTE } from '../../build/link/xen/notes.ts';

const dir = mkdtempSync(join(tmpdir(), 'xen-app-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Segment { type: number; flags: number; offset: number; vaddr: bigint; filesz: number }

function segments(elf: Uint8Array): Segment[] {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = Number(v.getBigUint64(32, true));
  const size = v.getUint16(54, true);
  const out: Segment[] = [];
  for (let i = 0; i < v.getUint16(56, true); i++) {
    const p = phoff + i * size;
    out.push({ type: v.getUint32(p, true), flags: v.getUint32(p + 4, true), offset: Number(v.getBigUint64(p + 8, true)), vaddr: v.getBigUint64(p + 16, true), filesz: Number(v.getBigUint64(p + 32, true)) });
  }
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  outer: for (let i = hay.indexOf(first); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

test('the VM and hello build into a PV kernel with Xen notes and the image in a read-only segment', { timeout: 300_000 }, async () => {
  const imagePath = join(dir, 'hello.image');
  const image = buildImage({ dirs: ['examples/hello'] }).image;
  writeFileSync(imagePath, image);
  const out = join(dir, 'hello.xen');
  const r = await buildXenApp({ image: imagePath, out });
  assert.deepEqual(r.outputs, [out]);
  const elf = new Uint8Array(readFileSync(out));
  assert.equal(r.kernelBytes, statSync(out).size);
  assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  const segs = segments(elf);
  const note = segs.find((s) => s.type === 4);
  assert.ok(note, 'a PT_NOTE segment');
  const notes = decodeNotes(elf.subarray(note.offset, note.offset + note.filesz));
  const guestOs = notes.find((n) => n.type === XEN_ELFNOTE.GUEST_OS);
  assert.equal(new TextDecoder().decode(guestOs?.desc), 'Xenolith\0');
  assert.ok(notes.some((n) => n.type === XEN_ELFNOTE.HYPERCALL_PAGE));
  const at = indexOf(elf, image.subarray(0, 4096));
  assert.ok(at >= 0, 'the image is in the kernel');
  assert.deepEqual(elf.subarray(at, at + image.length), image);
  const holder = segs.find((s) => s.type === 1 && s.offset <= at && at < s.offset + s.filesz);
  assert.ok(holder, 'the image is in a loaded segment');
  assert.equal(holder.flags & 2, 0, 'not writable');
  assert.equal(holder.flags & 1, 0, 'not executable');

  const bare = join(dir, 'vm.xen');
  const b = await buildXenApp({ image: imagePath, out: bare, embedImage: false });
  const vm = new Uint8Array(readFileSync(bare));
  assert.equal(indexOf(vm, image.subarray(0, 4096)), -1, 'no image without embedImage');
  assert.ok(b.kernelBytes + image.length <= r.kernelBytes, `${b.kernelBytes} + ${image.length} <= ${r.kernelBytes}`);
});

test('bad input: a missing or truncated image is a clear error', async () => {
  await assert.rejects(buildXenApp({ image: join(dir, 'nope.image'), out: join(dir, 'x.xen') }), /cannot read image .*nope\.image/);
  const short = join(dir, 'short.image');
  writeFileSync(short, new Uint8Array(10));
  await assert.rejects(buildXenApp({ image: short, out: join(dir, 'x.xen') }), /too short to be an image \(10 bytes\)/);
});
