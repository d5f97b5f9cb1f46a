#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every seccomp denial visible by name (docs/architecture.md, "Denials by
# name"), as an operator sees it and as a service could attack it:
#   - sandboxctl run: an errno denial (keyctl under default) and a kill
#     (socketpair under a policy that kills for it), summed up on stderr at
#     the exit, "x" without a UTF-8 locale;
#   - a service cannot install a seccomp listener of its own (it could
#     answer "continue" to its own denied calls);
#   - sandboxd: the same for a root and a non-root (User=) service, both
#     with a user namespace: status's Denied: line, status --json's
#     Denials, one log line per distinct syscall, "killed by seccomp";
#   - calls denied while sandboxd is SIGKILLed wait, and are answered and
#     recorded by the next sandboxd after the re-adoption;
#   - a flood of 10^6 denied calls: sandboxd answers `list` within a second
#     meanwhile, its log stays a few lines, the flood completes;
#   - a kill with Restart=always: "killed by seccomp" stays the last exit
#     while the automatic restart runs, also after a sandboxd kill -9.
# Environment as for lib.sh, plus SANDBOXD. DENIALS_FLOOD=N changes the
# flood's size (for a quick run by hand).
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_subreaper "$@"
itest_init
daemon_init

command -v python3 >/dev/null || skip "python3 is needed to parse status --json"
FLOOD=${DENIALS_FLOOD:-1000000}

mkdir -p "$TESTDIR/policies" "$TESTDIR/trigger"
chmod 0755 "$TESTDIR/policies" "$TESTDIR/trigger"
export SANDBOXD_POLICY_PATH=$TESTDIR/policies:$SANDBOXD_POLICY_PATH
STARTED=()

# The default policy, plus a kill for socketpair, and the trigger
# directory as the one bind source.
sed -e 's|^AllowBindPaths=.*|AllowBindPaths='"$TESTDIR"'/trigger|' "$SRC_DIR/policies/default.policy" \
        >"$TESTDIR/policies/denykill.policy"
printf '\n[Seccomp]\nDeny=socketpair:kill-process\n' >>"$TESTDIR/policies/denykill.policy"
chmod 0644 "$TESTDIR/policies/denykill.policy"

at_exit 'daemon_cleanup "${STARTED[@]}"; daemon_log_tail "$ITEST_RC"'

# jfield NAME PYTHON-EXPR: evaluated on status --json's object as `u`.
jfield() {
        sc status --json "$1"
        python3 -c 'import json, sys; u = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
                "$TESTDIR/sc.out" "$2" 2>/dev/null || true
}
# The Denials entry of NAME for SYSCALL, as "Arch Action Count Pid" (LastTime > 0 checked).
denial() {
        jfield "$1" "next((' '.join(str(d[k]) for k in ('Arch', 'Action', 'Count', 'Pid')) for d in u.get('Denials', []) if d['Name'] == '$2' and d['LastTime'] > 0), '')"
}
wait_until() {  # SECONDS COMMAND...
        local t=$1
        shift
        for _ in $(seq $((t * 5))); do
                "$@" && return 0
                sleep 0.2
        done
        return 1
}
count_is() { [ "$(denial "$1" "$2" | awk '{ print $3 }')" = "$3" ]; }
inactive() { local s; s=$(jfield "$1" "u['State']"); [ "$s" = inactive ] || [ "$s" = failed ]; }

write_unit keyctl <<'EOF'
[Sandbox]
Image=@IMAGE@
[Security]
Policy=default
[Service]
ExecStart=/usr/bin/sandbox-probe deny keyctl 3
EOF
write_unit spair <<'EOF'
[Sandbox]
Image=@IMAGE@
[Security]
Policy=denykill
[Service]
ExecStart=/usr/bin/sandbox-probe deny socketpair 1
EOF
write_unit ownlistener <<'EOF'
[Sandbox]
Image=@IMAGE@
[Security]
Policy=default
[Service]
ExecStart=/usr/bin/sandbox-probe own-listener
EOF

