#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh machine: npm packages always, and the
# Debian packages (test tools, the Xen test host) when running as root with apt-get.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Debian packages: one list, grouped by what needs them.
DEBIAN_PACKAGES=(
  # spec-test conversion (wast2json) and ELF inspection in tests
  wabt binutils
  # the Xen test host (scripts/xen-host): hypervisor, toolstack, dom0 kernel, QEMU, PVGrub
  qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 linux-image-amd64
  busybox-static grub-xen-bin grub-common cpio e2fsprogs xz-utils
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "install-deps: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install-deps: not root, so these Debian packages stay missing: ${missing[*]}" >&2
    echo "install-deps: tests that need them report themselves skipped with the reason" >&2
  fi
fi
