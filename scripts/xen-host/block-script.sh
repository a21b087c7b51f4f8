#!/bin/sh
# The test host's disk hotplug script (libxl calls it with add|remove and XENBUS_PATH set to the
# vbd's backend path): a small stand-in for /etc/xen/scripts/block that needs only busybox.
# params is a block device or a file, which gets a loop device.
cmd=$1; p=$(xenstore-read "$XENBUS_PATH/params")
case $cmd in
  add)
    if [ -b "$p" ]; then dev=$p; else
      dev=$(losetup -f) && losetup "$dev" "$p" || { xenstore-write "$XENBUS_PATH/hotplug-error" "losetup $p failed" "$XENBUS_PATH/hotplug-status" error; exit 1; }
      xenstore-write "$XENBUS_PATH/xh-loop" "$dev"
    fi
    xenstore-write "$XENBUS_PATH/physical-device" "$(stat -L -c '%t:%T' "$dev")" \
      "$XENBUS_PATH/physical-device-path" "$dev" "$XENBUS_PATH/hotplug-status" connected ;;
  remove)
    dev=$(xenstore-read "$XENBUS_PATH/xh-loop" 2>/dev/null) && losetup -d "$dev" ;;
esac
exit 0
