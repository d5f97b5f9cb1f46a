#!/bin/bash
# What a sandboxed service is, seen from inside (sandbox-probe identity):
# user, groups, the five capability sets, no_new_privs, seccomp, hostname,
# working directory, environment (the unit's, never the caller's), open fds,
# PID 1, namespaces and network, as root and as a non-root User=. And
# nothing left behind by the runs.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

HOST_NS=$TESTDIR/host-ns
for t in cgroup ipc mnt net pid uts; do
        echo "ns.$t=$(stat -L -c %i /proc/self/ns/$t)"
done >"$HOST_NS"

# expect_env OUT UNIT: the service's environment is exactly the one the
# plan resolved (sandboxctl plan --json), and the plan's is the unit's plus
# what any service manager sets (PATH, container, USER, LOGNAME, HOME, SHELL).
expect_env() {
        local out=$1 unit=$2 plan=$TESTDIR/plan.json want=$TESTDIR/env.want got=$TESTDIR/env.got extra
        "$SANDBOXCTL" plan --json "$UNITDIR/$unit.unit" >"$plan"
        python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["environment"]))' "$plan" |
                sort >"$want"
        all_values "$out" env | sort >"$got"
        if cmp -s "$want" "$got"; then
                ok "$unit: environment is exactly the plan's ($(wc -l <"$got") variables)"
        else
                fail "$unit: environment differs from the plan: $(diff "$want" "$got" | grep '^[<>]' | tr '\n' ' ')"
        fi
        extra=$(sed 's/=.*//' "$got" | grep -vxE 'PATH|container|USER|LOGNAME|HOME|SHELL|SBXTEST_ID|FOO|WITH_SPACES' || true)
        if [ -z "$extra" ]; then
                ok "$unit: no variable beyond the unit's and PATH container USER LOGNAME HOME SHELL"
        else
                fail "$unit: unexpected variables: $(tr '\n' ' ' <<<"$extra")"
        fi
        expect_no_match "$got" 'SBX_CALLER_CANARY|^TERM=|^LANG=|^PWD=|^SHLVL=|^OLDPWD=|^MESON' \
                "$unit: nothing of the caller's environment"
        expect_line "$got" "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$unit: PATH"
}

# Facts every sandbox of these units shares.
expect_common() {
        local out=$1 unit=$2 pid t
        expect_line "$out" "NoNewPrivs=1" "$unit: NoNewPrivs 1"
        expect_line "$out" "Seccomp=2" "$unit: Seccomp 2 (filter mode)"
        expect_line "$out" "fds=0 1 2" "$unit: only fds 0 1 2 (the caller leaked fd 7 on purpose)"
        expect_line "$out" "netifs=lo" "$unit: network has only lo"
        pid=$(value "$out" pid)
        if [ -n "$pid" ] && [ "$pid" -le 10 ] && [ "$pid" -gt 1 ]; then
                ok "$unit: own pid is small ($pid), in a new pid namespace"
        else
                fail "$unit: own pid is $pid, expected 2..10"
        fi
        expect_match "$out" '^pid1_comm=.+' "$unit: pid 1 exists and is readable"
        if [ "$(value "$out" pid1_comm)" = "$(value "$out" comm)" ]; then
                fail "$unit: the service is pid 1 itself; expected an init as pid 1"
        else
                ok "$unit: pid 1 is an init ($(value "$out" pid1_comm)), not the service"
        fi
        procs=$(value "$out" procs)
        if [ -n "$procs" ] && [ "$procs" -le 3 ]; then
                ok "$unit: sees $procs processes (init and itself)"
        else
                fail "$unit: sees $procs processes in /proc"
        fi
        for t in mnt pid uts ipc net; do
                if grep -qxF "ns.$t=$(value "$out" "ns.$t")" "$HOST_NS"; then
                        fail "$unit: $t namespace is the host's"
                else
                        ok "$unit: own $t namespace"
                fi
        done
}

