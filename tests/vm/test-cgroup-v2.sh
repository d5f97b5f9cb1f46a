#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest side: the cgroupfs driver's limits on a real cgroup v2 kernel, through
# `sandboxctl run` (units in /tmp, passed by path), and the cgroup helper's
# test-cgroup-fs on the unified layout.
#
#   memhog   MemoryMax=32M; a 128 MiB hog is OOM-killed and sandboxctl says "OOM"
#   forks    TasksMax=16; the service forks until refused and counts its
#            processes from inside; pids.max / pids.events of its cgroup
#   cpu      CPUQuota=20%; a busy loop gets cpu.max "20000 100000", is
#            throttled (cpu.stat nr_throttled > 0) and uses about 20% of a CPU
#   limits   MemoryHigh=24M IOWeight=300 CPUWeight=50 read back from the
#            service's cgroup files; inside, /proc/self/cgroup is "0::/"
#   nested   sandboxctl started alone in a non-root cgroup (as sandboxd in a
#            delegated service cgroup): it moves itself into a leaf, the
#            service's cgroup goes below the caller's, limits apply
# After every run: no new directory anywhere under /sys/fs/cgroup.
#
# Where limits are read: from the guest's /sys/fs/cgroup (the host side of the
# sandbox), not from inside the service. That is the kernel's own record,
# whatever the launcher mounts (or not) at /sys/fs/cgroup inside, and a cgroup
# namespace root shows the same files anyway. The service holds still while
# they are read: it prints READY and waits on its stdin, which is a FIFO this
# script writes "go" to (sandboxctl run hands its stdin to the service).
#
# A program of this project that is missing fails every check that needs it.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib-guest.sh
source "$HERE/lib-guest.sh"
vm_require_guest

SRC_DIR=${SRC_DIR:-$(cd "$HERE/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
SANDBOXCTL=${SANDBOXCTL:-$BUILD_DIR/src/ctl/sandboxctl}
CGTEST=$BUILD_DIR/tests/integration/test-cgroup-fs
CG=/sys/fs/cgroup
W=$(mktemp -d /tmp/vm-cgroup-v2.XXXXXX)
IMAGE=/var/lib/sandboxd/images/vm-busybox
export SANDBOXD_UNIT_PATH=$W SANDBOXD_POLICY_PATH=$SRC_DIR/policies

# --- the cgroup helper's own test, v2 path --------------------------------------

if [ -x "$CGTEST" ]; then
        "$CGTEST" >"$W/cgtest.log" 2>&1
        rc=$?
        sed 's/^/  test-cgroup-fs: /' "$W/cgtest.log"
        case $rc in
        0) vm_ok "test-cgroup-fs (unified layout)" ;;
        77) vm_skip "test-cgroup-fs" "$(grep -m1 '^SKIP' "$W/cgtest.log")" ;;
        *) vm_fail "test-cgroup-fs (unified layout)" "exit $rc" ;;
        esac
else
        vm_fail "test-cgroup-fs" "not built: $CGTEST"
fi

# --- sandboxctl run ------------------------------------------------------------

PRODUCT_TESTS=(memhog forks cpu limits nested)
why=
if [ ! -x "$SANDBOXCTL" ]; then
        why="no sandboxctl at $SANDBOXCTL"
elif ! "$SANDBOXCTL" --help 2>/dev/null | grep -qE '^ +run '; then
        why="this sandboxctl has no run verb"
fi
if [ -n "$why" ]; then
        for t in "${PRODUCT_TESTS[@]}"; do vm_fail "sandboxctl run: $t" "$why"; done
        vm_finish
fi

# run-vm.sh built the image on the host (minutes under TCG otherwise).
if [ -n "${VM_IMAGE_TAR:-}" ]; then
        mkdir -p "$IMAGE" && tar -C "$IMAGE" -xf "$VM_IMAGE_TAR" || vm_fail "unpack the busybox image" "tar -xf $VM_IMAGE_TAR failed"
