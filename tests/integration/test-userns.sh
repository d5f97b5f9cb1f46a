#!/bin/bash
# Root in the sandbox is never root on the host. A default unit (no
# Namespaces=, no User=) runs in a user namespace whose ids map to a host
# range of its own, allocated at start; what it writes through a writable
# bind is owned by that range (the setuid plant of a root service is
# harmless); colliding names get disjoint ranges; the image keeps its
# owners inside (idmapped layers, copy-up works); BindPaths=...:rootidmap
# makes a data directory's owner root inside.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

RANGE_FIRST=$((0x70000000))
RANGE_END=$((0x7FFE0000))

# in_range ID BASE: ID lies in the 65536 ids from BASE.
in_range() { [ "$1" -ge "$2" ] && [ "$1" -lt $(($2 + 65536)) ]; }

# The shipped policies allow no bind mounts: one that allows this test's
# directory (sandbox.policy(5), AllowBindPaths=).
BINDS=$TESTDIR/binds.policy
{ cat "$SRC_DIR/policies/default.policy"; echo "AllowBindPaths=$TESTDIR"; } >"$BINDS"

leftovers_snapshot "$TESTDIR/before"

# ---- the default: a user namespace with an allocated range ----

write_unit plain <<'EOF'
[Sandbox]
Image=@IMAGE@

[Service]
ExecStart=/bin/sh -c "cat /proc/self/uid_map /proc/self/gid_map; echo uid=$(id -u)"
EOF
"$SANDBOXCTL" plan "$UNITDIR/plain.unit" >"$TESTDIR/plan.txt"
expect_match "$TESTDIR/plan.txt" 'Namespaces: .*user' "sandboxctl plan: the default namespaces include user"
expect_match "$TESTDIR/plan.txt" 'allocated at start' "sandboxctl plan: the host range is allocated at start"
sbx_run plain
expect_rc 0 "a default unit runs"
read -r inside base count <"$OUT" || true
if [ "${inside:-}" = 0 ] && [ "${count:-}" = 65536 ] && [ "${base:-0}" -ge "$RANGE_FIRST" ] &&
   [ $((base + count)) -le "$RANGE_END" ] && [ $((base % 65536)) = 0 ]; then
        ok "uid_map inside: 0 $base 65536, a slot in 0x70000000-0x7FFE0000"
else
        fail "uid_map inside: '$(head -1 "$OUT")'"
fi
expect_line "$OUT" "uid=0" "root inside"
check "the registry records the unit's range" grep -qE "^$base 65536 plain\$" /var/lib/sandboxd/userns/ranges
check "the registry is root's alone" test "$(stat -c %a:%u /var/lib/sandboxd/userns)" = 700:0
sbx_run plain
check "the same range at the next start" grep -qE "^ *0 +$base +65536\$" "$OUT"

# The sandbox's cgroup (v2) is delegated to its root: the directory and
# the files that manage what is below it belong to the range.
write_unit delegated <<'EOF'
[Sandbox]
Image=@IMAGE@

[Service]
ExecStart=/usr/bin/sandbox-probe sleep 30
EOF
sbx_start delegated
dpid=$SBX_PID
cgdir=
for _ in $(seq 50); do
        cgdir=$(find /sys/fs/cgroup -maxdepth 6 -type d -name 'sandbox-delegated-*' 2>/dev/null | head -n1)
        [ -n "$cgdir" ] && [ -e "$cgdir/cgroup.procs" ] && [ "$(stat -c %u "$cgdir")" != 0 ] && break
        sleep 0.1
done
dbase=$(awk '$3 == "delegated" { print $1 }' /var/lib/sandboxd/userns/ranges)
if [ -n "$cgdir" ] && [ -n "$dbase" ]; then
        check "the sandbox's cgroup is delegated to its root ($cgdir)" \
                test "$(stat -c %u:%g "$cgdir")" = "$dbase:$dbase"
        check "... with cgroup.procs and cgroup.subtree_control" \
                test "$(stat -c %u "$cgdir/cgroup.procs"):$(stat -c %u "$cgdir/cgroup.subtree_control")" = "$dbase:$dbase"
        check "... and the limits stay root's" test "$(stat -c %u "$cgdir/cgroup.max.depth")" = 0
else
        fail "no cgroup directory or range found for the running unit 'delegated' ($cgdir, $dbase)"
fi
kill -TERM "$dpid" 2>/dev/null || true
sbx_wait "$dpid" 20

# A unit cannot opt out of the user namespace under the shipped policies.
write_unit nouserns <<'EOF'
[Sandbox]
Image=@IMAGE@
Namespaces=pid mount uts ipc net cgroup

[Service]
ExecStart=/bin/true
EOF
RC=0
"$SANDBOXCTL" check "$UNITDIR/nouserns.unit" >"$TESTDIR/check.out" 2>&1 || RC=$?
expect_rc 1 "Namespaces= without user: sandboxctl check fails"
expect_match "$TESTDIR/check.out" 'nouserns.unit:3: Namespaces: .*requires the namespaces "user"' \
        "... naming file:line, the key and the policy's RequireNamespaces="