# ---- as root, with the default policy (no capabilities at all) ----

write_unit idroot <<'EOF'
[Unit]
Description=identity as root

[Sandbox]
Image=@IMAGE@
Hostname=idroot
TemporaryFileSystem=/tmp
WorkingDirectory=/var/www
Environment=SBXTEST_ID=@ID@ FOO=bar "WITH_SPACES=a b  c"

[Security]
NoNewPrivileges=yes

[Service]
ExecStart=/usr/bin/sandbox-probe identity
EOF

leftovers_snapshot "$TESTDIR/before"
exec 7</etc/hostname        # leaked into sandboxctl on purpose: must not reach the service
sbx_run idroot
exec 7<&-
expect_rc 0 "idroot: exits 0"
[ "$RC" = 0 ] || show_run

expect_line "$OUT" "uid=0" "idroot: uid 0"
expect_line "$OUT" "gid=0" "idroot: gid 0"
expect_line "$OUT" "euid=0" "idroot: euid 0"
expect_line "$OUT" "groups=" "idroot: no supplementary groups"
for s in CapInh CapPrm CapEff CapBnd CapAmb; do
        expect_line "$OUT" "$s=0000000000000000" "idroot: $s empty (default policy allows none)"
done
expect_line "$OUT" "hostname=idroot" "idroot: hostname"
expect_line "$OUT" "cwd=/var/www" "idroot: cwd is WorkingDirectory="
expect_line "$OUT" "env=WITH_SPACES=a b  c" "idroot: quoted Environment= value kept whole"
expect_line "$OUT" "env=FOO=bar" "idroot: Environment= FOO"
expect_common "$OUT" idroot
expect_env "$OUT" idroot
leftovers_check "$TESTDIR/before" "idroot"

# ---- as a non-root User= with supplementary groups and an ambient capability ----

write_unit idwww <<'EOF'
[Unit]
Description=identity as www

[Sandbox]
Image=@IMAGE@
Hostname=idwww
Environment=SBXTEST_ID=@ID@

[Security]
Policy=web
Capabilities=CAP_NET_BIND_SERVICE CAP_CHOWN
AmbientCapabilities=CAP_NET_BIND_SERVICE

[Service]
User=www
Group=www
SupplementaryGroups=users adm
ExecStart=/usr/bin/sandbox-probe identity
EOF

leftovers_snapshot "$TESTDIR/before"
exec 7</etc/hostname
sbx_run idwww
exec 7<&-
expect_rc 0 "idwww: exits 0"
[ "$RC" = 0 ] || show_run

expect_line "$OUT" "uid=33" "idwww: uid 33 (www from the image's passwd)"
expect_line "$OUT" "euid=33" "idwww: euid 33"
expect_line "$OUT" "Uid=33 33 33 33" "idwww: real, effective, saved, fs uid all 33"
expect_line "$OUT" "gid=33" "idwww: gid 33"
expect_line "$OUT" "Gid=33 33 33 33" "idwww: all gids 33"
groups=$(value "$OUT" groups | tr ' ' '\n' | sort -n | tr '\n' ' ')
if [ "$groups" = "4 100 " ] || [ "$groups" = "4 33 100 " ]; then
        ok "idwww: supplementary groups adm(4) users(100) ($groups)"
else
        fail "idwww: supplementary groups are '$groups', expected 4 100"
