// Statistics and the text of the compute-benchmark report: a Markdown table (also what the
// runner prints) and the section of bench/RESULTS.md it owns.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const RESULTS_HEADING = '## AOT compute benchmarks (issue 2)';

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function geomean(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x) && x > 0);
  if (!v.length) return NaN;
  return Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length);
}

/** A table cell: a number of milliseconds, a ratio, or a reason it is missing. */
export type Cell = number | string;

export function fmtMs(c: Cell): string {
  return typeof c === 'string' ? c : c >= 100 ? c.toFixed(0) : c.toFixed(1);
}

export function fmtRatio(c: Cell): string {
  return typeof c === 'string' ? c : `${c.toFixed(2)}×`;
}

export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Replaces (or appends) our section of a results file, keeping everything else as it was. */
export function updateResultsFile(path: string, section: string): void {
  const body = section.trimEnd() + '\n';
  if (!existsSync(path)) {
    writeFileSync(path, `# Benchmark results\n\n${body}`);
    return;
  }
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === RESULTS_HEADING);
  if (start < 0) {
    writeFileSync(path, `${text.trimEnd()}\n\n${body}`);
    return;
  }
  let end = lines.findIndex((l, i) => i > start && /^#{1,2} /.test(l));
  if (end < 0) end = lines.length;
  const before = lines.slice(0, start).join('\n');
  const after = lines.slice(end).join('\n');
  writeFileSync(path, `${before}${before ? '\n' : ''}${body}${after ? `\n${after}` : ''}`.replace(/\n*$/, '\n'));
}
