// Unit tests of the test host's plumbing that need no QEMU: the newc cpio writer (checked with
// the cpio tool when present) and the parser of dom0's "@@XH" report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCpio } from '../../build/xenhost/cpio.ts';
import { parseReport } from '../../build/xenhost/run.ts';

test('newc archive: header layout, alignment, trailer', () => {
  const a = Buffer.from(writeCpio([{ path: 'job' }, { path: 'job/x', data: new Uint8Array([1, 2, 3]) }]));
  assert.equal(a.subarray(0, 6).toString(), '070701');
  assert.equal(a.length % 4, 0);
  assert.ok(a.includes(Buffer.from('TRAILER!!!\0')));
  assert.throws(() => writeCpio([{ path: '../evil', data: new Uint8Array(1) }]), /bad path/);
});

test('cpio(1) extracts what writeCpio wrote', (t) => {
  if (spawnSync('cpio', ['--version']).status !== 0) return t.skip('no cpio: apt-get install cpio');
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-cpio-'));
  try {
    const data = new Uint8Array(1001).map((_, i) => i & 0xff);
    const archive = writeCpio([{ path: 'a' }, { path: 'a/b.bin', data }, { path: 'a/s.sh', data: new TextEncoder().encode('echo hi\n'), mode: 0o755 }]);
    const r = spawnSync('cpio', ['-i', '-d', '--quiet'], { cwd: dir, input: archive });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'a/b.bin'))), data);
    assert.equal(readFileSync(join(dir, 'a/s.sh'), 'utf8'), 'echo hi\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('report: console, reason code, exit status, timings per guest; noise ignored', () => {
  const serial = [
    '(XEN) noise',
    '@@XH host ready 7.15\r\r',
    '@@XH 0 begin a',
    '@@XH 0 domid 1',
    '@@XH 0 state ---s--',
    '@@XH 0 times 736 4709 4734\r',
    `@@XH 0 xl.out ${b64('Domain 1 has shut down, reason code 0 0x0\n')}`,
    `@@XH 0 console ${b64('hello\nxenolith: exit st')}`,
    `@@XH 0 console ${b64('atus 3\n')}`,
    '@@XH 0 end',
    '@@XH 1 begin b',
    '@@XH 1 domid 2',
    '@@XH 1 times 5000 5100 -',
    `@@XH 1 xl.out ${b64('Domain 2 has shut down, reason code 3 0x3\n')}`,
    '@@XH 1 end',
    '@@XH 2 begin c',
    '@@XH 2 domid 3',
    '@@XH 2 timeout 9000',
    '@@XH 2 times 6000 - -',
    '@@XH 2 end',
    '@@XH 3 begin d',
    `@@XH 3 xl.out ${b64('libxl: error: bad kernel\n')}`,
    '@@XH 3 domid -',
  ].join('\n');
  const r = parseReport(serial, ['a', 'b', 'c', 'd']);
  assert.equal(r.dom0ReadySeconds, 7.15);
  const [a, b, c, d] = r.guests;
  assert.equal(a!.ending, 'poweroff');
  assert.equal(a!.exitStatus, 3);
  assert.equal(a!.console, 'hello\nxenolith: exit status 3\n');
  assert.equal(a!.firstOutputMs, 39730);
  assert.equal(a!.shutdownMs, 39980);
  assert.equal(a!.state, '---s--');
  assert.equal(b!.ending, 'crash');
  assert.equal(b!.shutdownCode, 3);
  assert.equal(b!.exitStatus, null);
  assert.equal(b!.shutdownMs, null);
  assert.equal(c!.ending, 'timeout');
  assert.equal(d!.ending, 'not-started');
  assert.match(d!.xlLog, /bad kernel/);
});
