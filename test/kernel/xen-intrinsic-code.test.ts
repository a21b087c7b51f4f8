// The machine code of every xen intrinsic (build/aot/targets/xen-intrinsics.ts, emitted with
// build/aot/x64's Assembler), disassembled by binutils' objdump and compared with what the
// intrinsic must do. Skipped without objdump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Assembler } from '../../build/aot/x64/encoder.ts';
import { lookupIntrinsic, intrinsicNames } from '../../build/aot/intrinsics.ts';
import { XEN_INTRINSICS, XEN_TARGET } from '../../build/aot/targets/xen-intrinsics.ts';

const EXPECTED: Record<string, string> = {
  hypercall: 'mov eax,edi | mov rdi,rsi | mov rsi,rdx | mov rdx,rcx | mov r10,r8 | mov r8,r9 | and eax,0x7f | shl eax,0x5 | lea r11,[rip+0x0] | add rax,r11 | call rax',
  mb: 'mfence', rmb: 'lfence', wmb: 'sfence', pause: 'pause',
  rdtsc: 'rdtsc | shl rdx,0x20 | or rax,rdx',
  va_load_u8: 'movzx eax,BYTE PTR [rdi]', va_load_u16: 'movzx eax,WORD PTR [rdi]',
  va_load_u32: 'mov eax,DWORD PTR [rdi]', va_load_u64: 'mov rax,QWORD PTR [rdi]',
  va_store_u8: 'mov BYTE PTR [rdi],sil', va_store_u16: 'mov WORD PTR [rdi],si',
  va_store_u32: 'mov DWORD PTR [rdi],esi', va_store_u64: 'mov QWORD PTR [rdi],rsi',
  atomic_test_and_set_bit: 'mov edi,edi | add rdi,r14 | and esi,0x3f | lock bts QWORD PTR [rdi],rsi | setb al | movzx eax,al',
  atomic_test_and_clear_bit: 'mov edi,edi | add rdi,r14 | and esi,0x3f | lock btr QWORD PTR [rdi],rsi | setb al | movzx eax,al',
  atomic_xchg_u32: 'mov edi,edi | add rdi,r14 | xchg DWORD PTR [rdi],esi | mov eax,esi',
  atomic_xchg_u64: 'mov edi,edi | add rdi,r14 | xchg QWORD PTR [rdi],rsi | mov rax,rsi',
  atomic_cmpxchg_u16: 'mov edi,edi | add rdi,r14 | mov eax,esi | lock cmpxchg WORD PTR [rdi],dx | movzx eax,ax',
  atomic_cmpxchg_u32: 'mov edi,edi | add rdi,r14 | mov eax,esi | lock cmpxchg DWORD PTR [rdi],edx',
  atomic_cmpxchg_u64: 'mov edi,edi | add rdi,r14 | mov rax,rsi | lock cmpxchg QWORD PTR [rdi],rdx',
  linear_base: 'mov rax,r14',
  linear_initial_pages: 'mov eax,DWORD PTR [rip+0x0]',
  start_info_va: 'mov rax,QWORD PTR [rip+0x0]',
  scratch_va: 'lea rax,[rip+0x0]', native_stack_lo: 'lea rax,[rip+0x0]', native_stack_hi: 'lea rax,[rip+0x0]',
  image_end_va: 'lea rax,[rip+0x0]',
  runtime_entry_va: 'xor eax,eax | cmp edi,0x22 | jae 0x16 | lea rax,[rip+0x0] | mov rax,QWORD PTR [rax+rdi*8]',
  image_layout_va: 'xor eax,eax | cmp edi,0x5 | jae 0x16 | lea rax,[rip+0x0] | mov rax,QWORD PTR [rax+rdi*8]',
  code_func_index: 'call 0x5',
  code_func_name: 'mov esi,esi | add rsi,r14 | call 0xa',
  rdrand_u64: 'mov ecx,0xa | rdrand rax | jb 0x1b | sub ecx,0x1 | jne 0x5 | xor eax,eax | jmp 0x28 | mov edi,edi | add rdi,r14 | mov QWORD PTR [rdi],rax | mov eax,0x1',
};

function emit(name: string): { code: Uint8Array; symbols: string[] } {
  const asm = new Assembler();
  const intr = lookupIntrinsic(XEN_TARGET, 'xen', name);
  assert.ok(intr, `${name} registered`);
  intr.emit({
    asm,
    obj: undefined as never,
    trapLabel: () => { throw new Error('no xen intrinsic traps'); },
    trapIf: () => { throw new Error('no xen intrinsic traps'); },
  });
  return { code: asm.finish(), symbols: asm.relocs.map((r) => r.symbol) };
}

test('every xen intrinsic is registered for the xen target with its table signature', () => {
  const names = new Set(intrinsicNames(XEN_TARGET));
  for (const i of XEN_INTRINSICS) {
    assert.ok(names.has(`xen.${i.name}`), i.name);
    const intr = lookupIntrinsic(XEN_TARGET, 'xen', i.name)!;
    assert.deepEqual([intr.params, intr.results], [i.params, i.results]);
  }
  assert.equal(names.size, XEN_INTRINSICS.length);
});

test('the emitted code disassembles to the intended instructions', (t) => {
  try {
    execFileSync('objdump', ['--version'], { stdio: 'ignore' });
  } catch {
    return t.skip('no objdump: apt-get install binutils');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'xen-intr-'));
  try {
    for (const i of XEN_INTRINSICS) {
      const file = path.join(dir, `${i.name}.bin`);
      writeFileSync(file, emit(i.name).code);
      const text = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', file], { encoding: 'utf8', timeout: 10_000 });
      const insns = text.split('\n').filter((l) => /^\s+[0-9a-f]+:/.test(l))
        .map((l) => l.split('\t').slice(2).join(' ').replace(/\s+#.*$/, '').replace(/\s+/g, ' ').trim())
        .filter((s) => s.length > 0);
      if (i.name === 'cpuid') {
        // the forced-emulation prefix disassembles as ud2 + junk; check the bytes instead
        continue;
      }
      assert.equal(insns.join(' | '), EXPECTED[i.name], i.name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cpuid uses Xen\'s forced-emulation prefix and stores eax, ebx, ecx, edx at r14 + out', () => {
  const { code } = emit('cpuid');
  const hex = Buffer.from(code).toString('hex');
  assert.ok(hex.includes('0f0b78656e0fa2'), hex); // ud2; "xen"; cpuid
  assert.ok(hex.includes('4d01f0'), 'add r8, r14'); // r8 = linear base + out
});

test('intrinsics that reach runtime data name the symbols the xen runtime defines', () => {
  assert.deepEqual(emit('hypercall').symbols, ['xen.hypercall_page']);
  assert.deepEqual(emit('start_info_va').symbols, ['xen.start_info_slot']);
  assert.deepEqual(emit('runtime_entry_va').symbols, ['xen.entry_table']);
  assert.deepEqual(emit('code_func_name').symbols, ['xen.code_func_name']);
  assert.deepEqual(emit('mb').symbols, []);
});
