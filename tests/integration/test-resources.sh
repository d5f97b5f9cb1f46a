#!/bin/bash
# [Resources]: the service runs in its own cgroup, the limits the unit asks
# for are written there (read back from the host), and the kernel enforces
# them from inside: TasksMax= stops a fork loop, MemoryMax= OOM-kills an
# allocation loop. A unit without limits is bounded too: the default
# TasksMax= stops a fork bomb, /dev/shm and TemporaryFileSystem= have a
# size. The cgroup is gone afterwards. On this project's hybrid
# hosts the cgroupfs driver uses the v1 controllers; the vm lane runs the
# same checks on cgroup v2.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

for c in memory pids cpu; do
        if ! grep -qw "$c" /proc/cgroups || ! awk -v c="$c" '$1 == c && $4 == 1 { f = 1 } END { exit !f }' /proc/cgroups; then
                skip "the $c controller is not enabled on this kernel"
        fi
done

res_unit() {  # name ExecStart-args [Resources] lines
        write_unit "$1" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Resources]
$3

[Service]
ExecStart=/usr/bin/sandbox-probe $2
EOF
}

# cgroup_file PID CONTROLLER FILE-V1 FILE-V2: the path of a limit file of
# PID's cgroup, v1 hierarchy or v2, whichever carries the controller.
cgroup_file() {
        local pid=$1 ctl=$2 f1=$3 f2=$4 line path
        line=$(grep -E "^[0-9]+:([^:]*,)?$ctl(,[^:]*)?:" /proc/"$pid"/cgroup || true)
        if [ -n "$line" ]; then
                path=${line#*:*:}
                echo "/sys/fs/cgroup/$ctl$path/$f1"
                return
        fi
        path=$(sed -n 's/^0:://p' /proc/"$pid"/cgroup)
        if [ -d /sys/fs/cgroup/unified ]; then
                echo "/sys/fs/cgroup/unified$path/$f2"
        else
                echo "/sys/fs/cgroup$path/$f2"
        fi
}

expect_file() {  # file want what
        local got
        got=$(cat "$1" 2>/dev/null || echo "(unreadable)")
        if [ "$got" = "$2" ]; then ok "$3: $1 = $2"; else fail "$3: $1 = '$got', expected '$2'"; fi
}

# ---- the limits are written ----

res_unit limits "sleep 60" "MemoryMax=32M
TasksMax=12
CPUQuota=20%"
leftovers_snapshot "$TESTDIR/before"
sbx_start limits
if wait_for 15 grep -q '^ready' "$OUT"; then
        pid=$(sbx_pid_of sandbox-probe)
        itest_log "# service pid $pid: $(tr '\n' ' ' </proc/"$pid"/cgroup)"
        # The memory hierarchy on v1/hybrid, the unified one on a v2-only kernel.
        mine=$(grep -E '^[0-9]+:memory:' /proc/self/cgroup || grep '^0::' /proc/self/cgroup || true)
        theirs=$(grep -E '^[0-9]+:memory:' /proc/"$pid"/cgroup || grep '^0::' /proc/"$pid"/cgroup || true)
        mine=${mine#*:*:} theirs=${theirs#*:*:}
        if [ -n "$theirs" ] && [ "$theirs" != "$mine" ]; then
                ok "the service has a memory cgroup of its own ($theirs)"
        else
                fail "the service's memory cgroup is '$theirs', the caller's is '$mine'"
        fi
        f=$(cgroup_file "$pid" memory memory.limit_in_bytes memory.max)
        expect_file "$f" 33554432 "MemoryMax=32M"
        f=$(cgroup_file "$pid" pids pids.max pids.max)
        expect_file "$f" 12 "TasksMax=12"
        f=$(cgroup_file "$pid" cpu cpu.cfs_quota_us cpu.max)
        case $f in
        */cpu.max) expect_file "$f" "20000 100000" "CPUQuota=20%" ;;
        *) expect_file "$f" 20000 "CPUQuota=20% (quota)"
           expect_file "${f%/*}/cpu.cfs_period_us" 100000 "CPUQuota=20% (period)" ;;
        esac
else
        fail "limits: the service did not start: $(head -c 400 "$ERR" | tr '\n' ' ')"
fi
kill -TERM "$SBX_PID" 2>/dev/null || true
sbx_wait "$SBX_PID" 15
expect_line "$OUT" "got=SIGTERM" "limits: stopped by SIGTERM"
leftovers_check "$TESTDIR/before" "the service's cgroups removed"

