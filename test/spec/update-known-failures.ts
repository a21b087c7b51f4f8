// Regenerates the native back end's known-failure lists (the ratchet of spec-native-*.test.ts and
// of the native fuzz test): runs the whole spec suite and the fixed fuzz seeds on the native
// session and writes test/spec/native-known-failures.json and
// test/aot/fuzz/native-known-failures.json. Run it when the back end improved:
//   node --import tsx test/spec/update-known-failures.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModule } from '../../build/aot/wasm/index.ts';
import { runDifferential } from '../aot/fuzz/lib/differential.ts';
import { fixedSeedModules } from '../aot/fuzz/lib/fixed-seeds.ts';
import { FUZZ_KNOWN_FAILURES, SPEC_KNOWN_FAILURES } from './lib/known-failures.ts';
import { runScript } from './lib/run-script.ts';
import { loadSessionFactory } from './lib/sessions.ts';
import { LEFT_OUT, suiteFiles } from './lib/suite.ts';
import { convertWast, SUITE_DIR } from './lib/wast-json.ts';

const native = await loadSessionFactory('native');
if (!native.factory) {
  process.stderr.write(`update-known-failures: ${native.reason}\n`);
  process.exit(2);
}
const v8 = await loadSessionFactory('v8');

const spec: Record<string, number> = {};
let total = 0;
for (const file of suiteFiles()) {
  if (LEFT_OUT[file]?.kinds.includes('native')) continue;
  const r = await runScript(convertWast(join(SUITE_DIR, file)), file, () => native.factory!());
  if (r.failed) spec[file] = r.failed;
  total += r.failed;
  process.stdout.write(`spec: ${file}: ${r.passed} passed, ${r.failed} failed\n`);
}
const note = 'Known failures of the native back end (work in progress): the test fails when a file fails more. ' +
  'Regenerate with: node --import tsx test/spec/update-known-failures.ts';
writeFileSync(SPEC_KNOWN_FAILURES, JSON.stringify({ note, failures: spec }, null, 2) + '\n');
process.stdout.write(`spec: ${total} known failures in ${Object.keys(spec).length} files -> ${SPEC_KNOWN_FAILURES}\n`);

const fuzz: Record<string, number> = {};
for (const { seed, bytes } of await fixedSeedModules()) {
  const sessions = [await v8.factory!(), await native.factory()] as const;
  try {
    const r = await runDifferential(bytes, loadModule(bytes), [sessions[0], sessions[1]], ['v8', 'native']);
    if (r.mismatches.length) fuzz[String(seed)] = r.mismatches.length;
    process.stdout.write(`fuzz: seed ${seed}: ${r.mismatches.length ? r.mismatches[0] : 'same'}\n`);
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
writeFileSync(FUZZ_KNOWN_FAILURES, JSON.stringify({ note: note.replace('a file fails more', 'another seed fails'), failures: fuzz }, null, 2) + '\n');
process.stdout.write(`fuzz: ${Object.keys(fuzz).length} seeds fail -> ${FUZZ_KNOWN_FAILURES}\n`);
