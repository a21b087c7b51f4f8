// The trailer that marks an image appended to a Linux executable (read back by
// targets/linux/platform/index.ts through /proc/self/exe): 32 bytes at the very end of the file,
// u64 LE offset of the image, u64 LE length, then the 16 ASCII bytes "xenolith-image-1".
// The kernel's ELF loader maps only the program headers' ranges, so trailing bytes are inert.

export const TRAILER_MAGIC = 'xenolith-image-1';
export const TRAILER_BYTES = 32;

/** elf + image + trailer. */
export function appendImage(elf: Uint8Array, image: Uint8Array): Uint8Array {
  const out = new Uint8Array(elf.length + image.length + TRAILER_BYTES);
  out.set(elf, 0);
  out.set(image, elf.length);
  const t = new DataView(out.buffer, elf.length + image.length, TRAILER_BYTES);
  t.setBigUint64(0, BigInt(elf.length), true);
  t.setBigUint64(8, BigInt(image.length), true);
  out.set(new TextEncoder().encode(TRAILER_MAGIC), elf.length + image.length + 16);
  return out;
}

/** The embedded image of an executable built by appendImage, or undefined. */
export function embeddedImage(file: Uint8Array): Uint8Array | undefined {
  if (file.length < TRAILER_BYTES) return undefined;
  const at = file.length - TRAILER_BYTES;
  if (new TextDecoder().decode(file.subarray(at + 16)) !== TRAILER_MAGIC) return undefined;
  const t = new DataView(file.buffer, file.byteOffset + at, 16);
  const offset = Number(t.getBigUint64(0, true)), length = Number(t.getBigUint64(8, true));
  if (offset + length > at) return undefined;
  return file.subarray(offset, offset + length);
}