elif ! "$SRC_DIR/tools/mkimage-busybox.sh" "$IMAGE" >"$W/mkimage.log" 2>&1; then
        cat "$W/mkimage.log"
        vm_fail "build the busybox image" "tools/mkimage-busybox.sh failed"
        vm_finish
fi

# The services' scripts live in the image: no quoting games in ExecStart=.
mkdir -p "$IMAGE/vmtest"
cat >"$IMAGE/vmtest/memhog.sh" <<'EOF'
# busybox tail -c N of an endless input fills an N-byte buffer.
echo started
exec tail -c 134217728 /dev/zero
EOF
cat >"$IMAGE/vmtest/forks.sh" <<'EOF'
# Fork until the kernel refuses (the subshell gives up there), then count
# this pid namespace's processes with builtins only: no fork is left to us.
# Only in a pid namespace of its own (the service is PID 1 or 2 there).
[ $$ -le 3 ] || { echo "not in a pid namespace of its own (pid $$)"; exit 1; }
( while :; do sleep 1000 </dev/null >/dev/null 2>&1 & done ) 2>/dev/null
n=0
for p in /proc/[0-9]*; do n=$((n + 1)); done
echo "tasks=$n"
echo READY
read -r go
# Inside the service's pid namespace: every process but ours and PID 1.
kill -9 -1
EOF
cat >"$IMAGE/vmtest/busy.sh" <<'EOF'
( while :; do :; done ) &
echo READY
read -r go
kill $!
EOF
cat >"$IMAGE/vmtest/hold.sh" <<'EOF'
read -r line </proc/self/cgroup
echo "cgroup=$line"
echo READY
read -r go
EOF

unit() {  # name, [Resources] lines...
        local name=$1; shift
        {
                echo "[Sandbox]"
                echo "Image=$IMAGE"
                echo "Namespaces=pid mount uts ipc net cgroup user"
                echo "[Resources]"
                printf '%s\n' "$@"
                echo "[Service]"
                echo "ExecStart=/bin/sh /vmtest/$SCRIPT"
        } >"$W/$name.unit"
}

# run_fg NAME: sandboxctl run in the foreground; RC, OUT, ERR.
run_fg() {
        OUT=$W/$1.out ERR=$W/$1.err
        timeout -s KILL 60 "$SANDBOXCTL" run "$W/$1.unit" </dev/null >"$OUT" 2>"$ERR"
        RC=$?
}

# run_bg NAME [CGROUP]: start it with stdin on a FIFO, wait for READY, set
# SVC_CG to the service's cgroup directory. release() lets it finish.
run_bg() {

        OUT=$W/$1.out ERR=$W/$1.err SVC_CG=
        rm -f "$W/$1.in"
        mkfifo "$W/$1.in"
        if [ -n "${2:-}" ]; then
                # Only sandboxctl itself in that cgroup: timeout stays outside.
                timeout -s KILL 90 sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$2" \
                        "$SANDBOXCTL" run "$W/$1.unit" <"$W/$1.in" >"$OUT" 2>"$ERR" &
        else
                timeout -s KILL 90 "$SANDBOXCTL" run "$W/$1.unit" <"$W/$1.in" >"$OUT" 2>"$ERR" &
        fi
        BG=$!
        exec 7>"$W/$1.in"
        for _ in $(seq 300); do
                grep -q '^READY' "$OUT" 2>/dev/null && break
                kill -0 $BG 2>/dev/null || break
                sleep 0.1
        done
        SVC_CG=$(find $CG -type d -name "sandbox-$1-*" 2>/dev/null | head -n1)
        grep -q '^READY' "$OUT" 2>/dev/null
}
release() {
        echo go >&7
        exec 7>&-
        wait $BG
        RC=$?
}

show() {  # why it failed: the run's output
        echo "  --- stdout:"; sed 's/^/    /' "$OUT"
        echo "  --- stderr:"; sed 's/^/    /' "$ERR"
}

