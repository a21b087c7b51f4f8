// The JSON script wast2json (WABT 1.0.32) writes for a .wast file, and its conversion with a
// cache: .cache/spec/<name>-<hash of the .wast and the wast2json version>/ holds the .json and
// the .wasm/.wat modules it names. Conversion goes to a temporary directory that is renamed into
// place, so parallel test processes never see half-written output.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface JsonValue {
  type: 'i32' | 'i64' | 'f32' | 'f64' | 'funcref' | 'externref';
  value?: string;
}

export interface JsonAction {
  type: 'invoke' | 'get';
  module?: string;
  field: string;
  args?: JsonValue[];
}

export interface JsonCommand {
  type: string;
  line: number;
  filename?: string;
  name?: string;
  as?: string;
  module_type?: 'binary' | 'text';
  text?: string;
  action?: JsonAction;
  expected?: JsonValue[];
}

export interface SpecScript {
  dir: string;
  commands: JsonCommand[];
}

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const SUITE_DIR = resolve(REPO_ROOT, '../shared/wasm-testsuite');
const CACHE_DIR = join(REPO_ROOT, '.cache/spec');

let wast2json: string | null | undefined;

/** Path of wast2json, or null when WABT is not installed. */
export function findWast2json(): string | null {
  if (wast2json !== undefined) return wast2json;
  wast2json = null;
  for (const p of ['/usr/bin/wast2json', '/usr/local/bin/wast2json']) if (existsSync(p)) wast2json = p;
  return wast2json;
}

export const NO_WAST2JSON = 'no wast2json: apt-get install wabt (or bash scripts/install-deps.sh)';

export function convertWast(wastPath: string): SpecScript {
  const tool = findWast2json();
  if (!tool) throw new Error(NO_WAST2JSON);
  const name = basename(wastPath, '.wast');
  const hash = createHash('sha256').update(new Uint8Array(readFileSync(wastPath))).update(tool).update('wabt-1.0.32').digest('hex').slice(0, 16);
  const dir = join(CACHE_DIR, `${name}-${hash}`);
  const json = join(dir, `${name}.json`);
  if (!existsSync(json)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = mkdtempSync(join(CACHE_DIR, `.tmp-${name}-`));
    try {
      execFileSync(tool, [wastPath, '-o', join(tmp, `${name}.json`)], { cwd: tmp, timeout: 60_000, stdio: 'pipe' });
      try {
        renameSync(tmp, dir);
      } catch {
        if (!existsSync(json)) throw new Error(`cannot move ${tmp} to ${dir}`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const parsed = JSON.parse(readFileSync(json, 'utf8')) as { commands: JsonCommand[] };
  return { dir, commands: parsed.commands };
}
