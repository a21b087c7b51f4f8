// Boot benchmark on the Xen test host: time from `xl create` to the first console output and to
// the domain's poweroff (measured in dom0), for a given PV kernel beside the reference Linux PV
// guest booted the same way in the same QEMU run, with the size of each kernel file (and
// ramdisk); optionally the smallest memory= that still boots each (a search that tests several
// sizes per QEMU run). Prints a table; never fails on numbers.
//
//   node --import tsx bench/xen-boot/run.ts [--kernel k.elf]... [--ramdisk r] [--cmdline ..]
//        [--runs N] [--memory MiB] [--no-phases] [--min-memory] [--memory-range LO:HI]
//        [--precision MiB] [--json]
// Without --kernel only the reference guest is measured; several --kernel are measured side by
// side in the same QEMU run (before/after a change). Our kernel is booted with
// `xenolith.stats` (unless --no-phases) so that it prints its boot phases (kernel/boot-phases.ts):
// the table then shows where the guest's own time went beside dom0's view, whose first output
// includes the toolstack's domain build.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { provisionHost, hostUnavailableReason, type HostFiles } from '../../build/xenhost/provision.ts';
import { referenceGuest, runGuests, type GuestResult, type GuestSpec } from '../../build/xenhost/run.ts';
import { parseBootPhases, PHASE_NAMES, type BootPhases } from './phases.ts';

interface Subject {
  label: string;
  kernelBytes: number;
  ramdiskBytes: number | null;
  spec: (memory: number, name: string) => GuestSpec;
  /** a boot counts as good when it powered off with exit status 0 (or printed none) */
}

