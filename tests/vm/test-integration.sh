#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest side: the integration suite's shell tests (tests/integration/test-*.sh,
# the "sandboxctl run" isolation checks) again, on the unified cgroup v2
# layout, where the launcher's CLONE_INTO_CGROUP target carries the limits
# itself. Each script is one result line here; its own "ok - ..." lines are
# in the log. A script that is missing fails.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib-guest.sh
source "$HERE/lib-guest.sh"
vm_require_guest

SRC_DIR=${SRC_DIR:-$(cd "$HERE/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
export SANDBOXCTL=$BUILD_DIR/src/ctl/sandboxctl
export SANDBOX_PROBE=$BUILD_DIR/tests/integration/sandbox-probe
export SANDBOXD_SOURCE_DIR=$SRC_DIR
# test-lifecycle runs a unit with a libsystemd.so.0 that has no functions.
export FAKE_LIBSYSTEMD=$BUILD_DIR/tests/unit/libfake-libsystemd.so

# lib.sh builds each test's image with tools/mkimage-busybox.sh: one fork per
# applet link, about two minutes under TCG, per script. The checkout it is
# given is therefore a view of the real one (symlinks, in /tmp) whose
# mkimage-busybox.sh unpacks the image run-vm.sh built on the host instead.
if [ -n "${VM_IMAGE_TAR:-}" ]; then
        view=/tmp/vm-checkout
        mkdir -p "$view"
        ln -s "$SRC_DIR"/* "$view"/
        rm "$view/tools"
        mkdir "$view/tools"
        ln -s "$SRC_DIR"/tools/* "$view/tools"/
        rm "$view/tools/mkimage-busybox.sh"
        cat >"$view/tools/mkimage-busybox.sh" <<'SHIM'
#!/bin/bash
# vm lane: unpack the prebuilt image ($VM_IMAGE_TAR) instead of building one.
while [ $# -gt 0 ]; do
        case $1 in
        --probe) shift 2 ;;
        -*) shift ;;
        *) break ;;
        esac
done
dest=${1:-/var/lib/sandboxd/images/busybox}
mkdir -p "$dest" && tar -C "$dest" -xf "$VM_IMAGE_TAR" && echo "$dest"
SHIM
        chmod 755 "$view/tools/mkimage-busybox.sh"
        SANDBOXD_SOURCE_DIR=$view
fi
# Under TCG a run takes several times longer than on the host.
export SBX_TIMEOUT=120

# Which scripts: under TCG the whole suite takes about 250 s on a quiet
# machine (measured: resources 53 s, lifecycle 41 s, escape 41 s, image
# 39 s, bad-input 33 s, identity 16 s, web 9 s, filesystem 6 s; twice that
# when the host is busy), too much for the lane's five minutes with the
# other boots, so by default only those whose subject the cgroup layout
# changes: the limits (resources), the cgroup namespace and what the service
# sees of its cgroup (identity), and stopping, killing and cleaning up
# through the cgroup (lifecycle). Parsing errors, images, mounts, networking
# and the escape probes (bad-input, image, filesystem, web, escape) do not
# depend on it, or not enough to pay 40 s for. VM_ARGS (run-vm.sh's
# SANDBOXD_VM_ARGS) overrides: script names, `all`, `timeout=SECONDS` per
# script; e.g. the whole suite:
#   SANDBOXD_VM_TIMEOUT=900 SANDBOXD_VM_ARGS="all timeout=300" \
#       tests/vm/run-vm.sh -B build tests/vm/test-integration.sh
VM_DEFAULT=(test-resources test-identity test-lifecycle)
want=() per_script=150
for a in ${VM_ARGS:-}; do
        case $a in
        timeout=*) per_script=${a#timeout=} ;;
        *) want+=("${a%.sh}") ;;
        esac
done
[ ${#want[@]} -eq 0 ] && want=("${VM_DEFAULT[@]}")

scripts=()
if [ "${want[*]}" = all ]; then
        scripts=("$SRC_DIR"/tests/integration/test-*.sh)
        [ -e "${scripts[0]}" ] || scripts=()
else
        for n in "${want[@]}"; do
                if [ -f "$SRC_DIR/tests/integration/$n.sh" ]; then
                        scripts+=("$SRC_DIR/tests/integration/$n.sh")
                else
                        vm_fail "integration: $n" "no tests/integration/$n.sh"
                fi
        done
fi
[ ${#scripts[@]} -gt 0 ] || vm_finish

for s in "${scripts[@]}"; do
        name=$(basename "$s" .sh)
        # One script may not eat the whole boot's time: it is stopped before
        # run-vm.sh's deadline, so that the results still come back.
        left=$(vm_time_left)
        limit=$(( left < per_script ? left : per_script ))
        if [ "$limit" -lt 20 ]; then
                vm_fail "integration: $name" "not started: ${left} s left of this boot (SANDBOXD_VM_TIMEOUT)"
                continue
        fi
        t0=$(cut -d' ' -f1 /proc/uptime)
        # Its log goes straight to the results share: a guest that hangs
        # still leaves it behind (run-vm.sh prints it).
        log=$(dirname "$VM_RESULTS")/$name.log
        timeout -k 5 "$limit" bash "$s" >"$log" 2>&1 </dev/null
        rc=$?
        [ $rc = 124 ] && echo "(killed after $limit s)" >>"$log"
        t1=$(cut -d' ' -f1 /proc/uptime)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
        echo "# --- $name: exit $rc, ${secs} s (its output: $name.log)"
        case $rc in
        0) vm_ok "integration: $name (${secs} s)" ;;
        77) vm_skip "integration: $name" "$(grep -m1 '^SKIP' "$log" | sed 's/^SKIP: *//')" ;;
        *) vm_fail "integration: $name" "exit $rc (${secs} s): $(grep -m3 '^FAIL' "$log" | tr '\n' ' ')" ;;
        esac
done

vm_finish
