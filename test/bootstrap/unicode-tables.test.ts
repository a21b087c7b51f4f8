// Character's Unicode tables: decoded as Character class>>ranges:include: and map:by: read
// them, they must agree with Node's Unicode data for every code point.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseRuns, characterTables, simpleCaseMapping } from '../../build/bootstrap/unicode-tables.ts';

const tables = characterTables();

/** As Character class>>ranges:include: (binary search over first words). */
function includes(table: number[], v: number): boolean {
  let lo = 0;
  let hi = table.length / 2 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (table[mid * 2] <= v) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0) return false;
  const first = table[found * 2];
  const packed = table[found * 2 + 1];
  return v <= packed >> 1 && (v - first) % ((packed & 1) + 1) === 0;
}

/** As Character class>>map:by:. */
function map(table: number[], v: number): number {
  let lo = 0;
  let hi = table.length / 3 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (table[mid * 3] <= v) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0 || v > table[found * 3 + 1]) return v;
  const packed = table[found * 3 + 2];
  if ((v - table[found * 3]) % ((packed & 1) + 1) !== 0) return v;
  return v + Math.floor(packed / 2) - (1 << 22);
}

test('property tables agree with \\p{…} for every code point', () => {
  const props: [string, RegExp][] = [['LetterRanges', /^\p{L}$/u], ['UppercaseRanges', /^\p{Lu}$/u], ['LowercaseRanges', /^\p{Ll}$/u], ['DigitRanges', /^\p{Nd}$/u]];
  for (const [name, re] of props) {
    const t = tables.get(name)!;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (includes(t, cp) !== re.test(String.fromCodePoint(cp))) assert.fail(`${name} wrong at U+${cp.toString(16)}`);
    }
  }
});

test('case tables decode to the simple case mappings', () => {
  for (const [name, upper] of [['ToUppercase', true], ['ToLowercase', false]] as const) {
    const m = simpleCaseMapping(upper);
    const t = tables.get(name)!;
    for (let cp = 0; cp <= 0x10ffff; cp++) assert.equal(map(t, cp), m.get(cp) ?? cp, `${name} U+${cp.toString(16)}`);
  }
  const up = simpleCaseMapping(true);
  const low = simpleCaseMapping(false);
  assert.equal(up.get(0x61), 0x41);
  assert.equal(up.get(0xdf), undefined, 'ß has no one-letter uppercase');
  assert.equal(low.get(0x130), 0x69, 'İ lowercases to i (the combining dot dropped)');
  assert.equal(up.get(0x1fb3), 0x1fbc, 'alpha with ypogegrammeni: its titlecase form');
  assert.equal(up.get(0x149), undefined, 'ŉ: no simple uppercase');
  assert.equal(up.get(0x10d0), 0x1c90, 'Georgian');
});

test('runs pack alternating pairs and contiguous alphabets', () => {
  // a-c → A-C contiguous; Ā ā Ă ă pairs (uppercase at even code points) with stride 2
  const runs = caseRuns(new Map([[0x61, 0x41], [0x62, 0x42], [0x63, 0x43], [0x101, 0x100], [0x103, 0x102], [0x105, 0x104]]));
  assert.deepEqual(runs, [0x61, 0x63, ((-32 + (1 << 22)) * 2), 0x101, 0x105, ((-1 + (1 << 22)) * 2 + 1)]);
  const total = [...tables.values()].reduce((n, t) => n + t.length, 0);
  assert.ok(total * 4 < 16_000, `tables stay compact (${total * 4} bytes)`);
});
