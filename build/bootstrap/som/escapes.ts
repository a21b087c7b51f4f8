// SOM strings use backslash escapes (\t \b \n \r \f \0 \' \\) where Smalltalk-80 doubles the
// quote. The shared Smalltalk lexer is reused unchanged: `\'` is first rewritten to `''` (same
// length, so every source position stays valid), and the other escapes are decoded in the
// parsed literals afterwards.

/** Rewrites `\'` inside string literals to `''`, skipping comments; the length is unchanged. */
export function quoteEscapesToDoubled(text: string): string {
  const out = text.split('');
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      i = close < 0 ? text.length : close + 1;
    } else if (c === '$') {
      i += 2; // a character literal, possibly $' or $"
    } else if (c === "'") {
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < text.length) {
          if (text[i + 1] === "'") out[i] = "'";
          i += 2;
        } else i++;
      }
      i++;
    } else i++;
  }
  return out.join('');
}

const ESCAPES: Record<string, string> = { t: '\t', b: '\b', n: '\n', r: '\r', f: '\f', '0': '\0', '\\': '\\', "'": "'" };

/** Decodes the backslash escapes left in a string literal's value. */
export function decodeEscapes(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && s[i + 1] in ESCAPES) {
      out += ESCAPES[s[i + 1]];
      i++;
    } else out += c;
  }
  return out;
}

/** Decodes escapes in every string literal reachable from a parsed node. */
export function decodeStringLiterals(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) decodeStringLiterals(n);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.kind === 'string' && typeof o.value === 'string') o.value = decodeEscapes(o.value);
    for (const v of Object.values(o)) if (typeof v === 'object') decodeStringLiterals(v);
  }
}
