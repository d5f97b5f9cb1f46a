#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The systemd cgroup driver (src/cgroup/cgroup-systemd.c) end to end, against
# a real systemd booted in namespaces (testhost.sh). cgroup-systemd-driver
# runs inside and drives the library; everything is asserted from another
# process: systemctl, busctl, /proc/PID/cgroup and the cgroup files.
#
#   tests/testhost/test-cgroup-systemd.sh PATH/TO/cgroup-systemd-driver
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=testhost.sh
source "$HERE/testhost.sh"

DRIVER=${1:-}
export TESTHOST_ID=cgroup-systemd-$$

testhost_test_require
if [ ! -x "$DRIVER" ]; then
        echo "FAIL: cgroup-systemd-driver not found at '$DRIVER' (meson passes its path)"
        exit 1
fi

fail() {
        echo "FAIL: $*"
        exit 1
}
ok() { echo "ok: $*"; }

torn_down=0
cleanup() {
        [ $torn_down = 1 ] && return
        testhost_teardown
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

testhost_prepare
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "prepare"
testhost_boot >/dev/null || fail "boot"

# Into the testhost's overlay, wherever the build dir is.
cp "$DRIVER" "/proc/$TESTHOST_PID/root/usr/local/bin/cgroup-systemd-driver" || fail "copy the driver in"

run() { testhost_run "$@"; }
drv() { testhost_run /usr/local/bin/cgroup-systemd-driver "$@" 2>>"$DRIVER_LOG"; }
# val KEY TEXT: the value of KEY=... in TEXT
val() { sed -n "s/^$1=//p" <<<"$2" | head -1; }
expect() {  # expect WHAT GOT WANT
        [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}
unit_prop() { run systemctl show -P "$2" "$1"; }
gone() { [ "$(unit_prop "$1" LoadState)" = not-found ]; }

DRIVER_LOG=$(mktemp /tmp/cgroup-systemd-driver.XXXXXX)
trap 'rm -f "$DRIVER_LOG"; cleanup' EXIT
unified=0
[ "$(run stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && unified=1

# The cgroup file of a controller for the cgroup cg, hybrid or unified.
cgfile() {  # cgfile CONTROLLER CG FILE_V1 FILE_V2
        if [ $unified = 1 ]; then
                echo "/sys/fs/cgroup$2/$4"
        else
                echo "/sys/fs/cgroup/$1$2/$3"
        fi
}

# ---------------------------------------------------------------------------
echo "-- create + attach: sandbox-web.scope with limits"
out=$(drv create web) || fail "create web: $out"
expect "cgroup_systemd_available()" "$(val available "$out")" yes
expect "cgroup_driver_pick()" "$(val picked "$out")" systemd
expect attach "$(val attach "$out")" 0
pid=$(val pid "$out")
ser=$(val serialized "$out")
cg=$(val control_group "$out")
expect serialized "$ser" sandbox-web.scope
expect control_group "$cg" /sandbox.slice/sandbox-web.scope
ok "created sandbox-web.scope for PID $pid, serialized '$ser', ControlGroup $cg"

props=$(run systemctl show sandbox-web.scope \
        -p MemoryMax -p TasksMax -p Delegate -p Slice -p CPUQuotaPerSecUSec -p CPUWeight -p IOWeight \
        -p ActiveState -p ControlGroup -p CollectMode)
for want in MemoryMax=67108864 TasksMax=32 Delegate=yes Slice=sandbox.slice CPUQuotaPerSecUSec=500ms \
            CPUWeight=200 IOWeight=300 ActiveState=active ControlGroup=$cg CollectMode=inactive-or-failed; do
        grep -qx "$want" <<<"$props" || fail "systemctl show sandbox-web.scope lacks $want: $(tr '\n' ' ' <<<"$props")"
done
ok "systemctl show: $(grep -E '^(MemoryMax|TasksMax|Delegate|Slice|CPUQuotaPerSecUSec)=' <<<"$props" | tr '\n' ' ')"

[ "$(run busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/sandbox_2dweb_2escope \
        org.freedesktop.systemd1.Scope Delegate)" = "b true" ] || fail "busctl: Delegate is not true"
ok "busctl get-property ... Scope Delegate: b true"

status=$(run systemctl status sandbox-web.scope --no-pager --lines=0)
grep -qE "─$pid " <<<"$status" || fail "systemctl status does not list PID $pid: $status"
ok "systemctl status sandbox-web.scope lists PID $pid"

proc=$(run cat "/proc/$pid/cgroup") || fail "PID $pid is gone"
n=0
while IFS=: read -r _ key path; do
        case $key in ''|name=systemd|memory|pids|cpu|cpu,cpuacct)
                [ "$path" = "$cg" ] || fail "PID $pid is in '$path' of '$key', not in $cg: $proc"
                n=$((n + 1)) ;;
        esac
done <<<"$proc"
[ $n -ge 1 ] || fail "no hierarchy checked in $proc"
ok "/proc/$pid/cgroup: in $cg in $n hierarchies"

f=$(cgfile memory "$cg" memory.limit_in_bytes memory.max)
expect "$f" "$(run cat "$f")" 67108864
f2=$(cgfile pids "$cg" pids.max pids.max)
expect "$f2" "$(run cat "$f2")" 32
if [ $unified = 1 ]; then
        expect cpu.max "$(run cat "/sys/fs/cgroup$cg/cpu.max")" "50000 100000"
else
        expect cpu.cfs_quota_us "$(run cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us")" 50000
fi
ok "the kernel has the limits: $f = 67108864, $f2 = 32, CPU quota 50%"

# ---------------------------------------------------------------------------
echo "-- the same name again, while it is active"
out=$(drv create web --memory-max=134217728)
rc=$?
[ $rc != 0 ] || fail "a second create for active sandbox-web.scope succeeded: $out"
expect "second create" "$(val create "$out")" EBUSY
grep -q "already exists and is active" <<<"$(val message "$out")" || fail "message: $(val message "$out")"
expect "MemoryMax after the refusal" "$(unit_prop sandbox-web.scope MemoryMax)" 67108864
expect "tasks after the refusal" "$(unit_prop sandbox-web.scope TasksCurrent)" 1
ok "refused: $(val message "$out")"

# ---------------------------------------------------------------------------
echo "-- serialize -> adopt in a second process"
out=$(drv adopt web "$ser" stats oom serialize) || fail "adopt: $out"
expect adopt "$(val adopt "$out")" 0
expect "adopted control_group" "$(val control_group "$out")" "$cg"
expect "adopted tasks_current" "$(val tasks_current "$out")" 1
expect "adopted memory_current" "$(val memory_current "$out")" known
expect "adopted oom_killed" "$(val oom_killed "$out")" 0
expect "serialized again" "$(val serialized "$out")" "$ser"
ok "adopted '$ser': ControlGroup $cg, 1 task, memory known, no OOM kill"

bad_adopt() {  # bad_adopt WANT NAME STRING
        local o
        o=$(drv adopt "$2" "$3")
        [ "$(val adopt "$o")" = "$1" ] || fail "adopt of '$3' for $2: $(val adopt "$o"), expected $1"
}
long=$(head -c 5000 /dev/zero | tr '\0' a)
for s in "" sandbox-other.scope ../sandbox-web.scope sandbox-web.scope/x "sandbox-web.scope
x" "$long" sandbox-web.service /sandbox.slice/sandbox-web.scope "sandbox-web.scope " \
         "sandbox-.scope" "sandbox-w\$b.scope"; do
        bad_adopt EINVAL web "$s"
done
bad_adopt ENOENT nosuch sandbox-nosuch.scope
ok "adopt refuses malformed and foreign strings (EINVAL), a missing scope is ENOENT"

# ---------------------------------------------------------------------------
echo "-- attach_like: a second process into the scope (sandboxctl exec)"
out=$(drv join "$pid") || fail "join: $out"
expect attach_like "$(val attach_like "$out")" 0
expect "same cgroups as PID $pid" "$(val same_cgroups "$out")" yes
joined=$(val joined_pid "$out")
status=$(run systemctl status sandbox-web.scope --no-pager --lines=0)
grep -qE "─$joined " <<<"$status" || fail "systemctl status does not list the joined PID $joined: $status"
expect "TasksCurrent with the joined process" "$(unit_prop sandbox-web.scope TasksCurrent)" 2
ok "PID $joined joined every cgroup of $pid; systemctl status lists it"

# ---------------------------------------------------------------------------
echo "-- kill + destroy from the adopting process"
out=$(drv adopt web "$ser" kill:15 destroy) || fail "kill/destroy: $out"
expect kill "$(val kill "$out")" 0
expect destroy "$(val destroy "$out")" 0
gone sandbox-web.scope || fail "sandbox-web.scope still loaded after destroy: $(unit_prop sandbox-web.scope ActiveState)"
! run test -e "/proc/$pid" || fail "PID $pid still alive after destroy"
! run test -e "/proc/$joined" || fail "joined PID $joined still alive after destroy"
! run test -d "/sys/fs/cgroup/systemd$cg" -o -d "/sys/fs/cgroup$cg" || fail "cgroup $cg still there"
ok "killed and destroyed: no unit, no process, no cgroup"
bad_adopt ENOENT web "$ser"
ok "adopt after destroy: ENOENT"

# ---------------------------------------------------------------------------
echo "-- a bus of sandboxd's: attached to an sd-event loop, or not; with other jobs running"
run bash -c 'for i in $(seq 30); do systemd-run --quiet --scope /bin/true; done' &
churn=$!
for mode in event plain; do
        out=$(drv create "bus-$mode" --bus=$mode) || fail "create with --bus=$mode: $out"
        expect "attach ($mode)" "$(val attach "$out")" 0
        expect "read queue after attach ($mode)" "$(val queued_read "$out")" 0
        expect "ActiveState ($mode)" "$(unit_prop "sandbox-bus-$mode.scope" ActiveState)" active
        out=$(drv adopt "bus-$mode" "sandbox-bus-$mode.scope" destroy)
        expect "destroy ($mode)" "$(val destroy "$out")" 0
        gone "sandbox-bus-$mode.scope" || fail "sandbox-bus-$mode.scope left"
done
wait $churn
ok "event-loop and plain connections: scope made, nothing left in the read queue"

# ---------------------------------------------------------------------------
echo "-- a failed scope of that name, not yet collected"
# RuntimeMaxSec= ends it with Result=timeout: failed, kept (CollectMode=inactive).
run systemd-run --quiet --scope --unit=sandbox-ff.scope -p RuntimeMaxSec=1 sleep 100 2>/dev/null
expect "sandbox-ff.scope before" "$(unit_prop sandbox-ff.scope ActiveState)" failed
out=$(drv create ff) || fail "create over a failed scope: $out"
expect "attach over a failed scope" "$(val attach "$out")" 0
expect "MemoryMax of the new scope" "$(unit_prop sandbox-ff.scope MemoryMax)" 67108864
expect "sandbox-ff.scope after" "$(unit_prop sandbox-ff.scope ActiveState)" active
out=$(drv adopt ff sandbox-ff.scope destroy)
expect destroy "$(val destroy "$out")" 0
ok "create() reset the failed scope; the new one is active with its limits"

echo "-- the same, appearing between create() and attach(): reset and one retry"
fifo=$(mktemp -u /tmp/cgroup-systemd-fifo.XXXXXX)
mkfifo "$fifo"
outf=$(mktemp /tmp/cgroup-systemd-out.XXXXXX)
: >"$DRIVER_LOG"
drv create ff2 --pause <"$fifo" >"$outf" &
bg=$!
exec 7>"$fifo"
for _ in $(seq 100); do
        grep -q '^create=0' "$outf" && break
        sleep 0.05
done
grep -q '^create=0' "$outf" || fail "create ff2: $(cat "$outf")"
run systemd-run --quiet --scope --unit=sandbox-ff2.scope -p RuntimeMaxSec=1 sleep 100 2>/dev/null
expect "sandbox-ff2.scope before attach" "$(unit_prop sandbox-ff2.scope ActiveState)" failed
echo go >&7
exec 7>&-
wait $bg || fail "create ff2 --pause: $(cat "$outf")"
out=$(cat "$outf")
rm -f "$fifo" "$outf"
expect "attach after the retry" "$(val attach "$out")" 0
grep -q "resetting it and trying once more" "$DRIVER_LOG" || fail "no retry in the driver's log: $(cat "$DRIVER_LOG")"
expect "sandbox-ff2.scope after" "$(unit_prop sandbox-ff2.scope ActiveState)" active
out=$(drv adopt ff2 sandbox-ff2.scope destroy)
expect destroy "$(val destroy "$out")" 0
ok "attach() met a failed scope, reset it and made its own"

# ---------------------------------------------------------------------------
echo "-- a start that fails leaves nothing"
# A masked slice fails the transaction after systemd made the unit, which
# AddRef= would keep for as long as the driver's connection lives.
run sh -c 'systemctl stop sandbox.slice && systemctl mask --runtime --quiet sandbox.slice' || fail "mask sandbox.slice"
out=$(drv create masked --bus=plain)
run systemctl unmask --runtime --quiet sandbox.slice || fail "unmask sandbox.slice"
[ "$(val attach "$out")" != 0 ] || fail "attach into a masked slice succeeded"
expect "unit loaded after the failed start" "$(val unit_loaded_after_failure "$out")" no
gone sandbox-masked.scope || fail "sandbox-masked.scope left"
ok "start refused ($(val attach "$out")), the unit is gone while the driver still runs"

out=$(drv zombie zz) || fail "zombie: $out"
expect "destroy of a scope whose process had exited" "$(val destroy "$out")" 0
gone sandbox-zz.scope || fail "sandbox-zz.scope left"
ok "a scope whose only process had already exited (attach=$(val attach "$out")) is gone after destroy"

# ---------------------------------------------------------------------------
echo "-- OOM kill"
out=$(drv oom oo) || fail "oom: $out"
expect "oom_killed()" "$(val oom_killed "$out")" yes
expect destroy "$(val destroy "$out")" 0
gone sandbox-oo.scope || fail "sandbox-oo.scope left"
ok "64M under MemoryMax=32M: allocator $(val allocator "$out"), oom_killed() > 0"
# Asked after the scope emptied: its cgroup, and the kernel's count, may be
# gone; systemd 252 does not record Result=oom-kill. Never a false "no".
out=$(drv oom o2 --exit) || fail "oom --exit: $out"
case $(val oom_killed "$out") in
yes|ENODATA) ;;
*) fail "oom_killed() after the scope emptied: $(val oom_killed "$out"), expected yes or ENODATA" ;;
esac
gone sandbox-o2.scope || fail "sandbox-o2.scope left"
ok "asked after the last process exited: oom_killed() $(val oom_killed "$out") (yes, or ENODATA: cannot tell)"

