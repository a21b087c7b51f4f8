// The VM as a static Linux executable: the VM compiled to wasm for the `linux` target (cached by
// compile-vm), then compiled ahead of time by build/aot into an ELF, cached under
// .cache/linux-vm/ keyed by the hash of the wasm (and of the AOT compiler's own sources, so a
// change to the back end or the runtime rebuilds it).
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileVm, repoRoot } from '../vm/compile-vm.ts';

export interface LinuxVmOptions {
  /** A debug build of the VM (assertions, names in traps). */
  debugVm?: boolean;
  progress?: (line: string) => void;
}

export interface LinuxVm {
  elfPath: string;
  wasmPath: string;
  cached: boolean;
}

function hashTree(dir: string, hash: ReturnType<typeof createHash>): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(p, hash);
    else if (name.endsWith('.ts')) { hash.update(p); hash.update(new Uint8Array(readFileSync(p))); }
  }
}

/** The key of an ELF built from these wasm bytes by the current back end and runtime. */
export function linuxVmKey(wasm: Uint8Array): string {
  const hash = createHash('sha256');
  hash.update(wasm);
  for (const d of ['build/aot', 'build/runtime/linux', 'build/link/linux']) hashTree(join(repoRoot, d), hash);
  return hash.digest('hex').slice(0, 16);
}

/** Builds (or reuses) the VM executable for Linux. */
export async function buildLinuxVm(opts: LinuxVmOptions = {}): Promise<LinuxVm> {
  const { wasmPath } = await compileVm({ target: 'linux', optimize: !opts.debugVm, progress: opts.progress });
  const wasm = new Uint8Array(readFileSync(wasmPath));
  const dir = join(repoRoot, '.cache', 'linux-vm');
  const elfPath = join(dir, `vm${opts.debugVm ? '-debug' : ''}-${linuxVmKey(wasm)}`);
  if (existsSync(elfPath)) return { elfPath, wasmPath, cached: true };
  opts.progress?.('aot the VM → x86-64 (linux)');
  const [{ loadModule }, { buildLinuxExecutable }] = await Promise.all([
    import('../aot/wasm/index.ts'), import('../link/linux/executable.ts'),
  ]);
  const exe = buildLinuxExecutable(loadModule(wasm));
  mkdirSync(dir, { recursive: true });
  const tmp = `${elfPath}.${process.pid}.tmp`;
  writeFileSync(tmp, exe.elf);
  chmodSync(tmp, 0o755);
  renameSync(tmp, elfPath);
  return { elfPath, wasmPath, cached: false };
}
