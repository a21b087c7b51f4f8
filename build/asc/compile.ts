// A small API over the AssemblyScript compiler (asc.main, run in this process): compile one
// entry with the given flags, `--path` folders and optimisation level; get the wasm bytes, and
// optionally the text format and a source map; diagnostics come back as file:line:col.
//
// asc reads sources from disk through our readFile (so we can map offsets to lines), and every
// output goes to memory first; only what the caller asked for is then written to disk.
import asc from 'assemblyscript/asc';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { type AscDiagnostic, formatDiagnostic, lineColumn, severityOf } from './diagnostics.ts';

export type { AscDiagnostic } from './diagnostics.ts';
export { formatDiagnostic } from './diagnostics.ts';

export type Runtime = 'stub' | 'minimal' | 'incremental';

export interface AscCompileOptions {
  /** The entry file (absolute, or relative to baseDir). */
  entry: string;
  /** Base directory for relative paths; default the current directory. */
  baseDir?: string;
  /** `--path` folders (relative to baseDir) searched for `import ... from "name"`, e.g.
   *  targets/linux for `import ... from "platform"`. */
  paths?: string[];
  /** 0..3 (default 3) and 0..2 (default 0). */
  optimizeLevel?: number;
  shrinkLevel?: number;
  /** Re-run optimisations until the binary stops shrinking. */
  converge?: boolean;
  /** Debug build: name section, no inlining across assertions. */
  debug?: boolean;
  /** Drop assertions. */
  noAssert?: boolean;
  runtime?: Runtime;
  /** Export the start function under this name (true = "_start") instead of running it. */
  exportStart?: string | boolean;
  /** Global aliases, e.g. ["abort="] to drop the env.abort import. */
  use?: string[];
  /** Feature names for --enable / --disable (e.g. "bulk-memory"). */
  enable?: string[];
  disable?: string[];
  /** Linear memory limits in 64 KiB pages. */
  initialMemory?: number;
  maximumMemory?: number;
  /** Further asc flags, passed through verbatim (e.g. ["--zeroFilledMemory"]). */
  flags?: string[];
  /** Write the wasm here (it is always returned in `binary` too). */
  outFile?: string;
  /** Also produce the text format; written here when given. */
  textFile?: string;
  /** Also produce a source map (returned, and written to `<outFile>.map` when outFile is set). */
  sourceMap?: boolean;
  /** Also return the text format even without a textFile. */
  emitText?: boolean;
}

export interface AscCompileResult {
  binary: Uint8Array;
  text?: string;
  sourceMap?: string;
  /** Warnings and infos (errors make compileAsc throw). */
  diagnostics: AscDiagnostic[];
  /** The asc argument list that was used (for reproducing the build by hand). */
  args: string[];
  milliseconds: number;
}

export class AscCompileError extends Error {
  readonly diagnostics: AscDiagnostic[];
  constructor(message: string, diagnostics: AscDiagnostic[]) {
    super(message);
    this.name = 'AscCompileError';
    this.diagnostics = diagnostics;
  }
}

/** The asc command line (without "asc") for these options, writing to `outName`. */
export function ascArgs(opts: AscCompileOptions, outName: string, textName?: string): string[] {
  const args = [opts.entry, '--outFile', outName];
  if (textName) args.push('--textFile', textName);
  if (opts.sourceMap) args.push('--sourceMap');
  for (const p of opts.paths ?? []) args.push('--path', p);
  const level = opts.optimizeLevel ?? 3;
  if (!Number.isInteger(level) || level < 0 || level > 3) throw new RangeError(`optimizeLevel must be 0..3, got ${level}`);
  const shrink = opts.shrinkLevel ?? 0;
  if (!Number.isInteger(shrink) || shrink < 0 || shrink > 2) throw new RangeError(`shrinkLevel must be 0..2, got ${shrink}`);
  args.push('--optimizeLevel', String(level), '--shrinkLevel', String(shrink));
  if (opts.converge) args.push('--converge');
  if (opts.debug) args.push('--debug');
  if (opts.noAssert) args.push('--noAssert');
  if (opts.runtime) args.push('--runtime', opts.runtime);
  if (opts.exportStart) args.push('--exportStart', opts.exportStart === true ? '_start' : opts.exportStart);
  for (const u of opts.use ?? []) args.push('--use', u);
  if (opts.enable?.length) args.push('--enable', opts.enable.join(','));
  if (opts.disable?.length) args.push('--disable', opts.disable.join(','));
  if (opts.initialMemory !== undefined) args.push('--initialMemory', String(opts.initialMemory));
  if (opts.maximumMemory !== undefined) args.push('--maximumMemory', String(opts.maximumMemory));
  args.push(...(opts.flags ?? []));
  return args;
}

/** Compiles an AssemblyScript entry. Throws AscCompileError (message lists every error as
 *  file:line:col) when asc reports errors or fails. */
