#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# PID 1 of the vm lane's guest (tests/vm/run-vm.sh boots it). The guest's /
# is the host's /, read-only over 9p. This sets up what a cgroup v2 host
# looks like (cgroup2 at /sys/fs/cgroup, mounted as systemd mounts it, with
# every controller enabled in the root's subtree_control), puts tmpfs where
# tests write (/tmp /run /var/tmp /var/lib/sandboxd), runs the guest scripts
# and powers off. It never returns: if it did, the kernel would panic, and
# panic=-1 plus qemu's -no-reboot would end the VM anyway.
#
# Kernel command line (written by run-vm.sh; paths have no spaces or commas):
#   sandboxd.vm.scripts=A,B,...  guest scripts to run, in order; without it,
#                                every tests/vm/test-*.sh beside this file
#   sandboxd.vm.build=DIR        the meson build dir (BUILD_DIR for the scripts)
#   sandboxd.vm.src=DIR          the checkout (SRC_DIR)
#   sandboxd.vm.args=A,B,...     words for the scripts (VM_ARGS, space-separated)
# The writable 9p share `results` is mounted at /run/vm-results (with
# image.tar, the busybox image run-vm.sh built: VM_IMAGE_TAR); each script
# appends its result lines to /run/vm-results/results (VM_RESULTS) and its
# output goes to /run/vm-results/NAME.log. /run/vm-results/exit gets 0, 1
# or 77 for the whole run; /run/vm-results/boot-seconds the uptime at which
# this script started.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C HOME=/root TERM=dumb
R=/run/vm-results

say() { echo "[$(cut -d" " -f1 /proc/uptime 2>/dev/null)] guest-init: $*" >/dev/console; }

power_off() {
        sync
        umount "$R" 2>/dev/null
        echo o >/proc/sysrq-trigger
        # Power-off is asynchronous; PID 1 must not exit meanwhile.
        while :; do sleep 10; done
}
trap power_off EXIT

mount -t proc -o nosuid,nodev,noexec proc /proc
boot=$(cut -d' ' -f1 /proc/uptime)
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 dev /dev
# devtmpfs has no /dev/fd (bash's process substitution needs it) and friends.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=000 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev tmpfs /dev/shm
# As systemd mounts it on a unified host.
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup ||
        mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
ctls=
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do ctls+=" +$c"; done
echo "$ctls" >/sys/fs/cgroup/cgroup.subtree_control || say "cannot enable$ctls"

for d in /tmp /run /var/tmp; do
        mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$d"
done
chmod 0755 /run
# The host has no /var/lib/sandboxd to mount on (its / is read-only here),
# so /var/lib becomes a tmpfs where sandboxd's state directory is created.
if [ -d /var/lib/sandboxd ]; then
        mount -t tmpfs -o mode=0755 tmpfs /var/lib/sandboxd
else
        mount -t tmpfs -o mode=0755 tmpfs /var/lib
        mkdir -p /var/lib/sandboxd
fi
mkdir -p "$R"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "$R"; then
        say "cannot mount the results share; nothing can be reported"
        exit 1
fi
echo "$boot" >"$R/boot-seconds"
say "mounted (init started at $boot s)"

hostname sandboxd-vm
ip link set lo up 2>/dev/null

arg() {  # value of sandboxd.vm.NAME= on the kernel command line
        local w
        for w in $(cat /proc/cmdline); do
                case $w in "sandboxd.vm.$1="*) echo "${w#*=}"; return ;; esac
        done
}
here=$(dirname "$(readlink -f "$0")")
SRC_DIR=$(arg src)
BUILD_DIR=$(arg build)
export SRC_DIR BUILD_DIR
export VM_RESULTS=$R/results
VM_ARGS=$(arg args)
export VM_ARGS=${VM_ARGS//,/ }
[ -f "$R/image.tar" ] && export VM_IMAGE_TAR=$R/image.tar
[ -n "$SRC_DIR" ] || SRC_DIR=$(cd "$here/../.." && pwd)
: >"$VM_RESULTS"

list=$(arg scripts)
if [ -n "$list" ]; then
        IFS=, read -r -a scripts <<<"$list"
else
        scripts=("$here"/test-*.sh)
fi

cd /tmp || exit 1
n_fail=0 n_pass=0
for s in "${scripts[@]}"; do
        name=$(basename "$s")
        say "running $name"
        start=$(cut -d' ' -f1 /proc/uptime)
        bash "$s" >"$R/$name.log" 2>&1 </dev/null
        rc=$?
        end=$(cut -d' ' -f1 /proc/uptime)
        echo "# $name: exit $rc after $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s" >>"$VM_RESULTS"
        case $rc in
        0) n_pass=$((n_pass + 1)) ;;
        77) ;;
        *) n_fail=$((n_fail + 1)) ;;
        esac
done

if [ $n_fail -gt 0 ]; then
        rc=1
elif [ $n_pass -gt 0 ]; then
        rc=0
else
        rc=77
fi
echo "# guest uptime at the end: $(cut -d' ' -f1 /proc/uptime) s" >>"$VM_RESULTS"
echo $rc >"$R/exit"
exit 0
