// `xenolith test <dirs...> [--target node|linux|xen] [--json]`: builds one image from the class
// library, SUnit and the given Tonel directories, runs every concrete TestCase subclass in it
// and prints the failures and `N passed, N failed`. Exit status 1 when anything failed.
// The image runs on the same runners as `xenolith run` (compileVm + the node host, or the
// native Linux VM, or a PV kernel carrying the image booted as a domU in the Xen test host), so
// a test run exercises exactly what users run.
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileVm } from '../../vm/compile-vm.ts';
import { runCaptured, runInWorker } from '../../targets/node-host.ts';
import { buildImage } from '../../bootstrap/image-builder.ts';
import { SourceError } from '../../bootstrap/source-error.ts';
import { checkLinuxHost, linuxVmArguments, runLinux } from '../../pipeline/linux-run.ts';
import { buildLinuxVm } from '../../pipeline/linux-vm.ts';
import { hostUnavailableReason } from '../../xenhost/index.ts';
import { buildXenApp } from '../../pipeline/xen-app.ts';
import { runOnXen, runImageOnXen } from '../../pipeline/xen-run.ts';

export type TestTarget = 'node' | 'linux' | 'xen';

/** Throws with the reason when the Xen test host cannot run here. */
function checkXenHost(): void {
  const why = hostUnavailableReason();
  if (why) throw new Error(`--target xen needs the Xen test host: ${why}`);
}

