// The xen runtime stubs (build/runtime/xen/stubs.ts), run on a small simulator against
// the frames Xen builds: argument values, stack alignment at calls, registers preserved
// across the event upcall, and the iret_context handed to HYPERVISOR_iret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allStubs, entryStub, exceptionStub, upcallStub, failsafeStub, formatStub, TRAP_VECTORS,
  VECTORS_WITH_ERROR_CODE, type Reg,
} from '../../build/runtime/xen/stubs.ts';
import { simulate } from '../../build/runtime/xen/simulate.ts';
import { XEN_RUNTIME_EXPORTS } from '../../build/aot/targets/xen-intrinsics.ts';

const ALL: Reg[] = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
// What compiled code may destroy across a call (build/aot/abi.md: only r14, r15, rbp, rsp survive).
const CLOBBERED_BY_CALLEE: Reg[] = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13'];

function initialRegs(rsp: bigint): Map<Reg, bigint> {
  const m = new Map<Reg, bigint>();
  ALL.forEach((r, i) => m.set(r, 0x1111_0000n + BigInt(i)));
  m.set('rsp', rsp);
  return m;
}

/** Xen's bounce frame at `at`: rcx, r11, [error], rip, cs, rflags, rsp, ss. */
function bounceFrame(at: bigint, error: bigint | undefined) {
  const mem = new Map<bigint, bigint>();
  const words = [0xC0C0n, 0x1111n, ...(error === undefined ? [] : [error]), 0xdead_beefn, 0xe033n, 0x246n, 0x7f00n, 0xe02bn];
  words.forEach((w, i) => mem.set(at + BigInt(8 * i), w));
  return mem;
}

test('every exported stub calls only exports the runtime contract lists', () => {
  const names = new Set(XEN_RUNTIME_EXPORTS.map((e) => e.name));
  for (const s of allStubs()) {
    for (const op of s.ops) if (op.op === 'callExport') assert.ok(names.has(op.name), `${s.name} calls ${op.name}`);
  }
  assert.equal(allStubs().filter((s) => s.which >= 0 && s.which < 32).length, TRAP_VECTORS.length);
});

test('exception stubs pass vector, error code, rip, interrupted rsp and rbp, on an aligned stack', () => {
  for (const v of TRAP_VECTORS) {
    const hasError = VECTORS_WITH_ERROR_CODE.has(v);
    for (const at of [0x8000n - 56n, 0x8000n - 64n, 0x8000n - 72n]) { // any alignment Xen may leave
      const regs = initialRegs(at);
      const r = simulate(exceptionStub(v), regs, bounceFrame(at, hasError ? 0x14n : undefined));
      assert.equal(r.end.kind, 'ud2');
      assert.equal(r.calls.length, 1);
      assert.equal(r.stackLimitDroppedAt, 0, 'the stack limit drops before xen_trap is called');
      assert.deepEqual(r.calls[0].args, [BigInt(v), hasError ? 0x14n : 0n, 0xdead_beefn, 0x7f00n, regs.get('rbp')]);
      assert.equal(r.regs.get('rcx'), 0xC0C0n);
      assert.equal(r.regs.get('r11'), 0x1111n);
    }
  }
  assert.throws(() => exceptionStub(2), /no trap entry for vector 2/);
});

test('the upcall preserves every register and hands Xen the iret context', () => {
  for (const at of [0x9000n - 56n, 0x9000n - 64n]) {
    const regs = initialRegs(at);
    const before = new Map(regs);
    const mem = bounceFrame(at, undefined);
    const r = simulate(upcallStub(), regs, mem, (call, rr) => {
      assert.equal(call.name, 'xen_event_upcall');
      for (const c of CLOBBERED_BY_CALLEE) rr.set(c, 0xbad0n);
    });
    assert.deepEqual(r.end, { kind: 'hypercall', nr: 23, rsp: at + 16n - 8n });
    assert.equal(r.stackLimitDroppedAt, null, 'the upcall returns: it keeps the stack limit');
    for (const reg of ALL) {
      if (reg === 'rsp') continue;
      const expected = reg === 'rcx' ? 0xC0C0n : reg === 'r11' ? 0x1111n : before.get(reg);
      assert.equal(r.regs.get(reg), expected, reg);
    }
    // the hypercall page's iret entry pushes rcx, r11, rax: emulate, then read iret_context
    let sp = r.end.kind === 'hypercall' ? r.end.rsp : 0n;
    for (const reg of ['rcx', 'r11', 'rax'] as Reg[]) { sp -= 8n; r.mem.set(sp, r.regs.get(reg)!); }
    const ctx = Array.from({ length: 9 }, (_, i) => r.mem.get(sp + BigInt(8 * i)));
    assert.deepEqual(ctx, [before.get('rax'), 0x1111n, 0xC0C0n, 0n, 0xdead_beefn, 0xe033n, 0x246n, 0x7f00n, 0xe02bn]);
  }
});

test('the entry stub saves rsi, switches to the native stack and runs start, boot, main, exit', () => {
  const regs = initialRegs(0x5000n);
  regs.set('rsi', 0x3000n);
  const mem = new Map<bigint, bigint>();
  const r = simulate(entryStub(), regs, mem, (call, rr) => { if (call.name === 'main') rr.set('rax', 7n); },
    { start_info_slot: 0x6000n, native_stack_hi: 0x20_0000n });
  assert.equal(r.end.kind, 'ud2');
  assert.equal(mem.get(0x6000n), 0x3000n);
  assert.deepEqual(r.calls.map((c) => c.name), ['<start>', 'xen_boot', 'main', 'xen_exit']);
  assert.deepEqual(r.calls[3].args, [7n]);
  assert.equal(r.regs.get('rbp'), 0n);
  for (const c of r.calls) assert.equal(c.rsp, 0x20_0000n);
});

test('failsafe calls xen_failsafe aligned; listings are readable', () => {
  const r = simulate(failsafeStub(), initialRegs(0x7008n), new Map());
  assert.deepEqual(r.calls.map((c) => c.name), ['xen_failsafe']);
  assert.equal(r.stackLimitDroppedAt, 0);
  const text = formatStub(upcallStub());
  assert.match(text, /^xen_event_upcall_entry:\n  mov rcx, \[rsp\]\n  mov r11, \[rsp\+8\]\n  add rsp, 16\n/);
  assert.match(text, /push 0\n  jmp hypercall_page\+736\n$/);
});