echo "-- MemoryHigh="
out=$(drv create mh --memory-high)
if [ $unified = 1 ]; then
        expect "attach with MemoryHigh=" "$(val attach "$out")" 0
        expect memory.high "$(run cat "/sys/fs/cgroup/sandbox.slice/sandbox-mh.scope/memory.high")" 50331648
        out=$(drv adopt mh sandbox-mh.scope destroy)
        ok "MemoryHigh=48M in memory.high"
else
        expect "create with MemoryHigh= (v1 memory controller)" "$(val create "$out")" EOPNOTSUPP
        grep -q "MemoryHigh=" <<<"$(val message "$out")" || fail "message: $(val message "$out")"
        gone sandbox-mh.scope || fail "sandbox-mh.scope left"
        ok "refused on a hybrid host: $(val message "$out")"
fi

# ---------------------------------------------------------------------------
left=$(run systemctl list-units --all --plain --no-legend 'sandbox-*')
[ -z "$left" ] || fail "units left: $left"
left=$(run sh -c 'ls -d /sys/fs/cgroup/*/sandbox.slice/sandbox-* /sys/fs/cgroup/sandbox.slice/sandbox-* 2>/dev/null')
[ -z "$left" ] || fail "cgroups left: $left"
ok "no sandbox-* unit or cgroup left inside"

testhost_teardown || fail "teardown"
torn_down=1
left=$(testhost_leftovers)
[ -z "$left" ] || fail "left behind on the host: $left"
ok "teardown left nothing behind"
