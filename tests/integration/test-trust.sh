#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Who may decide what runs as root, tried as a local attacker would: a
# plain user (created for this test) and a member of sandboxd's admin group
# (the same user, while in the group).
#
#  - a drop-in planted beside a unit in a world-writable directory, and a
#    group-writable unit: root's `sandboxctl check/run` refuses them;
#  - a bind mount the unit's policy does not allow (AllowBindPaths=);
#  - an admin naming a policy of their own (Policy=/path outside the policy
#    search path) to get CAP_SYS_ADMIN: refused by sandboxd;
#  - GetUnitPlan as the admin does not show the value from a root-only
#    EnvironmentFile= (root sees it), and status --json shows none;
#  - a unit enabled by the admin is started by the next sandboxd only while
#    they are still in the admin group; after that it is failed, and status
#    says why.
#
# The user and group are removed at the end. One "ok - ..." line per check.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init
for t in useradd userdel groupadd groupdel gpasswd setpriv python3; do
        command -v "$t" >/dev/null || skip "$t is not installed"
done

# ---- the attacker: a user, and an admin group it starts in ----

TUSER=sbxt$$
TGROUP=sbxadm$$
groupadd "$TGROUP" || skip "groupadd $TGROUP failed"
at_exit "groupdel $TGROUP 2>/dev/null"
if ! useradd -M -N -g nogroup -G "$TGROUP" -d / -s /usr/sbin/nologin "$TUSER"; then
        skip "useradd $TUSER failed"
fi
at_exit "userdel $TUSER 2>/dev/null"
TUID=$(id -u "$TUSER")

# as_user CMD...: as $TUSER with its groups from the group database.
as_user() {
        RC=0 OUT=$TESTDIR/u.out ERR=$TESTDIR/u.err
        timeout -s KILL 30 setpriv --reuid="$TUSER" --regid=nogroup --init-groups "$@" \
                </dev/null >"$TESTDIR/u.out" 2>"$TESTDIR/u.err" || RC=$?
}
# as_root CMD...: the same, as root.
as_root() {
        RC=0 OUT=$TESTDIR/u.out ERR=$TESTDIR/u.err
        timeout -s KILL 30 "$@" </dev/null >"$TESTDIR/u.out" 2>"$TESTDIR/u.err" || RC=$?
}

leftovers_snapshot "$TESTDIR/before"

# ---- a drop-in planted beside a unit in a world-writable directory ----

WW=$TESTDIR/ww
mkdir -m 1777 "$WW"
cat >"$WW/$ID-dd.unit" <<EOF
[Sandbox]
Image=$IMAGE
Environment=SBXTEST_ID=$ID

[Service]
ExecStart=/bin/echo root-meant-this
EOF
as_user sh -c "mkdir '$WW/$ID-dd.unit.d' && printf '[Service]\nExecStart=\nExecStart=/bin/echo PLANTED-BY-USER\n' >'$WW/$ID-dd.unit.d/zz.conf'"
[ "$RC" = 0 ] || die "$TUSER could not plant a drop-in in $WW: $(cat "$TESTDIR/u.err")"
as_root "$SANDBOXCTL" check "$WW/$ID-dd.unit"
expect_rc 1 "root's check of $WW/$ID-dd.unit with $TUSER's drop-in directory beside it"
expect_line "$ERR" \
        "$WW/$ID-dd.unit.d: is writable by uid $TUID (its owner, neither root nor the caller); refusing." \
        "the refusal names the drop-in directory and its owner"
sbx_run "$WW/$ID-dd.unit"
check "sandboxctl run of that unit refuses (exit $RC) and runs nothing" \
        eval '[ "$RC" != 0 ] && ! grep -q PLANTED-BY-USER "$OUT"'
# The same drop-in in a directory root made: the file's owner is what counts.
rm -rf "$WW/$ID-dd.unit.d"
mkdir -m 0755 "$WW/$ID-dd.unit.d"
chmod 1777 "$WW/$ID-dd.unit.d"
as_user sh -c "printf '[Service]\nExecStart=\nExecStart=/bin/echo PLANTED-BY-USER\n' >'$WW/$ID-dd.unit.d/zz.conf'"
as_root "$SANDBOXCTL" check "$WW/$ID-dd.unit"
expect_rc 1 "root's check with a sticky, world-writable drop-in directory"
expect_line "$ERR" "$WW/$ID-dd.unit.d: is writable by anyone (mode 1777); refusing." \
        "a sticky drop-in directory gets no exception"
chmod 0755 "$WW/$ID-dd.unit.d"
as_root "$SANDBOXCTL" check "$WW/$ID-dd.unit"
expect_rc 1 "root's check with $TUSER's drop-in in root's drop-in directory"
expect_line "$ERR" \
        "$WW/$ID-dd.unit.d/zz.conf: is writable by uid $TUID (its owner, neither root nor the caller); refusing." \
        "the refusal names the drop-in"
rm -rf "$WW/$ID-dd.unit.d"
as_root "$SANDBOXCTL" check "$WW/$ID-dd.unit"
expect_rc 0 "root's own unit in the sticky directory, without the drop-in"

