// An AssemblyScript program (any entry that may import "platform") built for one target:
// node → the optimised .wasm (the platform is imported from the JS host's `xenolith` module);
// linux → a static x86-64 ELF from our AOT compiler and linker. (xen → build/pipeline/xen-program.ts.)
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { AscCompileError, compileAsc, formatDiagnostic, type AscDiagnostic } from '../asc/compile.ts';
import { loadModule } from '../aot/wasm/index.ts';
import { buildLinuxExecutable } from '../link/linux/executable.ts';
import { repoRoot } from '../vm/compile-vm.ts';

export interface ProgramBuildRequest {
  /** The AssemblyScript entry file. */
  entry: string;
  target: 'node' | 'linux';
  out: string;
  debug?: boolean;
  progress?: (line: string) => void;
}

export interface ProgramBuildResult {
  outputs: string[];
  bytes: number;
  wasmBytes: number;
}

/** Compiles the entry with asc (Binaryen -O3 inside asc unless debug); diagnostics come back as
 *  file:line:col in the thrown AscCompileError. */
export async function compileProgramWasm(entry: string, target: string, debug = false, progress?: (l: string) => void): Promise<Uint8Array> {
  progress?.(`asc ${entry} (${target}, ${debug ? 'debug' : '-O3'})`);
  let result;
  try {
    result = await compileAsc({
    entry: resolve(entry),
    baseDir: repoRoot,
    paths: [`targets/${target}`],
    runtime: 'minimal',
    use: ['abort='],
    optimizeLevel: debug ? 0 : 3,
    debug,
    noAssert: !debug,
    converge: !debug,
    });
  } catch (e) {
    if (!(e instanceof AscCompileError) || e.diagnostics.length === 0) throw e;
    const shown = e.diagnostics.map((d) => formatDiagnostic(asUserSees(d)));
    throw new AscCompileError(`asc failed on ${entry}:\n${shown.join('\n')}`, e.diagnostics);
  }
  for (const d of result.diagnostics) progress?.(formatDiagnostic(asUserSees(d)));
  return result.binary;
}

// asc names files relative to the repository (its base directory); the user typed them relative
// to the current directory, so that is how they are shown (library files keep their ~lib/ name).
function shownPath(file: string): string {
  if (file.startsWith('~lib/')) return file;
  const abs = resolve(repoRoot, file);
  const rel = relative(process.cwd(), abs).split(sep).join('/');
  return rel.startsWith('../') ? abs : rel;
}

function asUserSees(d: AscDiagnostic): AscDiagnostic {
  return {
    ...d,
    ...(d.file !== undefined ? { file: shownPath(d.file) } : {}),
    ...(d.related ? { related: { ...d.related, file: shownPath(d.related.file) } } : {}),
  };
}

export async function buildAssemblyScriptProgram(req: ProgramBuildRequest): Promise<ProgramBuildResult> {
  const wasm = await compileProgramWasm(req.entry, req.target, req.debug, req.progress);
  mkdirSync(dirname(resolve(req.out)), { recursive: true });
  if (req.target === 'node') {
    writeFileSync(req.out, wasm);
    return { outputs: [req.out], bytes: wasm.length, wasmBytes: wasm.length };
  }
  req.progress?.(`aot ${wasm.length} bytes of wasm → x86-64 (linux)`);
  const exe = buildLinuxExecutable(loadModule(wasm));
  req.progress?.(`link static ELF ${req.out}`);
  writeFileSync(req.out, exe.elf);
  chmodSync(req.out, 0o755);
  return { outputs: [req.out], bytes: exe.elf.length, wasmBytes: wasm.length };
}
