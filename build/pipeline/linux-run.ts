// Runs an image on the native VM (`xenolith run --target linux`): builds or reuses the VM
// executable (linux-vm.ts) and runs it with this terminal's stdio; answers the exit status
// (128 + n when the VM dies of signal n, as a shell reports it).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { buildLinuxVm } from './linux-vm.ts';

export interface LinuxRunRequest {
  imagePath: string;
  /** Arguments for the image (after the image path on the VM's command line). */
  args?: string[];
  /** Where a snapshot writes the new image; without one, the VM uses the image file itself. */
  snapshotPath?: string;
  debugVm?: boolean;
  progress?: (line: string) => void;
}

/** The VM's command line for this request. */
export function linuxVmArguments(req: LinuxRunRequest): string[] {
  return [...(req.snapshotPath ? ['--snapshot', req.snapshotPath] : []), '--', req.imagePath, ...(req.args ?? [])];
}

export function checkLinuxHost(): void {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`--target linux runs x86-64 Linux executables; this machine is ${process.platform}/${process.arch}`);
  }
}

export async function runLinux(req: LinuxRunRequest): Promise<number> {
  checkLinuxHost();
  const { elfPath } = await buildLinuxVm({ debugVm: req.debugVm, progress: req.progress });
  const child = spawn(elfPath, linuxVmArguments(req), { stdio: 'inherit' });
  return await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (constants.signals as Record<string, number>)[signal] ?? 0 : 0));
    });
  });
}
