// A WebAssembly module (WASI preview 1 imports) compiled ahead of time to a static x86-64 Linux
// executable: what `xenolith aot in.wasm -o out` and `xenolith build in.wasm --target linux` do.
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface LinuxProgramRequest {
  /** The .wasm module. */
  wasm: string;
  /** The executable to write. */
  out: string;
  progress?: (line: string) => void;
}

export async function buildLinuxProgram(req: LinuxProgramRequest): Promise<{ outputs: string[]; bytes: number }> {
  const [{ loadModule }, { buildLinuxExecutable }] = await Promise.all([
    import('../aot/wasm/index.ts'), import('../link/linux/executable.ts'),
  ]);
  const bytes = readFileSync(req.wasm);
  req.progress?.(`aot ${req.wasm} → x86-64 (linux)`);
  const exe = buildLinuxExecutable(loadModule(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)));
  // written beside the target and renamed, so a failed build never leaves half an executable
  const tmp = `${req.out}.${process.pid}.tmp`;
  writeFileSync(tmp, exe.elf);
  chmodSync(tmp, 0o755);
  renameSync(tmp, req.out);
  return { outputs: [req.out], bytes: exe.elf.length };
}
