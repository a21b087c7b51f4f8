// UTF-8 at the REPL (smalltalk/Compiler/ConsoleLineReader, ReadEvalPrintLoop, System/ConsoleTranscript):
// piped input beyond ASCII is decoded into WideStrings, WideSymbols and Characters, results are written back
// as UTF-8, and a line that is not UTF-8 is reported as a CharacterEncodingError while the loop
// goes on; letters beyond ASCII are letters in names and symbols. One image, run on node and on linux.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildReplImage } from '../../build/cli/commands/repl.ts';
import { repoRoot } from '../../build/vm/compile-vm.ts';

const bin = join(repoRoot, 'bin/xenolith.js');
const work = mkdtempSync(join(tmpdir(), 'xenolith-repl-utf8-'));
const image = join(work, 'repl.image');
before(() => buildReplImage(image, [], ''));
after(() => rmSync(work, { recursive: true, force: true }));

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

// Input lines, bytes as they come from the terminal; the invalid ones are raw bytes.
const SESSION = concat([
  utf8("'héllo wörld λ→😀'\n"),
  utf8("'λ→😀' size\n"),
  utf8("'λ→😀' class\n"),
  utf8("'é' class\n"),
  utf8('$λ\n'),
  utf8('($😀 value) printString: 16\n'),
  utf8("x := 'Ωmega' , ' ü'\n"),
  utf8('x size\n'),
  utf8("Transcript show: x reversed; cr. 'shown'\n"),
  utf8("(String with: (Character value: 16r263A)) printString\n"),
  utf8("#'λx' == ('λ' , 'x') asSymbol\n"),
  utf8("#'λx' class\n"),
  utf8('λ := 2. λ * 3\n'), // letters beyond ASCII in identifiers and symbols
  utf8("λ + 1. #λx: == #'λx:'\n"),
  utf8("'ÿλ' asUppercase\n"),
  bytes(0x27, 0x61, 0xff, 0x62, 0x27, 0x0a), // 'a<FF>b'
  utf8("'after' , ' the bad line'\n"),
  bytes(0x27, 0xc3, 0x28, 0x27, 0x0a), // an e-acute lead byte followed by '('
  utf8('[:a |\n'),
  bytes(0x20, 0xed, 0xa0, 0x80, 0x0a), // a surrogate inside a continued entry drops it
  utf8('3 + 4\n'),
  bytes(0x27, 0xe2, 0x82), // cut short by the end of the input
]);

const EXPECTED = [
  "'héllo wörld λ→😀'",
  '3',
  'WideString',
  'ByteString',
  '$λ',
  "'1F600'",
  "'Ωmega ü'",
  '7',
  'ü agemΩ',
  "'shown'",
  "'''☺'''",
  'true',
  'WideSymbol',
  '6',
  'true',
  "'ŸΛ'",
  'CharacterEncodingError: not valid UTF-8 at byte 3 (16rFF): a byte UTF-8 never uses',
  "'after the bad line'",
  'CharacterEncodingError: not valid UTF-8 at byte 2 (16rC3): a sequence cut short by byte 3',
  'CharacterEncodingError: not valid UTF-8 at byte 2 (16rED): an encoded surrogate',
  '7',
  'CharacterEncodingError: not valid UTF-8 at byte 2 (16rE2): a sequence cut short by the end of the input',
];

function check(stdout: Buffer): void {
  // Decoding must not need replacement characters: the image writes well-formed UTF-8.
  const text = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(stdout));
  assert.deepEqual(text.replace(/\r/g, '').split('\n').filter((l) => l !== ''), EXPECTED, text);
}

test('the REPL on node reads, echoes and prints UTF-8, and reports input that is not UTF-8', () => {
  const r = spawnSync(process.execPath, [bin, 'run', '-q', image], { input: SESSION, timeout: 300_000 });
  assert.equal(r.status, 0, String(r.stderr) + String(r.stdout));
  check(r.stdout);
});

test('the REPL on linux (the native VM) with UTF-8 input', (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') { t.skip('needs an x86-64 Linux host'); return; }
  const r = spawnSync(process.execPath, [bin, 'run', '-q', '--target', 'linux', image], { input: SESSION, timeout: 300_000 });
  assert.equal(r.status, 0, String(r.stderr) + String(r.stdout));
  check(r.stdout);
});
