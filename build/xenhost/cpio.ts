// A writer for the "newc" cpio format (what the Linux initramfs unpacker reads): the test host
// packs each run's guests into a small archive appended to dom0's cached initramfs.
// Format: a 110-byte ASCII header ("070701" + 13 eight-digit hex fields), the NUL-terminated
// name, padding to 4 bytes, the data, padding to 4 bytes; the archive ends with "TRAILER!!!".

export interface CpioEntry {
  /** path inside the archive, without a leading slash, e.g. "job/guests/0/kernel" */
  path: string;
  /** file contents; absent for a directory */
  data?: Uint8Array;
  /** permission bits (default 0o755 for directories, 0o644 for files) */
  mode?: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Builds a newc archive; parent directories must be listed before their contents. */
export function writeCpio(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  let ino = 1;
  const add = (name: string, mode: number, data: Uint8Array): void => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const fields = [ino++, mode, 0, 0, (mode & S_IFDIR) ? 2 : 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
    parts.push(bytes(header), bytes(nameBytes), new Uint8Array(pad4(header.length + nameBytes.length)));
    parts.push(data, new Uint8Array(pad4(data.length)));
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    if (path === '' || path.split('/').some((p) => p === '..' || p === '')) throw new Error(`cpio: bad path '${e.path}'`);
    if (e.data === undefined) add(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0));
    else add(path, S_IFREG | (e.mode ?? 0o644), e.data);
  }
  add('TRAILER!!!', 0, new Uint8Array(0));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
