// Which WasmSession a spec or fuzz run uses: 'v8' (Node's WebAssembly, always available) or
// 'native' (our AOT code on Linux: build/aot/host/native-session.ts, once it exists and exports
// createNativeSession()).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WasmSession } from '../../../build/aot/host/session.ts';
import { createV8Session, type HostImports } from '../../../build/aot/host/v8-session.ts';
import { REPO_ROOT } from './wast-json.ts';

export type SessionKind = 'v8' | 'native';
export type SessionFactory = (hostImports?: HostImports) => Promise<WasmSession>;

export async function loadSessionFactory(kind: SessionKind): Promise<{ factory?: SessionFactory; reason?: string }> {
  if (kind === 'v8') return { factory: async (h) => createV8Session(h) };
  const file = join(REPO_ROOT, 'build/aot/host/native-session.ts');
  if (!existsSync(file)) return { reason: 'build/aot/host/native-session.ts does not exist yet' };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { reason: 'native sessions need Linux on x86-64' };
  const mod = (await import(pathToFileURL(file).href)) as {
    createNativeSession?: (h?: HostImports) => WasmSession | Promise<WasmSession>;
  };
  if (typeof mod.createNativeSession !== 'function') return { reason: 'native-session.ts does not export createNativeSession()' };
  const create = mod.createNativeSession;
  return { factory: async (h) => create(h) };
}