export async function compileAsc(opts: AscCompileOptions): Promise<AscCompileResult> {
  const t0 = performance.now();
  const baseDir = resolve(opts.baseDir ?? '.');
  const entryPath = resolve(baseDir, opts.entry);
  if (!existsSync(entryPath) || !statSync(entryPath).isFile()) {
    throw new AscCompileError(`${opts.entry}: no such file`, []);
  }
  // asc resolves the entry relative to baseDir; give it a relative path so its diagnostics do too.
  const entryRel = relative(baseDir, entryPath).split(sep).join('/');
  const stem = basename(entryPath).replace(/\.ts$/, '');
  const outName = `${stem}.wasm`;
  const wantText = opts.textFile !== undefined || opts.emitText === true;
  const textName = wantText ? `${stem}.wat` : undefined;
  // asc takes --path folders relative to the process's directory; ours are relative to baseDir.
  const paths = (opts.paths ?? []).map((p) => resolve(baseDir, p));
  const args = [...ascArgs({ ...opts, entry: entryRel, paths }, outName, textName), '--baseDir', baseDir];

  const sources = new Map<string, string>(); // path relative to baseDir ('/'-separated) -> text
  const outputs = new Map<string, Uint8Array | string>();
  const diagnostics: AscDiagnostic[] = [];
  let log = '';
  const sink = { write: (s: string | Uint8Array) => { log += typeof s === 'string' ? s : Buffer.from(s).toString('utf8'); } };

  const findSource = (normalizedPath: string): { file: string; text?: string } => {
    if (sources.has(normalizedPath)) return { file: normalizedPath, text: sources.get(normalizedPath) };
    if (normalizedPath.startsWith('~lib/')) {
      const rest = normalizedPath.slice(5);
      const lib = asc.libraryFiles[rest.replace(/\.ts$/, '')];
      if (lib !== undefined) return { file: normalizedPath, text: lib };
      // A package found through --path or node_modules: report the real file.
      for (const [p, text] of sources) if (p.endsWith(`/${rest}`)) return { file: p, text };
    }
    return { file: normalizedPath };
  };
  const position = (range: { start: number; source: { normalizedPath: string } } | null) => {
    if (!range) return undefined;
    const { file, text } = findSource(range.source.normalizedPath);
    const { line, column } = text !== undefined ? lineColumn(text, range.start) : { line: 0, column: 0 };
    return { file, line, column };
  };

  const result = await asc.main(args, {
    stdout: sink,
    stderr: sink,
    readFile: (name: string, dir: string) => {
      const p = resolve(dir, name);
      // Only explicit options count: ignore any asconfig.json lying around.
      if (basename(p) === 'asconfig.json' && dirname(p) === baseDir) return null;
      if (!existsSync(p) || !statSync(p).isFile()) return null;
      const text = readFileSync(p, 'utf8');
      const rel = relative(baseDir, p).split(sep).join('/');
      sources.set(rel, text);
      return text;
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      outputs.set(name, contents);
    },
    listFiles: (dir: string, base: string) => {
      const p = resolve(base, dir);
      return existsSync(p) ? readdirSync(p).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')) : null;
    },
    reportDiagnostic: (d) => {
      const where = position(d.range);
      const related = position(d.relatedRange);
      diagnostics.push({
        severity: severityOf(d.category),
        code: d.code,
        message: d.message,
        ...(where ?? {}),
        ...(related ? { related } : {}),
      });
    },
  });

  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (result.error || errors.length) {
    const lines = errors.map(formatDiagnostic);
    if (!lines.length) {
      // Not a source diagnostic (bad option, missing runtime...): asc's own words.
      lines.push(log.replace(/\x1b\[[0-9;]*m/g, '').trim() || String(result.error?.message));
    }
    throw new AscCompileError(`asc failed on ${entryRel}:\n${lines.join('\n')}`, errors);
  }
  const binary = outputs.get(outName);
  if (!(binary instanceof Uint8Array)) throw new AscCompileError(`asc produced no binary for ${entryRel}`, []);
  const textOut = textName ? outputs.get(textName) : undefined;
  const text = textOut === undefined ? undefined : typeof textOut === 'string' ? textOut : Buffer.from(textOut).toString('utf8');
  const mapOut = outputs.get(`${outName}.map`);
  const sourceMap = mapOut === undefined ? undefined : typeof mapOut === 'string' ? mapOut : Buffer.from(mapOut).toString('utf8');

  const write = (path: string, data: Uint8Array | string) => {
    const p = isAbsolute(path) ? path : resolve(baseDir, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  };
  if (opts.outFile) write(opts.outFile, binary);
  if (opts.textFile && text !== undefined) write(opts.textFile, text);
  if (opts.outFile && sourceMap !== undefined) write(`${opts.outFile}.map`, sourceMap);

  return {
    binary,
    ...(text !== undefined ? { text } : {}),
    ...(sourceMap !== undefined ? { sourceMap } : {}),
    diagnostics,
    args,
    milliseconds: performance.now() - t0,
  };
}