# ---- a group-writable unit ----

write_unit "$ID-gw" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/echo root-meant-this
EOF
chgrp "$TGROUP" "$UNITDIR/$ID-gw.unit"
chmod 0664 "$UNITDIR/$ID-gw.unit"
as_user sh -c "printf '[Security]\nCapabilities=\n' >>'$UNITDIR/$ID-gw.unit'"
[ "$RC" = 0 ] || die "$TUSER could not write the group-writable unit: $(cat "$TESTDIR/u.err")"
as_root "$SANDBOXCTL" check "$ID-gw"
expect_rc 1 "root's check of a unit that group $TGROUP may write"
expect_line "$ERR" \
        "$UNITDIR/$ID-gw.unit: is writable by group $(getent group "$TGROUP" | cut -d: -f3) (mode 0664); refusing." \
        "the refusal names the unit, the group and the mode"

# ---- AllowBindPaths= ----

write_unit "$ID-bind" <<'EOF'
[Sandbox]
Image=@IMAGE@
BindReadOnlyPaths=/etc:/mnt
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/cat /mnt/shadow
EOF
as_root "$SANDBOXCTL" check "$ID-bind"
expect_rc 1 "a bind of /etc under the default policy"
expect_line "$ERR" \
        "$UNITDIR/$ID-bind.unit:3: BindReadOnlyPaths: /etc not allowed by policy default ($SANDBOXD_POLICY_PATH/default.policy: [Sandbox] AllowBindPaths=)." \
        "the refusal names the unit's line and the policy's key"
ln -s /etc "$TESTDIR/srv-link"
cp "$SRC_DIR/policies/default.policy" "$TESTDIR/srvonly.policy"
echo "AllowBindPaths=$TESTDIR" >>"$TESTDIR/srvonly.policy"
write_unit "$ID-bind2" <<'EOF'
[Sandbox]
Image=@IMAGE@
BindReadOnlyPaths=@TESTDIR@/srv-link:/mnt
Environment=SBXTEST_ID=@ID@

[Security]
Policy=@TESTDIR@/srvonly.policy

[Service]
ExecStart=/bin/cat /mnt/shadow
EOF
as_root "$SANDBOXCTL" check "$ID-bind2"
expect_rc 1 "a symlink under an allowed prefix that leads to /etc"
expect_match "$ERR" "BindReadOnlyPaths: $TESTDIR/srv-link \(/etc\) not allowed by policy srvonly" \
        "judged by where it leads"

# ---- sandboxd, with the test group as its admin group ----

daemon_init
DAEMON_ARGS=(--admin-group="$TGROUP")
at_exit 'daemon_cleanup "$ID-env" "$ID-en" "$ID-evil" "$ID-own"'
# The user's own field of a status --json answer, or nothing.
status_field() {  # NAME FIELD
        timeout -s KILL 10 "$SANDBOXCTL" status --json "$1" 2>/dev/null |
                python3 -c 'import json, sys
d = json.load(sys.stdin)
d = d[0] if isinstance(d, list) else d
print(d.get(sys.argv[1], ""))' "$2" 2>/dev/null || true
}

start_daemon

# An admin's own policy, outside the policy search path.
ADM=$TESTDIR/adm
mkdir -m 0755 "$ADM"
chown "$TUSER" "$ADM"
as_user sh -c "cp '$SRC_DIR/policies/web.policy' '$ADM/mine.policy' &&
        printf '[Capabilities]\nAllow=CAP_SYS_ADMIN\n[Sandbox]\nAllowHostNetwork=yes\n' >>'$ADM/mine.policy' &&
        printf '[Sandbox]\nImage=$IMAGE\nNetwork=host\nEnvironment=SBXTEST_ID=$ID\n[Security]\nPolicy=$ADM/mine.policy\nCapabilities=CAP_SYS_ADMIN\n[Service]\nExecStart=/bin/sleep 100000\n' >'$ADM/$ID-evil.unit'"
[ "$RC" = 0 ] || die "$TUSER could not write its policy: $(cat "$TESTDIR/u.err")"
as_user "$SANDBOXCTL" start "$ADM/$ID-evil.unit"
check "sandboxctl start of a unit naming the admin's own policy, as the admin: refused (exit $RC)" [ "$RC" != 0 ]
expect_match "$ERR" "$ADM/mine.policy: Not in the policy search path \(.*\): only root may name a policy elsewhere \(caller uid $TUID\); refusing\." \
        "the refusal names the policy and why"
check "$ID-evil is not running" eval '[ "$(status_field "$ID-evil" State)" != running ]'
as_user "$SANDBOXCTL" enable "$ADM/$ID-evil.unit"
check "sandboxctl enable of it, as the admin: refused (exit $RC)" \
        eval '[ "$RC" != 0 ] && [ ! -e "$SANDBOXD_CONFIG_DIR/enabled/$ID-evil.unit" ]'

# A root-only EnvironmentFile=.
printf 'SBX_SECRET=topsecret-%s\n' "$ID" >"$TESTDIR/secret.env"
chmod 0600 "$TESTDIR/secret.env"
write_unit "$ID-env" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@ SBX_PLAIN=visible-@ID@
EnvironmentFile=@TESTDIR@/secret.env

