#!/bin/bash
# Bad input fails early, with one clear message that names the problem, a
# non-zero exit status, and nothing left behind: a missing image, an
# ExecStart= binary missing from the image or not executable, an unknown
# user or group, a missing working directory or bind source, a unit asking
# more than its policy allows (capabilities, address families), an unknown
# address family, a missing unit or policy.
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

# The compiler looks in the image: FILE:LINE: Key:, before anything starts.
unit_with nobinary "Image=$IMAGE" "ExecStart=/usr/bin/no-such-binary --flag"
bad nobinary "ExecStart: ExecStart= binary /usr/bin/no-such-binary is not in the image" "ExecStart= binary missing in the image"
if [ "$RC" = 1 ]; then ok "missing binary: exit 1 (does not compile)"; else fail "missing binary: exit $RC, expected 1"; fi

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

unit_with afcap "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN" "RestrictAddressFamilies=AF_UNIX AF_PACKET"
bad afcap "afcap.unit:6: RestrictAddressFamilies: AF_PACKET not allowed by policy default" "address family beyond the default policy"
expect_match "$ERR" 'default\.policy: \[Seccomp\] AllowAddressFamilies=' "address family beyond the policy: the error names the policy file and key"

unit_with aftypo "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN" "RestrictAddressFamilies=AF_UNIX AF_INTE"
bad aftypo 'aftypo.unit:6: RestrictAddressFamilies: Unknown address family "AF_INTE"; did you mean "AF_INET"?' "unknown address family"

unit_with nopolicy "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN" "Policy=no-such-policy"
bad nopolicy "no-such-policy" "unknown Policy="

unit_with typo "Image=$IMAGE
ReadOnlyy=yes" "ExecStart=/bin/echo SHOULD-NOT-RUN"
bad typo "typo.unit:4" "unknown key, reported as FILE:LINE"

unit_with noexecstart "Image=$IMAGE" ""
bad noexecstart "ExecStart" "no ExecStart="

