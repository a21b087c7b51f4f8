// The parse tree of a Smalltalk method. Every node carries its source offset (`pos`) in the
// file it came from, so later stages can report file:line:col.
import type { NumberValue } from './lexer.ts';

export type Literal =
  | { kind: 'nil' }
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'number'; value: NumberValue }
  | { kind: 'char'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'symbol'; value: string }
  | { kind: 'array'; elements: Literal[] }
  | { kind: 'bytes'; bytes: number[] };

export interface VarDecl {
  name: string;
  pos: number;
}

export type Expr =
  | { type: 'literal'; value: Literal; pos: number }
  | { type: 'variable'; name: string; pos: number }
  | { type: 'assign'; variable: { name: string; pos: number }; value: Expr; pos: number }
  | { type: 'send'; receiver: Expr; selector: string; args: Expr[]; pos: number }
  | { type: 'cascade'; receiver: Expr; messages: CascadePart[]; pos: number }
  | { type: 'block'; args: VarDecl[]; temps: VarDecl[]; body: Statement[]; pos: number }
  | { type: 'brace'; elements: Expr[]; pos: number };

export interface CascadePart {
  selector: string;
  args: Expr[];
  pos: number;
}

export type Statement = Expr | { type: 'return'; value: Expr; pos: number };

export interface Pragma {
  keyword: string; // full selector, e.g. "primitive:module:"
  args: Literal[];
  /** For <primitive: n error: name>: the error temp's name and position. */
  errorTemp?: VarDecl;
  pos: number;
}

export interface MethodNode {
  selector: string;
  args: VarDecl[];
  temps: VarDecl[];
  pragmas: Pragma[];
  body: Statement[];
  pos: number;
}
