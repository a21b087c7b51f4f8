// SOM looks globals up when the code runs and, for a name that is not a global, sends
// #unknownGlobal: with the name to the method's receiver (SOM's Object>>unknownGlobal: resolves
// it, SOM-Compat's too; a class may override it, as SOM's GlobalTest does). Our compiler binds
// globals when it compiles, so a SOM reference to a name that is no field, class variable or
// global at that point is compiled as `self unknownGlobal: #name` instead of failing the build.
import type { MethodNode, VarDecl } from '../ast.ts';
import type { CompileEnvironment } from '../compiler.ts';

const PSEUDO = new Set(['self', 'super', 'thisContext']);

/** Every argument and temporary the method declares, its blocks' too: the SOM reader has made
 *  their names unique (shadowing.ts), so scopes need not be told apart. */
function declaredLocals(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    for (const n of node) declaredLocals(n, out);
    return out;
  }
  if (node === null || typeof node !== 'object') return out;
  const o = node as Record<string, unknown>;
  if (o.type === 'block') for (const d of [...(o.args as VarDecl[]), ...(o.temps as VarDecl[])]) out.add(d.name);
  for (const v of Object.values(o)) if (typeof v === 'object') declaredLocals(v, out);
  return out;
}

function walk(node: unknown, isKnown: (name: string) => boolean): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, isKnown);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'variable' && typeof o.name === 'string' && !isKnown(o.name)) {
    const pos = o.pos as number;
    const name = o.name;
    delete o.name;
    Object.assign(o, {
      type: 'send',
      receiver: { type: 'variable', name: 'self', pos },
      selector: 'unknownGlobal:',
      args: [{ type: 'literal', value: { kind: 'symbol', value: name }, pos }],
    });
    return;
  }
  for (const v of Object.values(o)) if (typeof v === 'object') walk(v, isKnown);
}

/** Rewrites the SOM method's reads of unknown globals into #unknownGlobal: sends, in place. */
export function sendUnknownGlobals(m: MethodNode, env: CompileEnvironment): void {
  const locals = declaredLocals(m.body, new Set([...m.args, ...m.temps].map((d) => d.name)));
  walk(m.body, (name) => locals.has(name) || PSEUDO.has(name) || env.instVarNames.includes(name) ||
    env.classVar(name) !== undefined || env.global(name) !== undefined);
}
