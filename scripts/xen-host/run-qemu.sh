#!/usr/bin/env bash
# Boots Xen with the test host's dom0 in QEMU, serial console on stdout, always under timeout -k.
# Usage: run-qemu.sh ACCEL(kvm|tcg) SECONDS XEN VMLINUZ INITRD [GUEST_RAM_MIB]
# The machine gets dom0's 1 GiB plus GUEST_RAM_MIB (default 1024) for the guests.
set -euo pipefail
accel=$1 secs=$2 xen=$3 vmlinuz=$4 initrd=$5 guestram=${6:-1024}
case $accel in
  kvm) cpu=(-accel kvm -cpu host) ;;
  # -cpu max: the Linux dom0 page-faults early. build/aot emits SSE4.1/POPCNT; random_fill needs RDRAND.
  tcg) cpu=(-accel tcg -cpu qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+rdrand) ;;
  *) echo "run-qemu: accel must be kvm or tcg" >&2; exit 2 ;;
esac
for f in "$xen" "$vmlinuz" "$initrd"; do [ -f "$f" ] || { echo "run-qemu: no such file $f" >&2; exit 2; }; done
case $vmlinuz$initrd in *,*) echo "run-qemu: paths must not contain commas (QEMU's module list)" >&2; exit 2 ;; esac
exec timeout -k 5 "$secs" qemu-system-x86_64 -machine q35 "${cpu[@]}" -m $((1024 + 64 + guestram)) -smp 2 \
  -nographic -no-reboot -nodefaults -serial stdio -monitor none \
  -kernel "$xen" \
  -append "console=com1 com1=115200 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 loglvl=all guest_loglvl=all" \
  -initrd "$vmlinuz console=hvc0 earlyprintk=xen quiet,$initrd" </dev/null
