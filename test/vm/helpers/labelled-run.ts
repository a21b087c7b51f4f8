// Runs a fixture package whose main prints `label|value` lines, checking that it ended cleanly
// with a consistent heap, and answers the values by label.
import assert from 'node:assert/strict';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { runImage, type VmResult } from './run-vm.ts';

export function labelledLines(stdout: string): Map<string, string> {
  return new Map(stdout.split('\n').filter((l) => l.includes('|')).map((l) => [l.slice(0, l.indexOf('|')), l.slice(l.indexOf('|') + 1)]));
}

export async function runLabelled(fixture: string, entry: string): Promise<{ got: Map<string, string>; run: VmResult }> {
  const { image } = buildImage({ dirs: [fixture], entry });
  const run = await runImage(image, { verify: true });
  assert.equal(run.crash, null, run.stdout);
  assert.equal(run.status, 0, run.stdout);
  assert.equal(run.heapFault, 0, 'heap consistent after the run');
  return { got: labelledLines(run.stdout), run };
}
