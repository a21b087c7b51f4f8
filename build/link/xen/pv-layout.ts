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
// Every page up to the end of the initial linear memory costs the domain a frame, so the
// parts follow each other with no padding beyond page alignment.

import { STACK_RESERVE } from '../../runtime/xen/lower.ts';

export const PAGE = 4096n;
/** Linear memory starts on the page after the stack top (no larger alignment is needed: the
 *  kernel creates page tables for any VA, and a gap would be frames the domain never uses). */
export const LINEAR_ALIGN = PAGE;
/** The native stack: 256 KiB, of which the runtime keeps the lowest STACK_RESERVE (64 KiB) for
 *  the trap path. The kernel and the Smalltalk VM use a few KiB (`xenolith.stats` prints the
 *  high-water mark); deeply recursive programs can ask for more. */
export const DEFAULT_NATIVE_STACK = 256 * 1024;
/** The smallest stack: the trap reserve and as much again for wasm code. */
export const MIN_NATIVE_STACK = 2 * STACK_RESERVE;

export interface XenImageSizes {
  /** Bytes of runtime stubs before the hypercall page (the entry point is at offset 0). */
  stubs: number;
  /** Bytes of compiled code after the hypercall page. */
  code: number;
  rodata: number;
  data: number;
  /** Native stack bytes (rounded up to pages); DEFAULT_NATIVE_STACK if omitted. */
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
  const stackHi = up(stackLo + size('stack', s.stack, DEFAULT_NATIVE_STACK), PAGE);
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
