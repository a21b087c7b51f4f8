// `xenolith build <app> --target xen`: the VM (vm/main.ts) as a Xen PV kernel, with the image
// embedded in .rodata (default) or left out, in which case the kernel boots whatever image the
// PV boot module carries (xl `ramdisk=`, a grub `module` line): one kernel, many images.
// The VM's wasm is cached under .cache/vm-xen/, keyed by every source that reaches it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileXenWasm, linkXenKernel, readImageFile } from './xen-program.ts';
import { repoRoot } from '../vm/compile-vm.ts';

export interface XenAppRequest {
  /** The 64-bit Spur image file. */
  image: string;
  /** The kernel ELF to write. */
  out: string;
  /** Carry the image inside the kernel (default true). */
  embedImage?: boolean;
  progress?: (line: string) => void;
  debugVm?: boolean;
}

function sources(dir: string, into: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, into);
    else if (name.endsWith('.ts')) into.push(p);
  }
}

/** The VM compiled for xen (wasm bytes), from the cache when no source changed. */
export async function xenVmWasm(debug = false, progress?: (l: string) => void): Promise<Uint8Array> {
  const files: string[] = [];
  for (const d of ['vm', 'kernel', 'drivers', 'targets/xen']) sources(join(repoRoot, d), files);
  const h = createHash('sha256');
  h.update(`xen-vm ${debug}\0`);
  h.update(readFileSync(join(repoRoot, 'node_modules/assemblyscript/package.json'), 'utf8'));
  for (const f of files.sort()) h.update(f).update(readFileSync(f, 'utf8'));
  const cached = join(repoRoot, '.cache', 'vm-xen', `vm-${h.digest('hex').slice(0, 16)}.wasm`);
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
  const wasm = await compileXenWasm('vm/main.ts', debug, progress);
  mkdirSync(join(repoRoot, '.cache', 'vm-xen'), { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, wasm);
  renameSync(tmp, cached); // atomic: parallel builds may race
  return wasm;
}

export async function buildXenApp(req: XenAppRequest): Promise<{ outputs: string[]; kernelBytes: number }> {
  const image = readImageFile(req.image);
  const wasm = await xenVmWasm(req.debugVm, req.progress);
  return linkXenKernel(wasm, req.out, req.embedImage === false ? undefined : image, req.progress);
}
