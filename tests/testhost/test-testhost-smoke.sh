#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The testhost itself works: a real systemd boots in namespaces, scopes get
# real limits, the journal records, StartTransientUnit delegates a scope, the
# project installs and runs inside, and teardown leaves nothing on the host.
#
#   tests/testhost/test-testhost-smoke.sh [BUILD_DIR]
#
# With BUILD_DIR (meson passes its build root) the build is installed inside.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=testhost.sh
source "$HERE/testhost.sh"

BUILD=${1:-}
export TESTHOST_ID=smoke-$$

testhost_test_require

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f s", b - a }'; }
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

t0=$(now)
testhost_prepare
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "prepare"
t1=$(now)
ok "prepare ($(elapsed "$t0" "$t1"))"

testhost_boot >/dev/null || fail "boot"
t2=$(now)
testhost_alive || fail "systemd died after booting"
ok "boot ($(elapsed "$t1" "$t2"), systemd PID $TESTHOST_PID on the host)"

state=$(testhost_run systemctl is-system-running)
case $state in
running|degraded) ok "systemctl is-system-running: $state" ;;
*) fail "systemctl is-system-running: $state" ;;
esac
[ "$(testhost_run cat /proc/1/comm)" = systemd ] || fail "PID 1 inside is not systemd"
ok "PID 1 inside is systemd"

testhost_run systemd-run --quiet --scope -p MemoryMax=20M /bin/true || fail "systemd-run --scope /bin/true"
ok "systemd-run --scope -p MemoryMax=20M /bin/true"

# Read from inside the scope: its own cgroup's limit (v1 memory controller on
# a hybrid host, memory.max on a cgroup v2 one).
# shellcheck disable=SC2016
limit=$(testhost_run systemd-run --quiet --scope -p MemoryMax=20M sh -c '
        cg=$(awk -F: "\$2 == \"memory\" { print \$3 }" /proc/self/cgroup)
        if [ -n "$cg" ]; then
                cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes
        else
                cg=$(awk -F: "\$1 == \"0\" { print \$3 }" /proc/self/cgroup)
                cat /sys/fs/cgroup$cg/memory.max
        fi')
[ "$limit" = 20971520 ] || fail "scope memory limit is '$limit', expected 20971520"
ok "the scope's cgroup has the limit: $limit"

# dd's 50M buffer does not fit in 20M: the kernel must kill it.
if testhost_run systemd-run --quiet --scope -p MemoryMax=20M \
                dd if=/dev/zero of=/dev/null bs=50M count=1 2>/dev/null; then
        fail "a 50M allocation succeeded in a MemoryMax=20M scope"
fi
testhost_run systemd-run --quiet --scope -p MemoryMax=100M \
        dd if=/dev/zero of=/dev/null bs=50M count=1 2>/dev/null || fail "a 50M allocation failed under MemoryMax=100M"
ok "MemoryMax is enforced (50M killed under 20M, fine under 100M)"

token=smoke-$$-$RANDOM
testhost_run sh -c "echo $token | systemd-cat -t sandboxd-smoke" || fail "systemd-cat"
found=
for _ in $(seq 50); do
        if testhost_run journalctl -t sandboxd-smoke -o cat --no-pager | grep -qx "$token"; then
                found=1
                break
        fi
        sleep 0.1
done
[ -n "$found" ] || fail "journalctl -t sandboxd-smoke does not show $token"
ok "journalctl -t sandboxd-smoke shows the message"

out=$(testhost_probe_scope) || fail "StartTransientUnit of a delegated scope: $out"
{ grep -qx Delegate=yes <<<"$out" && grep -qx memory.limit_in_bytes=33554432 <<<"$out"; } ||
        fail "StartTransientUnit scope lacks Delegate=yes or its limit: $out"
ok "StartTransientUnit sandbox-test.scope (Delegate=yes, sandbox.slice, PID, MemoryMax) over the system bus"

if [ -n "$BUILD" ] && [ -f "$BUILD/build.ninja" ]; then
        TESTHOST_INSTALL_FLAGS=--no-rebuild testhost_install "$BUILD" || fail "install $BUILD"
        testhost_run sandboxctl --version || fail "sandboxctl does not run inside"
        testhost_run test -f /usr/lib/sandboxd/units/web.unit || fail "web.unit not installed in /usr/lib/sandboxd/units"
        ok "installed $BUILD; sandboxctl runs inside"
        if [ -x "$TESTHOST_CHECKOUT/tools/mkimage-busybox.sh" ]; then
                testhost_run /srv/checkout/tools/mkimage-busybox.sh /var/lib/sandboxd/images/busybox >/dev/null ||
                        fail "tools/mkimage-busybox.sh inside"
                testhost_run sandboxctl check /usr/lib/sandboxd/units/web.unit || fail "sandboxctl check web.unit inside"
                ok "sandboxctl check /usr/lib/sandboxd/units/web.unit"
        else
                echo "skipped: sandboxctl check web.unit (tools/mkimage-busybox.sh absent: no image inside)"
        fi
else
        echo "skipped: install (no meson build dir given)"
fi
t3=$(now)

testhost_teardown || fail "teardown"
torn_down=1
left=$(testhost_leftovers)
[ -z "$left" ] || fail "left behind on the host: $left"
# The host's view: no process of the testhost, no cgroup, no mount.
! find /sys/fs/cgroup -maxdepth 6 -type d -name "testhost-$TESTHOST_ID" 2>/dev/null | grep -q . ||
        fail "cgroup testhost-$TESTHOST_ID left"
! grep -q "sandboxd-testhost/$TESTHOST_ID" /proc/self/mountinfo || fail "mounts left"
! kill -0 "$TESTHOST_PID" 2>/dev/null || fail "systemd ($TESTHOST_PID) still running"
t4=$(now)
ok "teardown left nothing behind ($(elapsed "$t3" "$t4"))"
echo "timings: prepare $(elapsed "$t0" "$t1"), boot $(elapsed "$t1" "$t2")," \
        "checks $(elapsed "$t2" "$t3"), teardown $(elapsed "$t3" "$t4"), total $(elapsed "$t0" "$t4")"
