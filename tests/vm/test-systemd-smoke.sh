#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest side, under systemd (run-vm.sh -S): a real systemd as PID 1 on the
# unified cgroup hierarchy, for the systemd cgroup driver's checks. It boots
# to running, transient units get cgroup v2 limits (memory.max, pids.max,
# cpu.max written by systemd itself), a delegated scope in sandbox.slice
# hands its controllers down, and stopped units leave no cgroup behind.
set -uo pipefail
# shellcheck source=tests/vm/lib-guest.sh
source "$(dirname "$0")/lib-guest.sh"
vm_require_guest

CG=/sys/fs/cgroup

if [ "$(cat /proc/1/comm)" != systemd ]; then
        vm_skip "systemd as PID 1" "PID 1 is $(cat /proc/1/comm): boot with run-vm.sh -S"
        vm_finish
fi
vm_ok "systemd is PID 1 ($(systemctl --version | head -n1))"

state=$(timeout 90 systemctl is-system-running --wait 2>&1)
case $state in
running) vm_ok "boots to running at $(cut -d' ' -f1 /proc/uptime) s" ;;
*)
        vm_fail "boots to running" "is-system-running: $state"
        systemctl --failed --no-legend --plain
        ;;
esac

vm_check "cgroup2 at /sys/fs/cgroup, no v1 hierarchy" test "$(stat -f -c %T $CG)" = cgroup2fs
ctls=$(cat $CG/cgroup.controllers)
missing=
for c in memory pids cpu io; do
        case " $ctls " in *" $c "*) ;; *) missing+=" $c" ;; esac
done
[ -z "$missing" ] && vm_ok "controllers: $ctls" || vm_fail "controllers memory pids cpu io" "missing:$missing"
vm_check "this script runs in vm-tests.service" grep -qx '0::/system.slice/vm-tests.service' /proc/self/cgroup

# A transient service: systemd writes the limits into its cgroup. (No ${...}
# in the command: systemd expands those itself in a service's ExecStart.)
out=$(systemd-run --quiet --wait --pipe --unit=vm-limits \
        -p MemoryMax=20M -p TasksMax=10 -p CPUQuota=30% \
        sh -c 'cg=$(sed -n "s/^0:://p" /proc/self/cgroup); echo "cg=$cg"; cd /sys/fs/cgroup/$cg && cat memory.max pids.max cpu.max' 2>&1)
if [ "$out" = "$(printf 'cg=/system.slice/vm-limits.service\n20971520\n10\n30000 100000')" ]; then
        vm_ok "systemd-run -p MemoryMax=20M -p TasksMax=10 -p CPUQuota=30%: memory.max, pids.max, cpu.max"
else
        vm_fail "systemd-run limits" "got: $(tr '\n' ' ' <<<"$out")"
fi

# A delegated scope in sandbox.slice, as the systemd driver will make: the
# process inside may create cgroups and enable the controllers in them.
out=$(systemd-run --quiet --scope --unit=vm-deleg --slice=sandbox.slice -p Delegate=yes -p MemoryMax=32M \
        sh -c 'c=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)
               echo "cg=${c#/sys/fs/cgroup}"
               cat $c/memory.max
               mkdir $c/leaf $c/svc && echo $$ >$c/leaf/cgroup.procs &&
                       echo "+memory +pids" >$c/cgroup.subtree_control &&
                       echo 8 >$c/svc/pids.max && echo "delegated=$(cat $c/cgroup.subtree_control)"
               echo "-memory -pids" >$c/cgroup.subtree_control
               echo $$ >$c/cgroup.procs && rmdir $c/leaf $c/svc' 2>&1)
want="cg=/sandbox.slice/vm-deleg.scope
33554432
delegated=memory pids"
if [ "$out" = "$want" ]; then
        vm_ok "a delegated scope in sandbox.slice: limits set, controllers handed down inside"
else
        vm_fail "a delegated scope in sandbox.slice" "got: $(tr '\n' ' ' <<<"$out")"
fi

sleep 0.5
left=$(find $CG -type d \( -name 'vm-limits*' -o -name 'vm-deleg*' \) 2>/dev/null)
[ -z "$left" ] && vm_ok "no cgroup left behind by the transient units" ||
        vm_fail "no cgroup left behind" "$left"

vm_finish
