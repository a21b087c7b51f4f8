// The virtual layout of a Xenolith PV kernel image (docs/xen-memory.md), computed from the
// sizes of its parts: what build/link/elf.ts needs to place segments, and the addresses the
// xen intrinsics return (linear_base, scratch_va, native_stack_lo/hi, image_end_va).
//
//   VIRT_BASE=0 ─ text (R X): entry + runtime stubs, hypercall page, AOT code
//               ─ rodata (R): tables, function names
//               ─ data (RW): wasm globals and tables, runtime variables
//               ─ scratch page (RW, its own page, unmapped by the kernel between uses)
//               ─ stack guard page (in the image but never written; kernel may unmap it)
//               ─ native stack (RW)
//   LINEAR_BASE ─ initial linear memory (RW): data segments at their offsets, rest zero
//               ─ (Xen's boot trailer follows, reclaimed at boot)

export const PAGE = 4096n;
export const LINEAR_ALIGN = 2n * 1024n * 1024n; // an L1 table boundary

export interface XenImageSizes {
  /** Bytes of runtime stubs before the hypercall page (the entry point is at offset 0). */
  stubs: number;
  /** Bytes of compiled code after the hypercall page. */
  code: number;
  rodata: number;
  data: number;
  /** Native stack bytes (rounded up to pages); 1 MiB if omitted. */
  stack?: number;
  /** Declared initial linear memory, in 64 KiB wasm pages. */
  linearInitialPages: number;
}

export interface XenSegment {
  name: 'text' | 'rodata' | 'data' | 'linear';
  vaddr: bigint;
  memsz: bigint;
  flags: 'rx' | 'r' | 'rw';
}

export interface XenImageLayout {
  virtBase: bigint;
  entry: bigint;
  hypercallPage: bigint;
  codeStart: bigint;
  segments: XenSegment[];
  scratch: bigint;
  stackGuard: bigint;
  stackLo: bigint;
  stackHi: bigint;
  linearBase: bigint;
  imageEnd: bigint;
}

function up(n: bigint, a: bigint): bigint {
  return (n + a - 1n) & ~(a - 1n);
}

function size(name: string, n: number | undefined, dflt = 0): bigint {
  const v = n ?? dflt;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`xen image: ${name} size ${v} is not a byte count`);
  return BigInt(v);
}

export function layoutXenImage(s: XenImageSizes, virtBase = 0n): XenImageLayout {
  if ((virtBase & (PAGE - 1n)) !== 0n) throw new RangeError('xen image: VIRT_BASE must be page aligned');
  const pages = size('linearInitialPages', s.linearInitialPages);
  if (pages > 65536n) throw new RangeError(`xen image: ${pages} initial wasm pages exceed 4 GiB`);
  const entry = virtBase;
  const hypercallPage = up(entry + size('stubs', s.stubs), PAGE);
  const codeStart = hypercallPage + PAGE;
  const textEnd = up(codeStart + size('code', s.code), PAGE);
  const rodataEnd = up(textEnd + size('rodata', s.rodata), PAGE);
  const dataEnd = up(rodataEnd + size('data', s.data), PAGE);
  const scratch = dataEnd;
  const stackGuard = scratch + PAGE;
  const stackLo = stackGuard + PAGE;
  const stackHi = up(stackLo + size('stack', s.stack, 1 << 20), PAGE);
  const linearBase = up(stackHi, LINEAR_ALIGN);
  const linearEnd = linearBase + pages * 65536n;
  const segments: XenSegment[] = [
    { name: 'text', vaddr: entry, memsz: textEnd - entry, flags: 'rx' },
    { name: 'rodata', vaddr: textEnd, memsz: rodataEnd - textEnd, flags: 'r' },
    { name: 'data', vaddr: rodataEnd, memsz: stackHi - rodataEnd, flags: 'rw' },
    { name: 'linear', vaddr: linearBase, memsz: linearEnd - linearBase, flags: 'rw' },
  ].filter((seg) => seg.memsz > 0n) as XenSegment[];
  return {
    virtBase, entry, hypercallPage, codeStart, segments, scratch, stackGuard, stackLo, stackHi,
    linearBase, imageEnd: linearEnd,
  };
}
