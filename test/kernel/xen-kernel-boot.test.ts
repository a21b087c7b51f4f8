// The whole xen kernel (kernel/ + drivers/ + targets/xen/platform, AssemblyScript) compiled by
// build/aot for target `xen`, linked by build/link/xen/kernel-image.ts and booted as dom0 under
// Xen 4.17 in QEMU: the boot sequence (start_info, p2m, page tables, trailer reclaim, page
// protections, shared_info, traps, timer, grant table), then the program's main and
// poweroff; a program that reads past linear memory, and one that recurses without end, get
// the crash report.
// Skipped without QEMU and Xen. ~5 s each under TCG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAssemblyScript } from './support/asc.ts';
import { bootDom0, xenProbeUnavailable } from './support/xen-qemu.ts';
import { loadModule } from '../../build/aot/wasm/index.ts';
import { buildXenKernel, DEFAULT_NATIVE_STACK, type XenKernel } from '../../build/link/xen/kernel-image.ts';
import { STACK_RESERVE } from '../../build/runtime/xen/lower.ts';

const ASC_FLAGS = ['--use', 'abort=kernel/boot/xenAbort'];

/** The serial log from dom0's start (Xen's console writes \r\n; normalised to \n). */
function consolePart(out: string): string {
  const text = out.replace(/\r\n/g, '\n');
  const i = text.indexOf('Building a PV Dom0');
  return i >= 0 ? text.slice(i) : text.slice(-4000);
}

async function kernel(entry: string): Promise<XenKernel> {
  return buildXenKernel(loadModule(await compileAssemblyScript(entry, ASC_FLAGS)));
}

const hex16 = (v: bigint): string => v.toString(16).padStart(16, '0');

test('the kernel image builds: notes, entry at VIRT_BASE, linear memory last', async () => {
  const wasm = await compileAssemblyScript('test/kernel/assembly/whole-kernel.ts', ASC_FLAGS);
  const k = buildXenKernel(loadModule(wasm));
  assert.equal(k.address('xen.stub.xen_entry'), 0n);
  assert.equal(k.address('xen.hypercall_page') % 4096n, 0n);
  assert.equal(k.address('xen.stack_hi'), k.linearBase, 'linear memory directly above the stack top');
  assert.equal(k.address('xen.stack_hi') - k.address('xen.stack_lo'), BigInt(DEFAULT_NATIVE_STACK));
  assert.equal(k.address('xen.stack_lo') - k.address('xen.stack_guard'), 4096n, 'a guard page below the stack');
  assert.equal(k.address('xen.scratch') % 4096n, 0n);
  const big = buildXenKernel(loadModule(wasm), { stackSize: 1 << 20 });
  assert.equal(big.address('xen.stack_hi') - big.address('xen.stack_lo'), 1n << 20n);
  assert.equal(big.linearBase - k.linearBase, BigInt((1 << 20) - DEFAULT_NATIVE_STACK));
  for (const bad of [1000, 4096, 3 << 30]) assert.throws(() => buildXenKernel(loadModule(wasm), { stackSize: bad }), /native stack size/);
});

test('boots on Xen as dom0: kernel up, main runs, waits on the timer, powers off with its status', { timeout: 120_000 }, async (t) => {
  const why = xenProbeUnavailable();
  if (why) return t.skip(why);
  const k = await kernel('test/kernel/assembly/whole-kernel.ts');
  const { outcome, out, seconds } = await bootDom0(k.elf);
  t.diagnostic(`Xen start to dom0 poweroff: ${seconds.toFixed(1)} s`);
  const tail = consolePart(out);
  assert.equal(outcome, 'Hardware Dom0 halted', tail);
  assert.ok(tail.includes(`linear memory at 0x${hex16(k.linearBase)}, dom0\n`), tail);
  assert.match(tail, /xenolith: kernel up, \d+ pages, linear memory at /, tail);
  assert.match(tail, /\nhello\n/, tail);
  assert.match(tail, /xenolith: exit status 0\n/, tail);
});

