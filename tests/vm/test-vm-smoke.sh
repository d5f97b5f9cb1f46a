#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest side: the vm lane itself works, independent of the product. The
# guest runs a cgroup v2 kernel with the controllers the cgroupfs driver
# needs; a child cgroup takes memory.max and pids.max, the kernel enforces
# them (OOM kill counted in memory.events, a fork refused at pids.max), and
# the host's / is read-only while /tmp is writable.
set -uo pipefail
# shellcheck source=tests/vm/lib-guest.sh
source "$(dirname "$0")/lib-guest.sh"
vm_require_guest

CG=/sys/fs/cgroup

vm_check "cgroup2 at /sys/fs/cgroup" test "$(stat -f -c %T $CG)" = cgroup2fs

ctls=$(cat $CG/cgroup.controllers)
missing=
for c in memory pids cpu io; do
        case " $ctls " in *" $c "*) ;; *) missing+=" $c" ;; esac
done
if [ -z "$missing" ]; then
        vm_ok "controllers: $ctls"
else
        vm_fail "controllers memory pids cpu io" "missing:$missing (have: $ctls)"
fi
vm_expect_file "every controller enabled in the root's subtree_control" $CG/cgroup.subtree_control "$ctls"

vm_check "host root is read-only" sh -c '! touch /.vm-write-test 2>/dev/null'
vm_check "/tmp is writable" sh -c 'echo x >/tmp/w && rm /tmp/w'
vm_check "/var/lib/sandboxd is writable" sh -c 'mkdir -p /var/lib/sandboxd/t && rmdir /var/lib/sandboxd/t'

t=$CG/vm-smoke-$$
before=$(cg_dirs)
if mkdir $t; then
        vm_ok "create a child cgroup"
        echo 32M >$t/memory.max
        vm_expect_file "memory.max=32M reads back" $t/memory.max 33554432
        echo 0 >$t/memory.swap.max 2>/dev/null
        echo 8 >$t/pids.max
        vm_expect_file "pids.max=8 reads back" $t/pids.max 8
        echo "20000 100000" >$t/cpu.max
        vm_expect_file "cpu.max reads back" $t/cpu.max "20000 100000"

        # busybox tail -c N of an endless input fills an N-byte buffer: a
        # memory hog that is fast even under TCG.
        sh -c "echo \$\$ >$t/cgroup.procs; exec busybox tail -c 134217728 /dev/zero" 2>/dev/null
        rc=$?
        oom=$(cg_key $t/memory.events oom_kill)
        if [ "$rc" = 137 ] && [ "${oom:-0}" -ge 1 ]; then
                vm_ok "a memory hog is OOM-killed at memory.max (oom_kill=$oom)"
        else
                vm_fail "a memory hog is OOM-killed at memory.max" "exit $rc, memory.events: $(tr '\n' ' ' <$t/memory.events)"
        fi

        # The shell counts its children in a file with builtins only: once
        # at pids.max, a fork fails and ash gives up.
        sh -c "echo \$\$ >$t/cgroup.procs
               n=0
               while [ \$n -lt 20 ]; do sleep 30 >/dev/null 2>&1 & n=\$((n + 1)); echo \$n >/tmp/vm-smoke-forks; done" 2>/dev/null
        n=$(cat /tmp/vm-smoke-forks 2>/dev/null)
        max=$(cg_key $t/pids.events max)
        if [ "${max:-0}" -ge 1 ] && [ "${n:-0}" -le 7 ]; then
                vm_ok "forks refused at pids.max (pids.events max=$max, the shell started ${n:-no} children)"
        else
                vm_fail "forks refused at pids.max" "pids.events: $(cat $t/pids.events)"
        fi
        echo 1 >$t/cgroup.kill
        for _ in $(seq 50); do
                [ "$(cg_key $t/cgroup.events populated)" = 0 ] && break
                sleep 0.1
        done
        vm_check "remove the child cgroup" rmdir $t
else
        vm_fail "create a child cgroup" "mkdir $t failed"
fi
vm_check "no cgroup left behind" test "$(cg_dirs)" = "$before"

vm_finish
