// The read-eval-print loop (smalltalk/Compiler/ReadEvalPrintLoop, the in-image compiler) in a Xen
// guest: a session typed on the guest's PV console answers several expressions, keeps a
// workspace variable, reports an error with its stack and goes on, and `Smalltalk quit: 5`
// powers the domain off with status 5. One guest, one QEMU run (~20 s under TCG once the host
// is provisioned). Skips with the reason when the host cannot be provisioned or
// XENOLITH_SKIP_XEN_HOST=1.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildReplImage } from '../../build/cli/commands/repl.ts';
import { buildXenApp } from '../../build/pipeline/xen-app.ts';
import { hostUnavailableReason, runGuests } from '../../build/xenhost/index.ts';

const SESSION = [
  '3 factorial printString',
  'x := 6 * 7',
  'x + 1',
  '1/0',
  '(1 to: 5) inject: 0 into: [:a :b | a + b]',
  'Smalltalk quit: 5',
  '',
].join('\n');

test('the REPL in a Xen guest: answers, a workspace variable, an error and the loop going on, quit status', { timeout: 900_000 }, async (t) => {
  if (process.env.XENOLITH_SKIP_XEN_HOST === '1') return t.skip('XENOLITH_SKIP_XEN_HOST=1');
  const why = hostUnavailableReason();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'xen-repl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'repl.image');
  buildReplImage(image, [], '');
  const kernel = join(dir, 'repl.xen');
  await buildXenApp({ image, out: kernel });
  let run;
  try {
    run = await runGuests([{ name: 'repl', kernel, memory: 64, consoleInput: SESSION, timeLimitSeconds: 120 }],
      { progress: (l) => t.diagnostic(l) });
  } catch (e) {
    return t.skip(`the Xen test host did not start: ${(e as Error).message}`);
  }
  const g = run.guests[0];
  const show = `${g.ending} status ${g.exitStatus}\n${g.console}\n${g.xlLog}`;
  const out = g.console.replace(/\r/g, '');
  assert.equal(g.ending, 'poweroff', show);
  assert.equal(g.exitStatus, 5, show);
  assert.match(out, /'6'\n42\n43\nZeroDivide: division by zero\n(  \S+\n)*  UndefinedObject>>#DoIt\n15\n/, show);
});
