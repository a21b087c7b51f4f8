// `npm run fuzz -- --seconds N [--against v8|native] [--keep-going]`: generates Binaryen -ttf
// modules from random seeds for N seconds; each must load in our front end and behave the same
// in V8 and in the other session (native when available, else V8). Failing modules are saved
// under .cache/fuzz-failures/<id>.wasm with a <id>.txt report. Exit code 1 if any failed.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModule, WasmError } from '../../../build/aot/wasm/index.ts';
import { loadSessionFactory, type SessionKind } from '../../spec/lib/sessions.ts';
import { runDifferential } from './lib/differential.ts';
import { generateModule, REPO_ROOT } from './lib/generate.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    against: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write('usage: npm run fuzz -- [--seconds N] [--against v8|native]\n');
  process.exit(0);
}
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds <= 0) {
  process.stderr.write(`fuzz: --seconds must be a positive number, got ${values.seconds}\n`);
  process.exit(2);
}

const FAILURES = join(REPO_ROOT, '.cache/fuzz-failures');
const v8 = await loadSessionFactory('v8');
let otherKind: SessionKind = (values.against as SessionKind | undefined) ?? 'native';
let other = await loadSessionFactory(otherKind);
if (!other.factory) {
  if (values.against === 'native') {
    process.stderr.write(`fuzz: no native session: ${other.reason}\n`);
    process.exit(2);
  }
  process.stderr.write(`fuzz: native session unavailable (${other.reason}); comparing V8 with V8\n`);
  otherKind = 'v8';
  other = v8;
}

const deadline = Date.now() + seconds * 1000;
let runs = 0;
let failed = 0;
let skipped = 0;
let calls = 0;
while (Date.now() < deadline) {
  const seed = new Uint8Array(randomBytes(1024 + Math.floor(Math.random() * 40 * 1024)));
  const id = `${Date.now().toString(36)}-${Buffer.from(seed.subarray(0, 4)).toString('hex')}`;
  let bytes: Uint8Array | undefined;
  let problem: string | undefined;
  try {
    bytes = await generateModule(seed, { cache: false });
    if (!WebAssembly.validate(bytes as BufferSource)) {
      // Binaryen's -ttf sometimes leaves an instruction of a disabled feature (seen: ref.as_non_null
      // with reference types only); V8 rejects such a module too, so it tests nothing
      skipped++;
      continue;
    }
    const m = loadModule(bytes);
    const sessions = [await v8.factory!(), await other.factory!()] as const;
    try {
      const r = await runDifferential(bytes, m, [sessions[0], sessions[1]], ['v8', otherKind]);
      calls += r.calls;
      if (r.mismatches.length) problem = r.mismatches.join('\n');
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  } catch (e) {
    problem = e instanceof WasmError ? `front end rejected the module: ${e.message}` : `error: ${e instanceof Error ? e.stack : e}`;
  }
  runs++;
  if (problem) {
    failed++;
    mkdirSync(FAILURES, { recursive: true });
    if (bytes) writeFileSync(join(FAILURES, `${id}.wasm`), bytes);
    writeFileSync(join(FAILURES, `${id}.seed`), seed);
    writeFileSync(join(FAILURES, `${id}.txt`), problem + '\n');
    process.stdout.write(`fuzz: FAIL ${id}: ${problem.split('\n')[0]}\n`);
  }
  if (runs % 10 === 0) process.stdout.write(`fuzz: ${runs} modules, ${calls} calls, ${failed} failed, ${skipped} skipped\n`);
}
process.stdout.write(`fuzz: done: ${runs} modules, ${calls} calls, ${failed} failed, ${skipped} skipped as invalid for V8 too (v8 vs ${otherKind})` +
  (failed ? `; saved in ${FAILURES}\n` : '\n'));
process.exitCode = failed ? 1 : 0;
