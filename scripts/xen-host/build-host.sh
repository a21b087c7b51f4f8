#!/usr/bin/env bash
# Builds the Xen test host's boot files from this machine's Debian packages (no downloads):
#   xen              the hypervisor as an ELF32 multiboot image (QEMU -kernel)
#   vmlinuz          the Debian kernel, used as dom0 and as the reference PV guest
#   dom0.cpio.gz     dom0's initramfs: busybox, xl, oxenstored, xenconsoled, xen-init-dom0, the
#                    xenstore tools, the xen/blkback/loop modules, PvGrub2, our /init
#   ref-kernel       the reference guest's kernel: the same Linux as an ELF, gzip'd (xl and PvGrub2
#                    gunzip it much faster than they unxz the bzImage under TCG); the bzImage if
#                    xz (xz-utils) is missing
#   ref-initrd.gz    the reference guest's initramfs: prints a line and powers off
#   pvgrub2.bin      PvGrub2 (grub-mkimage -O x86_64-xen), also inside dom0 at the Debian path
# Usage: build-host.sh OUTDIR     (OUTDIR must not exist yet; the caller renames it into place)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
[ -e "$out" ] && { echo "build-host: $out exists" >&2; exit 2; }
kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | grep -oE 'linux-image-[0-9][^ ,]*' | head -1 | sed 's/^linux-image-//')
X=/usr/lib/xen-4.17/bin
for f in /boot/xen-4.17-amd64.gz "/boot/vmlinuz-$kver" "/lib/modules/$kver" $X/xl /bin/busybox /usr/bin/xenstore-write /usr/bin/grub-mkimage /usr/lib/grub/x86_64-xen; do
  [ -e "$f" ] || { echo "build-host: missing $f (run scripts/install-deps.sh as root)" >&2; exit 3; }
done
work=$(mktemp -d "${out}.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"

copybin() { # ROOT BINARY...: the binaries and the shared libraries ldd names
  local r=$1 b l; shift
  for b in "$@"; do
    mkdir -p "$r$(dirname "$b")"; cp -L "$b" "$r$b"
    for l in $(ldd "$b" 2>/dev/null | grep -oE '/[^ ]+'); do mkdir -p "$r$(dirname "$l")"; cp -L "$l" "$r$l"; done
  done
}
mkbase() { # ROOT: busybox with its applets linked in /bin
  local r=$1 a
  mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,run,var/log,var/lib,usr/bin,usr/sbin,lib64}
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
}

# dom0
r=$work/dom0
mkbase "$r"
copybin "$r" $X/xl $X/oxenstored $X/xenconsoled $X/xen-init-dom0 \
  /usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-ls /usr/bin/xenstore-list \
  /usr/bin/xenstore-rm /usr/bin/xenstore-watch /usr/bin/xenstore-exists /usr/bin/xenstore-chmod
cp -L /usr/bin/xenstore "$r/usr/bin/xenstore" 2>/dev/null || true
mkdir -p "$r/lib/x86_64-linux-gnu"; cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$r/lib/x86_64-linux-gnu/"
cp -r /etc/xen "$r/etc/"
[ -f /etc/xen/oxenstored.conf ] || true
mkdir -p "$r/lib/modules"
for m in drivers/xen/xen-privcmd.ko drivers/xen/xenfs/xenfs.ko drivers/xen/xen-evtchn.ko \
         drivers/xen/xen-gntdev.ko drivers/xen/xen-gntalloc.ko drivers/block/loop.ko \
         drivers/block/xen-blkback/xen-blkback.ko; do
  cp "/lib/modules/$kver/kernel/$m" "$r/lib/modules/"
done
install -m 0755 "$here/dom0-init.sh" "$r/init"
install -m 0755 "$here/dom0-run-guest.sh" "$r/usr/sbin/xh-run-guest"
install -m 0755 "$here/dom0-run-command.sh" "$r/usr/sbin/xh-run-dom0"
install -m 0755 "$here/block-script.sh" "$r/etc/xen/scripts/xh-block"

# PvGrub2: the prefix is the unpartitioned disk's /boot/grub, so normal mode reads
# (xen/xvda)/boot/grub/grub.cfg. (A memdisk grub.cfg with a menu.lst fallback, as Debian's
# grub-xen-host images have, printed nothing at all under this Xen: left out.)
echo 'set root=(xen/xvda)' > "$work/embed.cfg"
grub-mkimage -O x86_64-xen -c "$work/embed.cfg" -p '(xen/xvda)/boot/grub' -o "$work/out/pvgrub2.bin" \
  part_msdos ext2 normal linux configfile legacycfg echo test gzio xzio search halt reboot
mkdir -p "$r/usr/lib/grub-xen"; cp "$work/out/pvgrub2.bin" "$r/usr/lib/grub-xen/grub-x86_64-xen.bin"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/out/dom0.cpio.gz"

# reference guest: prints a line, then its exit status in the kernel developers' convention
# (kernel/shutdown.ts), then powers off. Words on its command line change that, so the host's
# tests can exercise each ending: xh-read (echo one line read from the console), xh-exit=N,
# xh-crash (kernel panic: SHUTDOWN_crash), xh-reboot (SHUTDOWN_reboot).
g=$work/ref
mkdir -p "$g"/{bin,proc,dev}
cp /bin/busybox "$g/bin/busybox"
for a in sh mount echo uname poweroff reboot cat; do ln -s busybox "$g/bin/$a"; done
cat > "$g/init" <<'IN'
#!/bin/sh
mount -t proc proc /proc
echo "XH-REF-GUEST hello from Linux $(uname -r)"
status=0
for w in $(cat /proc/cmdline); do
  case $w in
    xh-read) read -r line; echo "XH-REF-GUEST read: $line" ;;
    xh-exit=*) status=${w#xh-exit=} ;;
    xh-crash) echo "XH-REF-GUEST crashing"; echo c > /proc/sysrq-trigger ;;
    xh-reboot) echo "XH-REF-GUEST rebooting"; reboot -f ;;
  esac
done
echo "xenolith: exit status $status"
poweroff -f
IN
chmod +x "$g/init"
(cd "$g" && find . | cpio -o -H newc --quiet | gzip -9) > "$work/out/ref-initrd.gz"

zcat /boot/xen-4.17-amd64.gz > "$work/out/xen"
cp "/boot/vmlinuz-$kver" "$work/out/vmlinuz"
off=$(LC_ALL=C grep -aboP '\xfd7zXZ\x00' "$work/out/vmlinuz" | head -1 | cut -d: -f1 || true)
if [ -n "$off" ] && command -v xz >/dev/null &&
   tail -c +$((off + 1)) "$work/out/vmlinuz" > "$work/payload.xz" &&
   xz -dc --single-stream "$work/payload.xz" > "$work/vmlinux" 2>/dev/null &&
   [ "$(head -c 4 "$work/vmlinux")" = $'\x7fELF' ] && gzip -1 -c "$work/vmlinux" > "$work/ref-kernel"; then
  mv "$work/ref-kernel" "$work/out/ref-kernel"
else
  cp "$work/out/vmlinuz" "$work/out/ref-kernel"
fi
echo "$kver" > "$work/out/kernel-version"
mv "$work/out" "$out"
