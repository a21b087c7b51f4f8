// `xenolith validate`: features and counts of a valid module, the error and exit code 1 otherwise.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { richModule } from './lib/rich-module.ts';

const CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../bin/xenolith.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    // generous: four CLIs start at once, and on a loaded 2-core machine each takes seconds
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      const e = err as { code?: number | null; signal?: string | null } | null;
      const killed = e?.signal ? `killed by ${e.signal} (timeout?)\n` : '';
      ok({ code: e ? (e.code ?? 1) : 0, stdout, stderr: killed + stderr });
    });
  });
}

test('xenolith validate: valid, invalid, --json', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-validate-'));
  try {
    const good = join(dir, 'good.wasm');
    const bad = join(dir, 'bad.wasm');
    writeFileSync(good, richModule());
    writeFileSync(bad, Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60));
    const [ok, okJson, err, errJson] = await Promise.all([
      run(['validate', good]), run(['validate', good, '--json']), run(['validate', bad]), run(['validate', bad, '--json']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /valid/);
    assert.match(ok.stdout, /features: bulk-memory, multi-value, mutable-globals, nontrapping-float-to-int, reference-types, sign-extension/);
    const j = JSON.parse(okJson.stdout) as { ok: boolean; counts: { functions: number; datas: number } };
    assert.equal(j.ok, true);
    assert.equal(j.counts.functions, 4);
    assert.equal(j.counts.datas, 3);
    assert.equal(err.code, 1);
    assert.match(err.stderr, /malformed module at byte 0x/);
    const e = JSON.parse(errJson.stdout) as { ok: boolean; error: { kind: string; offset: number } };
    assert.equal(errJson.code, 1);
    assert.deepEqual([e.ok, e.error.kind], [false, 'malformed']);
    assert.equal(typeof e.error.offset, 'number');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
