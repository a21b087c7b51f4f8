// Bad input never crashes the reader or the compiler: random edits of the class library's own
// sources either still compile or fail with a SourceError (file:line:col).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileMethod, type CompileEnvironment } from '../../build/bootstrap/compiler.ts';
import { SourceError } from '../../build/bootstrap/source-error.ts';
import { parseTonelFile } from '../../build/bootstrap/tonel.ts';

test('mutated Tonel sources give SourceErrors, never crashes', () => {
  const files: string[] = [];
  for (const d of readdirSync('smalltalk')) for (const f of readdirSync(join('smalltalk', d))) files.push(readFileSync(join('smalltalk', d, f), 'utf8'));
  let seed = 4242;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = `[]()'"#$:=^.;|{}<>-+ abcXYZ019rse\n\t`;
  const env: CompileEnvironment = {
    className: 'X', instVarNames: ['a'], classVar: () => undefined,
    global: (name) => ({ kind: 'global', name, owner: 'Smalltalk' }),
  };
  let errors = 0;
  for (let i = 0; i < 600; i++) {
    let t = files[rnd(files.length)];
    for (let e = 0, n = 1 + rnd(3); e < n; e++) {
      const p = rnd(t.length);
      const k = rnd(3);
      if (k === 0) t = t.slice(0, p) + t.slice(p + 1 + rnd(5));
      else if (k === 1) t = t.slice(0, p) + alphabet[rnd(alphabet.length)] + t.slice(p);
      else t = t.slice(0, p) + t.slice(p, p + 10).split('').reverse().join('') + t.slice(p + 10);
    }
    try {
      const r = parseTonelFile({ path: 'mutant.st', text: t });
      for (const m of r.methods) compileMethod(m.file, m.node, env);
    } catch (e) {
      assert.ok(e instanceof SourceError, `mutation ${i} crashed: ${(e as Error).stack}`);
      assert.match(e.message, /^mutant\.st:\d+:\d+: /);
      errors++;
    }
  }
  assert.ok(errors > 100, 'the mutations do produce errors');
});
