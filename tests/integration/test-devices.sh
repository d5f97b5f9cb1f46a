#!/bin/bash
# Devices: a sandbox reaches the minimal set (null zero full random urandom
# tty, ptmx and its own ptys) and what its unit's DeviceAllow= adds within
# its policy's AllowDevices=, and nothing else, even as root with
# CAP_MKNOD. Two fences, each tested alone, from inside:
#  - no mount the sandbox can write holds usable nodes: /dev is read-only
#    once set up, every tmpfs, the writable root and writable binds are
#    nodev;
#  - the cgroup device controller refuses every other device, wherever its
#    node comes from (a node bound in from the host).
# On this project's hybrid hosts the cgroupfs driver uses the v1 devices
# controller; the vm lane checks the cgroup v2 BPF program.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

if [ -d /sys/fs/cgroup/unified ] || [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
        grep -qw devices /proc/cgroups || skip "no devices cgroup controller on this kernel"
fi

# A policy that grants CAP_MKNOD (the worst case for nodes), and one that
# also lets units have /dev/fuse.
POLDIR=$TESTDIR/policies
mkdir -p "$POLDIR"
# The layers below the user namespace are what this test is about (nodev
# mounts, the device controller): its units run without one, under a
# policy that allows that, and binds under this test's directory.
sed -e 's/^Allow=$/Allow=CAP_MKNOD/' -e 's/^RequireNamespaces=.*/RequireNamespaces=mount pid/' \
        "$SRC_DIR/policies/default.policy" >"$POLDIR/mknod.policy"
echo "AllowBindPaths=$TESTDIR" >>"$POLDIR/mknod.policy"
grep -q '^Allow=CAP_MKNOD' "$POLDIR/mknod.policy" || die "could not write the CAP_MKNOD test policy"
{ cat "$POLDIR/mknod.policy"; printf 'AllowDevices=/dev/fuse rw\nAllowBindPaths=/dev/fuse\n'; } >"$POLDIR/fuse.policy"
export SANDBOXD_POLICY_PATH=$POLDIR:$SANDBOXD_POLICY_PATH
POLICY=mknod

dev_unit() {  # name ExecStart-args [Sandbox]/[Resources] lines...
        local name=$1 args=$2
        shift 2
        write_unit "$name" <<EOF
[Sandbox]
Image=@IMAGE@
Namespaces=pid mount uts ipc net cgroup
ReadOnly=no
TemporaryFileSystem=/tmp
Environment=SBXTEST_ID=@ID@
$(printf '%s\n' "$@")

[Security]
Policy=$POLICY
Capabilities=CAP_MKNOD

[Service]
ExecStart=/usr/bin/sandbox-probe $args
EOF
}

probe_dev() {  # what name args [lines...]: run, and show the output on failure
        local what=$1
        shift
        dev_unit "$@"
        sbx_run "$1"
        if [ "$RC" != 0 ]; then
                fail "$what: sandboxctl run exited $RC: $(head -c 400 "$ERR" | tr '\n' ' ')"
                return 1
        fi
}

leftovers_snapshot "$TESTDIR/before"

# ---- the minimal set works ----

for d in null:rw zero:r full:w random:r urandom:r ptmx:rw; do
        probe_dev "/dev/${d%%:*}" "min-${d%%:*}" "device /dev/${d%%:*} ${d#*:}" || continue
        expect_line "$OUT" open=ok "/dev/${d%%:*} opens (${d#*:})"
done

# ---- /dev cannot gain a node ----

probe_dev "mknod in /dev" devro "device /dev/x w c 1 3" &&
        expect_line "$OUT" mknod=EROFS "mknod /dev/x c 1 3 with CAP_MKNOD: EROFS, /dev is read-only"

# ---- nodev: a node the controller allows, made where the sandbox writes ----

probe_dev "mknod in /tmp" tmpnull "device /tmp/null2 w c 1 3" &&
        expect_line "$OUT" mknod=ok "mknod /tmp/null2 c 1 3 (an allowed device) succeeds" &&
        expect_line "$OUT" open=EACCES "... and does not open: TemporaryFileSystem= is nodev"
probe_dev "mknod in the writable root" rootnull "device /var/null2 w c 1 3" &&
        expect_line "$OUT" mknod=ok "mknod /var/null2 in the writable root succeeds" &&
        expect_line "$OUT" open=EACCES "... and does not open: the overlay root is nodev"
probe_dev "mknod in /dev/shm" shmnull "device /dev/shm/null2 w c 1 3" &&
        expect_line "$OUT" open=EACCES "a node made in /dev/shm does not open: nodev"

# A node made on the host in a directory bound read-write.
mkdir -p "$TESTDIR/devdir"
mknod "$TESTDIR/devdir/null" c 1 3
probe_dev "writable bind" bindnull "device /srv/null w" "BindPaths=$TESTDIR/devdir:/srv" &&
        expect_line "$OUT" open=EACCES "a device node in a writable BindPaths= directory does not open: nodev"

# ---- the device controller: /dev/kmsg (1:11) by every way in ----

probe_dev "mknod kmsg" tmpkmsg "device /tmp/kmsg w c 1 11" &&
        expect_line "$OUT" mknod=EPERM "mknod /tmp/kmsg c 1 11 with CAP_MKNOD: EPERM from the device controller"
# The node itself bound in (a bind of a single node is not nodev): only
# the controller stands between the service and the host's kernel log.
mknod "$TESTDIR/kmsg" c 1 11
probe_dev "bound kmsg" bindkmsg "device /dev/kmsg w" "BindPaths=$TESTDIR/kmsg:/dev/kmsg" &&
        expect_line "$OUT" open=EPERM "the host's 1:11 node bound in does not open for writing: EPERM from the device controller"
# Reading: 10:237 (loop-control) opens for any root on the host; its
# ioctls would need CAP_SYS_ADMIN, its open nothing.
if [ -c /dev/loop-control ]; then
        mknod "$TESTDIR/loopctl" c 10 237
        probe_dev "bound loop-control" bindloop "device /dev/loop-control r" "BindPaths=$TESTDIR/loopctl:/dev/loop-control" &&
                expect_line "$OUT" open=EPERM "the host's 10:237 node bound in does not open for reading: EPERM from the device controller"
fi

# ---- DeviceAllow= ----

if [ -c /dev/fuse ]; then
        POLICY=fuse
        probe_dev "fuse without DeviceAllow" nofuse "device /dev/fuse rw" "BindPaths=/dev/fuse" &&
                expect_line "$OUT" open=EPERM "/dev/fuse bound in without DeviceAllow=: EPERM"
        probe_dev "fuse with DeviceAllow" fuse "device /dev/fuse rw" "BindPaths=/dev/fuse" \
                "[Resources]" "DeviceAllow=/dev/fuse rw" &&
                expect_line "$OUT" open=ok "/dev/fuse bound in with DeviceAllow=/dev/fuse rw: opens"
        probe_dev "fuse, read-only allowed" fuser "device /dev/fuse rw" "BindPaths=/dev/fuse" \
                "[Resources]" "DeviceAllow=/dev/fuse r" &&
                expect_line "$OUT" open=EPERM "DeviceAllow=/dev/fuse r: opening it read-write is EPERM"
        POLICY=mknod
else
        itest_log "# /dev/fuse does not exist here: DeviceAllow= is checked at compile time only"
fi

# ---- the ceiling: a compile error naming both files, nothing started ----

dev_unit kmsgask "device /dev/kmsg r" "[Resources]" "DeviceAllow=/dev/kmsg r"
sbx_run kmsgask
expect_rc 1 "DeviceAllow=/dev/kmsg under a policy without it: refused"
expect_match "$ERR" "kmsgask.unit:[0-9]+: DeviceAllow: /dev/kmsg \(char 1:11\) r is not allowed by policy mknod \(.*mknod.policy: \[Sandbox\] AllowDevices=\)" \
        "the error names the unit's line and the policy file"
expect_no_match "$OUT" "open=" "nothing ran"
dev_unit badsyntax "device /dev/null r" "[Resources]" "DeviceAllow=/dev/null rwx"
sbx_run badsyntax
expect_rc 1 "DeviceAllow=/dev/null rwx: refused"
expect_match "$ERR" "badsyntax.unit:[0-9]+: DeviceAllow: Invalid device" "a bad access letter is a FILE:LINE: Key: error"
dev_unit tmpdev "device /dev/null r" "TemporaryFileSystem=/mnt:dev"
sbx_run tmpdev
expect_rc 1 "TemporaryFileSystem=/mnt:dev: refused"
expect_match "$ERR" "tmpdev.unit:[0-9]+: TemporaryFileSystem: Invalid tmpfs options \"dev\"" "the dev option is a FILE:LINE: Key: error"

leftovers_check "$TESTDIR/before" "the device runs"
itest_finish