# ---- sandboxctl run ----
sbx_run keyctl
check "run: keyctl fails with EPERM" grep -q '^deny.keyctl=EPERM count=3 ' "$OUT"
expect_rc 0
LANG=C.UTF-8 sbx_run keyctl
check "run: summary at exit (UTF-8)" grep -q 'Denied: keyctl ×3 (errno:EPERM)' "$ERR"
LC_ALL=C LANG=C sbx_run keyctl
check "run: summary at exit (C locale)" grep -q 'Denied: keyctl x3 (errno:EPERM)' "$ERR"

LANG=C.UTF-8 sbx_run spair
expect_rc 137
check "run: the service killed for socketpair, by name" \
        grep -q "killed by seccomp: socketpair denied by policy denykill" "$ERR"
check "run: the kill in the summary" grep -q 'Denied: socketpair ×1 (kill-process)' "$ERR"
check "run: the killed call never returned" bash -c "! grep -q '^deny.socketpair' '$OUT'"

sbx_run ownlistener
expect_line "$OUT" own-listener=EBUSY

# ---- sandboxd ----
for n in root nobody; do
        user=""
        [ $n = nobody ] && user="User=nobody"
        write_unit "$ID-$n" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@
[Security]
Policy=default
[Service]
$user
ExecStart=/usr/bin/sandbox-probe deny keyctl 3 1000
EOF
done
write_unit "$ID-kill" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@
[Security]
Policy=denykill
[Service]
ExecStart=/usr/bin/sandbox-probe deny socketpair 1 1000
EOF
write_unit "$ID-adopt" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@
BindReadOnlyPaths=$TESTDIR/trigger:/mnt
[Security]
Policy=denykill
[Service]
ExecStart=/bin/sh -c "while [ ! -e /mnt/go ]; do sleep 0.1; done; exec /usr/bin/sandbox-probe deny add_key 5 1000"
EOF
# Killed for socketpair while trigger/kill exists, else it sleeps.
write_unit "$ID-rekill" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@
BindReadOnlyPaths=$TESTDIR/trigger:/mnt
[Security]
Policy=denykill
[Service]
ExecStart=/bin/sh -c "if [ -e /mnt/kill ]; then exec /usr/bin/sandbox-probe deny socketpair 1; fi; exec sleep 100000"
Restart=always
RestartSec=3s
EOF
write_unit "$ID-flood" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@
[Security]
Policy=default
[Service]
ExecStart=/usr/bin/sandbox-probe deny keyctl $FLOOD
EOF

start_daemon
for n in root nobody kill; do
        sc start "$ID-$n"
        [ "$RC" = 0 ] && STARTED+=("$ID-$n")
done
for n in root nobody; do
        check "sandboxd ($n): keyctl counted" wait_until 20 count_is "$ID-$n" keyctl 3
        check "sandboxd ($n): Denials entry x86_64 errno:EPERM 3, pid 2" \
                test "$(denial "$ID-$n" keyctl)" = "x86_64 errno:EPERM 3 2"
        LANG=C.UTF-8 sc status "$ID-$n"
        check "sandboxd ($n): status's Denied: line" grep -q 'Denied: keyctl ×3 (errno:EPERM)' "$TESTDIR/sc.out"
        check "sandboxd ($n): one log line, by name" \
                test "$(grep -c "$ID-$n.*Denied syscall keyctl (x86_64) to PID 2 (in the sandbox): errno:EPERM by policy default" "$DLOG")" = 1
done
check "sandboxd (nobody): runs as nobody" test "$(jfield "$ID-nobody" "u['User']")" = "65534:65534"

check "sandboxd: the killed service ends" wait_until 20 inactive "$ID-kill"
LANG=C.UTF-8 sc status "$ID-kill"
check "sandboxd: status says killed by seccomp" \
        grep -q 'Last exit: killed by seccomp: socketpair denied by policy denykill' "$TESTDIR/sc.out"
check "sandboxd: the kill in Denied:" grep -q 'Denied: socketpair ×1 (kill-process)' "$TESTDIR/sc.out"
check "sandboxd: Denials entry for the kill" test "$(denial "$ID-kill" socketpair)" = "x86_64 kill-process 1 2"
check "sandboxd: the kill logged" grep -q "$ID-kill.*Killed PID 2 (in the sandbox) for syscall socketpair" "$DLOG"
check "sandboxd: SeccompKill in --json" \
        test "$(jfield "$ID-kill" "u['SeccompKill']")" = "socketpair denied by policy denykill"

