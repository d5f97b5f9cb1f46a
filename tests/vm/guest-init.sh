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
# With sandboxd.vm.systemd=ROOT it boots systemd instead (run-vm.sh -S): ROOT
# is a Debian root with systemd (the testhost's, tests/testhost/testhost.sh),
# read-only over 9p under a tmpfs overlay, with the checkout and the build
# dir bound in at their own paths. systemd mounts cgroup2 itself; a unit,
# vm-tests.service, runs `guest-init.sh --run` once the system is up, which
# runs the scripts as below and powers off.
#
# Kernel command line (written by run-vm.sh; paths have no spaces or commas):
#   sandboxd.vm.scripts=A,B,...  guest scripts to run, in order; without it,
#                                every tests/vm/test-*.sh beside this file
#   sandboxd.vm.build=DIR        the meson build dir (BUILD_DIR for the scripts)
#   sandboxd.vm.src=DIR          the checkout (SRC_DIR)
#   sandboxd.vm.args=A,B,...     words for the scripts (VM_ARGS, space-separated)
#   sandboxd.vm.deadline=SECONDS when run-vm.sh kills qemu (VM_DEADLINE, uptime)
#   sandboxd.vm.systemd=ROOT     boot systemd from ROOT, see above
#   sandboxd.vm.cache=MODE       read by the initramfs: 9p cache mode of /
# The writable 9p share `results` is mounted at /run/vm-results (/vm-results
# under systemd, which owns /run), with image.tar, the busybox image run-vm.sh
# built (VM_IMAGE_TAR), and with run-vm.sh -I install.tar, the build's
# `meson install` (unpacked over ROOT before systemd starts; VM_INSTALLED=1). Each script appends its result lines to
# RESULTS/results (VM_RESULTS) and its output goes to RESULTS/NAME.log.
# RESULTS/exit gets 0, 1 or 77 for the whole run; RESULTS/boot-seconds the
# uptime at which this script started (as PID 1).

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C HOME=/root TERM=dumb
R=/run/vm-results

say() { echo "[$(cut -d" " -f1 /proc/uptime 2>/dev/null)] guest-init: $*" >/dev/console; }

arg() {  # value of sandboxd.vm.NAME= on the kernel command line
        local w
        for w in $(cat /proc/cmdline); do
                case $w in "sandboxd.vm.$1="*) echo "${w#*=}"; return ;; esac
        done
}

power_off() {
        sync
        umount "$R" 2>/dev/null
        echo o >/proc/sysrq-trigger
        # Power-off is asynchronous; PID 1 must not exit meanwhile.
        while :; do sleep 10; done
}