no_leftovers() {  # test name, directories before
        local after
        after=$(cg_dirs)
        if [ "$after" = "$2" ]; then
                vm_ok "$1: no cgroup left behind"
        else
                vm_fail "$1: no cgroup left behind" "new: $(comm -13 <(echo "$2") <(echo "$after") | tr '\n' ' ')"
        fi
}

# --- memhog --------------------------------------------------------------------

SCRIPT=memhog.sh unit memhog "MemoryMax=32M"
before=$(cg_dirs)
run_fg memhog
if [ $RC = 137 ] && grep -q started "$OUT"; then
        vm_ok "memhog: the service is SIGKILLed under MemoryMax=32M (exit 137)"
else
        vm_fail "memhog: the service is SIGKILLed under MemoryMax=32M" "exit $RC, expected 137"; show
fi
if grep -qiw OOM "$ERR"; then
        vm_ok "memhog: sandboxctl reports the OOM kill: $(grep -m1 -iw OOM "$ERR")"
else
        vm_fail "memhog: sandboxctl reports the OOM kill" "no 'OOM' on its stderr"; show
fi
no_leftovers memhog "$before"

# --- forks ---------------------------------------------------------------------

SCRIPT=forks.sh unit forks "TasksMax=16"
before=$(cg_dirs)
if run_bg forks; then
        n=$(sed -n 's/^tasks=//p' "$OUT")
        if [ -n "$n" ] && [ "$n" -le 16 ] && [ "$n" -ge 8 ]; then
                vm_ok "forks: the service counts $n processes of its own under TasksMax=16"
        else
                vm_fail "forks: processes counted inside <= TasksMax=16" "tasks=${n:-none}"; show
        fi
        if [ -n "$SVC_CG" ]; then
                vm_expect_file "forks: pids.max of the service's cgroup is 16" "$SVC_CG/pids.max" 16
                m=$(cg_key "$SVC_CG/pids.events" max)
                if [ "${m:-0}" -ge 1 ]; then
                        vm_ok "forks: the kernel refused forks (pids.events max=$m, pids.current=$(cat "$SVC_CG/pids.current"))"
                else
                        vm_fail "forks: the kernel refused forks" "pids.events: $(tr '\n' ' ' <"$SVC_CG/pids.events")"
                fi
        else
                vm_fail "forks: the service's cgroup exists" "no $CG/**/sandbox-forks-*"
        fi
        release
        [ $RC = 0 ] && vm_ok "forks: exit 0" || { vm_fail "forks: exit 0" "exit $RC"; show; }
else
        release
        vm_fail "forks: the service starts and reports" "exit $RC"; show
fi
no_leftovers forks "$before"

# --- cpu -----------------------------------------------------------------------

