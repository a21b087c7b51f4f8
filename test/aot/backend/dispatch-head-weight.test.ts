// The head of an interpreter loop runs once per executed handler, however the br_table spreads
// its entries: a switch with case ranges (the Smalltalk VM's 256 bytecodes onto ~50 handlers)
// must weigh its head by the table's entries, not by its distinct targets, or the bytecode
// base pointer read by every dispatch loses its register to locals the handlers use statically
// more often (pinning.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleFunction, hasObjdump } from './support/disasm.ts';
import { assertAgreesWithV8 } from './support/v8-compare.ts';

const V = ['$a', '$b', '$c', '$d', '$e', '$f', '$g', '$h'];
const ENTRIES = 64; // bytecodes 0..63 onto 8 handlers; 64 and above: done
// each handler reads and writes every one of $a..$h (24 uses each over the 8 handlers), more
// static uses than $mb's single read in the head
const HANDLER = V.map((v, j) => `(local.set ${v} (i32.add (local.get ${v}) (local.get ${V[(j + 1) % 8]})))`).join(' ');
const RANGES = `(module
  (memory 1)
  (data (i32.const 0) "\\01\\09\\11\\3f\\05\\22\\33\\07\\10\\2a\\40")
  (data (i32.const 16) "\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\40")
  (func (export "ranges") (param $x i32) (result i32) (local $pc i32) (local $op i32) (local $mb i32)
    ${V.map((v) => `(local ${v} i32)`).join(' ')}
    (local.set $mb (i32.shl (i32.and (local.get $x) (i32.const 1)) (i32.const 4)))
    ${V.map((v, q) => `(local.set ${v} (i32.add (local.get $x) (i32.const ${q * 31})))`).join(' ')}
    (block $done
      (loop $next
        (local.set $op (i32.load8_u (i32.add (local.get $mb) (local.get $pc))))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (block $h7 (block $h6 (block $h5 (block $h4 (block $h3 (block $h2 (block $h1 (block $h0
          (br_table ${Array.from({ length: ENTRIES }, (_, k) => `$h${k >> 3}`).join(' ')} $done (local.get $op)))
          ${[0, 1, 2, 3, 4, 5, 6].map((k) => `${HANDLER} (local.set ${V[k]} (i32.xor (local.get ${V[k]}) (i32.const ${k + 1}))) (br $next))`).join('\n          ')}
          ${HANDLER} (br $next)))
    ${V.reduce((acc, v) => `(i32.xor ${acc} (local.get ${v}))`, '(local.get $pc)')}))`;

test('a case-range dispatch keeps the base pointer of its bytecode fetch in a register', async (t) => {
  if (!hasObjdump()) return t.skip('no objdump: apt-get install binutils');
  const lines = await disassembleFunction(RANGES, 'ranges');
  const text = lines.join('\n');
  // every replicated dispatch is `movzx reg, BYTE PTR [r14+...]` right after the add of $mb and
  // $pc (a spilled $mb: `add esi,DWORD PTR [rbp-...]`)
  const fetches = lines.map((l, k) => [l, k] as const).filter(([l]) => /movzx \w+,BYTE PTR \[r14/.test(l));
  assert.ok(fetches.length >= 8, `replicated dispatch\n${text}`);
  for (const [, k] of fetches) {
    const before = lines.slice(k - 1, k);
    assert.ok(!before.some((l) => l.includes('[rbp')), `the fetch's operands come from registers\n${before.join('\n')}\n${lines[k]}\n---\n${text}`);
  }
});

test('the case-range interpreter loop agrees with V8', () => assertAgreesWithV8(RANGES, { ranges: [0, 1, 2, 5, 1000, -1, -2] }));
