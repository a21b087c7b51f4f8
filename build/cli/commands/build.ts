// `xenolith build <entry> --target node|linux|xen -o out`: the whole pipeline in one command.
// The entry decides what is built:
//   - an AssemblyScript file (.ts): asc → Binaryen → (linux: AOT + ELF; xen: AOT + PV kernel);
//   - a WebAssembly module (.wasm): AOT + ELF (linux) — the same as `xenolith aot`;
//   - a Smalltalk application, a directory of Tonel sources or an .image: the image (built with
//     the class library), and for linux/xen the VM joined with it into one executable/kernel.
// Progress goes to stderr (`build: …`), errors as file:line:col, `--json` prints a summary.
import type { Command } from 'commander';
import { existsSync, statSync, writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { buildImage } from '../../bootstrap/image-builder.ts';
import { SourceError } from '../../bootstrap/source-error.ts';
import { compileVm, TARGETS, type Target } from '../../vm/compile-vm.ts';

interface BuildOptions {
  target: string;
  output?: string;
  entryPoint?: string;
  module?: boolean;
  debug?: boolean;
  json?: boolean;
  quiet?: boolean;
}

type EntryKind = 'assemblyscript' | 'wasm' | 'smalltalk-sources' | 'image';

export function entryKind(entry: string): EntryKind {
  const p = resolve(entry);
  if (!existsSync(p)) throw new Error(`no such file or directory: ${entry}`);
  if (statSync(p).isDirectory()) return 'smalltalk-sources';
  if (entry.endsWith('.ts')) return 'assemblyscript';
  if (entry.endsWith('.wasm')) return 'wasm';
  if (entry.endsWith('.image')) return 'image';
  throw new Error(`${entry}: not a .ts (AssemblyScript), .wasm, .image or a directory of Tonel sources`);
}

/** The default output name: out/<name>.<ext per target>. */
export function defaultOutput(entry: string, kind: EntryKind, target: Target): string {
  const name = basename(resolve(entry)).replace(/\.(ts|wasm|image)$/, '');
  if (kind === 'assemblyscript' && target === 'node') return join('out', `${name}.wasm`);
  if (target === 'node') return join('out', `${name}.image`);
  return join('out', target === 'xen' ? `${name}.xen` : name);
}

type Summary = Record<string, unknown> & { outputs: string[] };

/** Loads a pipeline module that another part of the toolchain provides; a clear error if it is
 *  not there. */
async function pipeline<T>(file: string, name: string): Promise<T> {
  const url = new URL(`../../pipeline/${file}`, import.meta.url);
  if (!existsSync(url)) throw new Error(`this build needs build/pipeline/${file}, which this checkout lacks`);
  const mod = (await import(url.href)) as Record<string, unknown>;
  if (typeof mod[name] !== 'function') throw new Error(`build/pipeline/${file} does not export ${name}`);
  return mod[name] as T;
}

async function buildSmalltalkApp(entry: string, kind: EntryKind, target: Target, out: string, o: BuildOptions, progress: (l: string) => void): Promise<Summary> {
  let imagePath = resolve(entry);
  let tmp: string | undefined;
  const summary: Summary = { outputs: [] };
  try {
    if (kind === 'smalltalk-sources') {
      progress(`image from ${entry} (with the class library)`);
      const result = buildImage({ dirs: [entry], entry: o.entryPoint, progress: (l) => progress(`image: ${l}`) });
      summary.entry = result.entry;
      summary.imageBytes = result.bytes;
      if (target === 'node') {
        writeFileSync(out, result.image);
        summary.outputs.push(out);
      } else {
        tmp = mkdtempSync(join(tmpdir(), 'xenolith-build-'));
        imagePath = join(tmp, `${basename(resolve(entry))}.image`);
        writeFileSync(imagePath, result.image);
      }
    } else if (target === 'node') {
      writeFileSync(out, new Uint8Array(readFileSync(imagePath)));
      summary.outputs.push(out);
    }
    if (target === 'node') {
      // The VM for node is the cached wasm that `xenolith run` uses; build it now so the first run is quick.
      const vm = await compileVm({ target: 'node', optimize: !o.debug, progress });
      summary.vm = vm.wasmPath;
      summary.run = `xenolith run ${out}`;
      return summary;
    }
    if (target === 'linux') {
      const buildLinuxApp = await pipeline<(r: object) => Promise<{ outputs: string[] }>>('linux-app.ts', 'buildLinuxApp');
      const r = await buildLinuxApp({ image: imagePath, out, progress, debugVm: o.debug });
      return { ...summary, ...r, outputs: r.outputs };
    }
    const buildXenApp = await pipeline<(r: object) => Promise<{ outputs: string[] }>>('xen-app.ts', 'buildXenApp');
    const r = await buildXenApp({ image: imagePath, out, embedImage: !o.module, progress, debugVm: o.debug });
    return { ...summary, ...r, outputs: r.outputs };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

async function buildProgram(entry: string, kind: EntryKind, target: Target, out: string, o: BuildOptions, progress: (l: string) => void): Promise<Summary> {
  if (kind === 'wasm') {
    if (target !== 'linux') throw new Error(`a .wasm entry builds for --target linux (got ${target}); for xen build from the AssemblyScript source`);
    const [{ loadModule }, { buildLinuxExecutable }, { chmodSync }] = await Promise.all([
      import('../../aot/wasm/index.ts'), import('../../link/linux/executable.ts'), import('node:fs'),
    ]);
    progress(`aot ${entry} → x86-64 (linux)`);
    const bytes = readFileSync(entry);
    const exe = buildLinuxExecutable(loadModule(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)));
    writeFileSync(out, exe.elf);
    chmodSync(out, 0o755);
    return { outputs: [out], bytes: exe.elf.length };
  }
  if (target === 'xen') {
    const buildXenProgram = await pipeline<(r: object) => Promise<{ outputs: string[] }>>('xen-program.ts', 'buildXenProgram');
    const r = await buildXenProgram({ entry, out, progress, debug: o.debug });
    return { ...r, outputs: r.outputs };
  }
  // asc and Binaryen take seconds to load: only when an AssemblyScript build is asked for
  const { buildAssemblyScriptProgram } = await import('../../pipeline/assemblyscript.ts');
  const r = await buildAssemblyScriptProgram({ entry, target, out, debug: o.debug, progress });
  return { ...r };
}

export function register(program: Command): void {
  program
    .command('build')
    .description('build a program or a Smalltalk application for a target (node: wasm/image; linux: static ELF; xen: PV kernel)')
    .argument('<entry>', 'an AssemblyScript file (.ts), a .wasm module, a directory of Tonel sources, or an .image')
    .option('-t, --target <target>', `one of ${TARGETS.join(', ')}`, 'node')
    .option('-o, --output <file>', 'where to write the result (default out/<name>[.wasm|.image|.xen])')
    .option('--entry-point <Class>>selector>', 'Smalltalk entry point when building from sources (default: the one class-side #main)')
    .option('--module', 'xen: leave the image out of the kernel; boot it as a PV module (xl ramdisk=, grub module)')
    .option('--debug', 'debug builds (names, assertions, no inlining)')
    .option('--json', 'print a JSON summary on stdout')
    .option('-q, --quiet', 'no progress lines on stderr')
    .action(async (entry: string, o: BuildOptions) => {
      if (!(TARGETS as readonly string[]).includes(o.target)) throw new Error(`unknown target '${o.target}' (one of ${TARGETS.join(', ')})`);
      const target = o.target as Target;
      const started = Date.now();
      const progress = (line: string): void => {
        if (!o.quiet && !o.json) process.stderr.write(`build: ${line}\n`);
      };
      const kind = entryKind(entry);
      const out = o.output ?? defaultOutput(entry, kind, target);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(resolve(out, '..'), { recursive: true });
      let summary: Summary;
      try {
        summary = kind === 'smalltalk-sources' || kind === 'image'
          ? await buildSmalltalkApp(entry, kind, target, out, o, progress)
          : await buildProgram(entry, kind, target, out, o, progress);
      } catch (err) {
        if (err instanceof SourceError || (err instanceof Error && err.name === 'AscCompileError')) {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      const result = { entry, kind, target, ...summary, milliseconds: Date.now() - started };
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        process.stdout.write(`${summary.outputs.join(', ')} (${target}, ${Date.now() - started} ms)\n`);
        if (summary.run) process.stdout.write(`run it with: ${String(summary.run)}\n`);
      }
    });
}
