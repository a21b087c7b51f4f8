// `xenolith repl [dirs...] [--target node|linux|xen]`: a Smalltalk read-eval-print loop on the
// console. Builds an image from the class library (with its in-image compiler) and the given Tonel
// directories whose entry runs ReadEvalPrintLoop (smalltalk/Compiler), then runs it with this
// terminal (or piped stdin) as the console. Each line is evaluated and its printString printed;
// errors print their message and stack and the loop goes on; end of input quits (status 0).
// On xen the guest boots in the Xen test host and stdin, read to its end, is typed on the
// guest's console followed by `Smalltalk quit` (a Xen console has no end of input).
import type { Command } from 'commander';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildImage } from '../../bootstrap/image-builder.ts';
import { SourceError } from '../../bootstrap/source-error.ts';
import { compileVm } from '../../vm/compile-vm.ts';
import { runInWorker } from '../../targets/node-host.ts';
import { runLinux } from '../../pipeline/linux-run.ts';

interface ReplOptions { target: string; prompt: string | false; output?: string; quiet?: boolean }

/** A Smalltalk string literal for text. */
const stString = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Tonel source of the entry class that runs the loop with the given prompt. */
export function replEntrySource(prompt: string): string {
  return `Class {
	#name : #XenolithRepl,
	#superclass : #Object,
	#category : #'Xenolith-Repl'
}

{ #category : #running }
XenolithRepl class >> main [
	^ ReadEvalPrintLoop new prompt: ${stString(prompt)}; run
]
`;
}

/** Builds the REPL image into `out`. */
export function buildReplImage(out: string, dirs: string[], prompt: string, progress?: (l: string) => void): void {
  const tmp = mkdtempSync(join(tmpdir(), 'xenolith-repl-'));
  try {
    const pkg = join(tmp, 'repl');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'XenolithRepl.class.st'), replEntrySource(prompt));
    writeFileSync(join(pkg, 'package.st'), "Package { #name : #'Xenolith-Repl' }\n");
    writeFileSync(out, buildImage({ dirs: [...dirs.map((d) => resolve(d)), pkg], entry: 'XenolithRepl class>>main', progress }).image);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function register(program: Command): void {
  program
    .command('repl')
    .description('a Smalltalk read-eval-print loop on the console (the in-image compiler; end of input quits)')
    .argument('[dirs...]', 'Tonel source directories to load besides the class library')
    .option('-t, --target <target>', 'where the VM runs: node (wasm in this process), linux (native) or xen (a guest in the Xen test host, fed from piped stdin)', 'node')
    .option('-p, --prompt <text>', 'prompt shown before each line', 'st> ')
    .option('--no-prompt', 'no prompt (for piped sessions)')
    .option('-o, --output <image>', 'write the REPL image to this file instead of running it')
    .option('-q, --quiet', 'no progress lines on stderr')
    .action(async (dirs: string[], o: ReplOptions) => {
      if (!['node', 'linux', 'xen'].includes(o.target)) throw new Error(`unknown target '${o.target}' (node, linux, xen)`);
      const progress = o.quiet ? undefined : (line: string) => process.stderr.write(`repl: ${line}\n`);
      const tmp = mkdtempSync(join(tmpdir(), 'xenolith-repl-run-'));
      const imagePath = o.output ? resolve(o.output) : join(tmp, 'repl.image');
      try {
        try {
          buildReplImage(imagePath, dirs, o.prompt === false ? '' : o.prompt, progress);
        } catch (err) {
          if (err instanceof SourceError) { process.stderr.write(`${err.message}\n`); process.exitCode = 1; return; }
          throw err;
        }
        if (o.output) { progress?.(`wrote ${imagePath}`); return; }
        if (o.target === 'linux') {
          process.exitCode = await runLinux({ imagePath, progress });
          return;
        }
        if (o.target === 'xen') {
          if (process.stdin.isTTY) throw new Error('--target xen types piped input on the guest console: pipe the lines in (echo "3 + 4" | xenolith repl --target xen)');
          const input = `${readFileSync(0, 'latin1').replace(/\n?$/, '\n')}Smalltalk quit\n`;
          const { runOnXen } = await import('../../pipeline/xen-run.ts');
          const { buildXenApp } = await import('../../pipeline/xen-app.ts');
          const kernel = join(tmp, 'repl.xen');
          await buildXenApp({ image: imagePath, out: kernel, progress });
          const r = await runOnXen({ kernel, input, progress, timeoutSeconds: 120 });
          process.stdout.write(r.console);
          process.exitCode = r.exitStatus ?? (r.shutdown === 'poweroff' ? 0 : 1);
          return;
        }
        const { wasmPath } = await compileVm({ target: 'node', optimize: true, progress });
        const outcome = await runInWorker({ wasmPath, imagePath });
        if (outcome.crashed) process.stderr.write(`xenolith: VM crash: ${outcome.message}\n`);
        process.exitCode = outcome.status;
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
}
