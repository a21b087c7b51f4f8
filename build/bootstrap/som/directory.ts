// Reads every `*.som` class file under a directory (recursively) as one package per directory.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { SourceFile } from '../source-error.ts';
import type { TonelPackage } from '../tonel.ts';
import { parseSomFile } from './reader.ts';

export function readSomDirectory(dir: string, base = process.cwd()): TonelPackage[] {
  const entries = readdirSync(dir).sort();
  const somFiles = entries.filter((e) => e.endsWith('.som') && statSync(join(dir, e)).isFile());
  const packages: TonelPackage[] = [];
  if (somFiles.length > 0) {
    const pkg: TonelPackage = { dir, name: dir, classes: [], methods: [] };
    for (const f of somFiles) {
      const path = join(dir, f);
      const rel = relative(base, path);
      const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
      const file: SourceFile = { path: shown, text: readFileSync(path, 'utf8') };
      const contents = parseSomFile(file);
      pkg.classes.push(contents.definition);
      pkg.methods.push(...contents.methods);
    }
    packages.push(pkg);
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (!e.startsWith('.') && statSync(p).isDirectory()) packages.push(...readSomDirectory(p, base));
  }
  return packages;
}

/**
 * The SOM library compatibility layer is the kernel's `SOM-Compat` package; it is compiled only
 * into images that load SOM sources, so Tonel-only images keep the plain library.
 */
export const SOM_COMPAT_DIR = 'SOM-Compat';

export function isSomCompatPackage(pkg: TonelPackage, kernelDir: string): boolean {
  return resolve(pkg.dir) === resolve(kernelDir, SOM_COMPAT_DIR);
}