const { values } = parseArgs({
  options: {
    kernel: { type: 'string', multiple: true },
    ramdisk: { type: 'string' },
    cmdline: { type: 'string', default: 'console=hvc0' },
    memory: { type: 'string', default: '128' },
    runs: { type: 'string', default: '1' },
    'min-memory': { type: 'boolean', default: false },
    'memory-range': { type: 'string', default: '8:256' },
    precision: { type: 'string', default: '4' },
    'per-run': { type: 'string', default: '3' },
    'time-limit': { type: 'string', default: '90' },
    json: { type: 'boolean', default: false },
    'no-phases': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(`usage: node --import tsx bench/xen-boot/run.ts [options]

Boots PV kernels in one QEMU run of the Xen test host beside the reference Linux PV guest and
prints the time from \`xl create\` to the first output and to poweroff, each kernel's size, its
boot phases (our kernels) and optionally the smallest memory= that boots.
  --kernel k.elf      a kernel to measure (repeat to compare several in the same run)
  --ramdisk r         a PV module passed with the kernel
  --cmdline ..        the guest command line (default: console=hvc0)
  --runs N            boots per kernel (default 1)
  --memory MiB        memory= of the timed boots (default 128)
  --no-phases         do not add xenolith.stats (no boot-phase line)
  --min-memory        also search the smallest memory= that boots
  --memory-range L:H  the search range in MiB (default 8:256; 4 is xl's minimum)
  --precision MiB     the search's step (default 4)
  --per-run N         sizes tried per QEMU run during the search (default 3)
  --time-limit s      per-guest limit in seconds (default 90)
  --json              machine-readable output
`);
  process.exit(0);
}

const int = (name: string, v: string): number => {
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a whole number, got '${v}'`);
  return Number(v);
};
const runs = int('runs', values.runs!);
const memory = int('memory', values.memory!);
const precision = Math.max(1, int('precision', values.precision!));
const perRun = Math.max(1, int('per-run', values['per-run']!));
const timeLimit = int('time-limit', values['time-limit']!);
const range = /^(\d+):(\d+)$/.exec(values['memory-range']!);
if (!range || Number(range[1]) >= Number(range[2])) throw new Error(`--memory-range must be LO:HI with LO < HI, got '${values['memory-range']}'`);
// xl itself refuses memory= below 4 MiB (build/xl/config.ts), so the search starts there at the lowest
if (Number(range[1]) < 4) throw new Error(`--memory-range starts at 4 MiB at the lowest (xl's minimum), got '${values['memory-range']}'`);
const log = (line: string): void => void process.stderr.write(`xen-boot: ${line}\n`);

const reason = hostUnavailableReason();
if (reason !== null) {
  log(`skipped: the Xen test host cannot run here: ${reason}`);
  process.exit(0);
}
const host: HostFiles = provisionHost(log);

const bytes = (path: string | undefined): number | null => (path === undefined ? null : statSync(path).size);
const subjects: Subject[] = [{
  label: `reference Linux ${host.kernelVersion} PV`,
  kernelBytes: bytes(host.refKernel)!,
  ramdiskBytes: bytes(host.refInitrd),
  spec: (mem, name) => referenceGuest(host, { memory: mem, name, timeLimitSeconds: timeLimit }),
}];
// several --kernel: each measured the same way, interleaved in the same QEMU run (before/after)
for (const kernel of values.kernel ?? []) {
  const cmdline = values['no-phases'] || /(^| )xenolith\.stats( |$)/.test(values.cmdline!) ? values.cmdline : `${values.cmdline} xenolith.stats`;
  subjects.push({
    label: kernel,
    kernelBytes: bytes(kernel)!,
    ramdiskBytes: bytes(values.ramdisk),
    spec: (mem, name) => ({ kernel, ramdisk: values.ramdisk, cmdline, memory: mem, name, timeLimitSeconds: timeLimit }),
  });
}

const good = (g: GuestResult): boolean => g.ending === 'poweroff' && (g.exitStatus === null || g.exitStatus === 0);
const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const medianPhases = (all: BootPhases[]): Partial<BootPhases> | null => {
  if (all.length === 0) return null;
  const out: Partial<BootPhases> = {};
  for (const name of PHASE_NAMES) {
    const m = median(all.map((p) => p[name]).filter((x): x is number => x !== undefined));
    if (m !== null) out[name] = m;
  }
  return out;
};

// 1. timings: every subject `runs` times, interleaved, in one QEMU run
const specs: GuestSpec[] = [];
const owner: number[] = [];
for (let r = 0; r < runs; r++) {
  subjects.forEach((s, i) => {
    specs.push(s.spec(memory, `t${i}r${r}`));
    owner.push(i);
  });
}
log(`timing ${subjects.length} kernel(s) × ${runs} run(s) at memory=${memory} MiB`);
const timing = await runGuests(specs, { progress: log });
const rows = subjects.map((s, i) => {
  const mine = timing.guests.filter((_, k) => owner[k] === i);
  const ok = mine.filter(good);
  return {
    kernel: s.label,
    kernelBytes: s.kernelBytes,
    ramdiskBytes: s.ramdiskBytes,
    boots: `${ok.length}/${mine.length}`,
    firstOutputMs: median(ok.map((g) => g.firstOutputMs).filter((x): x is number => x !== null)),
    poweroffMs: median(ok.map((g) => g.shutdownMs).filter((x): x is number => x !== null)),
    endings: [...new Set(mine.map((g) => g.ending))].join(','),
    /** median µs from kernel entry per phase, over the boots that printed it */
    phasesUs: medianPhases(ok.map((g) => parseBootPhases(g.console)).filter((p): p is BootPhases => p !== null)),
    /** every boot's phases: under a loaded host the guest's vcpu is preempted now and then, and
     *  the least of the runs is the better estimate of a phase's own cost */
    phasesUsPerRun: ok.map((g) => parseBootPhases(g.console)).filter((p): p is BootPhases => p !== null),
    minMemoryMiB: null as number | null,
    /** whether minMemoryMiB is the smallest size (the next one down failed or is below xl's 4 MiB) */
    minMemoryExact: false,
    /** the largest size seen failing (null: none tried failed) */
    minMemoryFailsAt: null as number | null,
  };
});

// 2. smallest memory that boots: each QEMU run tests `perRun` sizes spread over (lo, hi), where
// lo is known not to boot (or is below the range) and hi is known to boot; the first run also
// tries the range end itself.
if (values['min-memory']) {
  for (const [i, s] of subjects.entries()) {
    let lo = Number(range[1]) - 1;
    let loFails = lo < 4; // below xl's minimum, or seen failing
    let hi = Number(range[2]);
    let hiBoots = false; // the range end is assumed to boot until a run shows it
    let round = 0;
    while (hi - lo > precision) {
      const step = (hi - lo) / (perRun + 1);
      const spread = Array.from({ length: perRun }, (_, k) => Math.round(lo + step * (k + 1)));
      const sizes = [...new Set([...spread, ...(hiBoots ? [] : [hi])])].filter((m) => m > lo && (m < hi || !hiBoots));
      if (sizes.length === 0) break;
      log(`${s.label}: trying memory ${sizes.join(', ')} MiB (known: fails ≤ ${lo}${hiBoots ? `, boots at ${hi}` : ''})`);
      const r = await runGuests(sizes.map((m) => s.spec(m, `m${i}x${round}x${m}`)), { progress: log });
      r.guests.forEach((g, k) => log(`  ${sizes[k]} MiB: ${g.ending}${g.exitStatus !== null ? ` status ${g.exitStatus}` : ''}`));
      const firstGood = sizes.findIndex((_, k) => good(r.guests[k]!));
      if (firstGood === -1) { lo = sizes.at(-1)!; loFails = true; }
      else {
        hi = sizes[firstGood]!;
        hiBoots = true;
        if (firstGood > 0) { lo = sizes[firstGood - 1]!; loFails = true; }
      }
      round++;
    }
    rows[i]!.minMemoryMiB = hiBoots ? hi : null;
    rows[i]!.minMemoryExact = loFails && hiBoots && hi - lo === 1;
    rows[i]!.minMemoryFailsAt = loFails ? lo : null;
  }
}

const ref = rows[0]!;
if (values.json) {
  process.stdout.write(`${JSON.stringify({ accel: timing.accel, memoryMiB: memory, runs, rows }, null, 2)}\n`);
} else {
  const fmt = (x: number | null): string => (x === null ? '-' : String(Math.round(x)));
  const ratio = (x: number | null, r: number | null): string => (x === null || r === null || r === 0 ? '-' : (x / r).toFixed(2));
  const size = (r: typeof rows[number]): string => `${r.kernelBytes}${r.ramdiskBytes === null ? '' : ` + ${r.ramdiskBytes}`}`;
  const header = ['kernel', 'bytes (+ ramdisk)', 'boots', 'first output ms', 'poweroff ms', 'vs ref', 'min memory MiB'];
  const minMemoryCell = (r: typeof rows[number]): string => {
    if (!values['min-memory']) return 'n/a';
    if (r.minMemoryMiB !== null) return `${r.minMemoryExact ? '' : '≤ '}${r.minMemoryMiB}`;
    return r.minMemoryFailsAt !== null ? `> ${r.minMemoryFailsAt}` : '-';
  };
  const table = rows.map((r) => [r.kernel, size(r), r.boots, fmt(r.firstOutputMs), fmt(r.poweroffMs), ratio(r.poweroffMs, ref.poweroffMs), minMemoryCell(r)]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => cells.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  process.stdout.write(`Xen boot (${timing.accel}, memory=${memory} MiB, median of ${runs}, times from xl create, measured in dom0)\n`);
  process.stdout.write(`${line(header)}\n${table.map(line).join('\n')}\n`);
  for (const r of rows) {
    if (r.phasesUs === null) continue;
    const p = r.phasesUs;
    // each phase's own duration (from the previous phase), median / least over the runs
    const own = (q: BootPhases, i: number): number | null => {
      const a = q[PHASE_NAMES[i]!]; const b = i === 0 ? 0 : q[PHASE_NAMES[i - 1]!];
      return a === undefined || b === undefined ? null : (a - b) / 1000;
    };
    const steps = PHASE_NAMES.map((n, i) => {
      const xs = r.phasesUsPerRun.map((q) => own(q, i)).filter((x): x is number => x !== null);
      return i === 0 || xs.length === 0 ? null : `${n} +${median(xs)!.toFixed(1)}/${Math.min(...xs).toFixed(1)}`;
    }).filter((c): c is string => c !== null);
    const cells = PHASE_NAMES.filter((n) => p[n] !== undefined).map((n) => `${n} ${(p[n]! / 1000).toFixed(1)}`);
    // dom0 sees the console's first byte, the kernel's "kernel up" line, printed right after
    // the console phase: what precedes that phase in dom0's time is the toolstack's share
    const toolstack = p.console !== undefined && r.firstOutputMs !== null ? r.firstOutputMs - p.console / 1000 : null;
    const outside = toolstack === null ? '' : `; xl create → kernel entry ≈ ${Math.round(toolstack)} ms (dom0's first output minus the console phase)${
      p.output !== undefined ? `, → image's first output ≈ ${Math.round(toolstack + p.output / 1000)} ms` : ''}`;
    process.stdout.write(`${r.kernel} boot phases, ms from kernel entry (guest's Xen system time, median): ${cells.join(', ')}${outside}\n`);
    process.stdout.write(`  each phase's own ms, median/least of ${r.phasesUsPerRun.length}: ${steps.join(', ')}\n`);
  }
}
