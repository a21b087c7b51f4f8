// asc reports diagnostics as (source path, start offset, end offset). This turns them into
// file:line:col positions (1-based, columns counted in UTF-16 code units like asc's own output)
// and formats them the way every other Xenolith tool reports a source error.

export type Severity = 'error' | 'warning' | 'info' | 'pedantic';

export interface AscDiagnostic {
  severity: Severity;
  /** asc's diagnostic code, e.g. 1005 for "';' expected." */
  code: number;
  message: string;
  /** Path as asc normalised it: relative to the base directory, or `~lib/...` for the standard
   *  library. Absent for diagnostics without a source range. */
  file?: string;
  /** 1-based line and column of the range start. */
  line?: number;
  column?: number;
  /** The related range (e.g. "declared here"), when asc gives one. */
  related?: { file: string; line: number; column: number };
}

const SEVERITIES: Severity[] = ['pedantic', 'info', 'warning', 'error'];

export function severityOf(category: number): Severity {
  return SEVERITIES[category] ?? 'error';
}

/** 1-based line and column of a UTF-16 offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** `file:line:col: error TS1005: message` (or just `error TS1005: message` without a range). */
export function formatDiagnostic(d: AscDiagnostic): string {
  const where = d.file !== undefined ? `${d.file}:${d.line ?? 0}:${d.column ?? 0}: ` : '';
  let s = `${where}${d.severity} AS${d.code}: ${d.message}`;
  if (d.related) s += ` (see ${d.related.file}:${d.related.line}:${d.related.column})`;
  return s;
}
