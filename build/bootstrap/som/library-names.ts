// A SOM program may define a class whose name the Squeak-style library underneath already uses
// (SOM's own Set, Dictionary, Vector...; a benchmark's Random, Point or Node; a global such as
// Transcript). The rule: in SOM code the SOM class wins, in the library's code the library's
// class stays, so neither breaks the other. The SOM class is given a global name of its own
// (`Set__som`) and every reference to the name in SOM sources (superclasses, method owners,
// variables that are not fields) is renamed to it; the class still answers its SOM name to
// #name, and SomSystem>>global: finds it by that name. Classes that are SOM's core classes too,
// whose instances literals and the VM make (Object, Integer, String, Array, Boolean...), cannot
// be replaced that way: redefining one is an error naming the SOM file and line.
import { errorAt } from '../source-error.ts';
import type { TonelClass, TonelPackage } from '../tonel.ts';

/** The suffix of a shadowing SOM class's global name (SomSystem>>global: knows it too). */
export const SHADOW_SUFFIX = '__som';

// SOM's core classes (their SOM names and the library classes they are here) and the classes of
// literals and VM-made objects: one class for SOM and library code alike.
const CORE = new Set([
  'Object', 'ProtoObject', 'Class', 'Metaclass', 'Nil', 'UndefinedObject', 'Boolean', 'True', 'False',
  'Integer', 'SmallInteger', 'LargePositiveInteger', 'LargeNegativeInteger', 'Double', 'Float', 'SmallFloat64',
  'BoxedFloat64', 'Number', 'Character', 'String', 'ByteString', 'Symbol', 'ByteSymbol', 'Array',
  'Block', 'BlockClosure', 'FullBlockClosure', 'Method', 'CompiledMethod', 'System', 'SomSystem',
]);

type Renames = Map<string, string>;

function fieldsOf(name: string | null, meta: boolean, defs: Map<string, TonelClass>): Set<string> {
  const out = new Set<string>();
  for (let d = name === null ? undefined : defs.get(name); d; d = d.superclass === null ? undefined : defs.get(d.superclass)) {
    for (const f of meta ? d.classInstVars : d.instVars) out.add(f);
  }
  return out;
}

function renameVariables(node: unknown, renames: Renames, fields: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) renameVariables(n, renames, fields);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  const rename = (v: { name: string }): void => {
    const to = renames.get(v.name);
    if (to !== undefined && !fields.has(v.name)) v.name = to;
  };
  if (o.type === 'variable') rename(o as { name: string });
  if (o.type === 'assign') rename(o.variable as { name: string });
  for (const v of Object.values(o)) if (typeof v === 'object') renameVariables(v, renames, fields);
}

/**
 * Gives the SOM packages' classes named like a library class or one of the library's other
 * globals (`globals`: Transcript, Processor...) their own global name and renames the SOM
 * sources' references; throws for a SOM class redefining a core class.
 */
export function shadowLibraryClasses(som: TonelPackage[], library: TonelPackage[], globals: readonly string[] = []): void {
  const libraryNames = new Set([...library.flatMap((p) => p.classes.map((c) => c.name)), ...globals]);
  const renames: Renames = new Map();
  for (const c of som.flatMap((p) => p.classes)) {
    if (!libraryNames.has(c.name) && !CORE.has(c.name)) continue;
    if (CORE.has(c.name)) {
      throw errorAt(c.file, c.pos, `class ${c.name} is a core class the library provides to SOM code; a SOM program cannot redefine it (give the class another name)`);
    }
    renames.set(c.name, c.name + SHADOW_SUFFIX);
  }
  if (renames.size === 0) return;
  for (const p of som) {
    for (const c of p.classes) {
      const to = renames.get(c.name);
      if (to !== undefined) {
        c.shownName = c.name;
        c.name = to;
      }
      if (c.superclass !== null) c.superclass = renames.get(c.superclass) ?? c.superclass;
    }
  }
  const defs = new Map<string, TonelClass>([...library, ...som].flatMap((p) => p.classes.map((c) => [c.name, c] as const)));
  for (const p of som) {
    for (const m of p.methods) {
      m.className = renames.get(m.className) ?? m.className;
      renameVariables(m.node.body, renames, fieldsOf(m.className, m.meta, defs));
    }
  }
}
