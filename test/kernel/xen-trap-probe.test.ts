// The exception stubs of build/runtime/xen/stubs.ts on real Xen: a trap table pointing at
// them (lowered with a test-only encoder), then a write to an unmapped address. Xen bounces
// a page fault (vector 14, with an error code) to the stub, which must call "xen_trap" with
// vector 14, the error code (write, not present), the faulting rip, the interrupted rsp and
// rbp. The hand routine standing in for the kernel checks each and prints the verdict.
// Skipped without QEMU and Xen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutXenImage } from '../../build/link/xen/pv-layout.ts';
import { entryStub, exceptionStub, failsafeStub, upcallStub, TRAP_VECTORS } from '../../build/runtime/xen/stubs.ts';
import { MiniAsm } from './support/x64-mini.ts';
import { buildPvElf } from './support/pv-elf.ts';
import { bootDom0, xenProbeUnavailable } from './support/xen-qemu.ts';

const OK = 'xenolith trap probe: ok\n';
const BAD = 'xenolith trap probe: BAD\n';
const RBP = 0x0bb0_0bb0_0bb0_0bb0n;
const UNMAPPED = 0x0000_7000_0000_0000n;

export function buildTrapProbe(): Uint8Array {
  const stubsSize = 0x1400;
  const l = layoutXenImage({ stubs: stubsSize, code: 0, rodata: 0x100, data: 0x400, stack: 16384, linearInitialPages: 1 });
  const rodata = l.segments.find((s) => s.name === 'rodata')!.vaddr;
  const data = l.segments.find((s) => s.name === 'data')!.vaddr;
  const a = new MiniAsm(0n);
  for (const nr of [0, 18, 23, 29]) a.absolute(`hypercall_${nr}`, l.hypercallPage + BigInt(nr) * 32n);
  a.absolute('native_stack_hi', l.stackHi);
  a.absolute('start_info_slot', data);
  a.absolute('rsp_slot', data + 8n);
  a.absolute('reason_poweroff', data + 16n);
  a.absolute('reason_crash', data + 24n);
  a.absolute('trap_table', data + 0x100n); // 17 entries + terminator, 16 bytes each
  a.absolute('msg_ok', rodata);
  a.absolute('msg_bad', rodata + 0x40n);

  a.stub(entryStub());
  for (const v of TRAP_VECTORS) a.stub(exceptionStub(v));
  a.stub(upcallStub());
  a.stub(failsafeStub());

  const print = (label: string, len: number) => {
    a.xor32('rdi', 'rdi');
    a.movRegImm('rsi', BigInt(len));
    a.leaRip('rdx', label);
    a.call('hypercall_18');
  };

  // xen_boot: fill the trap table at run time (stub addresses are rip-relative labels)
  a.label('xen_boot');
  a.leaRip('rdi', 'trap_table');
  TRAP_VECTORS.forEach((v, i) => {
    a.movRegImm('rax', BigInt(v) | (4n << 8n) | (0xe033n << 16n)); // vector, flags (mask events), cs
    a.movMemReg('rdi', i * 16, 'rax');
    a.leaRip('rax', `xen_trap_${v}`);
    a.movMemReg('rdi', i * 16 + 8, 'rax');
  });
  a.movMemImm('rdi', TRAP_VECTORS.length * 16, 0);
  a.movMemImm('rdi', TRAP_VECTORS.length * 16 + 8, 0);
  a.call('hypercall_0'); // set_trap_table(rdi)
  a.movRegImm('rbp', RBP);
  a.movRipReg('rsp_slot', 'rsp');
  a.movRegImm('rax', UNMAPPED);
  a.label('faulting_store');
  a.movMemReg('rax', 0, 'rcx'); // page fault: write, not present
  a.ud2();

  // xen_trap(vector rdi, error rsi, rip rdx, rsp rcx, rbp r8)
  a.label('xen_trap');
  a.movRegImm('rax', 14n);
  a.cmpRegReg('rdi', 'rax');
  a.jne('bad');
  a.movRegReg('rax', 'rsi');
  a.andImm('rax', 3); // present and write bits
  a.movRegImm('r9', 2n);
  a.cmpRegReg('rax', 'r9');
  a.jne('bad');
  a.leaRip('rax', 'faulting_store');
  a.cmpRegReg('rdx', 'rax');
  a.jne('bad');
  a.movRegRip('rax', 'rsp_slot');
  a.cmpRegReg('rcx', 'rax');
  a.jne('bad');
  a.movRegImm('rax', RBP);
  a.cmpRegReg('r8', 'rax');
  a.jne('bad');
  a.movRegReg('rax', 'rsp');
  a.andImm('rax', 15);
  a.movRegImm('r9', 8n); // after the call: rsp was 16-byte aligned at the call
  a.cmpRegReg('rax', 'r9');
  a.jne('bad');
  print('msg_ok', OK.length);
  a.movRegImm('rdi', 2n);
  a.leaRip('rsi', 'reason_poweroff');
  a.call('hypercall_29');
  a.ud2();

  a.label('bad');
  print('msg_bad', BAD.length);
  a.movRegImm('rdi', 2n);
  a.leaRip('rsi', 'reason_crash');
  a.call('hypercall_29');
  a.ud2();

  for (const name of ['main', 'xen_exit', 'xen_event_upcall', 'xen_failsafe']) {
    a.label(name);
    a.jmp('bad');
  }

  const code = a.finish();
  assert.ok(code.length <= stubsSize, `code is ${code.length} bytes`);
  const reasons = new Uint8Array(16);
  reasons[8] = 3;
  const enc = (s: string) => new TextEncoder().encode(s);
  return buildPvElf(l, new Map<bigint, Uint8Array>([
    [l.entry, code], [rodata, enc(OK)], [rodata + 0x40n, enc(BAD)], [data + 16n, reasons],
  ]));
}

test('a page fault reaches xen_trap through the exception stub with Xen\'s frame decoded', { timeout: 90_000 }, async (t) => {
  const why = xenProbeUnavailable();
  if (why) return t.skip(why);
  const { outcome, out, seconds } = await bootDom0(buildTrapProbe());
  t.diagnostic(`Xen start to dom0 poweroff: ${seconds.toFixed(1)} s`);
  const tail = out.slice(-3000);
  assert.ok(!out.includes(BAD.trim()), tail);
  assert.equal(outcome, 'Hardware Dom0 halted', tail);
  assert.equal(out.split(OK.trim()).length - 1, 1, tail);
});