fi
# CAP_CHOWN = 0, CAP_NET_BIND_SERVICE = 10: bounding 0x401; a non-root user
# holds only the ambient set, in permitted, effective and inheritable too.
expect_line "$OUT" "CapBnd=0000000000000401" "idwww: CapBnd = CAP_CHOWN CAP_NET_BIND_SERVICE"
expect_line "$OUT" "CapAmb=0000000000000400" "idwww: CapAmb = CAP_NET_BIND_SERVICE"
expect_line "$OUT" "CapPrm=0000000000000400" "idwww: CapPrm = CAP_NET_BIND_SERVICE"
expect_line "$OUT" "CapEff=0000000000000400" "idwww: CapEff = CAP_NET_BIND_SERVICE"
expect_line "$OUT" "CapInh=0000000000000400" "idwww: CapInh = CAP_NET_BIND_SERVICE"
expect_line "$OUT" "hostname=idwww" "idwww: hostname"
expect_line "$OUT" "cwd=/" "idwww: cwd defaults to /"
expect_line "$OUT" "env=USER=www" "idwww: USER from the image's passwd"
expect_line "$OUT" "env=HOME=/var/www" "idwww: HOME from the image's passwd"
expect_common "$OUT" idwww
expect_env "$OUT" idwww
leftovers_check "$TESTDIR/before" "idwww"

# ---- root with capabilities: root keeps the bounding set as permitted and effective ----

write_unit idcaps <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Security]
Policy=web
Capabilities=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID

[Service]
ExecStart=/usr/bin/sandbox-probe identity
EOF
sbx_run idcaps
expect_rc 0 "idcaps: exits 0"
[ "$RC" = 0 ] || show_run
# CAP_SETGID 6, CAP_SETUID 7, CAP_NET_BIND_SERVICE 10 -> 0x4c0
expect_line "$OUT" "CapBnd=00000000000004c0" "idcaps: CapBnd = SETGID SETUID NET_BIND_SERVICE"
expect_line "$OUT" "CapPrm=00000000000004c0" "idcaps: root's CapPrm = the bounding set"
expect_line "$OUT" "CapEff=00000000000004c0" "idcaps: root's CapEff = the bounding set"
expect_line "$OUT" "CapInh=0000000000000000" "idcaps: CapInh empty"
expect_line "$OUT" "CapAmb=0000000000000000" "idcaps: CapAmb empty"

# ---- the shipped demo, units/hello.unit, with a drop-in for the image ----

if [ -f "$SRC_DIR/units/hello.unit" ]; then
        mkdir -p "$UNITDIR/hello.unit.d"
        cat >"$UNITDIR/hello.unit.d/50-test.conf" <<EOF
[Sandbox]
Image=
Image=$IMAGE
Environment=SBXTEST_ID=$ID
EOF
        leftovers_snapshot "$TESTDIR/before"
        SANDBOXD_UNIT_PATH=$UNITDIR:$SRC_DIR/units sbx_run @hello
        expect_rc 0 "units/hello.unit: runs"
        [ "$RC" = 0 ] || show_run
        expect_line "$OUT" "hello from hello: uid=65534 gid=65534" "units/hello.unit: greets as nobody from host name hello"
        expect_match "$OUT" '^NoNewPrivs:[[:space:]]+1$' "units/hello.unit: NoNewPrivs 1"
        expect_match "$OUT" '^Seccomp:[[:space:]]+2$' "units/hello.unit: Seccomp 2"
        expect_match "$OUT" '^CapBnd:[[:space:]]+0+$' "units/hello.unit: no capabilities"
        expect_no_match "$OUT" '^ *(eth|ens|enp|wl|veth|ifb|docker|br)' "units/hello.unit: no host interface listed"
        if [ "$(sed -n '/^mount(2) says:/,$p' "$OUT" | grep -ciE 'denied|not permitted')" -ge 1 ]; then
                ok "units/hello.unit: mount(2) refused"
        else
                fail "units/hello.unit: mount(2) not refused: $(sed -n '/^mount(2) says:/,$p' "$OUT" | tr '\n' ' ')"
        fi
        leftovers_check "$TESTDIR/before" "units/hello.unit"
fi

# ---- the same service, unit found by name on the search path ----

sbx_run @idroot
expect_rc 0 "run by name through SANDBOXD_UNIT_PATH"
expect_line "$OUT" "hostname=idroot" "run by name: same unit"

itest_finish
