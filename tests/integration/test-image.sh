#!/bin/bash
# Tarball images: a good one runs; hostile ones can write nothing outside
# the image cache, whatever they name: "..", absolute paths, a symlink and
# then a file through it, a hard link to a host file and then data into
# it. What an image must not bring (device nodes, setuid and setgid bits,
# file capabilities) does not reach the sandbox. Failed unpacks leave no
# temporary trees; the entries this test adds to the content-keyed cache
# (STATE/images) are removed at the end.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

command -v python3 >/dev/null || skip "python3 is needed to write hostile tarballs"
CACHE=/var/lib/sandboxd/images
CACHE_EXISTED=
[ -d "$CACHE" ] && CACHE_EXISTED=1

# Remove exactly what this test added to the cache: the trees keyed by the
# sha256 of its tarballs and the .by-stat memos pointing at them.
cache_cleanup() {
        local t h l
        for t in "$TESTDIR"/*.tar; do
                [ -e "$t" ] || continue
                h=$(sha256sum "$t" | cut -d' ' -f1)
                rm -rf --one-file-system "${CACHE:?}/$h"
                for l in "$CACHE"/.by-stat/*; do
                        [ -L "$l" ] && [ "$(readlink "$l")" = "$h" ] && rm -f "$l"
                done
        done
        if [ -z "$CACHE_EXISTED" ]; then
                rmdir "$CACHE/.by-stat" "$CACHE" /var/lib/sandboxd 2>/dev/null || true
        fi
}
at_exit cache_cleanup

HOSTDIR=/tmp/sbx-hostdir-$ID
HOSTFILE=$TESTDIR/host-target
mkdir -p "$HOSTDIR"
at_exit "rm -rf '$HOSTDIR' /tmp/sbx-abs-$ID /var/lib/sandboxd/sbx-dotdot-$ID /var/lib/sandboxd/images/sbx-dotdot-$ID"
echo "host original $ID" >"$HOSTFILE"

# mktar OUT KIND: the good image plus one hostile twist (python's tarfile
# writes exactly the entries asked for).
mktar() {
        python3 - "$IMAGE" "$1" "$2" "$ID" "$HOSTDIR" "$HOSTFILE" <<'EOF'
import io, os, sys, tarfile
image, out, kind, tid, hostdir, hostfile = sys.argv[1:]

def add_data(t, name, data, mode=0o644, **kw):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode = len(data), mode
    for k, v in kw.items():
        setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data))

with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    t.add(image, arcname=".")
    if kind == "dotdot":
        add_data(t, "../sbx-dotdot-" + tid, b"pwned\n")
        add_data(t, "../../sbx-dotdot-" + tid, b"pwned\n")
    elif kind == "absolute":
        add_data(t, "/tmp/sbx-abs-" + tid, b"pwned\n")
    elif kind == "symlink":
        ti = tarfile.TarInfo("srv/evil")
        ti.type, ti.linkname = tarfile.SYMTYPE, hostdir
        t.addfile(ti)
        add_data(t, "srv/evil/pwned", b"pwned\n")
    elif kind == "hardlink":
        ti = tarfile.TarInfo("srv/hl")
        ti.type, ti.linkname = tarfile.LNKTYPE, hostfile
        t.addfile(ti)
        add_data(t, "srv/hl", b"pwned\n")
    elif kind == "relsymlink":
        ti = tarfile.TarInfo("srv/up")
        ti.type, ti.linkname = tarfile.SYMTYPE, "../../../../../../../../.." + hostdir
        t.addfile(ti)
        add_data(t, "srv/up/pwned", b"pwned\n")
    elif kind == "privileged":
        for name, typ, major in (("srv/disk", tarfile.BLKTYPE, 8), ("srv/mem", tarfile.CHRTYPE, 1)):
            ti = tarfile.TarInfo(name)
            ti.type, ti.devmajor, ti.devminor, ti.mode = typ, major, 0 if major == 8 else 1, 0o666
            t.addfile(ti)
        with open(os.path.join(image, "bin/busybox"), "rb") as f:
            bb = f.read()
        add_data(t, "srv/suid", bb, 0o4755)
        add_data(t, "srv/sgid", bb, 0o2755)
        # A file capability: cap_sys_admin+ep, as setcap would write it.
        cap = bytes([0, 0, 0, 2, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        ti = tarfile.TarInfo("srv/fcap")
        ti.size, ti.mode = len(bb), 0o755
        ti.pax_headers = {"SCHILY.xattr.security.capability": cap.decode("latin-1")}
        t.addfile(ti, io.BytesIO(bb))
EOF
}

tar_unit() {  # name tarball ExecStart
        write_unit "$1" <<EOF
[Sandbox]
Image=$2
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=$3
EOF
}

host_untouched() {
        local what=$1 bad=
        [ -e /var/lib/sandboxd/sbx-dotdot-$ID ] && bad="$bad /var/lib/sandboxd/sbx-dotdot-$ID"
        [ -e /var/lib/sandboxd/images/sbx-dotdot-$ID ] && bad="$bad $CACHE/sbx-dotdot-$ID"
        [ -e /tmp/sbx-abs-$ID ] && bad="$bad /tmp/sbx-abs-$ID"
        [ -e "$HOSTDIR/pwned" ] && bad="$bad $HOSTDIR/pwned"
        grep -qxF "host original $ID" "$HOSTFILE" || bad="$bad $HOSTFILE(changed)"
        [ "$(stat -c %h "$HOSTFILE")" = 1 ] || bad="$bad $HOSTFILE(hard-linked)"
        if [ -z "$bad" ]; then ok "$what: nothing written outside the cache"; else fail "$what: wrote$bad"; fi
        local tmps
        tmps=$(find "$CACHE" -maxdepth 1 -name '.tmp-*' 2>/dev/null | tr '\n' ' ')
        if [ -z "$tmps" ]; then ok "$what: no temporary unpack trees left"; else fail "$what: left $tmps"; fi
}

# Checks run inside come from the image, so no quoting has to survive ExecStart=.
cat >"$IMAGE/usr/bin/tcheck.sh" <<'EOF'
for f in disk mem suid sgid fcap; do
        if [ -e /srv/$f ]; then echo "srv_$f=$(stat -c %A /srv/$f)"; else echo "srv_$f=absent"; fi
done
EOF

# ---- a good tarball ----

mktar "$TESTDIR/good.tar" good
tar_unit tgood "$TESTDIR/good.tar" "/usr/bin/sandbox-probe identity"
leftovers_snapshot "$TESTDIR/before"
sbx_run tgood
expect_rc 0 "tarball image: runs"
[ "$RC" = 0 ] || show_run
expect_line "$OUT" "uid=0" "tarball image: the probe ran from it"
expect_line "$OUT" "root_readonly=1" "tarball image: root read-only"
sbx_run tgood
expect_rc 0 "tarball image: runs again from the cache"
leftovers_check "$TESTDIR/before" "tarball image"

# ---- User= on a tarball: looked up in the unpacked tree, not the archive ----

# Decompressing a large tarball to read its /etc/passwd took seconds at
# every compile; once a start has unpacked it, the compile reads the tree.
mktar "$TESTDIR/user.tar" good
write_unit tuser <<EOF
[Sandbox]
Image=$TESTDIR/user.tar
Environment=SBXTEST_ID=@ID@

[Service]
User=www
ExecStart=/bin/sh -c 'id -u; echo home=\$HOME'
EOF
sbx_run tuser
expect_rc 0 "tarball image with User=www: runs"
expect_line "$OUT" "33" "tarball image with User=www: uid 33 from the image's passwd"
expect_line "$OUT" "home=/var/www" "tarball image with User=www: HOME from the image's passwd"
# The compile opens the archive only to pin it (O_PATH), never to read it.
# (LeakSanitizer cannot run under ptrace: off for this one command.)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        strace -f -qq -e trace=open,openat -o "$TESTDIR/check.strace" "$SANDBOXCTL" check tuser >/dev/null 2>&1 && RC=0 || RC=$?
expect_rc 0 "tarball image with User=www: check passes"
if grep -F "$TESTDIR/user.tar" "$TESTDIR/check.strace" | grep -qv O_PATH; then
        fail "check read the tarball instead of its unpacked tree: $(grep -F user.tar "$TESTDIR/check.strace" | head -3 | tr '\n' ' ')"
else
        ok "check reads User= from the unpacked tree, not the tarball"
fi
# Before any start, the compile still reads the archive itself.
mktar "$TESTDIR/user2.tar" good
sed "s|$TESTDIR/user.tar|$TESTDIR/user2.tar|" "$UNITDIR/tuser.unit" >"$UNITDIR/tuser2.unit"
out=$("$SANDBOXCTL" plan tuser2 2>&1) && RC=0 || RC=$?
expect_rc 0 "tarball never unpacked, User=www: plan compiles it"
grep -q "33" <<<"$out" && ok "tarball never unpacked: plan has uid 33" || fail "tarball never unpacked: plan: $out"

# ---- hostile tarballs ----

for kind in dotdot absolute symlink relsymlink hardlink; do
        mktar "$TESTDIR/$kind.tar" "$kind"
        tar_unit "t$kind" "$TESTDIR/$kind.tar" "/bin/sh -c 'ls -la /srv; cat /srv/hl /srv/evil/pwned /srv/up/pwned 2>&1'"
        leftovers_snapshot "$TESTDIR/before"
        sbx_run "t$kind"
        itest_log "# $kind: exit $RC; $(head -c 300 "$ERR" | tr '\n' ' ')"
        host_untouched "hostile tarball ($kind)"
        leftovers_check "$TESTDIR/before" "hostile tarball ($kind)"
done

# ---- what an image must not bring ----

mktar "$TESTDIR/privileged.tar" privileged
tar_unit tpriv "$TESTDIR/privileged.tar" "/bin/sh /usr/bin/tcheck.sh"
leftovers_snapshot "$TESTDIR/before"
sbx_run tpriv
expect_rc 0 "tarball with device nodes, setuid, setgid and a file capability: runs"
[ "$RC" = 0 ] || show_run
expect_no_match "$OUT" '^srv_disk=b' "no block device from the image"
expect_no_match "$OUT" '^srv_mem=c' "no char device from the image"
expect_match "$OUT" '^srv_suid=-rwxr-xr-x$' "setuid bit dropped"
expect_match "$OUT" '^srv_sgid=-rwxr-xr-x$' "setgid bit dropped"
# The file capability, looked at in the unpacked tree on the host.
fcap=$(find "$CACHE" -path '*/srv/fcap' 2>/dev/null | head -1)
if [ -z "$fcap" ]; then
        fail "the unpacked tree has no srv/fcap to check"
elif python3 -c 'import os, sys; sys.exit("security.capability" not in os.listxattr(sys.argv[1]))' "$fcap"; then
        fail "file capability kept on $fcap"
else
        ok "file capability dropped ($fcap)"
fi
devs=$(find "$CACHE" \( -type b -o -type c \) 2>/dev/null | head -3 | tr '\n' ' ')
if [ -z "$devs" ]; then ok "no device nodes anywhere in the image cache"; else fail "device nodes in the cache: $devs"; fi
suid=$(find "$CACHE" -perm /6000 -type f 2>/dev/null | head -3 | tr '\n' ' ')
if [ -z "$suid" ]; then ok "no setuid or setgid files anywhere in the image cache"; else fail "setuid/setgid in the cache: $suid"; fi
leftovers_check "$TESTDIR/before" "privileged tarball"

itest_finish
