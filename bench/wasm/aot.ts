// Our own compiler as a benchmark contestant: `xenolith aot in.wasm -o out` (the `linux`
// target: a static x86-64 ELF with WASI bound to Linux system calls). Found by its CLI command
// file build/cli/commands/aot.ts and driven in this process through commander, so compile
// speed is measured without Node's start-up. Until that command exists, every "ours" cell
// reads "n/a: <reason>".
import { Command } from 'commander';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './workloads.ts';

export const aotCommandFile = join(repoRoot, 'build/cli/commands/aot.ts');

export interface AotCompiler {
  /** Compiles wasmPath to an executable at outPath; returns the compile time in ms. */
  compile(wasmPath: string, outPath: string): Promise<number>;
}

class ExitCalled extends Error {
  constructor(readonly code: number | undefined) {
    super(`the aot command called process.exit(${code ?? ''})`);
  }
}

/** Runs fn with process.exit, stdout and stderr intercepted; returns what was written. */
async function contained(fn: () => Promise<void>): Promise<string> {
  const exit = process.exit;
  const outWrite = process.stdout.write;
  const errWrite = process.stderr.write;
  const exitCodeBefore = process.exitCode;
  let text = '';
  const capture = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  process.exit = ((code?: number) => {
    throw new ExitCalled(code);
  }) as typeof process.exit;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    await fn();
    if (process.exitCode && process.exitCode !== exitCodeBefore) throw new Error(`exit code ${process.exitCode}`);
    return text;
  } catch (e) {
    const why = e instanceof ExitCalled && e.code === 0 ? undefined : e instanceof Error ? e.message : String(e);
    if (why === undefined) return text;
    throw new Error(`${why}${text.trim() ? `: ${text.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  } finally {
    process.exit = exit;
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    process.exitCode = exitCodeBefore;
  }
}

/** Our compiler, or the reason it cannot be used yet. */
export async function findAotCompiler(): Promise<AotCompiler | { unavailable: string }> {
  if (!existsSync(aotCommandFile)) return { unavailable: 'no `xenolith aot` command yet' };
  let register: ((p: Command) => void) | undefined;
  try {
    const mod = (await import(pathToFileURL(aotCommandFile).href)) as { register?: (p: Command) => void };
    register = mod.register;
  } catch (e) {
    return { unavailable: `build/cli/commands/aot.ts does not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  if (typeof register !== 'function') return { unavailable: 'build/cli/commands/aot.ts exports no register()' };
  const reg = register;
  return {
    async compile(wasmPath: string, outPath: string): Promise<number> {
      rmSync(outPath, { force: true });
      mkdirSync(dirname(outPath), { recursive: true });
      const program = new Command('xenolith').exitOverride();
      reg(program);
      program.commands.forEach((c) => c.exitOverride());
      const t0 = performance.now();
      await contained(() => program.parseAsync(['aot', wasmPath, '-o', outPath], { from: 'user' }).then(() => undefined));
      const ms = performance.now() - t0;
      if (!existsSync(outPath)) throw new Error('`xenolith aot` wrote no output file');
      const head = readFileSync(outPath).subarray(0, 4);
      if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) throw new Error('`xenolith aot` output is not an ELF file');
      chmodSync(outPath, 0o755);
      return ms;
    },
  };
}
