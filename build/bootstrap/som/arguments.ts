// SOM lets a method or block assign to its own arguments (`dec: n = ( n := n - 1. ^ n )`); our
// compiler, as Smalltalk-80's, rejects that. Such an argument is received under another name and
// copied into a temporary of its own name on entry, which keeps the meaning. Runs after
// shadowing.ts has given every local a name unique to its scope, so an assignment names exactly
// one declaration.
import type { MethodNode, Statement, VarDecl } from '../ast.ts';

function assignedNames(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    for (const n of node) assignedNames(n, out);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'assign') out.add((o.variable as { name: string }).name);
    for (const v of Object.values(o)) if (typeof v === 'object') assignedNames(v, out);
  }
  return out;
}

/** Gives each assigned argument of one scope (method or block) a temporary copy. */
function copyAssigned(scope: { args: VarDecl[]; temps: VarDecl[]; body: Statement[] }, assigned: Set<string>): void {
  const copies: Statement[] = [];
  for (const a of scope.args) {
    if (!assigned.has(a.name)) continue;
    const local = a.name;
    a.name = `${local}__arg`;
    scope.temps.push({ name: local, pos: a.pos });
    copies.push({ type: 'assign', variable: { name: local, pos: a.pos }, value: { type: 'variable', name: a.name, pos: a.pos }, pos: a.pos });
  }
  if (copies.length > 0) scope.body.unshift(...copies);
}

function blocks(node: unknown, assigned: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) blocks(n, assigned);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  for (const v of Object.values(o)) if (typeof v === 'object') blocks(v, assigned);
  if (o.type === 'block') copyAssigned(o as unknown as { args: VarDecl[]; temps: VarDecl[]; body: Statement[] }, assigned);
}

/** Makes every argument the method or one of its blocks assigns to a temporary, copied on entry. */
export function copyAssignedArguments(m: MethodNode): void {
  const assigned = assignedNames(m.body, new Set());
  if (assigned.size === 0) return;
  blocks(m.body, assigned);
  copyAssigned(m, assigned);
}
