#!/bin/sh
# /init of the test host's dom0: brings up the Xen toolstack, runs the guests of the job
# (/job/guests/0, 1, ... as the host packed them; or commands run in dom0), reports on hvc0 in "@@XH" lines, powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t tmpfs tmpfs /run; mkdir -p /dev/pts; mount -t devpts devpts /dev/pts
mkdir -p /run/xen /run/xenstored /run/lock /var/log/xen/console /var/lib/xen /var/lib/xenstored
ln -sfn /run /var/run; ln -sfn /run/lock /var/lock
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc loop xen-blkback; do
  insmod /lib/modules/$m.ko || echo "@@XH host warn insmod $m failed"
done
mount -t xenfs xenfs /proc/xen
up() { read u _ < /proc/uptime; echo "$u"; }
echo "@@XH host dom0-init $(up)"
oxenstored --pid-file=/run/xenstored.pid
i=0; until xenstore-read -s / >/dev/null 2>&1 || [ $i -ge 100 ]; do usleep 50000; i=$((i+1)); done
xen-init-dom0 >/run/xen-init-dom0.log 2>&1 || echo "@@XH host warn xen-init-dom0 failed"
xenconsoled --log=guest --log-dir=/var/log/xen/console
echo "@@XH host ready $(up)"
if [ -d /job/guests ]; then
  n=0
  while [ -d /job/guests/$n ]; do
    # a job dir with a command runs it in dom0 itself (xh-run-dom0), any other boots a guest
    if [ -f /job/guests/$n/command ]; then xh-run-dom0 /job/guests/$n; else xh-run-guest /job/guests/$n; fi
    n=$((n+1))
  done
  xl dmesg 2>&1 | base64 | sed 's/^/@@XH host xen-dmesg /'
fi
echo "@@XH host done $(up)"
poweroff -f
