#!/bin/bash
# Bad input fails early, with one clear message that names the problem, a
# non-zero exit status, and nothing left behind: a missing image, an
# ExecStart= binary missing from the image or not executable, an unknown
# user or group, a missing working directory or bind source, a unit asking
# more than its policy allows, a missing unit or policy.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

# bad NAME NEEDLE WHAT: write_unit NAME first; runs it and expects a
# non-zero status, NEEDLE (fixed string) in stderr, nothing on stdout from
# the service, and no leftovers.
bad() {
        local name=$1 needle=$2 what=$3
        leftovers_snapshot "$TESTDIR/before"
        sbx_run "$name"
        if [ "$RC" != 0 ] && [ "$RC" != 137 ]; then
                ok "$what: fails (exit $RC)"
        else
                fail "$what: exit status $RC, expected a failure"
        fi
        if grep -qF -- "$needle" "$ERR"; then
                ok "$what: the error names '$needle': $(grep -F -- "$needle" "$ERR" | head -1)"
        else
                fail "$what: stderr does not name '$needle': $(head -c 400 "$ERR" | tr '\n' ' ')"
        fi
        if [ "$(grep -c . "$ERR")" -le 5 ]; then
                ok "$what: a short message ($(grep -c . "$ERR") lines)"
        else
                fail "$what: $(grep -c . "$ERR") lines of stderr for one problem"
        fi
        expect_no_match "$OUT" 'SHOULD-NOT-RUN' "$what: the service did not run"
        leftovers_check "$TESTDIR/before" "$what"
}

unit_with() {  # name, then [Sandbox] lines, [Service] lines, [Security] lines
        write_unit "$1" <<EOF
[Sandbox]
Environment=SBXTEST_ID=@ID@
$2

[Security]
${4:-}

[Service]
$3
EOF
}

unit_with noimage "Image=$TESTDIR/no-such-image" "ExecStart=/bin/echo SHOULD-NOT-RUN"
bad noimage "$TESTDIR/no-such-image" "missing image"

unit_with nobinary "Image=$IMAGE" "ExecStart=/usr/bin/no-such-binary --flag"
bad nobinary "/usr/bin/no-such-binary" "ExecStart= binary missing in the image"
if [ "$RC" = 127 ]; then ok "missing binary: exit 127 (not found)"; else fail "missing binary: exit $RC, expected 127"; fi

unit_with noexec "Image=$IMAGE" "ExecStart=/etc/passwd"
bad noexec "/etc/passwd" "ExecStart= not executable"
if [ "$RC" = 126 ]; then ok "not executable: exit 126 (cannot execute)"; else fail "not executable: exit $RC, expected 126"; fi

unit_with hostbinary "Image=$IMAGE" "ExecStart=$SANDBOXCTL --version"
bad hostbinary "$SANDBOXCTL" "ExecStart= naming a host binary absent from the image"

unit_with nouser "Image=$IMAGE" "User=no-such-user
ExecStart=/bin/echo SHOULD-NOT-RUN"
bad nouser "no-such-user" "unknown User="

unit_with nogroup "Image=$IMAGE" "User=www
Group=no-such-group
ExecStart=/bin/echo SHOULD-NOT-RUN"
bad nogroup "no-such-group" "unknown Group="

unit_with nosupp "Image=$IMAGE" "SupplementaryGroups=users no-such-supp
ExecStart=/bin/echo SHOULD-NOT-RUN"
bad nosupp "no-such-supp" "unknown SupplementaryGroups="

unit_with nocwd "Image=$IMAGE
WorkingDirectory=/no/such/dir" "ExecStart=/bin/echo SHOULD-NOT-RUN"
bad nocwd "/no/such/dir" "missing WorkingDirectory="

unit_with nobind "Image=$IMAGE
BindReadOnlyPaths=$TESTDIR/no-such-source:/srv" "ExecStart=/bin/echo SHOULD-NOT-RUN"
bad nobind "$TESTDIR/no-such-source" "missing bind source"

unit_with capcap "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN" "Capabilities=CAP_SYS_ADMIN"
bad capcap "CAP_SYS_ADMIN" "capability beyond the default policy"

unit_with nopolicy "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN" "Policy=no-such-policy"
bad nopolicy "no-such-policy" "unknown Policy="

unit_with typo "Image=$IMAGE
ReadOnlyy=yes" "ExecStart=/bin/echo SHOULD-NOT-RUN"
bad typo "typo.unit:4" "unknown key, reported as FILE:LINE"

unit_with noexecstart "Image=$IMAGE" ""
bad noexecstart "ExecStart" "no ExecStart="

leftovers_snapshot "$TESTDIR/before"
sbx_run "$TESTDIR/no-such.unit"
check "missing unit file: fails" test "$RC" != 0
expect_match "$ERR" "no-such" "missing unit file: named in the error"
sbx_run @no-such-unit-name
check "unknown unit name: fails" test "$RC" != 0
expect_match "$ERR" "no-such-unit-name" "unknown unit name: named in the error"
leftovers_check "$TESTDIR/before" "missing units"

itest_finish
