// runSista keeps the frame pointer and method in its locals, writing them back to R only before
// anything outside the loop runs (vm/interp/interpreter.ts syncFrame). A missing write-back shows
// here: scavenges deep in chains of inline sends, returns through them, non-local returns,
// process switches at depth, an error's context chain and thisContext, on node and natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../../build/bootstrap/image-builder.ts';
import { buildLinuxVm } from '../../../build/pipeline/linux-vm.ts';
import { labelledLines, runLabelled } from '../helpers/labelled-run.ts';

const FIXTURE = 'test/vm/interp/fixtures/FrameRegisters';
const ENTRY = 'FrameRegs class>>main';
const skipNative = !(process.platform === 'linux' && process.arch === 'x64') && 'needs x86-64 Linux';

const expected: Record<string, string> = {
  scavenges: '#(180300)',
  blocks: '125250',
  nonLocal: '#(#(#found 50) #(#found 50))',
  processes: '#(45150 20100)',
  errorStack: '#(#/ #/ #divide #failAt:)',
  context: '#(#contextAt: #contextAt: #FrameRegs)',
};

/** An Array's printString in one form, whether the library prints {1. #a} or #(1 #a). */
const canon = (s: string): string => s.replaceAll('{', '#(').replaceAll('}', ')').replaceAll('. ', ' ');

function check(got: Map<string, string>, out: string): void {
  for (const [k, v] of Object.entries(expected)) assert.equal(canon(got.get(k) ?? ''), canon(v), `${k}\n${out}`);
  assert.equal(got.size, Object.keys(expected).length, out);
}

test('frames stay right across scavenges, switches and errors deep in inline sends (node)', async () => {
  const { got, run } = await runLabelled(FIXTURE, ENTRY);
  check(got, run.stdout);
});

test('the same natively (linux)', { skip: skipNative }, async () => {
  const vm = (await buildLinuxVm()).elfPath;
  const dir = mkdtempSync(join(tmpdir(), 'frame-regs-'));
  try {
    const image = join(dir, 'f.image');
    writeFileSync(image, buildImage({ dirs: [FIXTURE], entry: ENTRY }).image);
    const r = spawnSync(vm, [image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    check(labelledLines(r.stdout), r.stdout + r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
