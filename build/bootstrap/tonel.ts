// Tonel reader (Pharo's source format): one `Name.class.st` per class with a STON-like
// definition `Class { #name : ..., #superclass : ..., ... }`, `Name.extension.st` files that add
// methods to existing classes, and `package.st`. Methods are `Name >> pattern [ body ]` or
// `Name class >> pattern [ body ]`, each optionally preceded by `{ #category : ... }`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { MethodNode } from './ast.ts';
import type { Token } from './lexer.ts';
import { Parser } from './parser.ts';
import { TokenScanner } from './token-scanner.ts';
import { errorAt, type SourceFile } from './source-error.ts';

export type StonValue = string | number | bigint | boolean | null | StonValue[] | { [k: string]: StonValue };

export type ClassType =
  | 'normal' | 'variable' | 'bytes' | 'words' | 'weak' | 'ephemeron' | 'immediate' | 'compiledMethod'
  | 'doubleWords' | 'shorts';

export interface TonelClass {
  kind: 'class';
  name: string;
  superclass: string | null;
  instVars: string[];
  classVars: string[];
  classInstVars: string[];
  pools: string[];
  type: ClassType | undefined;
  category: string;
  comment: string;
  file: SourceFile;
  pos: number;
  /** What the class answers to #name when its global name differs (a SOM class shadowing a library class). */
  shownName?: string;
}

export interface TonelMethod {
  className: string;
  meta: boolean;
  category: string;
  node: MethodNode;
  file: SourceFile;
  pos: number;
}

export interface TonelFileContents {
  definition: TonelClass | { kind: 'extension'; name: string; file: SourceFile; pos: number } | { kind: 'package'; name: string };
  methods: TonelMethod[];
}

export interface TonelPackage {
  dir: string;
  name: string;
  classes: TonelClass[];
  methods: TonelMethod[];
}

const CLASS_TYPES: Record<string, ClassType> = {
  normal: 'normal', variable: 'variable', bytes: 'bytes', words: 'words', weak: 'weak',
  ephemeron: 'ephemeron', immediate: 'immediate', compiledMethod: 'compiledMethod',
  doubleWords: 'doubleWords', shorts: 'shorts', doubleBytes: 'shorts',
};

class TonelScanner extends TokenScanner {
  /** A STON map `{ #key : value, ... }` (keys are symbols). */
  parseMap(): { [k: string]: StonValue } {
    this.expect('{', "'{'");
    const out: { [k: string]: StonValue } = {};
    while (this.tk().t !== '}') {
      const k = this.tk();
      if (k.t !== 'symbol' && k.t !== 'string') this.fail(k.pos, 'map key (#symbol) expected');
      this.advance();
      this.expect(':', "':'");
      out[k.v] = this.parseValue();
      if (this.isBinary(',')) this.advance();
      else if (this.tk().t !== '}') this.fail(this.tk().pos, "',' or '}' expected");
    }
    this.advance();
    return out;
  }

  parseValue(): StonValue {
    const t = this.tk();
    switch (t.t) {
      case 'symbol':
      case 'string':
        this.advance();
        return t.v;
      case 'number':
        this.advance();
        return t.v.kind === 'int' ? t.v.value : t.v.kind === 'float' ? t.v.value : Number(t.v.num) / Number(t.v.den);
      case 'ident':
        this.advance();
        if (t.v === 'true') return true;
        if (t.v === 'false') return false;
        if (t.v === 'nil') return null;
        return t.v;
      case '[': {
        this.advance();
        const items: StonValue[] = [];
        while (this.tk().t !== ']') {
          items.push(this.parseValue());
          if (this.isBinary(',')) this.advance();
          else if (this.tk().t !== ']') this.fail(this.tk().pos, "',' or ']' expected");
        }
        this.advance();
        return items;
      }
      case '{':
        return this.parseMap();
    }
    this.fail(t.pos, 'STON value expected');
  }
}

function stringList(file: SourceFile, pos: number, v: StonValue | undefined, key: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v.split(/\s+/).filter((s) => s !== '');
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw errorAt(file, pos, `#${key} must be a list of strings`);
  return v as string[];
}

/** Reads the leading class comment (a Smalltalk comment before the definition). */
function leadingComment(text: string): { comment: string; end: number } {
  let i = 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (text[i] !== '"') return { comment: '', end: 0 };
  let out = '';
  i++;
  for (;;) {
    if (i >= text.length) return { comment: out, end: i };
    if (text[i] === '"') {
      if (text[i + 1] === '"') {
        out += '"';
        i += 2;
        continue;
      }
      return { comment: out, end: i + 1 };
    }
    out += text[i++];
  }
}

