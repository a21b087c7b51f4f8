// Real Xen accepts the image shape build/link/xen produces: a hand-encoded PV kernel laid
// out by pv-layout.ts (text with the hypercall page, rodata, data + native stack, linear
// memory as a zero-filled segment right after the stack) and carrying notes.ts's notes, booted as dom0
// under Xen in QEMU (the XTF-style fast path: no Linux, no xl). It writes one byte into its
// linear memory, prints through console_io and powers off. Skipped without QEMU and Xen.
// Takes ~4 s under TCG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutXenImage } from '../../build/link/xen/pv-layout.ts';
import { buildPvElf } from './support/pv-elf.ts';
import { bootDom0, xenProbeUnavailable } from './support/xen-qemu.ts';
const MESSAGE = 'xenolith dom0 probe: linear memory ok\n';

/** x86-64 code at VA 0 (entry): rip-relative operands computed from the layout. */
function probeCode(l: ReturnType<typeof layoutXenImage>, msgVa: bigint, reasonVa: bigint): Uint8Array {
  const c: number[] = [];
  const rel = (target: bigint) => {
    const v = Number(target - BigInt(c.length + 4));
    return [v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255];
  };
  // (push the opcode bytes first: rel() measures from the end of the displacement)
  c.push(0x48, 0x8d, 0x25); c.push(...rel(l.stackHi)); // lea rsp, [rip+stack_hi]
  c.push(0xc6, 0x05); // mov byte [rip+linear_base+0x100], 0x5a
  { const v = Number(l.linearBase + 0x100n - BigInt(c.length + 5)); c.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255, 0x5a); }
  c.push(0x80, 0x3d); // cmp byte [rip+linear_base+0x100], 0x5a
  { const v = Number(l.linearBase + 0x100n - BigInt(c.length + 5)); c.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255, 0x5a); }
  c.push(0x75, 0x00); const jneAt = c.length - 1; // jne skip_print
  c.push(0xbf, 0, 0, 0, 0); // mov edi, CONSOLEIO_write
  c.push(0xbe, MESSAGE.length, 0, 0, 0); // mov esi, len
  c.push(0x48, 0x8d, 0x15); c.push(...rel(msgVa)); // lea rdx, [rip+msg]
  c.push(0xe8); c.push(...rel(l.hypercallPage + 18n * 32n)); // call console_io
  c[jneAt] = c.length - (jneAt + 1);
  c.push(0xbf, 2, 0, 0, 0); // mov edi, SCHEDOP_shutdown
  c.push(0x48, 0x8d, 0x35); c.push(...rel(reasonVa)); // lea rsi, [rip+reason]
  c.push(0xe8); c.push(...rel(l.hypercallPage + 29n * 32n)); // call sched_op
  c.push(0x0f, 0x0b); // ud2
  return new Uint8Array(c);
}

export function buildProbeElf(): { elf: Uint8Array; layout: ReturnType<typeof layoutXenImage> } {
  const stubs = 200;
  const l = layoutXenImage({ stubs, code: 0, rodata: 64, data: 64, stack: 8192, linearInitialPages: 1 });
  const rodata = l.segments.find((s) => s.name === 'rodata')!;
  const msgVa = rodata.vaddr, reasonVa = rodata.vaddr + 56n;
  const code = probeCode(l, msgVa, reasonVa);
  assert.ok(code.length <= stubs);
  return { elf: buildPvElf(l, new Map([[l.entry, code], [msgVa, new TextEncoder().encode(MESSAGE)]])), layout: l };
}

test('Xen 4.17 boots the probe as dom0: notes and layout accepted, linear memory writable', { timeout: 90_000 }, async (t) => {
  const why = xenProbeUnavailable();
  if (why) return t.skip(why);
  const { elf, layout } = buildProbeElf();
  const { outcome, out, seconds } = await bootDom0(elf);
  t.diagnostic(`Xen start to dom0 poweroff: ${seconds.toFixed(1)} s`);
  assert.equal(outcome, 'Hardware Dom0 halted', out.slice(-3000));
  assert.equal(out.split(MESSAGE.trim()).length - 1, 1, 'printed exactly once: ' + out.slice(-3000));
  // Xen loads the image from VIRT_BASE to the end of its last segment, the linear memory
  const hex = (v: bigint) => v.toString(16).padStart(16, '0');
  assert.equal(layout.segments.at(-1)!.name, 'linear');
  assert.ok(out.includes(`Loaded kernel: ${hex(layout.virtBase)}->${hex(layout.imageEnd)}`), out.slice(-3000));
});