# The kill stays the last exit while the automatic restart runs: a new
# run empties neither LastExit nor SeccompKill until it ends itself.
touch "$TESTDIR/trigger/kill"
sc start "$ID-rekill"
[ "$RC" = 0 ] && STARTED+=("$ID-rekill")
rekill_waits() { [ "$(jfield "$ID-rekill" "u['State']")" = auto-restart ]; }
check "rekill: killed, waiting to restart" wait_until 20 rekill_waits
rm -f "$TESTDIR/trigger/kill"
rekill_runs() { [ "$(jfield "$ID-rekill" "u['State'] + ' ' + str(u['NRestarts'])")" = "running 1" ]; }
check "rekill: restarted, runs" wait_until 20 rekill_runs
rekill_last_exit() {  # WHAT
        LANG=C.UTF-8 sc status "$ID-rekill"
        check "rekill ($1): status keeps the kill as the last exit" \
                grep -q 'Last exit: killed by seccomp: socketpair denied by policy denykill' "$TESTDIR/sc.out"
        check "rekill ($1): --json LastExit and SeccompKill" \
                test "$(jfield "$ID-rekill" "u['LastExit'] + ' / ' + u['SeccompKill']")" = \
                "killed 9 / socketpair denied by policy denykill"
}
rekill_last_exit "after the restart"
stop_daemon KILL
start_daemon
check "rekill: re-adopted, running" test "$(jfield "$ID-rekill" "u['State']")" = running
rekill_last_exit "after a kill -9 of sandboxd"

# Denied calls while no sandboxd runs wait; the next one answers them.
sc start "$ID-adopt"
[ "$RC" = 0 ] && STARTED+=("$ID-adopt")
stop_daemon KILL
touch "$TESTDIR/trigger/go"
sleep 1
check "while sandboxd is down, the denied call waits" \
        bash -c "! grep -q '^deny.add_key' '$SANDBOXD_LOG_DIR/$ID-adopt.log' 2>/dev/null"
start_daemon
check "re-adopted: add_key answered and counted" wait_until 20 count_is "$ID-adopt" add_key 5
check "re-adopted: the service saw EPERM" \
        wait_until 10 grep -q '^deny.add_key=EPERM count=5' "$SANDBOXD_LOG_DIR/$ID-adopt.log"
check "re-adopted: still running" test "$(jfield "$ID-adopt" "u['State']")" = running

# The flood.
sc start "$ID-flood"
[ "$RC" = 0 ] && STARTED+=("$ID-flood")
slow=0 worst=0
for _ in $(seq 10); do
        t0=$(date +%s%N)
        timeout 5 "$SANDBOXCTL" list >/dev/null 2>&1 || slow=$((slow + 1))
        ms=$((($(date +%s%N) - t0) / 1000000))
        [ "$ms" -gt "$worst" ] && worst=$ms
        [ "$ms" -gt 1000 ] && slow=$((slow + 1))
        sleep 0.3
done
check "flood: sandboxd answered list within a second (worst ${worst} ms)" test "$slow" = 0
check "flood: still flooding during the checks" bash -c "! grep -q '^deny.keyctl' '$SANDBOXD_LOG_DIR/$ID-flood.log' 2>/dev/null"
t0=$(date +%s)
check "flood: all $FLOOD calls answered" wait_until 600 count_is "$ID-flood" keyctl "$FLOOD"
itest_log "# flood of $FLOOD denied calls: $(($(date +%s) - t0)) s after the checks; $(grep -o 'usec=[0-9]*' "$SANDBOXD_LOG_DIR/$ID-flood.log" 2>/dev/null || true)"
check "flood: the service completed" wait_until 20 grep -q "^deny.keyctl=EPERM count=$FLOOD" "$SANDBOXD_LOG_DIR/$ID-flood.log"
check "flood: sandboxd's log has one denial line for it" test "$(grep -c "$ID-flood: Denied" "$DLOG")" = 1
itest_finish
