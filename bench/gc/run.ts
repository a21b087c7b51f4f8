// bench/gc: scavenge pause times and full-GC throughput of the object memory (vm/objmem) under an
// allocation-heavy workload, on the node target (the same -O3 wasm build the VM uses).
//
//   node --import tsx bench/gc/run.ts [--objects N] [--record]
//
// Workload (bench/gc/assembly/entry.ts `churn`): N four-slot objects; each lives in a 64K-slot
// window Array for 64K further allocations (so a share survives scavenges and is tenured, then
// dies in old space), every 64th is kept for good in a linked list. Each collector call is timed
// in the guest with the platform's monotonic clock. Then several full mark-compact collections
// of the resulting heap are timed: throughput = old-space bytes in use / pause.
// `--record` appends the table to bench/RESULTS.md.
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { compileVm } from '../../build/vm/compile-vm.ts';
import { World } from '../../test/vm/objmem/harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const COMMAND = 'node --import tsx bench/gc/run.ts';

function option(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number, got '${process.argv[i + 1]}'`);
  return v;
}

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (ns: number): string => (Number.isNaN(ns) ? 'n/a' : (ns / 1e6).toFixed(3));

export interface GcResult {
  objects: number; edenKiB: number; seconds: number; allocsPerSec: number;
  scavenges: number[]; fullGCsInChurn: number[]; fullPauses: number[]; oldBytes: number; kept: number;
}

export async function measure(objects: number, edenBytes = 4 << 20): Promise<GcResult> {
  const { wasmPath } = await compileVm({ target: 'node', entry: 'bench/gc/assembly/entry.ts' });
  const module = await WebAssembly.compile(new Uint8Array(readFileSync(wasmPath)));
  const w = await World.create({ module, eden: edenBytes, segment: 8 << 20, numRoots: 2 });
  const ex = w.ex;
  const WINDOW = 65536, KEEP = 64, MAX_LOG = 100000;
  w.setRoot(1, ex.instantiateClass(w.cls('Array'), BigInt(WINDOW)));
  const log = ex.testAlloc(MAX_LOG * 8) as number;
  const t0 = performance.now();
  const n = ex.churn(w.cls('Node4'), objects, KEEP, w.roots, log, MAX_LOG) as number;
  const seconds = (performance.now() - t0) / 1000;
  if (n < 0) throw new Error(`allocation failed after ${-1 - n} collections`);
  const dv = w.vm.dv;
  const scavenges: number[] = []; const fulls: number[] = [];
  for (let i = 0; i < n; i++) (dv.getUint32(log + i * 8 + 4, true) ? fulls : scavenges).push(dv.getUint32(log + i * 8, true));
  const kept = ex.listLength(w.roots, ex.nilObj.value) as number;
  const expectKept = Math.ceil(objects / KEEP);
  if (kept !== expectKept) throw new Error(`the kept list has ${kept} objects, expected ${expectKept}`);
  const fullPauses: number[] = [];
  for (let i = 0; i < 5; i++) fullPauses.push(Number(ex.timedFullGC()));
  w.verify();
  const oldBytes = Number(ex.totalSegmentBytes()) - Number(ex.freeBytes());
  return { objects, edenKiB: edenBytes >> 10, seconds, allocsPerSec: objects / seconds, scavenges, fullGCsInChurn: fulls, fullPauses, oldBytes, kept };
}

function table(r: GcResult): string {
  const fullMed = quantile(r.fullPauses, 0.5);
  const rows = [
    '| date | workload | allocs/s | scavenges | scavenge pause median / p99 / max (ms) | full GCs during churn | full GC pause median (ms) | old space in use | full-GC throughput | command |',
    '|---|---|---|---|---|---|---|---|---|---|',
    `| ${new Date().toISOString().slice(0, 10)} | ${(r.objects / 1e6).toFixed(1)} M 4-slot objects, eden ${r.edenKiB} KiB, 64K-object window, 1/64 kept | ${(r.allocsPerSec / 1e6).toFixed(1)} M | ${r.scavenges.length} | ${ms(quantile(r.scavenges, 0.5))} / ${ms(quantile(r.scavenges, 0.99))} / ${ms(Math.max(...r.scavenges))} | ${r.fullGCsInChurn.length} | ${ms(fullMed)} | ${(r.oldBytes / 2 ** 20).toFixed(1)} MiB | ${(r.oldBytes / 2 ** 20 / (fullMed / 1e9)).toFixed(0)} MiB/s | \`${COMMAND}\` |`,
  ];
  return rows.join('\n') + '\n';
}

async function main(): Promise<void> {
  const objects = option('--objects', 8_000_000);
  const r = await measure(objects);
  const out = table(r);
  process.stdout.write(out);
  process.stdout.write(`(node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg()[0].toFixed(1)}; churn took ${r.seconds.toFixed(2)} s)\n`);
  if (process.argv.includes('--record')) {
    appendFileSync(join(here, '..', 'RESULTS.md'), `\n## GC (issue 4)\n\nCommand: \`${COMMAND}\`; node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}.\n\n${out}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
