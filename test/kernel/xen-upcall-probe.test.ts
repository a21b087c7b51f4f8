// The event upcall stub of build/runtime/xen/stubs.ts on real Xen: lowered with a test-only
// encoder, linked with hand routines standing in for the compiled kernel, booted as dom0.
// The routine maps shared_info, registers the upcall/failsafe stubs (set_callbacks), binds
// VIRQ_TIMER, arms the timer in the past and blocks: Xen delivers the upcall on the way
// out of SCHEDOP_block, the stub calls "xen_event_upcall" (which clears the event and
// destroys every register build/aot's convention lets a callee destroy), and returns through
// HYPERVISOR_iret. Back after the block, the routine checks that the upcall ran once and that
// rsp, rbx, rbp, r9 and r12-r15 survived, then prints the verdict and powers off. Skipped
// without QEMU and Xen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutXenImage } from '../../build/link/xen/pv-layout.ts';
import { entryStub, upcallStub, failsafeStub, type Reg } from '../../build/runtime/xen/stubs.ts';
import { MiniAsm } from './support/x64-mini.ts';
import { buildPvElf } from './support/pv-elf.ts';
import { bootDom0, xenProbeUnavailable } from './support/xen-qemu.ts';

const OK = 'xenolith upcall probe: ok\n';
const BAD = 'xenolith upcall probe: BAD\n';
const FAILSAFE = 'xenolith upcall probe: failsafe\n';

const CANARIES: [Reg, bigint][] = [
  ['rbx', 0x1111_2222_3333_4444n], ['rbp', 0x5555_6666_7777_8888n], ['r9', 0x0909_0909_0909_0909n],
  ['r12', 0x1212_1212_1212_1212n], ['r13', 0x1313_1313_1313_1313n], ['r14', 0x1414_1414_1414_1414n],
  ['r15', 0x1515_1515_1515_1515n],
];

