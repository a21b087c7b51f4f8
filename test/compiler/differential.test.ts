// The in-image compiler (smalltalk/Compiler) against the bootstrapper: every method of the class
// library (and of the library's test suite) is sent, as source, to an image that recompiles it
// with `Compiler compile:in:` and compares the result with the method the bootstrapper put in
// the image: header, literals (bindings by identity, blocks recursively) and bytecodes must be
// identical. The image also reports the in-image compiler's speed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { buildImage, KERNEL_DIR } from '../../build/bootstrap/image-builder.ts';
import { readTonelDirectory, type TonelMethod } from '../../build/bootstrap/tonel.ts';
import { SOM_COMPAT_DIR } from '../../build/bootstrap/som/directory.ts';
import { repoRoot } from '../../build/vm/compile-vm.ts';
import { methodSource, differentialCheckerSource } from './method-sources.ts';

const work = mkdtempSync(join(tmpdir(), 'xenolith-compiler-diff-'));
after(() => rmSync(work, { recursive: true, force: true }));

const LIBRARY_TESTS = join(repoRoot, 'smalltalk-tests/Library-Tests');

/** One record per method: "Class[ class] selector" and its source with \ and line ends escaped,
 *  sent as UTF-8 (what ConsoleLineReader decodes). */
function records(methods: TonelMethod[]): { input: string; count: number } {
  let input = '';
  let count = 0;
  for (const m of methods) {
    const src = methodSource(m);
    const escaped = src.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
    input += `${m.className}${m.meta ? ' class' : ''} ${m.node.selector}\n${escaped}\n`;
    count++;
  }
  return { input, count };
}

test('the in-image compiler makes the same methods as the bootstrapper', (t) => {
  // SOM-Compat joins only images built from SOM sources (build/bootstrap/som).
  const pkgs = [...readTonelDirectory(KERNEL_DIR), ...readTonelDirectory(LIBRARY_TESTS)]
    .filter((p) => basename(p.dir) !== SOM_COMPAT_DIR);
  const methods = pkgs.flatMap((p) => p.methods);
  const { input, count } = records(methods);
  assert.ok(count > 1500, `only ${count} methods found`);
  const dir = join(work, 'check');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.st'), "Package { #name : #'Xenolith-CompilerCheck' }\n");
  writeFileSync(join(dir, 'CompilerDifferentialCheck.class.st'), differentialCheckerSource());
  const image = join(work, 'check.image');
  writeFileSync(image, buildImage({ dirs: [LIBRARY_TESTS, dir], entry: 'CompilerDifferentialCheck class>>main' }).image);
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/xenolith.js'), 'run', '-q', image],
    { input: new Uint8Array(Buffer.from(input, 'utf8')), timeout: 600_000, maxBuffer: 64 << 20 });
  const out = r.stdout.toString('utf8');
  const summary = /compared (\d+) same (\d+) different (\d+) failed (\d+) quick (\d+) in (\d+) ms/.exec(out);
  assert.ok(summary, `no summary from the image (status ${r.status}):\n${out.slice(-3000)}\n${r.stderr.toString('latin1').slice(-2000)}`);
  const [compared, same, different, failed, quick, ms] = summary.slice(1).map(Number);
  const rate = Math.round((compared * 1000) / Math.max(ms, 1));
  t.diagnostic(`in-image compiler: ${compared} methods, ${same} identical (${quick} quick methods), ${rate} methods/s on node`);
  assert.equal(compared, count, out.slice(-3000));
  assert.equal(different + failed, 0, out.split('\n').filter((l) => /^(DIFF|FAIL)/.test(l)).slice(0, 40).join('\n'));
  assert.equal(same, count);
  // the library's accessors and constant methods: both compilers give them quick primitives
  assert.ok(quick > 100, `only ${quick} quick methods compared`);
  assert.equal(r.status, 0);
});