# ---- the setuid plant through a writable bind ----

# A directory anyone may write (the case that made a default sandbox
# dangerous): root inside copies a binary there and makes it setuid.
DROP=$TESTDIR/drop
mkdir -p "$DROP" && chmod 0777 "$DROP"
# A root-owned directory and a root-only file: not root's inside.
ROOTDIR=$TESTDIR/rootdir
mkdir -p "$ROOTDIR" && chmod 0755 "$ROOTDIR"
echo "secret $ID" >"$ROOTDIR/secret" && chmod 0600 "$ROOTDIR/secret"
write_unit plant <<EOF
[Sandbox]
Image=@IMAGE@
BindPaths=$DROP:/mnt $ROOTDIR:/home

[Security]
Policy=$BINDS

[Service]
ExecStart=/bin/sh -c "cp /bin/busybox /mnt/tool && chmod 4755 /mnt/tool && echo planted; chown 0:0 /mnt/tool; chmod 4755 /mnt/tool; echo x >/home/new && echo wrote-rootdir; cat /home/secret && echo read-secret; chmod 0666 /home/secret && echo chmod-secret; echo done"
EOF
sbx_run plant
expect_line "$OUT" planted "root inside can write and chmod its own file in a writable bind"
expect_line "$OUT" done "the plant ran to its end"
if [ -e "$DROP/tool" ]; then
        owner=$(stat -c %u "$DROP/tool") group=$(stat -c %g "$DROP/tool")
        if [ "$owner" -ge "$RANGE_FIRST" ] && [ "$owner" -lt "$RANGE_END" ] && [ "$group" -ge "$RANGE_FIRST" ]; then
                ok "the planted file is owned by the sandbox's range on the host ($owner:$group), not by root"
        else
                fail "the planted file is owned by $owner:$group on the host"
        fi
else
        fail "the planted file is missing on the host"
fi
bad=$(find "$DROP" "$ROOTDIR" \( -perm -4000 -o -perm -2000 \) \( -uid -"$RANGE_FIRST" -o -gid -"$RANGE_FIRST" \) 2>/dev/null)
check "no setuid/setgid file owned by a host id outside the sandbox ranges: ${bad:-none}" test -z "$bad"
bad=$(find "$DROP" "$ROOTDIR" -uid -"$RANGE_FIRST" -newer "$TESTDIR/before" 2>/dev/null |
        grep -v -x -e "$DROP" -e "$ROOTDIR" -e "$ROOTDIR/secret" || true)
check "nothing new on the host owned by a host id below the ranges: ${bad:-none}" test -z "$bad"
expect_no_match "$OUT" '^wrote-rootdir$' "root inside cannot write into a directory of the host's root"
expect_no_match "$OUT" '^read-secret$' "root inside cannot read a root-only host file"
expect_no_match "$OUT" '^chmod-secret$' "root inside cannot chmod a host root file"
check "the host's root-only file is unchanged" test "$(stat -c %a:%u "$ROOTDIR/secret")" = 600:0
check "no file appeared in the host root's directory" test ! -e "$ROOTDIR/new"

# ---- two names that collide ----

# ucoll118/ucoll200 collided under the old FNV-1a(name) % 8192 slot;
# ncoll3/ncoll160 hash to the same first choice of the allocator, which
# must probe on. Run them at the same time and read their maps from the
# host, /proc/PID/uid_map of each sandbox's init.
for n in ucoll118 ucoll200 ncoll3 ncoll160; do
        write_unit "$n" <<'EOF'
[Sandbox]
Image=@IMAGE@

[Service]
ExecStart=/usr/bin/sandbox-probe sleep 30
EOF
done
pids=()
for n in ucoll118 ucoll200 ncoll3 ncoll160; do
        sbx_start "$n"
        pids+=("$SBX_PID")
done
bases=()
for p in "${pids[@]}"; do
        # The sandbox's first process is sandboxctl's only child.
        b=
        for _ in $(seq 50); do
                child=$(cat "/proc/$p/task/$p/children" 2>/dev/null | awk '{ print $1 }' || true)
                if [ -n "$child" ]; then
                        b=$(awk 'NR == 1 && $1 == 0 { print $2 }' "/proc/$child/uid_map" 2>/dev/null || true)
                        [ -n "$b" ] && [ "$b" != 0 ] && break
                fi
                sleep 0.1
        done
        bases+=("${b:-none}")
done
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do sbx_wait "$p" 20; done
uniq_count=$(printf '%s\n' "${bases[@]}" | { grep -v none || true; } | sort -u | wc -l)
check "four units, two pairs of colliding names, four disjoint ranges (${bases[*]})" test "$uniq_count" = 4
for b in "${bases[@]}"; do
        [ "$b" = none ] && continue
        for c in "${bases[@]}"; do
                [ "$b" = "$c" ] || [ "$c" = none ] && continue
                if in_range "$c" "$b"; then fail "ranges $b and $c overlap"; fi
        done
done

# ---- the image keeps its owners inside ----