export function buildUpcallProbe(): Uint8Array {
  const stubsSize = 0xc00;
  const l = layoutXenImage({ stubs: stubsSize, code: 0, rodata: 0x100, data: 0x100, stack: 16384, linearInitialPages: 1 });
  const rodata = l.segments.find((s) => s.name === 'rodata')!.vaddr;
  const data = l.segments.find((s) => s.name === 'data')!.vaddr;
  const SI = l.scratch; // shared_info is mapped over the scratch page
  const a = new MiniAsm(0n);
  for (const nr of [4, 14, 15, 18, 23, 29, 32]) a.absolute(`hypercall_${nr}`, l.hypercallPage + BigInt(nr) * 32n);
  a.absolute('native_stack_hi', l.stackHi);
  a.absolute('start_info_slot', data);
  a.absolute('counter', data + 8n);
  a.absolute('arg', data + 16n);
  a.absolute('reason_poweroff', data + 32n);
  a.absolute('reason_crash', data + 40n);
  a.absolute('rsp_slot', data + 48n);
  a.absolute('msg_ok', rodata);
  a.absolute('msg_bad', rodata + 0x40n);
  a.absolute('msg_failsafe', rodata + 0x80n);

  a.stub(entryStub());
  a.stub(upcallStub());
  a.stub(failsafeStub());

  const print = (label: string, len: number) => {
    a.xor32('rdi', 'rdi'); // CONSOLEIO_write
    a.movRegImm('rsi', BigInt(len));
    a.leaRip('rdx', label);
    a.call('hypercall_18');
  };

  a.label('xen_boot');
  a.push('rbx');
  a.movRegRip('rax', 'start_info_slot');
  a.movRegMem('rsi', 'rax', 40); // start_info.shared_info (machine address)
  a.addImm('rsi', 0x67);
  a.movRegImm('rdi', SI);
  a.movRegImm('rdx', 2n); // UVMF_INVLPG
  a.call('hypercall_14'); // update_va_mapping
  a.leaRip('rdi', 'xen_event_upcall_entry');
  a.leaRip('rsi', 'xen_failsafe_entry');
  a.xor32('rdx', 'rdx');
  a.call('hypercall_4'); // set_callbacks
  a.leaRip('rsi', 'arg');
  a.movMemImm('rsi', 0, 0); // virq 0 (TIMER), vcpu 0
  a.movMemImm('rsi', 8, 0);
  a.movRegImm('rdi', 1n); // EVTCHNOP_bind_virq
  a.call('hypercall_32');
  a.leaRip('rsi', 'arg');
  a.movRegMem('rax', 'rsi', 8); // the port
  a.movRegImm('rdi', SI + 2560n); // evtchn_mask
  a.lockBtr('rdi', 'rax');
  a.movRegImm('rdi', 1n); // a deadline in the past: VIRQ_TIMER at once
  a.call('hypercall_15');
  for (const [r, v] of CANARIES) a.movRegImm(r, v);
  a.movRipReg('rsp_slot', 'rsp');
  a.movRegImm('rdi', 1n); // SCHEDOP_block
  a.xor32('rsi', 'rsi');
  a.call('hypercall_29');
  for (const [r, v] of CANARIES) {
    a.movRegImm('rax', v);
    a.cmpRegReg(r, 'rax');
    a.jne('bad');
  }
  a.movRegRip('rax', 'rsp_slot');
  a.cmpRegReg('rsp', 'rax');
  a.jne('bad');
  a.movRegRip('rax', 'counter');
  a.movRegImm('rcx', 1n);
  a.cmpRegReg('rax', 'rcx');
  a.jne('bad');
  print('msg_ok', OK.length);
  a.pop('rbx');
  a.ret();

  a.label('bad');
  print('msg_bad', BAD.length);
  a.movRegImm('rdi', 2n);
  a.leaRip('rsi', 'reason_crash');
  a.call('hypercall_29');
  a.ud2();

  a.label('main');
  a.xor32('rax', 'rax');
  a.ret();

  a.label('xen_exit');
  a.movRegImm('rdi', 2n); // SCHEDOP_shutdown, poweroff
  a.leaRip('rsi', 'reason_poweroff');
  a.call('hypercall_29');
  a.ud2();

  a.label('xen_event_upcall');
  a.movRegImm('rax', SI);
  a.movRegMem('rcx', 'rax', 0);
  a.andImm('rcx', -256); // upcall_pending = 0, keep upcall_mask
  a.movMemReg('rax', 0, 'rcx');
  a.movMemImm('rax', 8, 0); // pending_sel
  a.movMemImm('rax', 2048, 0); // evtchn_pending[0]
  // destroy everything build/aot's convention lets a callee destroy (only r14, r15, rbp, rsp survive)
  for (const r of ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13'] as Reg[]) a.movRegImm(r, 0xbad0_bad0n);
  a.incRip('counter');
  a.ret();

  a.label('xen_failsafe');
  print('msg_failsafe', FAILSAFE.length);
  a.movRegImm('rdi', 2n);
  a.leaRip('rsi', 'reason_crash');
  a.call('hypercall_29');
  a.ud2();

  const code = a.finish();
  assert.ok(code.length <= stubsSize, `code is ${code.length} bytes`);
  const reasons = new Uint8Array(16);
  reasons[8] = 3; // reason_crash = SHUTDOWN_crash
  const enc = (s: string) => new TextEncoder().encode(s);
  return buildPvElf(l, new Map<bigint, Uint8Array>([
    [l.entry, code], [rodata, enc(OK)], [rodata + 0x40n, enc(BAD)], [rodata + 0x80n, enc(FAILSAFE)],
    [data + 32n, reasons],
  ]));
}

test('the upcall stub runs on Xen 4.17 and returns through HYPERVISOR_iret with registers intact', { timeout: 90_000 }, async (t) => {
  const why = xenProbeUnavailable();
  if (why) return t.skip(why);
  const { outcome, out, seconds } = await bootDom0(buildUpcallProbe());
  t.diagnostic(`Xen start to dom0 poweroff: ${seconds.toFixed(1)} s`);
  const tail = out.slice(-3000);
  assert.ok(!out.includes(BAD.trim()), tail);
  assert.ok(!out.includes(FAILSAFE.trim()), tail);
  assert.equal(outcome, 'Hardware Dom0 halted', tail);
  assert.equal(out.split(OK.trim()).length - 1, 1, tail);
});
