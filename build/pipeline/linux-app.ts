// `xenolith build <app> --target linux`: one static ELF that carries the VM and the image. The
// image is appended to the VM executable with a trailer (linux-image-trailer.ts); the platform
// finds it through /proc/self/exe, so the file runs on its own: `./app [ARGS...]`.
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { buildLinuxVm } from './linux-vm.ts';
import { appendImage } from './linux-image-trailer.ts';

export interface LinuxAppRequest {
  /** The 64-bit Spur image file. */
  image: string;
  /** The executable to write. */
  out: string;
  progress?: (line: string) => void;
  debugVm?: boolean;
}

export async function buildLinuxApp(req: LinuxAppRequest): Promise<{ outputs: string[]; vm: string; bytes: number; run: string }> {
  const image = new Uint8Array(readFileSync(req.image));
  if (image.length < 64) throw new Error(`${req.image} is too short to be an image (${image.length} bytes)`);
  const vm = await buildLinuxVm({ debugVm: req.debugVm, progress: req.progress });
  const elf = new Uint8Array(readFileSync(vm.elfPath));
  const bytes = appendImage(elf, image);
  req.progress?.(`executable ${req.out}: VM ${elf.length} bytes + image ${image.length} bytes`);
  const tmp = `${req.out}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  chmodSync(tmp, 0o755);
  renameSync(tmp, req.out);
  return { outputs: [req.out], vm: vm.elfPath, bytes: bytes.length, run: isAbsolute(req.out) ? req.out : `./${req.out.replace(/^\.\//, '')}` };
}