SCRIPT=busy.sh unit cpu "CPUQuota=20%"
before=$(cg_dirs)
if run_bg cpu && [ -n "$SVC_CG" ]; then
        vm_expect_file "cpu: cpu.max is 20000 100000" "$SVC_CG/cpu.max" "20000 100000"
        u0=$(cg_key "$SVC_CG/cpu.stat" usage_usec) t0=$(cut -d' ' -f1 /proc/uptime)
        sleep 2
        u1=$(cg_key "$SVC_CG/cpu.stat" usage_usec) t1=$(cut -d' ' -f1 /proc/uptime)
        thr=$(cg_key "$SVC_CG/cpu.stat" nr_throttled)
        share=$(awk -v u="$((u1 - u0))" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", u / ((b - a) * 1e6) * 100 }')
        if [ "${thr:-0}" -gt 0 ]; then
                vm_ok "cpu: a busy loop is throttled (nr_throttled=$thr)"
        else
                vm_fail "cpu: a busy loop is throttled" "cpu.stat: $(tr '\n' ' ' <"$SVC_CG/cpu.stat")"
        fi
        if [ "$share" -ge 5 ] && [ "$share" -le 30 ]; then
                vm_ok "cpu: it used ${share}% of a CPU over 2 s"
        else
                vm_fail "cpu: it used about 20% of a CPU" "${share}% over 2 s"
        fi
        release
        [ $RC = 0 ] && vm_ok "cpu: exit 0" || { vm_fail "cpu: exit 0" "exit $RC"; show; }
else
        release
        vm_fail "cpu: the service starts in its own cgroup" "exit $RC, cgroup '${SVC_CG}'"; show
fi
no_leftovers cpu "$before"

# --- limits --------------------------------------------------------------------

SCRIPT=hold.sh unit limits "MemoryHigh=24M" "IOWeight=300" "CPUWeight=50"
before=$(cg_dirs)
if run_bg limits && [ -n "$SVC_CG" ]; then
        vm_expect_file "limits: memory.high is 24M" "$SVC_CG/memory.high" 25165824
        vm_expect_file "limits: cpu.weight is 50" "$SVC_CG/cpu.weight" 50
        if [ -e "$SVC_CG/io.weight" ] || [ -e "$SVC_CG/io.bfq.weight" ]; then
                w=$(cat "$SVC_CG/io.weight" "$SVC_CG/io.bfq.weight" 2>/dev/null | tr '\n' ' ')
                case " $w" in
                *" default 300 "*) vm_ok "limits: io weight is 300 ($w)" ;;
                *) vm_fail "limits: io weight is 300" "io.weight / io.bfq.weight: $w" ;;
                esac
        else
                vm_fail "limits: io weight is 300" "neither io.weight nor io.bfq.weight in $SVC_CG"
        fi
        if grep -qx "cgroup=0::/" "$OUT"; then
                vm_ok "limits: inside, the service's cgroup is the namespace's root (0::/)"
        else
                vm_fail "limits: inside, /proc/self/cgroup is 0::/" "$(grep '^cgroup=' "$OUT")"
        fi
        release
        [ $RC = 0 ] && vm_ok "limits: exit 0" || { vm_fail "limits: exit 0" "exit $RC"; show; }
else
        release
        vm_fail "limits: the service starts in its own cgroup" "exit $RC, cgroup '${SVC_CG}'"; show
fi
no_leftovers limits "$before"

# --- nested --------------------------------------------------------------------

SCRIPT=hold.sh unit nested "TasksMax=8" "MemoryMax=48M"
PARENT=$CG/vm-caller.scope
mkdir -p $PARENT
before=$(cg_dirs)
if run_bg nested $PARENT && [ -n "$SVC_CG" ]; then
        case $SVC_CG in
        $PARENT/*) vm_ok "nested: the service's cgroup is below the caller's ($SVC_CG)" ;;
        *) vm_fail "nested: the service's cgroup is below the caller's" "$SVC_CG" ;;
        esac
        vm_expect_file "nested: pids.max is 8" "$SVC_CG/pids.max" 8
        vm_expect_file "nested: memory.max is 48M" "$SVC_CG/memory.max" 50331648
        release
        [ $RC = 0 ] && vm_ok "nested: exit 0" || { vm_fail "nested: exit 0" "exit $RC"; show; }
else
        release
        vm_fail "nested: the service starts below the caller's cgroup" "exit $RC, cgroup '${SVC_CG}'"; show
fi
# The caller's own cgroup is the caller's: a supervisor leaf it moved into
# may stay there, empty. A service cgroup may not.
after=$(cg_dirs | grep -vx "$PARENT/sandboxd-supervisor")
if [ "$after" = "$before" ]; then
        vm_ok "nested: no cgroup left behind (the caller's own leaf aside)"
else
        vm_fail "nested: no cgroup left behind" "new: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')"
fi
rmdir $PARENT/sandboxd-supervisor 2>/dev/null
rmdir $PARENT

rm -rf "$W"
vm_finish
