#!/bin/sh
# xh-run-guest DIR: runs one guest of the job in dom0 and reports it in "@@XH <n> ..." lines.
# DIR holds: name, limit (seconds), guest.cfg (on_poweroff/on_crash/on_reboot = preserve), and
# optionally input (fed to the guest's console) and dom0.sh (run beside the guest with DOMID, NAME).
g=$1; n=${g##*/}
name=$(cat "$g/name"); limit=$(cat "$g/limit")
log=/var/log/xen/console/guest-$name.log
# The polling loop below forks nothing (a fork every 20 ms is CPU taken from the guest under
# TCG, and benchmarks compare the guest with the same work run in dom0): now := dom0's uptime in
# centiseconds by builtins alone; the 20 ms pause is a `read -t` on a pipe nobody writes.
cs() { read u _ < /proc/uptime; now=$(( ${u%.*} * 100 + 1${u#*.} - 100 )); }
mkfifo "$g/tick"; exec 3<>"$g/tick"
say() { echo "@@XH $n $*"; }
say begin "$name"
cs; t0=$now; deadline=$((t0 + limit * 100))
xl create -F "$g/guest.cfg" >"$g/xl.out" 2>&1 &
xlpid=$!
domid=; first=; ended=; fed=; helper=
while :; do
  cs
  if [ -z "$first" ] && [ -s "$log" ]; then first=$now; fi
  if [ -z "$domid" ]; then
    # xl prints "Waiting for domain NAME (domid N) to die [pid P]" once the domain exists; read
    # with shell builtins only, as dom0's one vCPU is also building the domain meanwhile
    while read -r line; do
      set -- $line
      [ "$1 $2 $3 $5" = "Waiting for domain (domid" ] && domid=${6%)}
    done < "$g/xl.out"
    if [ -n "$domid" ] && [ -f "$g/dom0.sh" ]; then
      DOMID=$domid NAME=$name sh "$g/dom0.sh" >"$g/dom0.out" 2>&1 &
      helper=$!
    fi
  fi
  if [ -n "$domid" ] && [ -z "$fed" ] && [ -f "$g/input" ]; then
    tty=$(xenstore-read /local/domain/$domid/console/tty 2>/dev/null)
    if [ -n "$tty" ] && [ -e "$tty" ]; then cat "$g/input" > "$tty"; fed=$now; say input-sent "$now"; fi
  fi
  if ! kill -0 $xlpid 2>/dev/null; then ended=$now; break; fi
  if [ "$now" -ge "$deadline" ]; then say timeout "$now"; break; fi
  read -t 0.02 -u 3 tick
done
# let xenconsoled drain the ring: wait until the log stops growing (at most ~2 s)
last=-1; same=0; k=0
while [ $same -lt 3 ] && [ $k -lt 20 ]; do
  s=$(stat -c %s "$log" 2>/dev/null || echo 0)
  if [ "$s" = "$last" ]; then same=$((same+1)); else same=0; last=$s; fi
  [ -z "$first" ] && [ "$s" != 0 ] && { cs; first=$now; }
  usleep 100000; k=$((k+1))
done
state=$(xl list "$name" 2>/dev/null | tail -n +2 | awk '{print $5}')
xl destroy "$name" >/dev/null 2>&1
wait $xlpid 2>/dev/null
[ -n "$helper" ] && { kill $helper 2>/dev/null; wait $helper 2>/dev/null; }
say domid "${domid:--}"
say state "${state:--}"
say times "$t0 ${first:--} ${ended:--}"
for f in xl.out dom0.out; do [ -f "$g/$f" ] && base64 "$g/$f" | sed "s/^/@@XH $n $f /"; done
[ -f "$log" ] && base64 "$log" | sed "s/^/@@XH $n console /"
rm -f "$log"
say end
