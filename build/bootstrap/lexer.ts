// The Smalltalk-80 scanner (Squeak/Pharo dialect): tokens with their source offsets, literals
// already decoded (integers as bigint, floats as number, scaled decimals as fractions).
import { errorAt, type SourceFile } from './source-error.ts';

export type NumberValue =
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'scaled'; num: bigint; den: bigint; scale: number };

export type Token =
  | { t: 'ident'; v: string; pos: number; end: number }
  | { t: 'keyword'; v: string; pos: number; end: number } // "at:"
  | { t: 'binary'; v: string; pos: number; end: number }
  | { t: 'number'; v: NumberValue; pos: number; end: number }
  | { t: 'char'; v: number; pos: number; end: number }
  | { t: 'string'; v: string; pos: number; end: number }
  | { t: 'symbol'; v: string; pos: number; end: number }
  | {
      t: '#(' | '#[' | '(' | ')' | '[' | ']' | '{' | '}' | '^' | ':=' | '.' | ';' | ':' | 'eof';
      pos: number;
      end: number;
    };

const BINARY_CHARS = '~!@%&*-+=\\|?/><,';
export const isBinaryChar = (c: string): boolean => c !== '' && BINARY_CHARS.includes(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
// Letters as the image's Character>>isLetter knows them: Unicode letters (general category L),
// so that what the bootstrapper accepts the in-image compiler accepts too. The text is read by
// UTF-16 code unit, so letters beyond the BMP are not accepted here.
const LETTER = /^\p{L}$/u;
const isLetter = (c: string): boolean => {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_') return true;
  return c !== '' && c.charCodeAt(0) >= 0x80 && LETTER.test(c);
};
const isIdentChar = (c: string): boolean => isLetter(c) || isDigit(c);

export class Lexer {
  pos: number;
  private readonly text: string;

  constructor(
    readonly file: SourceFile,
    start = 0,
    readonly limit = file.text.length,
  ) {
    this.text = file.text;
    this.pos = start;
  }

  private ch(at = this.pos): string {
    return at < this.limit ? this.text[at] : '';
  }

  fail(offset: number, message: string): never {
    throw errorAt(this.file, offset, message);
  }

  /** Skips white space and comments. */
  skipSpace(): void {
    for (;;) {
      const c = this.ch();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
        this.pos++;
      } else if (c === '"') {
        const start = this.pos;
        this.pos++;
        while (this.pos < this.limit && this.text[this.pos] !== '"') this.pos++;
        if (this.pos >= this.limit) this.fail(start, 'unterminated comment');
        this.pos++;
      } else return;
    }
  }

  next(): Token {
    this.skipSpace();
    const start = this.pos;
    const c = this.ch();
    if (c === '') return { t: 'eof', pos: start, end: start };
    if (isLetter(c)) {
      while (isIdentChar(this.ch())) this.pos++;
      if (this.ch() === ':' && this.ch(this.pos + 1) !== '=') {
        this.pos++;
        return { t: 'keyword', v: this.text.slice(start, this.pos), pos: start, end: this.pos };
      }
      return { t: 'ident', v: this.text.slice(start, this.pos), pos: start, end: this.pos };
    }
    if (isDigit(c)) return this.scanNumber(start);
    switch (c) {
      case '$': {
        if (this.pos + 1 >= this.limit) this.fail(start, 'character literal expected after $');
        const cp = this.text.codePointAt(this.pos + 1)!;
        this.pos += cp > 0xffff ? 3 : 2;
        return { t: 'char', v: cp, pos: start, end: this.pos };
      }
      case "'":
        return { t: 'string', v: this.scanString(start), pos: start, end: this.pos };
      case '#':
        return this.scanHash(start);
      case ':':
        if (this.ch(this.pos + 1) === '=') {
          this.pos += 2;
          return { t: ':=', pos: start, end: this.pos };
        }
        this.pos++;
        return { t: ':', pos: start, end: this.pos };
      case '(': case ')': case '[': case ']': case '{': case '}': case '^': case '.': case ';':
        this.pos++;
        return { t: c, pos: start, end: this.pos } as Token;
    }
    if (isBinaryChar(c)) {
      this.pos++;
      // As in Squeak, a '-' after the first character ends the selector only when a digit follows
      // (x+-1 is x + -1); otherwise it is part of it (-->, --).
      while (isBinaryChar(this.ch()) && !(this.ch() === '-' && isDigit(this.ch(this.pos + 1)))) this.pos++;
      return { t: 'binary', v: this.text.slice(start, this.pos), pos: start, end: this.pos };
    }
    this.fail(start, `unexpected character ${JSON.stringify(c)}`);
  }

  /** Scans a string literal starting at the opening quote; doubled quotes stand for one. */
  private scanString(start: number): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.limit) this.fail(start, 'unterminated string literal');
      const c = this.text[this.pos++];
      if (c === "'") {
        if (this.ch() === "'") {
          out += "'";
          this.pos++;
        } else return out;
      } else out += c;
    }
  }

  private scanHash(start: number): Token {
    this.pos++;
    while (this.ch() === '#') this.pos++; // ##foo is #foo
    const c = this.ch();
    if (c === '(') {
      this.pos++;
      return { t: '#(', pos: start, end: this.pos };
    }
    if (c === '[') {
      this.pos++;
      return { t: '#[', pos: start, end: this.pos };
    }
    if (c === "'") return { t: 'symbol', v: this.scanString(this.pos), pos: start, end: this.pos };
    if (isLetter(c)) return { t: 'symbol', v: this.scanSymbolWord(), pos: start, end: this.pos };
    if (isBinaryChar(c)) {
      const s = this.pos;
      while (isBinaryChar(this.ch())) this.pos++;
      return { t: 'symbol', v: this.text.slice(s, this.pos), pos: start, end: this.pos };
    }
    this.fail(start, 'symbol, #( or #[ expected after #');
  }

  /** foo, foo:, foo:bar:, also Pharo's foo:bar (no final colon). */
  scanSymbolWord(): string {
    const s = this.pos;
    while (isIdentChar(this.ch())) this.pos++;
    while (this.ch() === ':' && this.ch(this.pos + 1) !== '=') {
      this.pos++;
      if (!isLetter(this.ch())) break;
      while (isIdentChar(this.ch())) this.pos++;
    }
    return this.text.slice(s, this.pos);
  }

  private scanDigits(radix: number, allowLetters: boolean): string {
    const s = this.pos;
    for (;;) {
      const c = this.ch();
      const d = digitValue(c);
      if (d < 0 || d >= radix || (!allowLetters && !isDigit(c))) break;
      this.pos++;
    }
    return this.text.slice(s, this.pos);
  }

  /** Number literals: 12, 16r1F, 2r1010e3, 1.5, 1.5e-3, 1.0d10, 1.5s2, 3s, 16r-FF. */
  scanNumber(start: number): Token {
    let radix = 10;
    let negative = false;
    let intDigits = this.scanDigits(10, false);
    if (this.ch() === 'r') {
      radix = Number(intDigits);
      if (radix < 2 || radix > 36) this.fail(start, `radix ${intDigits} out of range 2..36`);
      this.pos++;
      if (this.ch() === '-') {
        negative = true;
        this.pos++;
      }
      const digitsStart = this.pos;
      intDigits = this.scanDigits(radix, true);
      if (intDigits === '') this.fail(digitsStart, `digit of radix ${radix} expected`);
    }
    let fraction = '';
    if (this.ch() === '.' && digitValue(this.ch(this.pos + 1)) >= 0 && digitValue(this.ch(this.pos + 1)) < radix &&
      (radix > 10 || isDigit(this.ch(this.pos + 1)))) {
      this.pos++;
      fraction = this.scanDigits(radix, true);
    }
    let exponent = 0;
    let hasExponent = false;
    const e = this.ch();
    if ((e === 'e' || e === 'd' || e === 'q') &&
      (isDigit(this.ch(this.pos + 1)) || (this.ch(this.pos + 1) === '-' && isDigit(this.ch(this.pos + 2))))) {
      this.pos++;
      let sign = 1;
      if (this.ch() === '-') {
        sign = -1;
        this.pos++;
      }
      exponent = sign * Number(this.scanDigits(10, false));
      hasExponent = true;
    } else if (e === 's' && !isLetter(this.ch(this.pos + 1))) {
      this.pos++;
      const scaleDigits = this.scanDigits(10, false);
      const scale = scaleDigits === '' ? fraction.length : Number(scaleDigits);
      let num = parseBig(intDigits + fraction, radix);
      if (negative) num = -num;
      const den = BigInt(radix) ** BigInt(fraction.length);
      return { t: 'number', v: { kind: 'scaled', num, den, scale }, pos: start, end: this.pos };
    }
    if (isLetter(this.ch())) this.fail(this.pos, `bad character ${JSON.stringify(this.ch())} in number literal`);
    const mantissa = parseBig(intDigits + fraction, radix);
    const scale = exponent - fraction.length;
    if (fraction === '' ) {
      if (scale < 0) this.fail(start, 'an integer with a negative exponent is a Fraction, which literals cannot express');
      let value = mantissa * BigInt(radix) ** BigInt(scale);
      if (negative) value = -value;
      return { t: 'number', v: { kind: 'int', value }, pos: start, end: this.pos };
    }
    void hasExponent;
    let value: number;
    if (radix === 10) value = Number(`${intDigits}.${fraction}e${exponent}`);
    else value = ratioToDouble(mantissa, BigInt(radix), scale);
    if (!Number.isFinite(value)) this.fail(start, 'float literal out of range');
    return { t: 'number', v: { kind: 'float', value: negative ? -value : value }, pos: start, end: this.pos };
  }
}

export function digitValue(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'A' && c <= 'Z') return c.charCodeAt(0) - 55;
  return -1;
}

function parseBig(digits: string, radix: number): bigint {
  let v = 0n;
  const r = BigInt(radix);
  for (const c of digits) v = v * r + BigInt(digitValue(c));
  return v;
}

/** mantissa * radix^scale as the nearest double (scale may be negative). */
function ratioToDouble(mantissa: bigint, radix: bigint, scale: number): number {
  if (scale >= 0) return Number(mantissa * radix ** BigInt(scale));
  const den = radix ** BigInt(-scale);
  // Keep 80 significant bits in the quotient so the final rounding is exact enough.
  const shift = BigInt(Math.max(0, 80 - (mantissa.toString(2).length - den.toString(2).length)));
  const q = (mantissa << shift) / den;
  return Number(q) / 2 ** Number(shift);
}