/** The image in a PV kernel, booted as a domU in the Xen test host: its console and status. */
async function runImageOnXenCaptured(imagePath: string, progress?: (l: string) => void): Promise<{ status: number; stdout: string; crash?: string }> {
  checkXenHost();
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-test-xen-'));
  try {
    const kernel = join(dir, 'test.xen');
    await buildXenApp({ image: imagePath, out: kernel, progress });
    const r = await runOnXen({ kernel, timeoutSeconds: 300, progress });
    const stdout = r.console.replace(/\r\n/g, '\n');
    const status = r.exitStatus ?? (r.shutdown === 'poweroff' ? 0 : 1);
    return { status, stdout, crash: r.shutdown === 'poweroff' ? undefined : `the domain ended by ${r.shutdown}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One failure or error reported by the image's TestRunner in JSON mode. */
export interface TestProblem { kind: 'failure' | 'error'; class: string; selector: string; message: string }
export interface TestSummary { passed: number; failed: number; errors: number; problems: TestProblem[] }

/** Tonel source of the entry class: runs all tests, in JSON form or for people. */
function entrySource(json: boolean): string {
  return `Class {
	#name : #XenolithTestMain,
	#superclass : #Object,
	#category : #'Xenolith-Test'
}

{ #category : #running }
XenolithTestMain class >> main [
	^ TestRunner runAllJson: ${json}
]
`;
}

/** Builds the test image; answers its path and a cleanup function. */
export function buildTestImage(dirs: string[], json: boolean, progress?: (l: string) => void): { path: string; cleanup: () => void } {
  for (const d of dirs) {
    if (!existsSync(d) || !statSync(d).isDirectory()) throw new Error(`no such Tonel source directory: ${d}`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'xenolith-test-'));
  try {
    const pkgDir = join(tmp, 'entry');
    mkdirSync(pkgDir);
    writeFileSync(join(pkgDir, 'XenolithTestMain.class.st'), entrySource(json));
    writeFileSync(join(pkgDir, 'package.st'), "Package { #name : #'Xenolith-Test' }\n");
    // SUnit lives in smalltalk/ with the rest of the library, which buildImage loads itself.
    const { image } = buildImage({ dirs: [...dirs.map((d) => resolve(d)), pkgDir], entry: 'XenolithTestMain class>>main', progress });
    const path = join(tmp, 'test.image');
    writeFileSync(path, image);
    return { path, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Runs an image and collects its console output. */
export async function runImageCaptured(imagePath: string, target: TestTarget, progress?: (l: string) => void): Promise<{ status: number; stdout: string; crash?: string }> {
  if (target === 'node') {
    const { wasmPath } = await compileVm({ target: 'node', optimize: true, progress });
    const r = await runCaptured(new Uint8Array(readFileSync(wasmPath)), new Uint8Array(readFileSync(imagePath)));
    return { status: r.status, stdout: r.stdout, crash: r.crashed ? r.message : undefined };
  }
  if (target === 'xen') return runImageOnXenCaptured(imagePath, progress);
  checkLinuxHost();
  const { elfPath } = await buildLinuxVm({ progress });
  const child = spawn(elfPath, linuxVmArguments({ imagePath }), { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (b: string) => { stdout += b; });
  const status = await new Promise<number>((res, rej) => {
    child.once('error', rej);
    child.once('close', (code) => res(code ?? 128));
  });
  return { status, stdout };
}

/** Picks the TestRunner's JSON lines (`SUNIT {...}`) out of the output. */
export function parseJsonReport(stdout: string): TestSummary | undefined {
  const problems: TestProblem[] = [];
  let summary: TestSummary | undefined;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('SUNIT ')) continue;
    const o = JSON.parse(line.slice(6)) as Record<string, unknown>;
    if (typeof o.kind === 'string') problems.push(o as unknown as TestProblem);
    else summary = { passed: Number(o.passed), failed: Number(o.failed), errors: Number(o.errors), problems };
  }
  return summary;
}

/** Builds and runs the tests of `dirs` in JSON mode; answers the summary (throws on a crash or
 *  on output without a summary, e.g. an error outside any test). */
export async function runTests(dirs: string[], target: TestTarget, progress?: (l: string) => void): Promise<TestSummary & { stdout: string; status: number }> {
  const built = buildTestImage(dirs, true, progress);
  try {
    const r = await runImageCaptured(built.path, target, progress);
    if (r.crash) throw new Error(`VM crash: ${r.crash}\n${r.stdout}`);
    const summary = parseJsonReport(r.stdout);
    if (!summary) throw new Error(`the test image printed no summary (exit status ${r.status}):\n${r.stdout}`);
    return { ...summary, stdout: r.stdout, status: r.status };
  } finally {
    built.cleanup();
  }
}

interface TestOptions { target: string; json?: boolean; quiet?: boolean }

export function register(program: Command): void {
  program
    .command('test')
    .description('run the SUnit tests (every TestCase subclass) of Tonel source directories')
    .argument('<dirs...>', 'Tonel source directories holding TestCase subclasses (loaded with the class library and SUnit)')
    .option('-t, --target <target>', 'where to run: node (the VM as wasm in this process), linux (the native VM) or xen (a PV guest in the Xen test host)', 'node')
    .option('--json', 'print one JSON document with the counts and every failure instead of text')
    .option('-q, --quiet', 'no progress lines on stderr')
    .action(async (dirs: string[], o: TestOptions) => {
      if (o.target !== 'node' && o.target !== 'linux' && o.target !== 'xen') throw new Error(`unknown target '${o.target}' (node, linux, xen)`);
      const target: TestTarget = o.target;
      const progress = o.quiet ? undefined : (line: string) => process.stderr.write(`test: ${line}\n`);
      try {
        if (o.json) {
          const s = await runTests(dirs, target, progress);
          const { stdout: _out, status: _st, ...doc } = s;
          process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
          process.exitCode = s.failed + s.errors > 0 ? 1 : 0;
          return;
        }
        const built = buildTestImage(dirs, false, progress);
        try {
          if (target === 'xen') {
            checkXenHost();
            process.exitCode = await runImageOnXen(built.path, progress, 300);
          } else if (target === 'linux') {
            process.exitCode = await runLinux({ imagePath: built.path, progress });
          } else {
            const { wasmPath } = await compileVm({ target: 'node', optimize: true, progress });
            const outcome = await runInWorker({ wasmPath, imagePath: built.path, stdin: null });
            if (outcome.crashed) process.stderr.write(`xenolith: VM crash: ${outcome.message}\n`);
            process.exitCode = outcome.status;
          }
        } finally {
          built.cleanup();
        }
      } catch (err) {
        if (err instanceof SourceError) { process.stderr.write(`${err.message}\n`); process.exitCode = 1; return; }
        throw err;
      }
    });
}
