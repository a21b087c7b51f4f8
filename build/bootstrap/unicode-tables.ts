// Unicode character classes and simple case mappings for Character (isLetter, isUppercase,
// isLowercase, isDigit, asUppercase, asLowercase), computed from the Unicode data of the Node
// that runs the bootstrapper and stored in the image as WordArrays of ranges, searched by
// Character class>>rangeIndexOf:in:width:. Covers every plane (U+0000..U+10FFFF).

const MAX_CODE_POINT = 0x10ffff;
const isSurrogate = (cp: number): boolean => cp >= 0xd800 && cp <= 0xdfff;

/**
 * The code points matching a property as runs of two words: first, and last * 2 + (stride - 1),
 * where the run is every stride-th code point from first to last (stride 2 packs the
 * alternating upper/lower pairs of Latin, Greek, Cyrillic... into one run each).
 */
export function propertyRanges(re: RegExp): number[] {
  const cps = matchingCodePoints(re);
  const out: number[] = [];
  let i = 0;
  while (i < cps.length) {
    const first = cps[i];
    // A stride-2 run only when it covers at least three code points; else contiguous.
    const stride = cps[i + 1] === first + 2 && cps[i + 2] === first + 4 ? 2 : 1;
    let last = first;
    let j = i + 1;
    while (j < cps.length && cps[j] === last + stride) last = cps[j++];
    out.push(first, last * 2 + (stride - 1));
    i = j;
  }
  return out;
}

// Every code point once, with surrogates replaced by NUL so that in the BMP string the index is
// the code point and in the other the index is 2 * (code point - 0x10000): one regular
// expression scan over them is far faster than a test per code point.
let universe: [string, string] | undefined;
function codePointUniverse(): [string, string] {
  if (universe) return universe;
  const bmp: string[] = [];
  for (let cp = 0; cp <= 0xffff; cp++) bmp.push(isSurrogate(cp) ? '\0' : String.fromCharCode(cp));
  const astral: string[] = [];
  for (let cp = 0x10000; cp <= MAX_CODE_POINT; cp++) astral.push(String.fromCodePoint(cp));
  universe = [bmp.join(''), astral.join('')];
  return universe;
}

/** The code points with a property given as a one-character class, e.g. /\p{Lu}/u, in order. */
function matchingCodePoints(re: RegExp): number[] {
  const [bmp, astral] = codePointUniverse();
  const runs = new RegExp(`(?:${re.source})+`, 'gu');
  const out: number[] = [];
  for (const m of bmp.matchAll(runs)) {
    for (let cp = m.index!; cp < m.index! + m[0].length; cp++) if (!isSurrogate(cp)) out.push(cp);
  }
  for (const m of astral.matchAll(runs)) {
    for (let i = m.index!; i < m.index! + m[0].length; i += 2) out.push(0x10000 + i / 2);
  }
  return out;
}

const one = (s: string): number | undefined => {
  const cps = [...s];
  return cps.length === 1 ? cps[0].codePointAt(0)! : undefined;
};

/**
 * Unicode's simple (one code point) case mapping, from String.prototype.toUpperCase /
 * toLowerCase (full mappings). Where the full mapping needs several code points the simple
 * one is: for uppercase, the titlecase letter that lowercases back to the character (Greek
 * letters with ypogegrammeni: U+1FB3 → U+1FBC); for lowercase, the first code point when the
 * rest are combining marks (U+0130 → i). Otherwise the character has no simple mapping.
 */
export function simpleCaseMapping(upper: boolean): Map<number, number> {
  const map = new Map<number, number>();
  const marks = /^\p{M}+$/u;
  const titleOf = new Map<string, number>();
  for (const cp of matchingCodePoints(/\p{Lt}/u)) titleOf.set(String.fromCodePoint(cp).toLowerCase(), cp);
  for (let cp = 0; cp <= MAX_CODE_POINT; cp++) {
    if (isSurrogate(cp)) continue;
    const s = String.fromCodePoint(cp);
    const full = upper ? s.toUpperCase() : s.toLowerCase();
    if (full === s) continue;
    let to = one(full);
    if (to === undefined) {
      if (upper) to = titleOf.get(s);
      else {
        const [first, ...rest] = [...full];
        if (marks.test(rest.join(''))) to = first.codePointAt(0)!;
      }
    }
    if (to !== undefined && to !== cp) map.set(cp, to);
  }
  return map;
}

/**
 * A case mapping as runs of three words: first, last, and (delta + 2^22) * 2 + (stride - 1),
 * where every stride-th code point from first to last maps to itself + delta (stride 1 for
 * contiguous alphabets, 2 for alternating upper/lower pairs).
 */
export function caseRuns(map: Map<number, number>): number[] {
  const keys = [...map.keys()].sort((a, b) => a - b);
  const out: number[] = [];
  let i = 0;
  while (i < keys.length) {
    const first = keys[i];
    const delta = map.get(first)! - first;
    let stride = 1;
    if (i + 1 < keys.length && map.get(keys[i + 1])! - keys[i + 1] === delta && keys[i + 1] - first <= 2) stride = keys[i + 1] - first;
    let last = first;
    let j = i + 1;
    while (j < keys.length && keys[j] === last + stride && map.get(keys[j])! - keys[j] === delta) last = keys[j++];
    out.push(first, last, (delta + (1 << 22)) * 2 + (stride - 1));
    i = j;
  }
  return out;
}

/** Decimal digit (Nd) runs; each must hold whole sets of ten starting at a zero, as
 * Character>>digitValue assumes. */
export function digitRanges(): number[] {
  const r = propertyRanges(/\p{Nd}/u);
  for (let i = 0; i < r.length; i += 2) {
    const last = r[i + 1] >> 1;
    if ((r[i + 1] & 1) !== 0 || (last - r[i] + 1) % 10 !== 0) throw new Error(`Unicode digits U+${r[i].toString(16)}..U+${last.toString(16)} are not sets of ten`);
  }
  return r;
}

/** The tables, by the name of the Character class variable that holds each. */
export function characterTables(): Map<string, number[]> {
  return new Map([
    ['LetterRanges', propertyRanges(/\p{L}/u)],
    ['UppercaseRanges', propertyRanges(/\p{Lu}/u)],
    ['LowercaseRanges', propertyRanges(/\p{Ll}/u)],
    ['DigitRanges', digitRanges()],
    ['ToUppercase', caseRuns(simpleCaseMapping(true))],
    ['ToLowercase', caseRuns(simpleCaseMapping(false))],
  ]);
}
