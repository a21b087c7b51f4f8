// `xenolith run app.image --target xen`: one PV kernel booted as a domU in the Xen test host
// (QEMU + Xen + dom0 with xl, build/xenhost), its console and how Xen saw it end.
import { runGuests } from '../xenhost/index.ts';

export interface XenRunRequest {
  kernel: string;
  /** The PV boot module (an image for a kernel built without one). */
  ramdisk?: string;
  memoryMiB?: number;
  /** Typed on the guest's console once the domain exists. */
  input?: string;
  timeoutSeconds?: number;
  progress?: (line: string) => void;
}

export interface XenRunResult {
  console: string;
  exitStatus: number | null;
  shutdown: 'poweroff' | 'crash' | 'reboot' | 'timeout' | string;
}

export async function runOnXen(req: XenRunRequest): Promise<XenRunResult> {
  const { guests } = await runGuests([{
    kernel: req.kernel,
    ramdisk: req.ramdisk,
    memory: req.memoryMiB ?? 128,
    name: 'xenolith',
    consoleInput: req.input,
    timeLimitSeconds: req.timeoutSeconds ?? 60,
  }], { progress: req.progress });
  const g = guests[0];
  return { console: g.console, exitStatus: g.exitStatus, shutdown: g.ending };
}

/** `xenolith run app.image --target xen`: the image embedded in a VM kernel (in a temporary
 *  folder), booted in the test host; the guest's console goes to stdout. The exit code is the
 *  guest's status, 1 when it crashed or timed out without one. */
export async function runImageOnXen(imagePath: string, progress?: (line: string) => void, timeoutSeconds?: number): Promise<number> {
  const [{ mkdtempSync, rmSync }, { tmpdir }, { join }, { buildXenApp }] = await Promise.all([
    import('node:fs'), import('node:os'), import('node:path'), import('./xen-app.ts'),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'xenolith-xen-'));
  try {
    const kernel = join(dir, 'app.xen');
    await buildXenApp({ image: imagePath, out: kernel, progress });
    const r = await runOnXen({ kernel, progress, timeoutSeconds });
    process.stdout.write(r.console);
    progress?.(`domain ended: ${r.shutdown}${r.exitStatus === null ? '' : `, status ${r.exitStatus}`}`);
    return r.exitStatus ?? (r.shutdown === 'poweroff' ? 0 : 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
