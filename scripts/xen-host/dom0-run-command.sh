#!/bin/sh
# xh-run-dom0 DIR: runs a command in dom0 itself (no domain) and reports it in "@@XH <n> ..."
# lines like a guest: begin, exit (its status), times (start, -, end), its output as console, end.
# DIR holds: name, limit (seconds), command (a busybox sh script, run with DIR as its working
# directory, stdin /dev/null) and the files it uses. A benchmark run here is the same code as in
# a domU on the same (emulated) CPU, under a Linux kernel instead of ours.
g=$1; n=${g##*/}
name=$(cat "$g/name"); limit=$(cat "$g/limit")
cs() { read u _ < /proc/uptime; echo $(( ${u%.*} * 100 + 1${u#*.} - 100 )); }  # centiseconds
say() { echo "@@XH $n $*"; }
say begin "$name"
t0=$(cs)
cd "$g" || exit 1
# the command runs in a session (and process group) of its own, ended as a whole at the limit:
# busybox timeout would signal its shell alone and leave the program it runs going on dom0's CPU
setsid sh ./command </dev/null >command.out 2>&1 &
pid=$!
( sleep "$limit"; : >timed-out; kill -TERM -$pid; sleep 5; kill -KILL -$pid ) 2>/dev/null &
dog=$!
wait $pid
rc=$?
t1=$(cs)
kill $dog 2>/dev/null; wait $dog 2>/dev/null
kill -KILL -$pid 2>/dev/null  # whatever the command left running in the background
[ -f timed-out ] && say timeout "$t1"
say exit "$rc"
say times "$t0 - $t1"
base64 command.out | sed "s/^/@@XH $n console /"
say end
