// `xenolith aot in.wasm -o out [--target linux] [--json]`: compiles a WebAssembly module ahead
// of time with our own back end into a static x86-64 Linux executable (no C compiler, assembler
// or linker). Errors in the module name the function and the byte offset.
import type { Command } from 'commander';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { loadModule, WasmError } from '../../aot/wasm/index.ts';
import { functionName } from '../../aot/compile.ts';
import { buildLinuxExecutable } from '../../link/linux/executable.ts';

interface AotOptions { output: string; target: string; json?: boolean }

export function register(program: Command): void {
  program
    .command('aot')
    .description('compile a WebAssembly module to a native executable (target linux: static ELF64, WASI preview 1)')
    .argument('<input>', 'the .wasm module')
    .requiredOption('-o, --output <file>', 'the executable to write')
    .option('--target <target>', 'target: linux', 'linux')
    .option('--json', 'print a JSON summary on stdout')
    .action((input: string, opts: AotOptions) => {
      if (opts.target !== 'linux') throw new Error(`unknown target ${opts.target} (available: linux)`);
      const t0 = performance.now();
      let bytes: Uint8Array;
      try {
        const b = readFileSync(input);
        bytes = new Uint8Array(b.buffer, b.byteOffset, b.length);
      } catch (e) {
        throw new Error(`cannot read ${input}: ${(e as Error).message}`);
      }
      let m;
      try {
        m = loadModule(bytes);
        const exe = buildLinuxExecutable(m);
        writeFileSync(opts.output, exe.elf);
        chmodSync(opts.output, 0o755);
        const ms = Math.round(performance.now() - t0);
        const summary = {
          input, output: opts.output, target: opts.target, bytes: exe.elf.length,
          functions: m.bodies.length, textBytes: exe.sections.text.size, trapSites: exe.trapSites, milliseconds: ms,
        };
        if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else process.stdout.write(`aot: ${input} -> ${opts.output} (${summary.functions} functions, ${summary.textBytes} bytes of code, ${ms} ms)\n`);
      } catch (e) {
        if (e instanceof WasmError) {
          const where = e.funcIndex !== undefined && m ? ` (function ${functionName(m, e.funcIndex)})` : e.funcIndex !== undefined ? ` (function ${e.funcIndex})` : '';
          process.exitCode = 2;
          throw new Error(`${input}: ${e.message}${where}`);
        }
        throw e;
      }
    });
}
