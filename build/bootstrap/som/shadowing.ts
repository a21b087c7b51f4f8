// SOM lets a method's arguments and temporaries reuse the names of fields, also inherited ones
// and a class's own slots (`new: name = ( ... )`); our compiler rejects such shadowing. As the
// reader can't see inherited fields, every local of a SOM method gets a suffix no field has,
// renamed scope by scope (declarations and their uses), which keeps the meaning.
import type { MethodNode, VarDecl } from '../ast.ts';

// SOM's global `system` (when no local has that name) is SomSystem of smalltalk/SOM-Compat;
// SOM's Double is the library's Float, its Nil UndefinedObject.
const GLOBALS: Record<string, string> = {
  system: 'SomSystem', Double: 'Float', Nil: 'UndefinedObject',
  // SOM has a block class per arity; here every block is a FullBlockClosure.
  Block1: 'FullBlockClosure', Block2: 'FullBlockClosure', Block3: 'FullBlockClosure',
};

// Old name → new name; nested scopes get their depth in the suffix so a block may redeclare an
// outer local's name as SOM allows.
type Scope = { depth: number; names: Map<string, string> };

function renameDecls(decls: VarDecl[], scope: Scope): Scope {
  const inner: Scope = { depth: scope.depth + 1, names: new Map(scope.names) };
  for (const d of decls) {
    const to = `${d.name}__l${inner.depth}`;
    inner.names.set(d.name, to);
    d.name = to;
  }
  return inner;
}

function walk(node: unknown, scope: Scope): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, scope);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'variable' && typeof o.name === 'string') o.name = scope.names.get(o.name) ?? GLOBALS[o.name] ?? o.name;
  if (o.type === 'assign') {
    const v = o.variable as { name: string };
    v.name = scope.names.get(v.name) ?? v.name;
  }
  if (o.type === 'block') {
    const inner = renameDecls([...(o.args as VarDecl[]), ...(o.temps as VarDecl[])], scope);
    walk(o.body, inner);
    return;
  }
  for (const v of Object.values(o)) if (typeof v === 'object') walk(v, scope);
}

/** Renames every argument and temporary of a SOM method, blocks included, and maps `system`. */
export function renameLocals(m: MethodNode): void {
  walk(m.body, renameDecls([...m.args, ...m.temps], { depth: 0, names: new Map() }));
}