[Service]
ExecStart=/bin/sleep 100000
EOF
as_root "$SANDBOXCTL" start "$ID-env"
[ "$RC" = 0 ] || die "sandboxctl start $ID-env: $(cat "$TESTDIR/u.err")"
get_plan() {  # as_user|as_root
        "$1" busctl --address="unix:path=$RUN/private" --json=short call org.sandboxd1 /org/sandboxd1 \
                org.sandboxd1.Manager GetUnitPlan s "$ID-env"
}
get_plan as_root
if [ "$RC" != 0 ]; then
        itest_log "# busctl on the private socket does not work here ($(cat "$TESTDIR/u.err")): sandboxctl exec instead"
        get_plan() {
                "$1" "$SANDBOXCTL" exec "$ID-env" /bin/sh -c 'echo "SBX_SECRET=$SBX_SECRET SBX_PLAIN=$SBX_PLAIN"'
        }
        get_plan as_root
fi
expect_match "$OUT" "topsecret-$ID" "root's GetUnitPlan shows the value from the root-only file"
get_plan as_user
check "GetUnitPlan as the admin works (exit $RC)" [ "$RC" = 0 ]
expect_no_match "$OUT" "topsecret" "the admin's GetUnitPlan does not show it"
expect_match "$OUT" "SBX_SECRET=\(hidden\)" "... but marks it (hidden)"
expect_match "$OUT" "SBX_PLAIN=visible-$ID" "... and shows the unit's own Environment="
as_user "$SANDBOXCTL" status --json "$ID-env"
expect_no_match "$OUT" "topsecret" "status --json as the admin does not show it"
as_root "$SANDBOXCTL" stop "$ID-env"

# A unit the admin started from a directory of their own: files root
# would refuse (owned by the admin), which sandboxd compiles for the admin.
# A restarted sandboxd must remember who started it: daemon-reload
# recompiles for that uid, not for root.
as_user sh -c "printf '[Sandbox]\nImage=$IMAGE\nEnvironment=SBXTEST_ID=$ID\n[Service]\nExecStart=/bin/sleep 100000\n' >'$ADM/$ID-own.unit'"
[ "$RC" = 0 ] || die "$TUSER could not write $ADM/$ID-own.unit: $(cat "$TESTDIR/u.err")"
as_user "$SANDBOXCTL" start "$ADM/$ID-own.unit"
[ "$RC" = 0 ] || die "sandboxctl start $ADM/$ID-own.unit as the admin: $(cat "$TESTDIR/u.err")"
check "the state file records who started it (started_by=$TUID)" grep -qx "started_by=$TUID" "$RUN/services/$ID-own/state"
kill -KILL "$DPID"
DPID=
start_daemon
own_running() { [ "$(status_field "$ID-own" State)" = running ]; }
check "a restarted sandboxd re-adopts the admin's unit" own_running
as_root "$SANDBOXCTL" daemon-reload
check "daemon-reload after the restart compiles it for the admin, not for root (exit $RC)" [ "$RC" = 0 ]
expect_no_match "$DLOG" "Reload: unit $ID-own does not compile" "sandboxd's log has no failed recompile of it"
as_root "$SANDBOXCTL" stop "$ID-own"

# An enabled unit and its enabler.
write_unit "$ID-en" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sleep 100000

[Install]
WantedBy=default
EOF
as_user "$SANDBOXCTL" enable "$ID-en"
[ "$RC" = 0 ] || die "sandboxctl enable $ID-en as the admin: $(cat "$TESTDIR/u.err")"
check "the enable link records the enabler (owner uid $TUID)" \
        eval '[ "$(stat -c %u "$SANDBOXD_CONFIG_DIR/enabled/$ID-en.unit")" = "$TUID" ]'
stop_daemon
start_daemon
en_running() { [ "$(status_field "$ID-en" State)" = running ]; }
check "the next sandboxd starts the unit the admin enabled" wait_for 10 en_running
as_root "$SANDBOXCTL" stop "$ID-en"
stop_daemon
gpasswd -d "$TUSER" "$TGROUP" >/dev/null
start_daemon
sleep 1
check "once $TUSER has left $TGROUP, the next sandboxd does not start it" \
        eval '[ "$(status_field "$ID-en" State)" = failed ]'
check "status says why (Result=enabler-not-admin)" eval '[ "$(status_field "$ID-en" Result)" = enabler-not-admin ]'
as_root "$SANDBOXCTL" status "$ID-en"
expect_match "$OUT" "enabler-not-admin" "sandboxctl status shows it"
check "sandboxd's log names the enabler" grep -q "enabled by uid $TUID, who is no longer root or in the admin group" "$DLOG"
as_root "$SANDBOXCTL" disable "$ID-en"
as_root "$SANDBOXCTL" reset-failed "$ID-en"
stop_daemon

check "no process of this test is left" eval '[ -z "$(sbx_pids)" ]'
leftovers_check "$TESTDIR/before" "the whole test (mounts, cgroups, processes)"
itest_finish