# Runs the guest scripts with their environment; results in $R.
run_scripts() {
        local here list s name start end rc n_fail=0 n_pass=0 scripts=()

        here=$(dirname "$(readlink -f "$0")")
        SRC_DIR=$(arg src)
        BUILD_DIR=$(arg build)
        [ -n "$SRC_DIR" ] || SRC_DIR=$(cd "$here/../.." && pwd)
        export SRC_DIR BUILD_DIR
        export VM_RESULTS=$R/results
        VM_ARGS=$(arg args)
        export VM_ARGS=${VM_ARGS//,/ }
        # Guest uptime by which qemu will be killed (near enough: qemu's own
        # start is a fraction of a second), so scripts can stop in time.
        VM_DEADLINE=$(arg deadline)
        export VM_DEADLINE=${VM_DEADLINE:-240}
        [ -f "$R/image.tar" ] && export VM_IMAGE_TAR=$R/image.tar
        # run-vm.sh -I: boot_systemd installed the build.
        [ -f "$R/install.tar" ] && export VM_INSTALLED=1
        # The build tree's programs run its sandbox-init (no build path is
        # compiled in: src/launch/init-exe.c); installed ones their own.
        if [ -z "${VM_INSTALLED:-}" ] && [ -x "$BUILD_DIR/src/launch/sandbox-init" ]; then
                export SANDBOXD_INIT_PATH=$BUILD_DIR/src/launch/sandbox-init
        fi
        : >"$VM_RESULTS"
        # The boot is quiet (loglevel=4), but the hung-task detector's stacks
        # (run-vm.sh sets it to 20 s) are KERN_INFO: let them reach the console.
        echo 7 >/proc/sys/kernel/printk

        list=$(arg scripts)
        if [ -n "$list" ]; then
                IFS=, read -r -a scripts <<<"$list"
        else
                scripts=("$here"/test-*.sh)
        fi

        cd /tmp || return 1
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
}

mount_results() {  # where
        mkdir -p "$1"
        if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "$1"; then
                say "cannot mount the results share; nothing can be reported"
                return 1
        fi
}

# systemd as PID 1 from ROOT, under an overlay; this process becomes it.
boot_systemd() {
        local root=$1 n=/mnt d unit

        if [ ! -x "$root/lib/systemd/systemd" ]; then
                say "no systemd in $root"
                return 1
        fi
        mount -t tmpfs -o mode=0755 tmpfs /tmp || return 1
        mkdir -p /tmp/upper /tmp/work
        mount -t overlay overlay -o "lowerdir=$root,upperdir=/tmp/upper,workdir=/tmp/work" $n || return 1
        for d in $(arg src) $(arg build); do
                [ -d "$n$d" ] && mountpoint -q "$n$d" && continue
                mkdir -p "$n$d" && mount --bind "$d" "$n$d" || return 1
        done
        R=$n/vm-results
        mount_results $R || return 1
        echo "$boot" >"$R/boot-seconds"
        # run-vm.sh -I: the build, installed before systemd and dbus-daemon
        # read their configuration. tar, not cp: /lib and friends are
        # symlinks into /usr there, and existing directories keep their mode.
        if [ -f $R/install.tar ]; then
                tar -C $n -xf $R/install.tar --keep-directory-symlink --no-overwrite-dir --no-same-owner || {
                        say "cannot unpack the build's install.tar into $root"
                        return 1
                }
                say "installed the build into the root ($(tar -tf $R/install.tar | grep -cv '/$') files)"
        fi

        unit=$n/etc/systemd/system/vm-tests.service
        cat >"$unit" <<EOF
[Unit]
Description=sandboxd vm lane: the guest scripts
After=multi-user.target

[Service]
# simple, not oneshot: the boot must be able to finish while it runs, for
# systemctl is-system-running --wait in the scripts.
Type=simple
ExecStart=/bin/bash $(readlink -f "$0") --run
StandardOutput=journal+console
StandardError=journal+console
EOF
        mkdir -p $n/etc/systemd/system/multi-user.target.wants
        ln -sf ../vm-tests.service $n/etc/systemd/system/multi-user.target.wants/vm-tests.service
        echo sandboxd-vm >$n/etc/hostname
        # No udev in this root: /dev/ttyS0.device never appears, and the
        # serial getty would hold the boot for its 90 s device timeout.
        ln -sf /dev/null $n/etc/systemd/system/serial-getty@ttyS0.service
        umount /sys /dev/pts /dev/shm 2>/dev/null
        say "switching to systemd in $root"
        exec switch_root $n /lib/systemd/systemd
}

if [ "${1:-}" = --run ]; then
        # Under systemd (vm-tests.service), not PID 1.
        R=/vm-results
        run_scripts
        power_off
fi

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

sd_root=$(arg systemd)
if [ -n "$sd_root" ]; then
        boot_systemd "$sd_root"
        say "cannot boot systemd from $sd_root"
        exit 1
fi

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
mount_results "$R" || exit 1
echo "$boot" >"$R/boot-seconds"
say "mounted (init started at $boot s)"

hostname sandboxd-vm
ip link set lo up 2>/dev/null

run_scripts
exit 0
