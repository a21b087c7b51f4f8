// `xenolith run app.image --target node|linux [--eval 'expr']`: builds the VM for the target (cached)
// and runs the image with this terminal as its console. The exit status is the image's.
//
// The image may also be a directory of Tonel sources (built with the class library first).
// Images carry no Smalltalk compiler, so `--eval` compiles the expression ahead of time: it
// builds an image from the class library, the given source directory (if any) and a generated
// class whose entry prints the expression's printString.
import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileVm } from '../../vm/compile-vm.ts';
import { runInWorker } from '../../targets/node-host.ts';
import { buildImage } from '../../bootstrap/image-builder.ts';
import { SourceError } from '../../bootstrap/source-error.ts';
import { runLinux } from '../../pipeline/linux-run.ts';

interface RunOptions { target: string; eval?: string; with?: string[]; snapshot?: string; debugVm?: boolean; quiet?: boolean }

/** Tonel source of the class that evaluates `expr` and prints its printString. */
export function evalPackageSource(expr: string): { cls: string; pkg: string } {
  const cls = `Class {
	#name : #XenolithEval,
	#superclass : #Object,
	#category : #'Xenolith-Eval'
}

{ #category : #running }
XenolithEval class >> main [
	| result |
	result := [
${expr}
	] value.
	Transcript show: result printString; cr; flush.
	^ 0
]
`;
  return { cls, pkg: "Package { #name : #'Xenolith-Eval' }\n" };
}

/** Builds an image that evaluates expr (with the Tonel directories loaded); answers its path
 *  and a cleanup function. */
export function buildEvalImage(expr: string, dirs: string[], progress?: (l: string) => void): { path: string; cleanup: () => void } {
  const tmp = mkdtempSync(join(tmpdir(), 'xenolith-eval-'));
  const pkgDir = join(tmp, 'eval');
  mkdirSync(pkgDir);
  const { cls, pkg } = evalPackageSource(expr);
  writeFileSync(join(pkgDir, 'XenolithEval.class.st'), cls);
  writeFileSync(join(pkgDir, 'package.st'), pkg);
  const result = buildImage({ dirs: [...dirs, pkgDir], entry: 'XenolithEval class>>main', progress });
  const path = join(tmp, 'eval.image');
  writeFileSync(path, result.image);
  return { path, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a Smalltalk image on a target (node: the VM as wasm in this Node process; linux: natively; xen: as a PV guest in the Xen test host)')
    .argument('[image]', 'the image file (64-bit Spur, e.g. from `xenolith image`) or a directory of Tonel sources')
    .argument('[args...]', 'further arguments passed to the image')
    .option('-t, --target <target>', 'where to run it: node (the VM as wasm in this process), linux (the VM compiled ahead of time to a native executable) or xen (a PV kernel carrying the image, booted in the Xen test host; the exit code is the guest\'s status)', 'node')
    .option('-e, --eval <expr>', 'evaluate Smalltalk statements and print the value of the last one (compiled ahead of time with the class library and the source directories)')
    .option('-w, --with <dir>', 'a Tonel source directory to load for --eval (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--snapshot <file>', 'where a snapshot primitive writes the new image (default: the image file itself)')
    .option('--debug-vm', 'use a debug build of the VM (assertions, names in traps)')
    .option('-q, --quiet', 'no progress lines on stderr')
    .action(async (image: string | undefined, rest: string[], o: RunOptions) => {
      if (o.target !== 'node' && o.target !== 'linux' && o.target !== 'xen') throw new Error(`unknown target '${o.target}' (node, linux, xen)`);
      const progress = o.quiet ? undefined : (line: string) => process.stderr.write(`run: ${line}\n`);
      let imagePath: string;
      let cleanup = (): void => {};
      const dirs = [...(o.with ?? [])];
      if (image !== undefined) {
        const p = resolve(image);
        if (!existsSync(p)) throw new Error(`no such image file or source directory: ${image}`);
        if (statSync(p).isDirectory()) dirs.push(p);
        else if (o.eval !== undefined) {
          throw new Error(`--eval needs Smalltalk sources, not an image (images carry no compiler): pass the source directory (xenolith run ${image.replace(/\.image$/, '')}/ --eval ...) or --with <dir>`);
        }
      }
      try {
        if (o.eval !== undefined || (image !== undefined && statSync(resolve(image)).isDirectory())) {
          if (o.eval !== undefined) {
            const built = buildEvalImage(o.eval, dirs, o.quiet ? undefined : (l) => progress?.(l));
            imagePath = built.path; cleanup = built.cleanup;
          } else {
            const tmp = mkdtempSync(join(tmpdir(), 'xenolith-run-'));
            imagePath = join(tmp, 'app.image');
            writeFileSync(imagePath, buildImage({ dirs, progress }).image);
            cleanup = () => rmSync(tmp, { recursive: true, force: true });
          }
        } else if (image !== undefined) {
          imagePath = resolve(image);
        } else {
          throw new Error('nothing to run: give an image file, a source directory, or --eval');
        }
      } catch (err) {
        if (err instanceof SourceError) { process.stderr.write(`${err.message}\n`); process.exitCode = 1; return; }
        throw err;
      }
      const imageArgs = [...(o.eval !== undefined ? ['--eval', o.eval] : []), ...rest];
      const snapshotPath = o.snapshot ? resolve(o.snapshot) : image && !statSync(resolve(image)).isDirectory() ? resolve(image) : undefined;
      if (o.target === 'xen') {
        if (rest.length > 0) {
          cleanup();
          throw new Error('arguments after the image are not passed to a Xen guest by `xenolith run`; build the kernel with `xenolith build --target xen` and give them on the xl command line (extra=)');
        }
        try {
          const { runImageOnXen } = await import('../../pipeline/xen-run.ts');
          process.exitCode = await runImageOnXen(imagePath, progress);
        } finally {
          cleanup();
        }
        return;
      }
      if (o.target === 'linux') {
        try {
          process.exitCode = await runLinux({ imagePath, args: imageArgs, snapshotPath, debugVm: o.debugVm, progress });
        } finally {
          cleanup();
        }
        return;
      }
      try {
        const { wasmPath } = await compileVm({ target: 'node', optimize: !o.debugVm, progress });
        const outcome = await runInWorker({
          wasmPath, imagePath, args: imageArgs, snapshotPath,
        });
        if (outcome.crashed) process.stderr.write(`xenolith: VM crash: ${outcome.message}\n`);
        process.exitCode = outcome.status;
      } finally {
        cleanup();
      }
    });
}