export function parseTonelFile(file: SourceFile): TonelFileContents {
  const s = new TonelScanner(file);
  const { comment } = leadingComment(file.text);
  const head = s.tk();
  if (head.t !== 'ident') s.fail(head.pos, 'Tonel definition expected (Class { ... }, Extension { ... } or Package { ... })');
  s.advance();
  const map = s.parseMap();
  const nameValue = map.name;
  if (typeof nameValue !== 'string' || nameValue === '') s.fail(head.pos, 'definition has no #name');
  const name: string = nameValue as string;
  let definition: TonelFileContents['definition'] | undefined;
  switch (head.t === 'ident' ? head.v : '') {
    case 'Class': {
      const sup = map.superclass;
      if (sup !== undefined && sup !== null && typeof sup !== 'string') s.fail(head.pos, '#superclass must be a symbol or nil');
      const typeName = map.type;
      let type: ClassType | undefined;
      if (typeName !== undefined) {
        if (typeof typeName !== 'string' || !(typeName in CLASS_TYPES)) s.fail(head.pos, `unknown class #type ${String(typeName)}`);
        type = CLASS_TYPES[typeName as string];
      }
      definition = {
        kind: 'class', name, superclass: sup === undefined ? 'Object' : (sup as string | null),
        instVars: stringList(file, head.pos, map.instVars, 'instVars'),
        classVars: stringList(file, head.pos, map.classVars, 'classVars'),
        classInstVars: stringList(file, head.pos, map.classInstVars, 'classInstVars'),
        pools: stringList(file, head.pos, map.pools, 'pools'),
        type, category: typeof map.category === 'string' ? map.category : '',
        comment, file, pos: head.pos,
      };
      break;
    }
    case 'Extension':
      definition = { kind: 'extension', name, file, pos: head.pos };
      break;
    case 'Package':
      definition = { kind: 'package', name };
      break;
    case 'Trait':
      s.fail(head.pos, 'Traits are not supported by the Xenolith bootstrapper');
    default:
      s.fail(head.pos, `unknown Tonel definition '${head.t === 'ident' ? head.v : ''}' (Class, Extension or Package expected)`);
  }
  if (!definition) s.fail(head.pos, 'bad definition');
  const def = definition as TonelFileContents['definition'];
  const methods: TonelMethod[] = [];
  const owner = def.kind === 'package' ? undefined : def.name;
  while (s.tk().t !== 'eof') {
    let category = '';
    if (s.tk().t === '{') {
      const meta = s.parseMap();
      if (typeof meta.category === 'string') category = meta.category;
    }
    const classTok = s.tk();
    if (classTok.t !== 'ident') s.fail(classTok.pos, 'method definition (Class >> selector [ ... ]) expected');
    const className: string = classTok.t === 'ident' ? classTok.v : '';
    s.advance();
    let meta = false;
    if (s.isIdent('class')) {
      meta = true;
      s.advance();
    }
    if (!s.isBinary('>>')) s.fail(s.tk().pos, "'>>' expected in method definition");
    if (owner !== undefined && className !== owner) s.fail(classTok.pos, `method of ${className} in the file of ${owner}`);
    const patternStart = s.tk().end;
    // The pattern runs to the '[' that opens the body.
    while (s.tk().t !== '[') {
      if (s.tk().t === 'eof') s.fail(classTok.pos, "'[' expected to open the method body");
      s.advance();
    }
    const open = s.tk();
    const patternParser = new Parser(file, patternStart, open.pos);
    const pattern = patternParser.parsePattern();
    // Find the matching ']' with the Smalltalk scanner (strings, comments, $] are skipped).
    let depth = 1;
    s.advance();
    let close: Token | undefined;
    while (depth > 0) {
      const t = s.tk();
      if (t.t === 'eof') s.fail(open.pos, "unterminated method body: ']' expected");
      if (t.t === '[' || t.t === '#[') depth++;
      else if (t.t === ']') depth--;
      if (depth === 0) close = t;
      s.advance();
    }
    const bodyParser = new Parser(file, open.end, close!.pos);
    const body = bodyParser.parseMethodBody();
    methods.push({
      className, meta, category, file, pos: classTok.pos,
      node: { selector: pattern.selector, args: pattern.args, pos: classTok.pos, ...body },
    });
  }
  return { definition: def, methods };
}

/** Reads a Tonel package directory (or a directory of package directories). */
export function readTonelDirectory(dir: string, base = process.cwd()): TonelPackage[] {
  const entries = readdirSync(dir).sort();
  const stFiles = entries.filter((e) => e.endsWith('.st') && statSync(join(dir, e)).isFile());
  const packages: TonelPackage[] = [];
  if (stFiles.length > 0) {
    const pkg: TonelPackage = { dir, name: dir, classes: [], methods: [] };
    for (const f of stFiles) {
      const path = join(dir, f);
      const rel = relative(base, path);
      const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
      const file: SourceFile = { path: shown, text: readFileSync(path, 'utf8') };
      const contents = parseTonelFile(file);
      const def = contents.definition;
      if (def.kind === 'package') pkg.name = def.name;
      else if (def.kind === 'class') pkg.classes.push(def);
      pkg.methods.push(...contents.methods);
    }
    packages.push(pkg);
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (!e.startsWith('.') && statSync(p).isDirectory()) packages.push(...readTonelDirectory(p, base));
  }
  return packages;
}