# ---- enforced, seen from inside ----

res_unit forker "fork 40" "TasksMax=12"
leftovers_snapshot "$TESTDIR/before"
sbx_run forker
expect_rc 0 "TasksMax=12: the fork loop ran"
forked=$(value "$OUT" forked)
if [ -n "$forked" ] && [ "$forked" -lt 12 ]; then
        ok "TasksMax=12: fork stopped after $forked children ($(value "$OUT" fork_error))"
else
        fail "TasksMax=12: forked '$forked' children of 40"
fi
leftovers_check "$TESTDIR/before" "TasksMax run"

res_unit hog "alloc 256" "MemoryMax=32M"
leftovers_snapshot "$TESTDIR/before"
sbx_run hog
expect_rc 137 "MemoryMax=32M: allocating 256M ends in the OOM killer's SIGKILL (exit 137)"
last=$(all_values "$OUT" allocated | tail -n1)
if [ -n "$last" ] && [ "$last" -le 32 ]; then
        ok "MemoryMax=32M: killed after ${last}M"
else
        fail "MemoryMax=32M: got to '${last}'M"
fi
leftovers_check "$TESTDIR/before" "MemoryMax run"

res_unit small "alloc 8" "MemoryMax=32M"
sbx_run small
expect_rc 0 "MemoryMax=32M: 8M is fine"

# ---- bounded defaults: a unit that sets no limit still has some ----

# TasksMax= unset: 15 % of the kernel's task limit (systemd's DefaultTasksMax=).
pid_max=$(cat /proc/sys/kernel/pid_max)
threads_max=$(cat /proc/sys/kernel/threads-max)
kernel_max=$((pid_max < threads_max ? pid_max : threads_max))
default_tasks=$(((kernel_max * 15 + 50) / 100))
res_unit bomb "fork $((default_tasks + 50))" ""
"$SANDBOXCTL" plan "$UNITDIR/bomb.unit" >"$TESTDIR/bomb.plan" 2>&1 || true
expect_match "$TESTDIR/bomb.plan" "^  TasksMax: +$default_tasks\$" "sandboxctl plan shows the default TasksMax=$default_tasks"
leftovers_snapshot "$TESTDIR/before"
sbx_run bomb
expect_rc 0 "no TasksMax=: the fork loop ran"
forked=$(value "$OUT" forked)
if [ -n "$forked" ] && [ "$forked" -lt "$default_tasks" ]; then
        ok "no TasksMax=: a fork bomb stopped after $forked children ($(value "$OUT" fork_error)), under the default $default_tasks"
else
        fail "no TasksMax=: forked '$forked' children, the default is $default_tasks"
fi
leftovers_check "$TESTDIR/before" "the fork bomb"

# /dev/shm: 64M.
res_unit shmfill "fill /dev/shm/fill 100" ""
sbx_run shmfill
expect_line "$OUT" filled=64 "filling /dev/shm stops at 64 MiB"
expect_line "$OUT" fill_error=ENOSPC "... with ENOSPC"

# TemporaryFileSystem= without size=: MemoryMax=, else 1 GiB; size= wins.
tmpfs_unit() {  # name TemporaryFileSystem= [Resources]-line [ReadOnly=] [df path]
        write_unit "$1" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@
TemporaryFileSystem=$2
ReadOnly=${4:-yes}

[Resources]
$3

[Service]
ExecStart=/usr/bin/sandbox-probe df ${5:-/tmp}
EOF
}
tmpfs_unit tmpdefault /tmp ""
sbx_run tmpdefault
expect_line "$OUT" fs_size=1073741824 "TemporaryFileSystem=/tmp without size= and without MemoryMax=: 1 GiB"
tmpfs_unit tmpmem /tmp "MemoryMax=32M"
sbx_run tmpmem
expect_line "$OUT" fs_size=33554432 "TemporaryFileSystem=/tmp with MemoryMax=32M: 32 MiB"
tmpfs_unit tmpsize "/tmp:mode=1777,size=10M" "MemoryMax=32M"
sbx_run tmpsize
expect_line "$OUT" fs_size=10485760 "TemporaryFileSystem=/tmp:size=10M: 10 MiB"
tmpfs_unit rootupper /run "" no /
sbx_run rootupper
expect_line "$OUT" fs_size=1073741824 "ReadOnly=no: the writable layer's tmpfs is 1 GiB"

itest_finish
