// Runs a native executable (the wasm2c + gcc reference, or our AOT output) with a time limit,
// capturing its output; parses the "xenolith-run-ns <n>" line a harness may print on stderr.
import { spawn } from 'node:child_process';

export interface NativeRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Wall time of the whole process, spawn to exit. */
  wallMs: number;
  /** Time the harness measured around _start, when it reports one. */
  runMs?: number;
}

export function runProcess(file: string, args: string[], timeoutMs: number): Promise<NativeRun> {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (out += s));
    child.stderr.on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t0;
      let stderr = err;
      let runMs: number | undefined;
      stderr = stderr.replace(/^xenolith-run-ns (\d+)\n?/m, (_m, ns: string) => {
        runMs = Number(ns) / 1e6;
        return '';
      });
      if (signal) stderr += `${signal === 'SIGKILL' && wallMs >= timeoutMs ? `timed out after ${timeoutMs} ms` : `killed by ${signal}`}\n`;
      ok({
        stdout: out,
        stderr,
        exitCode: code ?? 128 + 9,
        wallMs,
        ...(runMs !== undefined ? { runMs } : {}),
      });
    });
  });
}
