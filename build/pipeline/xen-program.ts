// An AssemblyScript program (any entry that may import "platform") built as a Xen PV kernel:
// asc from the repository root with `--path targets/xen` and kernel/exports.ts as a second
// entry (the names the xen runtime calls), failed assertions routed to kernel/boot's xenAbort,
// then build/aot for target xen and build/link/xen. Optionally a boot image rides in .rodata.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compileAsc, formatDiagnostic } from '../asc/compile.ts';
import { loadModule } from '../aot/wasm/index.ts';
import { buildXenKernel } from '../link/xen/kernel-image.ts';
import { repoRoot } from '../vm/compile-vm.ts';

export interface XenProgramRequest {
  /** The AssemblyScript entry, relative to the repository root (or absolute). */
  entry: string;
  /** The kernel ELF to write. */
  out: string;
  /** Embed this file as the boot image (the platform's image_size/image_read). */
  image?: string;
  progress?: (line: string) => void;
  debug?: boolean;
}

/** The image file's bytes, with a clear error for what cannot be an image. */
export function readImageFile(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Error(`cannot read image ${path}: ${(e as Error).message}`);
  }
  if (bytes.length < 64) throw new Error(`${path} is too short to be an image (${bytes.length} bytes)`);
  return bytes;
}

/** asc for the xen target: the wasm module that build/link/xen turns into a kernel. */
export async function compileXenWasm(entry: string, debug = false, progress?: (l: string) => void): Promise<Uint8Array> {
  progress?.(`asc ${entry} (xen, ${debug ? 'debug' : '-O3'})`);
  const result = await compileAsc({
    entry: resolve(repoRoot, entry),
    baseDir: repoRoot,
    paths: ['targets/xen'],
    runtime: 'minimal',
    use: ['abort=kernel/boot/xenAbort'],
    optimizeLevel: debug ? 0 : 3,
    debug,
    noAssert: !debug,
    converge: !debug,
    flags: [resolve(repoRoot, 'kernel/exports.ts')],
  });
  for (const d of result.diagnostics) progress?.(formatDiagnostic(d));
  return result.binary;
}

/** Links an already compiled xen wasm module (plus an optional image) and writes the kernel. */
export function linkXenKernel(wasm: Uint8Array, out: string, image?: Uint8Array, progress?: (l: string) => void): { outputs: string[]; kernelBytes: number } {
  progress?.(`aot ${wasm.length} bytes of wasm → x86-64 (xen)`);
  const kernel = buildXenKernel(loadModule(wasm), { embeddedImage: image });
  progress?.(`link Xen PV kernel ${out}: ${kernel.elf.length} bytes${image ? ` (image ${image.length} bytes embedded)` : ''}`);
  mkdirSync(dirname(resolve(out)), { recursive: true });
  // written beside the target and renamed, so a failed build never leaves half a kernel
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, kernel.elf);
  renameSync(tmp, out);
  return { outputs: [out], kernelBytes: kernel.elf.length };
}

export async function buildXenProgram(req: XenProgramRequest): Promise<{ outputs: string[]; kernelBytes: number }> {
  const image = req.image ? readImageFile(req.image) : undefined;
  const wasm = await compileXenWasm(req.entry, req.debug, req.progress);
  return linkXenKernel(wasm, req.out, image, req.progress);
}
