// Test support: WAT → wasm (wabt's parseWat) → static Linux executable in a temp dir → run it.
import wabtInit from 'wabt';
import { chmodSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadModule } from '../../../../build/aot/wasm/index.ts';
import { buildLinuxExecutable, type ExecutableResult } from '../../../../build/link/linux/executable.ts';

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

export async function watToWasm(src: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const mod = wabt.parseWat('test.wat', src, { multi_value: true, bulk_memory: true, sign_extension: true, sat_float_to_int: true, mutable_globals: true });
  try {
    return mod.toBinary({ write_debug_names: true }).buffer;
  } finally {
    mod.destroy();
  }
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  exe: ExecutableResult;
  path: string;
}

const dir = mkdtempSync(join(tmpdir(), 'xenolith-aot-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

export function buildExe(wasm: Uint8Array): { path: string; exe: ExecutableResult } {
  const exe = buildLinuxExecutable(loadModule(wasm));
  const path = join(dir, `t${counter++}`);
  writeFileSync(path, exe.elf);
  chmodSync(path, 0o755);
  return { path, exe };
}

export async function runWat(src: string, args: string[] = [], input?: string): Promise<RunResult> {
  const { path, exe } = buildExe(await watToWasm(src));
  const r = spawnSync(path, args, { input, timeout: 10_000, encoding: 'utf8', env: { XENOLITH_TEST: '1' } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, exe, path };
}
