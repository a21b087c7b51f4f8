// Benchmarks beside Linux in the Xen test host (issue 5): a job that runs a command in dom0
// (build/xenhost GuestSpec.dom0Command, scripts/xen-host/dom0-run-command.sh) and the AWFY pairs
// of bench/awfy/xen.ts — the same image as a domU of our kernel and under the linux VM in dom0.
// The plumbing is checked without QEMU; then ONE QEMU run (~40-70 s under TCG) runs a small
// AWFY-style benchmark (test/bench/fixtures/awfy-mini) in both places, both verifying, and one
// whose result is wrong, reported as such in both, and dom0 commands: exit status and output, a
// time limit that ends the command's whole process group. Timings are not checked. The QEMU part skips
// with the reason when the host cannot run or XENOLITH_SKIP_XEN_HOST=1.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildLinuxVm } from '../../build/pipeline/linux-vm.ts';
import { xenVmWasm } from '../../build/pipeline/xen-app.ts';
import { linkXenKernel } from '../../build/pipeline/xen-program.ts';
import { hostUnavailableReason, packJob, parseReport, runGuests, type GuestResult } from '../../build/xenhost/index.ts';
import { buildBenchImage, driverSource, linkSomSources } from '../../bench/awfy/lib.ts';
import {
  benchmarkJobs, collectRows, formatXenTable, jobName, jobOutcome, parseJobName,
} from '../../bench/awfy/xen-lib.ts';

const FIXTURE = 'test/bench/fixtures/awfy-mini/benchmarks/SOM';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** The archive's file names and contents (newc, as writeCpio writes it). */
function unpack(gz: Uint8Array): Map<string, string> {
  const a = gunzipSync(gz);
  const out = new Map<string, string>();
  let p = 0;
  for (;;) {
    const field = (i: number): number => parseInt(a.toString('latin1', p + 6 + i * 8, p + 14 + i * 8), 16);
    const size = field(6);
    const nameSize = field(11);
    const name = a.toString('latin1', p + 110, p + 110 + nameSize - 1);
    if (name === 'TRAILER!!!') return out;
    const data = p + 110 + nameSize + ((4 - ((110 + nameSize) % 4)) % 4);
    out.set(name, a.toString('latin1', data, data + size));
    p = data + size + ((4 - (size % 4)) % 4);
  }
}

test('a dom0 job packs its command and files, no guest config; bad specs are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xen-dom0-job-'));
  try {
    const f = join(dir, 'payload');
    writeFileSync(f, 'DATA');
    const { archive, names } = packJob([{ name: 'cmd', dom0Command: './vm x\n', files: { vm: f, x: f }, timeLimitSeconds: 30 }]);
    const files = unpack(archive);
    assert.deepEqual(names, ['cmd']);
    assert.equal(files.get('job/guests/0/command'), './vm x\n');
    assert.equal(files.get('job/guests/0/vm'), 'DATA');
    assert.equal(files.get('job/guests/0/limit'), '30\n');
    assert.ok(!files.has('job/guests/0/guest.cfg'), 'no domain to configure');
    assert.throws(() => packJob([{ dom0Command: 'true', files: { '../x': f } }]), /bad file name/);
    assert.throws(() => packJob([{ dom0Command: 'true', files: { command: f } }]), /bad file name/);
    assert.throws(() => packJob([{ dom0Command: 'true', files: { 'timed-out': f } }]), /bad file name/);
    assert.throws(() => packJob([{ dom0Command: 'true', files: { x: join(dir, 'missing') } }]), /not a file/);
    assert.throws(() => packJob([{ dom0Command: 'true', kernel: f }]), /takes no kernel/);
    assert.throws(() => packJob([{ kernel: f, files: { x: f } }]), /files are for a dom0Command/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report of a dom0 job: exited with its status and output, or timed out', () => {
  const serial = [
    '@@XH host ready 6.0',
    '@@XH 0 begin run', '@@XH 0 exit 1', '@@XH 0 times 700 - 950', `@@XH 0 console ${b64('AWFY X failed 12\n')}`, '@@XH 0 end',
    '@@XH 1 begin slow', '@@XH 1 timeout 4000', '@@XH 1 exit 143', '@@XH 1 times 1000 - 4000', '@@XH 1 end',
  ].join('\n');
  const [a, b] = parseReport(serial, ['run', 'slow']).guests;
  assert.equal(a!.ending, 'exited');
  assert.equal(a!.exitStatus, 1);
  assert.equal(a!.console, 'AWFY X failed 12\n');
  assert.equal(a!.shutdownMs, 2500);
  assert.equal(a!.firstOutputMs, null);
  assert.equal(b!.ending, 'timeout');
});

