#!/bin/bash
# The sandbox's file system, from inside: ReadOnly=yes refuses writes,
# ReadOnly=no lets them land in a tmpfs that is gone at exit (the image is
# never changed), TemporaryFileSystem=, BindReadOnlyPaths= and BindPaths=,
# a minimal /dev, /proc/sys and /sys read-only, and none of the sandbox's
# mounts visible on the host.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

SHARE=$TESTDIR/share
RW=$TESTDIR/rw
mkdir -p "$SHARE" "$RW"
# The writable bind is a data directory of a dedicated host user, made
# root's inside by rootidmap (root inside is not root on the host: a
# directory of the host's root would not be writable).
RW_OWNER=4243
chown "$RW_OWNER:$RW_OWNER" "$RW"
echo "shared $ID" >"$SHARE/file"
# The default policy allows no bind mounts: a test policy that allows
# these two (sandbox.policy(5), AllowBindPaths=).
cp "$SRC_DIR/policies/default.policy" "$TESTDIR/binds.policy"
echo "AllowBindPaths=$SHARE $RW" >>"$TESTDIR/binds.policy"

# The scripts run inside come through the read-only bind, so that no shell
# quoting has to survive the unit file's ExecStart= parsing.
fs_unit() {  # name ReadOnly script-name
        write_unit "$1" <<EOF
[Sandbox]
Image=@IMAGE@
ReadOnly=$2
# Options go through libmount (dlopen()ed only for them): flags and data.
TemporaryFileSystem=/tmp:size=2M,mode=0700,noexec
# Targets that exist in the image: a read-only root cannot grow mount points.
BindReadOnlyPaths=$SHARE:/srv
BindPaths=$RW:/mnt:rootidmap
Environment=SBXTEST_ID=@ID@

[Security]
Policy=$TESTDIR/binds.policy

[Service]
ExecStart=/bin/sh /srv/$3
EOF
}

cat >"$SHARE/ro.sh" <<'EOF'
P=/usr/bin/sandbox-probe
w() { $P write "$2" x | sed "s/^test write/test $1/"; }
w root-write /etc/sbx-new-file
w tmp-write /tmp/file
w ro-bind-write /srv/file
w rw-bind-write /mnt/from-sandbox
w proc-sys-write /proc/sys/kernel/domainname
w sys-write /sys/kernel/sbx
echo "share=$(cat /srv/file)"
echo "devs=$(find /dev \( -type c -o -type b \) | sort | tr '\n' ' ')"
echo "ro_mounts=$(awk '$4 ~ /^ro/ { print $2 }' /proc/mounts | sort | tr '\n' ' ')"
sed 's/^/mountinfo /' /proc/self/mountinfo
EOF

cat >"$SHARE/rw.sh" <<'EOF'
P=/usr/bin/sandbox-probe
$P write /etc/sbx-new-file x
cat /etc/sbx-new-file; echo
$P write /bin/busybox x | sed 's/^test write/test overwrite-busybox/'
rm -f /usr/bin/sandbox-probe && echo removed-probe
EOF

leftovers_snapshot "$TESTDIR/before"
fs_unit fsro yes ro.sh
sbx_run fsro
expect_rc 0 "ReadOnly=yes: ran"
[ "$RC" = 0 ] || show_run
expect_match "$OUT" '^test root-write: blocked \(EROFS\)' "ReadOnly=yes: writing to the image's /etc fails with EROFS"
expect_match "$OUT" '^test tmp-write: ALLOWED' "TemporaryFileSystem=/tmp is writable"
expect_match "$OUT" '^mountinfo .* /tmp [^ ]*noexec[^ ]* .* tmpfs [^ ]* [^ ]*size=2048k[^ ]*mode=700' \
        "TemporaryFileSystem=/tmp:size=2M,mode=0700,noexec: the tmpfs has noexec, size=2048k, mode=700"
expect_match "$OUT" '^test ro-bind-write: blocked \(EROFS\)' "BindReadOnlyPaths= is read-only"
expect_match "$OUT" '^test rw-bind-write: ALLOWED' "BindPaths= is writable"
expect_match "$OUT" '^test proc-sys-write: blocked' "/proc/sys is not writable"
expect_match "$OUT" '^test sys-write: blocked' "/sys is not writable"
expect_line "$OUT" "share=shared $ID" "BindReadOnlyPaths= shows the host directory"
check "BindPaths= write reached the host" test -f "$RW/from-sandbox"
check "BindPaths=...:rootidmap: the file is the directory owner's on the host" \
        test "$(stat -c %u:%g "$RW/from-sandbox")" = "$RW_OWNER:$RW_OWNER"
check "the ro bind is unchanged on the host" grep -qxF "shared $ID" "$SHARE/file"
check "nothing written into the image" test ! -e "$IMAGE/etc/sbx-new-file"

# /dev: the minimal set and nothing else (design: null zero full random
# urandom tty, devpts, shm, mqueue).
devs=$(value "$OUT" devs)
unexpected=
for d in $devs; do
        case $d in
        /dev/null|/dev/zero|/dev/full|/dev/random|/dev/urandom|/dev/tty|/dev/ptmx|/dev/pts/ptmx) ;;
        *) unexpected="$unexpected $d" ;;
        esac
done
if [ -z "$unexpected" ]; then ok "/dev has only the minimal devices: $devs"; else fail "/dev has more:$unexpected"; fi
for d in /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; do
        case " $devs " in
        *" $d "*) ok "/dev has $d" ;;
        *) fail "/dev lacks $d" ;;
        esac
done
ro=$(value "$OUT" ro_mounts)
for m in / /sys /proc/sys; do
        case " $ro " in
        *" $m "*) ok "$m is mounted read-only" ;;
        *) fail "$m is not read-only (read-only mounts: $ro)" ;;
        esac
done
grep '^mountinfo ' "$OUT" | sed 's/^mountinfo /# inside: /' | cut -c1-160
leftovers_check "$TESTDIR/before" "ReadOnly=yes with binds"

leftovers_snapshot "$TESTDIR/before"
fs_unit fsrw no rw.sh
sbx_run fsrw
expect_rc 0 "ReadOnly=no: ran"
[ "$RC" = 0 ] || show_run
expect_match "$OUT" '^test write: ALLOWED' "ReadOnly=no: writing /etc works inside"
expect_line "$OUT" "x" "ReadOnly=no: and reads back inside"
expect_line "$OUT" "removed-probe" "ReadOnly=no: deleting an image file works inside"
check "ReadOnly=no: the new file is not in the image" test ! -e "$IMAGE/etc/sbx-new-file"
check "ReadOnly=no: busybox in the image is intact" cmp -s /bin/busybox "$IMAGE/bin/busybox"
check "ReadOnly=no: the deleted probe is still in the image" test -x "$IMAGE/usr/bin/sandbox-probe"
leftovers_check "$TESTDIR/before" "ReadOnly=no"

sbx_run fsrw
expect_match "$OUT" '^test write: ALLOWED' "ReadOnly=no, second run: a fresh upper layer"
expect_line "$OUT" "removed-probe" "ReadOnly=no, second run: the probe is back"

itest_finish