# One rule for unit names (sandbox.unit(5)), the same in sandboxd: up to
# 128 characters.
long=$ID-$(printf 'l%.0s' $(seq $((128 - ${#ID} - 1))))
unit_with "$long" "Image=$IMAGE" "ExecStart=/bin/echo long name ran"
leftovers_snapshot "$TESTDIR/before"
sbx_run "$long"
check "a ${#long}-character unit name runs" test "$RC" = 0
expect_match "$OUT" "long name ran" "a ${#long}-character unit name: the service ran"
leftovers_check "$TESTDIR/before" "a ${#long}-character unit name"
unit_with "${long}x" "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN"
bad "${long}x" "1 to 128 characters" "a 129-character unit name"
unit_with "colon:name" "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN"
bad "colon:name" "Invalid unit name" "a unit name with ':'"

leftovers_snapshot "$TESTDIR/before"
sbx_run "$TESTDIR/no-such.unit"
check "missing unit file: fails" test "$RC" != 0
expect_match "$ERR" "no-such" "missing unit file: named in the error"
sbx_run @no-such-unit-name
check "unknown unit name: fails" test "$RC" != 0
expect_match "$ERR" "no-such-unit-name" "unknown unit name: named in the error"
leftovers_check "$TESTDIR/before" "missing units"

# A FIFO where a file is expected (the unit, a drop-in, the image): refused
# at once with a message, never an open() that waits for a writer.
# fifo_refused WHAT NEEDLE VERB ARGS...: within 10 s, non-zero, NEEDLE in stderr.
fifo_refused() {
        local what=$1 needle=$2 t0=$SECONDS
        shift 2
        RC=0
        timeout -s KILL 10 "$SANDBOXCTL" "$@" </dev/null >"$TESTDIR/fifo.out" 2>"$TESTDIR/fifo.err" || RC=$?
        if [ "$RC" != 0 ] && [ "$RC" != 137 ]; then
                ok "$what: refused (exit $RC) in $((SECONDS - t0)) s"
        else
                fail "$what: exit $RC (137: it hung and was killed after 10 s)"
        fi
        expect_match "$TESTDIR/fifo.err" "$needle" "$what: the error says '$needle'"
}
leftovers_snapshot "$TESTDIR/before"
mkfifo "$TESTDIR/fifo.unit"
fifo_refused "sandboxctl run of a FIFO unit" "fifo\.unit: Not a regular file" run "$TESTDIR/fifo.unit"
fifo_refused "sandboxctl check of a FIFO unit" "fifo\.unit: Not a regular file" check "$TESTDIR/fifo.unit"
unit_with fifodropin "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN"
mkdir "$UNITDIR/fifodropin.unit.d"
mkfifo "$UNITDIR/fifodropin.unit.d/10-fifo.conf"
fifo_refused "sandboxctl run with a FIFO drop-in" "10-fifo\.conf: Not a regular file" run "$UNITDIR/fifodropin.unit"
mkfifo "$TESTDIR/fifo-image.tar"
unit_with fifoimage "Image=$TESTDIR/fifo-image.tar" "ExecStart=/bin/echo SHOULD-NOT-RUN"
fifo_refused "sandboxctl run of a unit whose image tarball is a FIFO" "fifo-image\.tar is neither" run "$UNITDIR/fifoimage.unit"
leftovers_check "$TESTDIR/before" "FIFOs"

# `sandboxctl run` from inside a chroot: refused (src/launch/root-check.c),
# as sandboxd is. The sandbox's mount namespace would be a copy of ours,
# with the host's tree above its root. Each case runs in a private mount
# namespace, so that nothing of it outlives the command.
# chroot_run WHAT NEEDLE SCRIPT ARGS...: sh -c SCRIPT in unshare -m; the
# script ends in `exec chroot ...`.
chroot_run() {
        local what=$1 needle=$2 script=$3
        shift 3
        RC=0
        timeout -s KILL 60 unshare -m --propagation private sh -c "$script" sh "$@" \
                </dev/null >"$TESTDIR/chroot.out" 2>"$TESTDIR/chroot.err" || RC=$?
        if [ "$RC" = 125 ]; then ok "$what: refused, exit 125"; else
                fail "$what: exit $RC, expected 125: $(head -c 400 "$TESTDIR/chroot.err" | tr '\n' ' ')"
        fi
        if grep -qE -- "Refusing to run a sandbox from a chroot: .*$needle" "$TESTDIR/chroot.err"; then
                ok "$what: $(head -n1 "$TESTDIR/chroot.err" | cut -c1-140)..."
        else
                fail "$what: stderr does not say why: $(head -c 400 "$TESTDIR/chroot.err" | tr '\n' ' ')"
        fi
        expect_no_match "$TESTDIR/chroot.out" SHOULD-NOT-RUN "$what: the service did not run"
}
if command -v unshare >/dev/null && command -v chroot >/dev/null; then
        unit_with chrooted "Image=$IMAGE" "ExecStart=/bin/echo SHOULD-NOT-RUN"
        J=$TESTDIR/jail
        mkdir -p "$J/mnt" "$J/dir"
        leftovers_snapshot "$TESTDIR/before"

        # Into a mount point: an rbind of / (found by statmount(2), Linux >= 6.8).
        if [ "$(printf '%s\n' "$(uname -r)" 6.8 | sort -V | head -n1)" = 6.8 ]; then
                # shellcheck disable=SC2016
                chroot_run "sandboxctl run chrooted into a mount point (an rbind of /)" "chroot into a mount point" \
                        'mount --rbind / "$1" && exec chroot "$1" "$2" run "$3"' \
                        "$J/mnt" "$SANDBOXCTL" "$UNITDIR/chrooted.unit"
        else
                itest_log "# a chroot into a mount point is not detectable before Linux 6.8 (statmount): not tested on $(uname -r)"
        fi

        # Into a directory that is not a mount, with what sandboxctl needs
        # bound in: the build tree and the checkout may live anywhere
        # (/work, /check, /tmp...), so their top directories as well.
        sctl_top=${SANDBOXCTL#/} src_top=${SRC_DIR#/}
        # shellcheck disable=SC2016
        chroot_run "sandboxctl run chrooted into a directory" "chroot into a directory" '
                j=$1 sctl=$2 unit=$3; shift 3
                for d in usr lib lib32 lib64 libx32 bin sbin etc proc sys dev tmp run var "$@"; do
                        [ -e "/$d" ] || continue
                        [ -e "$j/$d" ] || [ -L "$j/$d" ] && continue
                        if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$j/$d"
                        else mkdir -p "$j/$d" && mount --rbind "/$d" "$j/$d"; fi
                done
                exec chroot "$j" "$sctl" run "$unit"' \
                "$J/dir" "$SANDBOXCTL" "$UNITDIR/chrooted.unit" "${sctl_top%%/*}" "${src_top%%/*}"

        if grep -qF "$J" /proc/self/mountinfo; then
                fail "mounts of the chroot tests are left: $(grep -F "$J" /proc/self/mountinfo | head -3)"
        else
                ok "no mount of the chroot tests is left"
        fi
        rm -rf --one-file-system "$J"
        leftovers_check "$TESTDIR/before" "sandboxctl run chrooted"
else
        itest_log "# no unshare(1) or chroot(8): the chroot refusal of sandboxctl run is not tested"
fi

itest_finish
