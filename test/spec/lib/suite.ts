// The spec-suite files, the ones left out (with reasons), and the node:test wiring that runs a
// chunk of the files against one kind of session, printing per-file counts.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readKnownFailures, SPEC_KNOWN_FAILURES } from './known-failures.ts';
import { runScript, type ScriptResult } from './run-script.ts';
import { loadSessionFactory, type SessionFactory, type SessionKind } from './sessions.ts';
import { convertWast, findWast2json, NO_WAST2JSON, SUITE_DIR } from './wast-json.ts';

/** Files not run, per session kind, with the reason. */
export const LEFT_OUT: Record<string, { kinds: SessionKind[]; reason: string }> = {};

export function suiteFiles(): string[] {
  return readdirSync(SUITE_DIR).filter((f) => f.endsWith('.wast')).sort();
}

/** Files in chunk `index` of `count` (interleaved by size so chunks take similar time). */
export function chunk(files: string[], index: number, count: number): string[] {
  return files.filter((_, i) => i % count === index);
}

export function formatCounts(file: string, r: ScriptResult): string {
  const reasons = [...r.skipReasons].map(([why, n]) => `${n} ${why}`).join('; ');
  return `${file}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${reasons ? ` (${reasons})` : ''}`;
}

/** Registers one node:test test per .wast file of the chunk. */
export function defineSpecTests(kind: SessionKind | 'front-end', index: number, count: number): void {
  const files = chunk(suiteFiles(), index, count);
  const label = kind === 'front-end' ? 'front end' : kind;
  test(`spec suite on ${label}, chunk ${index + 1}/${count}`, { timeout: 120_000 }, async (t) => {
    if (!findWast2json()) return t.skip(NO_WAST2JSON);
    let factory: SessionFactory | undefined;
    if (kind !== 'front-end') {
      const loaded = await loadSessionFactory(kind);
      if (!loaded.factory) return t.skip(loaded.reason);
      factory = loaded.factory;
    }
    const total = { passed: 0, failed: 0, skipped: 0 };
    // only the native back end (work in progress) has a list of known failures
    const known = kind === 'native' ? readKnownFailures(SPEC_KNOWN_FAILURES) : {};
    const leftOut = Object.entries(LEFT_OUT).filter(([, l]) => kind === 'front-end' || l.kinds.includes(kind));
    if (index === 0) {
      t.diagnostic(`left out: ${leftOut.length ? leftOut.map(([f, l]) => `${f} (${l.reason})`).join(', ') : 'none'}; ` +
        `no simd_*.wast in this copy of the suite (SIMD is unsupported anyway)`);
    }
    for (const file of files) {
      const left = LEFT_OUT[file];
      if (left && (kind === 'front-end' || left.kinds.includes(kind))) {
        t.diagnostic(`${file}: left out: ${left.reason}`);
        continue;
      }
      await t.test(file, async (st) => {
        let script;
        try {
          script = convertWast(join(SUITE_DIR, file));
        } catch (e) {
          st.diagnostic(`${file}: left out: wast2json cannot convert it`);
          return st.skip(`wast2json cannot convert it: ${(e as Error).message.split('\n')[0]}`);
        }
        const makeSession = factory ? () => factory() : undefined;
        const r = await runScript(script, file, makeSession, { frontEndOnly: kind === 'front-end' });
        total.passed += r.passed;
        total.failed += r.failed;
        total.skipped += r.skipped;
        st.diagnostic(formatCounts(file, r));
        const allowed = known[file] ?? 0;
        if (r.failed > 0 && r.failed <= allowed) {
          st.diagnostic(`${file}: ${r.failed} known failures on ${kind} (allowed ${allowed}); first: ${r.failures[0]}`);
        }
        if (r.failed < allowed) {
          st.diagnostic(`${file}: improved (${r.failed} < ${allowed} allowed): run test/spec/update-known-failures.ts`);
        }
        assert.ok(r.failed <= allowed, `${r.failed} failures (${allowed} known):\n${r.failures.join('\n')}`);
      });
    }
    t.diagnostic(`chunk total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  });
}
