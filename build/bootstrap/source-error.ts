// A source position and the error every bootstrap stage reports: `file:line:col: message`.
// Lines and columns are 1-based; columns count UTF-16 code units (tabs count as one).

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export class SourceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = 'SourceError';
  }
}

/** Line and column (1-based) of `offset` in `text`. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: end - lineStart + 1 };
}

export function errorAt(file: SourceFile, offset: number, message: string): SourceError {
  const { line, col } = lineCol(file.text, offset);
  return new SourceError(file.path, line, col, message);
}
