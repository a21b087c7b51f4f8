// `xenolith validate <file.wasm> [--json]`: decodes and validates a WebAssembly module with the
// AOT compiler's front end and reports the post-MVP features it uses and its counts, or the
// first error with its byte offset (exit code 1).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { detectFeatures, funcDisplayName, loadModule, WasmError } from '../../aot/wasm/index.ts';

export function register(program: Command): void {
  program
    .command('validate')
    .description('decode and validate a WebAssembly module with the AOT front end')
    .argument('<file.wasm>', 'the binary module')
    .option('--json', 'print the result as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      let bytes: Uint8Array;
      try {
        const b = readFileSync(file);
        bytes = new Uint8Array(b.buffer, b.byteOffset, b.length);
      } catch (e) {
        report(opts, { ok: false, file, error: { kind: 'io', message: (e as Error).message } });
        return;
      }
      const started = performance.now();
      try {
        const m = loadModule(bytes);
        const ms = performance.now() - started;
        const { features, counts } = detectFeatures(m);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ok: true, file, bytes: bytes.length, features, counts, ms: +ms.toFixed(2) }) + '\n');
          return;
        }
        const start = m.start !== undefined ? `, start ${funcDisplayName(m, m.start)}` : '';
        process.stdout.write(
          `${file}: valid (${bytes.length} bytes, ${ms.toFixed(1)} ms)\n` +
            `features: ${features.length ? features.join(', ') : 'MVP only'}\n` +
            `functions ${counts.functions} (${m.numImportedFuncs} imported), types ${counts.types}, ` +
            `tables ${counts.tables}, memories ${counts.memories}, globals ${counts.globals}, ` +
            `exports ${counts.exports}, element segments ${counts.elements}, data segments ${counts.datas}${start}\n` +
            `code: ${counts.instructions} instructions in ${counts.codeBytes} bytes\n`,
        );
      } catch (e) {
        if (!(e instanceof WasmError)) throw e;
        report(opts, {
          ok: false, file,
          error: { kind: e.kind, message: e.message, offset: e.offset, ...(e.funcIndex !== undefined ? { function: e.funcIndex } : {}) },
        });
      }
    });
}

function report(opts: { json?: boolean }, r: { ok: false; file: string; error: { kind: string; message: string; offset?: number } }): void {
  if (opts.json) process.stdout.write(JSON.stringify(r) + '\n');
  else process.stderr.write(`${r.file}: ${r.error.message}\n`);
  process.exitCode = 1;
}