test('an out-of-bounds read on Xen gives the crash report and a crashed domain', { timeout: 120_000 }, async (t) => {
  const why = xenProbeUnavailable();
  if (why) return t.skip(why);
  const k = await kernel('test/kernel/assembly/oob-kernel.ts');
  const { outcome, out, seconds } = await bootDom0(k.elf);
  t.diagnostic(`Xen start to dom0 crash: ${seconds.toFixed(1)} s`);
  const tail = consolePart(out);
  assert.equal(outcome, 'Hardware Dom0 crashed', tail);
  assert.match(tail, /go\.\.\.\n/, tail);
  assert.match(tail, /xenolith: crash: out of bounds memory access \(vector 14/, tail);
  assert.ok(tail.includes(`fault address 0x${hex16(k.linearBase + 0xffff_fff0n)} (linear 0x00000000fffffff0) on read, not present`), tail);
  assert.match(tail, /at 0x[0-9a-f]{16} in test\/kernel\/assembly\/oob-kernel\/(main|readFar)\n/, tail);
  assert.match(tail, /backtrace:\n\s+#0 0x[0-9a-f]{16} xen\.stub\.xen_entry\n/, tail);
});

test('unbounded recursion on Xen uses the native stack down to the reserve, then the crash report', { timeout: 120_000 }, async (t) => {
  const why = xenProbeUnavailable();
  if (why) return t.skip(why);
  const k = await kernel('test/kernel/assembly/recurse-kernel.ts');
  const { outcome, out, seconds } = await bootDom0(k.elf);
  t.diagnostic(`Xen start to dom0 crash: ${seconds.toFixed(1)} s`);
  const tail = consolePart(out);
  assert.equal(outcome, 'Hardware Dom0 crashed', tail);
  assert.match(tail, /go\.\.\.\n/, tail);
  assert.match(tail, /xenolith: crash: call stack exhausted \(vector 6/, tail);
  assert.match(tail, /at 0x[0-9a-f]{16} in test\/kernel\/assembly\/recurse-kernel\/deeper\n/, tail);
  assert.match(tail, /backtrace:\n(\s+#\d+ 0x[0-9a-f]{16} test\/kernel\/assembly\/recurse-kernel\/deeper\n){32}\s+\.\.\.\n/, tail);
  // the stack check stopped the frame that would have gone below stack_lo + STACK_RESERVE
  const rsp = BigInt(`0x${/\n\s+rsp 0x([0-9a-f]{16}) /.exec(tail)?.[1] ?? '0'}`);
  const limit = k.address('xen.stack_lo') + BigInt(STACK_RESERVE);
  assert.ok(rsp >= limit && rsp < limit + 4096n, `rsp 0x${rsp.toString(16)}, limit 0x${limit.toString(16)}\n${tail}`);
});

test('wait_event sleeps on Xen: one-shot timer, SCHEDOP_block, VIRQ_TIMER through the upcall', { timeout: 120_000 }, async (t) => {
  const why = xenProbeUnavailable();
  if (why) return t.skip(why);
  const { outcome, out, seconds } = await bootDom0((await kernel('test/kernel/assembly/timer-kernel.ts')).elf);
  t.diagnostic(`Xen start to dom0 poweroff: ${seconds.toFixed(1)} s`);
  const tail = consolePart(out);
  assert.equal(outcome, 'Hardware Dom0 halted', tail);
  const m = /slept (\d+) us, blocks (\d+), timer events (\d+), wall clock (\d+)\n/.exec(tail);
  assert.ok(m, tail);
  const [slept, blocks, timers, wall] = m.slice(1).map(Number);
  t.diagnostic(`slept ${slept} us in ${blocks} blocks, ${timers} timer events`);
  assert.ok(slept >= 50_000 && slept < 5_000_000, `slept ${slept} us`);
  assert.ok(blocks >= 1 && timers >= 1, tail);
  assert.ok(wall > 1_600_000_000, `wall clock ${wall} s since the epoch`);
  assert.match(tail, /xenolith: exit status 7\n/, tail);
});

test('memory.grow on Xen maps fresh, zeroed frames through new page tables', { timeout: 120_000 }, async (t) => {
  const why = xenProbeUnavailable();
  if (why) return t.skip(why);
  const { outcome, out, seconds } = await bootDom0((await kernel('test/kernel/assembly/grow-kernel.ts')).elf);
  t.diagnostic(`Xen start to dom0 poweroff: ${seconds.toFixed(1)} s`);
  const tail = consolePart(out);
  assert.equal(outcome, 'Hardware Dom0 halted', tail);
  assert.match(tail, /grew (\d+) -> (\d+) pages, bad 0\n/, tail);
  assert.match(tail, /xenolith: exit status 0\n/, tail);
});