test('AWFY in Xen: driver, ABBA job order, outcomes, best of rounds, table', () => {
  assert.match(driverSource('Sieve', 3, 2), /1 to: 2 do: \[:i \| \(bench innerBenchmarkLoop: 3\)/);
  assert.throws(() => driverSource('Sieve', 0, 1), /bad inner iteration count/);
  assert.throws(() => driverSource('Sieve', 1, 0), /bad repetition count/);
  assert.throws(() => driverSource('x; y', 1, 1), /bad benchmark name/);
  assert.deepEqual(parseJobName(jobName('CD', 'dom0', 3)), { benchmark: 'CD', place: 'dom0', round: 3 });
  const jobs = benchmarkJobs('Sieve', { kernel: 'k', elf: 'e', image: 'i' }, 2, 64, 60);
  assert.deepEqual(jobs.map((j) => j.name), ['Sieve-dom0-0', 'Sieve-xen-0', 'Sieve-xen-1', 'Sieve-dom0-1']);
  assert.equal(jobs[1]!.ramdisk, 'i');
  assert.deepEqual(jobs[0]!.files, { vm: 'e', 'bench.image': 'i' });
  const result = (name: string, ending: GuestResult['ending'], status: number | null, console: string): GuestResult => ({
    name, ending, exitStatus: status, console, domid: null, shutdownCode: null, firstOutputMs: null, shutdownMs: null, xlLog: '', dom0Output: '', state: null,
  });
  const ok = (us: number) => `AWFY Sieve ok ${us}\n`;
  const runs = [
    result('Sieve-dom0-0', 'exited', 0, ok(100)), result('Sieve-xen-0', 'poweroff', 0, `${ok(300)}xenolith: exit status 0\n`),
    result('Sieve-xen-1', 'poweroff', 0, ok(250)), result('Sieve-dom0-1', 'exited', 0, ok(120)),
    result('Wrong-dom0-0', 'exited', 1, 'AWFY Wrong failed 5\n'), result('Wrong-xen-0', 'crash', null, 'trap'),
  ];
  assert.equal(jobOutcome(runs[4]!), 'wrong result');
  assert.equal(jobOutcome(runs[5]!), 'crash (no result line)');
  assert.equal(jobOutcome(result('Sieve-xen-0', 'exited', 0, ok(1))), 'exited', 'a domU must power off');
  const rows = collectRows(runs, { Sieve: { inner: 3, reps: 1 }, Wrong: { inner: 1, reps: 1 } });
  assert.deepEqual(rows.map((r) => [r.name, r.xen, r.dom0]), [['Sieve', 250, 100], ['Wrong', 'crash (no result line)', 'wrong result']]);
  const table = formatXenTable(rows, 'tcg');
  assert.match(table, /\| Sieve \| 3 × 1 \| 250 \| 100 \| 2\.50 \|/);
  assert.match(table, /\| geomean \|.*\*\*2\.50\*\*/);
});

test('one QEMU run: an AWFY-style benchmark verifies as a Xen domU and under Linux in dom0', { timeout: 600_000 }, async (t) => {
  if (process.env.XENOLITH_SKIP_XEN_HOST === '1') return t.skip('XENOLITH_SKIP_XEN_HOST=1');
  const why = hostUnavailableReason();
  if (why) return t.skip(why);
  if (process.platform !== 'linux' || process.arch !== 'x64') return t.skip('the linux VM for dom0 is built on x86-64 Linux');
  const dir = mkdtempSync(join(tmpdir(), 'xen-bench-dom0-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const som = linkSomSources(FIXTURE, dir);
  const kernel = join(dir, 'vm.xen');
  linkXenKernel(await xenVmWasm(), kernel);
  const { elfPath } = await buildLinuxVm();
  const counts = { Sieve: { inner: 3, reps: 2 }, Wrong: { inner: 1, reps: 1 } };
  const jobs = Object.entries(counts).flatMap(([name, w]) => {
    const image = join(dir, `${name}.image`);
    writeFileSync(image, buildBenchImage([som], name, w.inner, dir, w.reps));
    return benchmarkJobs(name, { kernel, elf: elfPath, image }, 1, 64, 120);
  });
  // the dom0 command path itself: status and output (both streams, a file beside it); a command
  // past its limit ended with what it started; a later command sees none of that left running
  const note = join(dir, 'note');
  writeFileSync(note, 'from the host\n');
  jobs.push(
    { name: 'status', dom0Command: 'cat note; echo to-stderr >&2; exit 3\n', files: { note }, timeLimitSeconds: 30 },
    { name: 'slow', dom0Command: 'sleep 600 &\nsleep 601\necho not reached\n', timeLimitSeconds: 2 },
    { name: 'after', dom0Command: 'ps -o args\n', timeLimitSeconds: 30 },
  );
  let run;
  try {
    run = await runGuests(jobs, { progress: (l) => t.diagnostic(l) });
  } catch (e) {
    return t.skip(`the Xen test host did not start: ${(e as Error).message}`);
  }
  const show = run.guests.map((g) => `${g.name}: ${g.ending} status ${g.exitStatus}\n${g.console}${g.xlLog}`).join('\n');
  const rows = collectRows(run.guests, counts);
  const sieve = rows.find((r) => r.name === 'Sieve');
  assert.equal(typeof sieve?.xen, 'number', show);
  assert.equal(typeof sieve?.dom0, 'number', show);
  const wrong = rows.find((r) => r.name === 'Wrong');
  assert.deepEqual([wrong?.xen, wrong?.dom0], ['wrong result', 'wrong result'], show);
  const byName = new Map(run.guests.map((g) => [g.name, g]));
  assert.equal(byName.get('Wrong-xen-0')?.exitStatus, 1, show);
  assert.equal(byName.get('Wrong-dom0-0')?.exitStatus, 1, show);
  const status = byName.get('status');
  assert.deepEqual([status?.ending, status?.exitStatus, status?.console], ['exited', 3, 'from the host\nto-stderr\n'], show);
  const slow = byName.get('slow');
  assert.equal(slow?.ending, 'timeout', show);
  assert.doesNotMatch(slow?.console ?? '', /not reached/);
  const after = byName.get('after');
  assert.equal(after?.exitStatus, 0, show);
  assert.match(after?.console ?? '', /xh-run-dom0/, 'ps listed the processes');
  assert.doesNotMatch(after?.console ?? '', /sleep 60[01]/, 'the timed-out command left nothing running');
  t.diagnostic(`QEMU run ${run.qemuSeconds.toFixed(0)} s; Sieve ${sieve?.xen} µs in the domU, ${sieve?.dom0} µs in dom0`);
});