LAYER=$TESTDIR/layer2
mkdir -p "$LAYER/usr/bin"
cp "$SANDBOX_PROBE" "$LAYER/usr/bin/suid-probe"
chown 0:0 "$LAYER/usr/bin/suid-probe" && chmod 4755 "$LAYER/usr/bin/suid-probe"
write_unit image <<EOF
[Sandbox]
Image=@IMAGE@
Image=$LAYER
ReadOnly=no

[Service]
ExecStart=/bin/sh -c "stat -c owner=%u:%g:%a /etc/passwd; stat -c suid=%u:%a /usr/bin/suid-probe; echo sbx:x:0:0::/:/bin/sh >>/etc/passwd && echo copyup-ok; stat -c after=%u:%g /etc/passwd; touch /bin/new-file && stat -c new=%u /bin/new-file"
EOF
sbx_run image
expect_rc 0 "a unit on two layers with a writable root runs"
expect_line "$OUT" "owner=0:0:644" "the image's root-owned files are root's inside (idmapped layers)"
expect_line "$OUT" "suid=0:4755" "a setuid-root binary of the image is setuid root inside"
expect_line "$OUT" "copyup-ok" "root inside can modify an image file (overlay copy-up)"
expect_line "$OUT" "after=0:0" "... and the copy keeps its owner"
expect_line "$OUT" "new=0" "a new file in the writable root is root's inside"
check "the image on the host is unchanged" sh -c "! grep -q '^sbx:' '$IMAGE/etc/passwd'"
check "the image is still root's on the host" test "$(stat -c %u:%g "$IMAGE/etc/passwd")" = 0:0
[ "$RC" = 0 ] || show_run

# ---- BindPaths=...:rootidmap ----

DATA=$TESTDIR/data
mkdir -p "$DATA" && chown 4244:4245 "$DATA" && chmod 0750 "$DATA"
write_unit rootidmap <<EOF
[Sandbox]
Image=@IMAGE@
BindPaths=$DATA:/mnt:rootidmap

[Security]
Policy=$BINDS

[Service]
ExecStart=/bin/sh -c "stat -c dir=%u:%g /mnt; echo x >/mnt/f && echo wrote; stat -c file=%u:%g /mnt/f"
EOF
sbx_run rootidmap
expect_line "$OUT" "dir=0:0" "rootidmap: the directory's owner is root inside"
expect_line "$OUT" "wrote" "rootidmap: root inside writes to the data directory"
expect_line "$OUT" "file=0:0" "rootidmap: the new file is root's inside"
check "rootidmap: on the host the new file belongs to the directory's owner (4244:4245)" \
        test "$(stat -c %u:%g "$DATA/f" 2>/dev/null)" = 4244:4245

# A writable rootidmap bind of a directory of the host's root would make
# root inside root over it: refused unless the policy allows it.
write_unit rootidmap-root <<EOF
[Sandbox]
Image=@IMAGE@
BindPaths=$ROOTDIR:/mnt:rootidmap

[Security]
Policy=$BINDS

[Service]
ExecStart=/bin/true
EOF
RC=0
"$SANDBOXCTL" check "$UNITDIR/rootidmap-root.unit" >"$TESTDIR/check.out" 2>&1 || RC=$?
expect_rc 1 "a writable rootidmap bind of a root-owned directory is refused"
expect_match "$TESTDIR/check.out" 'rootidmap-root.unit:3: BindPaths: .*AllowRootOwnedBinds=no' \
        "... naming file:line, the key and AllowRootOwnedBinds="
POLDIR=$TESTDIR/policies
mkdir -p "$POLDIR"
{ cat "$BINDS"; echo "AllowRootOwnedBinds=yes"; } >"$POLDIR/rootbinds.policy"
sed -i "s|^Policy=.*|Policy=$POLDIR/rootbinds.policy|" "$UNITDIR/rootidmap-root.unit"
RC=0
"$SANDBOXCTL" check "$UNITDIR/rootidmap-root.unit" >"$TESTDIR/check.out" 2>&1 || RC=$?
expect_rc 0 "... and allowed by a policy with AllowRootOwnedBinds=yes"
write_unit norootidmap-userns <<EOF
[Sandbox]
Image=@IMAGE@
Namespaces=pid mount net
BindReadOnlyPaths=$DATA:/mnt:rootidmap

[Security]
Policy=$POLDIR/nouser.policy

[Service]
ExecStart=/bin/true
EOF
sed 's/^RequireNamespaces=.*/RequireNamespaces=mount pid/' "$BINDS" >"$POLDIR/nouser.policy"
RC=0
"$SANDBOXCTL" check "$UNITDIR/norootidmap-userns.unit" >"$TESTDIR/check.out" 2>&1 || RC=$?
expect_rc 1 "rootidmap without a user namespace is refused"
expect_match "$TESTDIR/check.out" 'norootidmap-userns.unit:4: BindReadOnlyPaths: rootidmap .*has none' "... naming the key"

leftovers_check "$TESTDIR/before" "user namespace runs"
itest_finish
