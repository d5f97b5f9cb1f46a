#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libsystemd is dlopen()ed on first use (src/basic/dlopen-systemd.h), so
# that starting sandboxctl does not load it and the libraries it brings:
#  - neither sandboxctl nor sandboxd has libsystemd in its NEEDED entries;
#  - with a libsystemd.so.0 that has no sd_* function first in the library
#    path, the verbs that do not talk to systemd work (--version, policy,
#    check, plan: they never load it), and one that does (status, over
#    D-Bus) fails with one message naming the library and the missing
#    function and exit status 1, as sandboxd does at its start.
#
#   test-dlopen-systemd.sh SOURCE_ROOT SANDBOXCTL SANDBOXD FAKE_LIBSYSTEMD
set -u

usage='usage: test-dlopen-systemd.sh SOURCE_ROOT SANDBOXCTL SANDBOXD FAKE_LIBSYSTEMD'
src=${1:?$usage}
ctl=${2:?$usage}
daemon=${3:?$usage}
fake=${4:?$usage}
failures=0

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

if ! command -v readelf >/dev/null; then
        echo "SKIP: readelf (binutils) is not installed"
        exit 77
fi

for b in "$ctl" "$daemon"; do
        needed=$(readelf -d "$b") || { fail "readelf -d $b failed"; continue; }
        grep -q 'NEEDED.*\[libsystemd' <<<"$needed" && fail "$(basename "$b") links libsystemd:"$'\n'"$needed"
done

tmp=$(mktemp -d /tmp/sandboxd-test-dlopen-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
umask 022
mkdir -p "$tmp/lib" "$tmp/image/bin" "$tmp/image/etc" "$tmp/units"
# The soname the loader asks for; the build names the file otherwise.
cp "$fake" "$tmp/lib/libsystemd.so.0"
printf '#!/bin/sh\n' >"$tmp/image/bin/true"
chmod 755 "$tmp/image/bin/true"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tmp/image/etc/passwd"
printf 'root:x:0:\n' >"$tmp/image/etc/group"
printf '[Sandbox]\nImage=%s\nNetwork=none\n\n[Security]\nPolicy=default\n\n[Service]\nExecStart=/bin/true\n' \
       "$tmp/image" >"$tmp/units/t.unit"

broken() {
        env LD_LIBRARY_PATH="$tmp/lib" SANDBOXD_POLICY_PATH="$src/policies" SANDBOXD_UNIT_PATH="$tmp/units" "$@"
}

for verb in "--version" "policy groups" "policy show default" "check $tmp/units/t.unit" "plan $tmp/units/t.unit"; do
        # shellcheck disable=SC2086 # the verb is words
        out=$(broken "$ctl" $verb 2>&1) || fail "sandboxctl $verb failed with a broken libsystemd, so it loaded it:"$'\n'"$out"
done

expect_broken() {  # name command...
        local name=$1 out rc
        shift
        out=$(broken "$@" 2>&1)
        rc=$?
        [ "$rc" -eq 1 ] || fail "$name with a broken libsystemd: exit status $rc, not 1"
        grep -qxE "$(basename "$1"): libsystemd\.so\.0 \(Debian package libsystemd0\) lacks sd_[a-z0-9_]+\." <<<"$out" ||
                fail "$name with a broken libsystemd does not name the missing function:"$'\n'"$out"
}
expect_broken "sandboxctl status" "$ctl" status t
expect_broken "sandboxd" "$daemon"

if [ "$failures" -gt 0 ]; then
        echo "$failures failure(s)"
        exit 1
fi
echo "ok: sandboxctl and sandboxd do not link libsystemd, and load it only when they talk to systemd"
