// Runs one workload on V8 in a fresh Node process (so no compiled-code cache or tier-up state
// carries over between measurements): `node --import tsx bench/wasm/v8-child.ts file.wasm`.
// Prints the workload's stdout/stderr, then one JSON line on stderr prefixed "xenolith-v8 ".
import { readFileSync } from 'node:fs';
import { runWasi } from './v8-wasi.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: v8-child.ts <file.wasm>\n');
  process.exit(2);
}
const r = await runWasi(new Uint8Array(readFileSync(file)));
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
process.stderr.write(`xenolith-v8 ${JSON.stringify({ compileMs: r.compileMs, instantiateMs: r.instantiateMs, runMs: r.runMs })}\n`);
process.exitCode = r.exitCode;
