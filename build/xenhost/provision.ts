// Provisioning of the Xen test host: builds (once) the boot files from this machine's Debian
// packages with scripts/xen-host/build-host.sh and caches them under .cache/xen-host/<key>,
// the key being the package versions and the hash of the host's scripts.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCRIPT_DIR = join(REPO_ROOT, 'scripts', 'xen-host');
export const CACHE_ROOT = join(REPO_ROOT, '.cache', 'xen-host');

/** Debian packages the host is built from (scripts/install-deps.sh installs them). */
export const HOST_PACKAGES = [
  'xen-hypervisor-4.17-amd64', 'xen-utils-4.17', 'xenstore-utils', 'linux-image-amd64', 'busybox-static',
  'grub-xen-bin', 'grub-common', 'cpio', 'e2fsprogs', 'qemu-system-x86',
] as const;

export interface HostFiles {
  dir: string;
  xen: string;
  vmlinuz: string;
  dom0Initrd: string;
  refKernel: string;
  refInitrd: string;
  pvgrub2: string;
  kernelVersion: string;
}

/** Installed version of each package, or null for a missing one. */
export function packageVersions(packages: readonly string[] = HOST_PACKAGES): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const p of packages) {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}\t${Version}', p], { encoding: 'utf8' });
    const [status, version] = (r.stdout ?? '').split('\t');
    out[p] = r.status === 0 && status?.endsWith('installed') && !status.includes('not-installed') ? version ?? '' : null;
  }
  return out;
}

/** Why the host cannot run here, or null when it can (packages and QEMU present). */
export function hostUnavailableReason(): string | null {
  const versions = packageVersions();
  const missing = Object.entries(versions).filter(([, v]) => v === null).map(([p]) => p);
  if (missing.length > 0) return `missing Debian packages: ${missing.join(' ')} (run scripts/install-deps.sh as root)`;
  const q = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  if (q.status !== 0) return 'qemu-system-x86_64 does not run';
  const t = spawnSync('timeout', ['--version'], { encoding: 'utf8' });
  if (t.status !== 0) return 'no timeout(1) (coreutils)';
  return null;
}

export function cacheKey(): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(packageVersions()));
  for (const f of readdirSync(SCRIPT_DIR).sort()) {
    if (f.endsWith('.sh')) h.update(`${f}\0`).update(readFileSync(join(SCRIPT_DIR, f), 'utf8'));
  }
  return h.digest('hex').slice(0, 16);
}

function filesIn(dir: string): HostFiles {
  return {
    dir,
    xen: join(dir, 'xen'),
    vmlinuz: join(dir, 'vmlinuz'),
    dom0Initrd: join(dir, 'dom0.cpio.gz'),
    refKernel: join(dir, 'ref-kernel'),
    refInitrd: join(dir, 'ref-initrd.gz'),
    pvgrub2: join(dir, 'pvgrub2.bin'),
    kernelVersion: readFileSync(join(dir, 'kernel-version'), 'utf8').trim(),
  };
}

/** Returns the cached host files, building them first if needed (a few seconds). */
export function provisionHost(progress?: (line: string) => void): HostFiles {
  const reason = hostUnavailableReason();
  if (reason !== null) throw new Error(`xen host: ${reason}`);
  const key = cacheKey();
  const dir = join(CACHE_ROOT, key);
  if (existsSync(join(dir, 'kernel-version'))) return filesIn(dir);
  mkdirSync(CACHE_ROOT, { recursive: true });
  const tmp = join(CACHE_ROOT, `${key}.build-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  progress?.(`building the dom0 initramfs and PvGrub2 into ${dir}`);
  try {
    execFileSync('bash', [join(SCRIPT_DIR, 'build-host.sh'), tmp], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`xen host: build-host.sh failed: ${e.stderr?.toString().trim() || e.message}`);
  }
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process built it at the same time
  }
  // old builds (other keys) are dropped so the cache does not grow without bound
  for (const d of readdirSync(CACHE_ROOT)) {
    if (d !== key && /^[0-9a-f]{16}$/.test(d)) rmSync(join(CACHE_ROOT, d), { recursive: true, force: true });
  }
  return filesIn(dir);
}
