#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# exec and run never hand the caller's terminal, pipes or files to the
# sandbox. The attacker is a process of the service (same uid as what
# exec runs) that scans /proc/*/fd/{0,1,2} of every other process it can
# see and opens whatever is there read-write, as one would to keep the
# admin's terminal, print a fake password prompt on it and read what is
# typed. It logs the device and inode of everything it opened; the host
# checks that the caller's terminal (its devpts instance and inode) and
# the caller's pipe are never among them, and that the attacker did open
# the sandbox's own pty and pipes (so it was looking at the right time).
# Also: exec -t (tty, window size, ^C, exit status), exec -i and without
# it, a background process that keeps the pty or a pipe open does not hold
# the relay, nothing is left in the service, and run with and without -t.
# Environment as for test-daemon.sh (SANDBOXD is the daemon binary).
set -eEuo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_subreaper "$@"
# This test stops at its first failure (lib.sh's checks go on).
itest_fail_fast
itest_init
die() { fail "$*"; }
daemon_init

for t in script python3 stty; do
        command -v $t >/dev/null || skip "$t is not installed"
done

STARTED_UNITS=()
T=$TESTDIR

at_exit 'daemon_cleanup "${STARTED_UNITS[@]}"; daemon_log_tail "$ITEST_RC"'

# on_tty FILE COMMAND: COMMAND (a shell string) on a terminal of its own,
# 33 rows by 77 columns, with our stdin passed to it; its output in FILE.
# Sets RC to its exit status.
on_tty() {
        local file=$1
        shift
        RC=0
        timeout -s KILL 60 script -qec "stty rows 33 cols 77; $*" /dev/null >"$file" 2>&1 || RC=$?
}

# ident PATH: "DEV INODE" of the file an fd link names (for a terminal,
# its devpts instance and node).
ident() { stat -L -c '%d %i' "$1"; }

# ---- the attacker ----

cat >"$IMAGE/spy.sh" <<'EOF'
#!/bin/sh
# spy.sh [ROUNDS]: open every fd 0-2 of every other process read-write.
n=${1:-1000000}
echo spy-ready
while [ "$n" -gt 0 ]; do
        n=$((n - 1))
        for f in /proc/[0-9]*/fd/0 /proc/[0-9]*/fd/1 /proc/[0-9]*/fd/2; do
                p=${f#/proc/}
                p=${p%%/*}
                [ "$p" = "$$" ] && continue
                s=$( (exec 9<>"$f" && stat -L -c '%d %i %F %t:%T' /proc/self/fd/9) 2>/dev/null) || continue
                echo "spy-opened $s $(readlink "$f" 2>/dev/null)"
        done
        sleep 0.05
done
EOF
chmod 0755 "$IMAGE/spy.sh"

# The worst case: no user namespace, so that the attacker, root of the
# sandbox, is the host's root, which owns the caller's terminal and pipes
# (in a user namespace the host's root is not mapped, and their modes keep
# the sandbox's root out as well: that case is the second spy).
POLDIR=$T/policies
mkdir -p "$POLDIR"
sed -e 's/^RequireNamespaces=.*/RequireNamespaces=mount pid/' "$SRC_DIR/policies/default.policy" >"$POLDIR/nouser.policy"
grep -q '^RequireNamespaces=mount pid$' "$POLDIR/nouser.policy" || fail "could not write the test policy"
export SANDBOXD_POLICY_PATH=$POLDIR:$SANDBOXD_POLICY_PATH
write_unit "$ID-spy" <<'EOF'
[Sandbox]
Image=@IMAGE@
Namespaces=pid mount uts ipc net cgroup
Environment=SBXTEST_ID=@ID@

[Security]
Policy=nouser

[Service]
ExecStart=/spy.sh
EOF
write_unit "$ID-spyu" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/spy.sh
EOF
write_unit "$ID-sleep" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sleep 100000
EOF
# run's own attacker: in the same sandbox as the service, beside it.
write_unit "$ID-run" <<'EOF'
[Sandbox]
Image=@IMAGE@
Namespaces=pid mount uts ipc net cgroup
Environment=SBXTEST_ID=@ID@

[Security]
Policy=nouser

[Service]
ExecStart=/bin/sh -c "/spy.sh 40 & sleep 0.5; tty; stty size; sleep 2; wait; exit 3"
EOF

leftovers_snapshot "$T/before"
HOST_PTS_DEV=$(stat -c %d /dev/pts/ptmx)

start_daemon
for u in spy spyu sleep; do
        "$SANDBOXCTL" start "$ID-$u" >/dev/null || fail "start $ID-$u"
        STARTED_UNITS+=("$ID-$u")
done
SPYLOG=$SANDBOXD_LOG_DIR/$ID-spy.log
wait_for 5 grep -q spy-ready "$SPYLOG" || fail "the spy did not start: $(cat "$SPYLOG" 2>/dev/null)"
ok "the attacker runs in $ID-spy"

main_pid() { "$SANDBOXCTL" status "$1" | sed -n 's/^ *Main PID: *//p' | head -n1; }
SLEEP_PID=$(main_pid "$ID-sleep")
[ -n "$SLEEP_PID" ] || fail "no main PID of $ID-sleep"
SLEEP_CG=$(find /sys/fs/cgroup -mindepth 1 -type d -name "sandbox-$ID-sleep*" | head -n1)
procs_of_sleep() { cat "$SLEEP_CG/cgroup.procs" | sort -n | tr '\n' ' '; }
fds_of_sleep() { ls -l "/proc/$SLEEP_PID/fd" | awk 'NR > 1 { print $9, $11 }' | tr '\n' ' '; }
PROCS_BEFORE=$(procs_of_sleep)
FDS_BEFORE=$(fds_of_sleep)

# ---- exec -t: the attack, and the terminal inside ----

on_tty "$T/exec-t.out" "stat -L -c '%d %i' /proc/\$\$/fd/0 >'$T/caller-tty'; exec '$SANDBOXCTL' exec -t '$ID-spy' sh -c 'tty; stty size; sleep 2; exit 7'"
[ "$RC" = 7 ] || fail "exec -t: exit status $RC, not 7: $(cat -v "$T/exec-t.out")"
ok "exec -t: the command's exit status (7)"
grep -qE '^/dev/pts/[0-9]+' "$T/exec-t.out" || fail "exec -t: tty says: $(cat -v "$T/exec-t.out")"
ok "exec -t: tty inside is $(grep -oE '^/dev/pts/[0-9]+' "$T/exec-t.out")"
grep -q '^33 77' "$T/exec-t.out" || fail "exec -t: stty size: $(cat -v "$T/exec-t.out")"
ok "exec -t: the outer window size (33 77) inside"
read -r tdev _ <"$T/caller-tty"
[ "$tdev" = "$HOST_PTS_DEV" ] || fail "the caller's terminal is not on the host's devpts ($tdev, $HOST_PTS_DEV)"
# The sandbox's own pty, opened by the attacker: it was watching.
grep -E '^spy-opened [0-9]+ [0-9]+ character special' "$SPYLOG" | grep -v "^spy-opened $HOST_PTS_DEV " >/dev/null ||
        fail "the attacker never opened the sandbox's own pty: $(grep spy-opened "$SPYLOG" | sort -u | head)"
ok "the attacker opened the sandbox's own pty (so it looked while exec ran)"

# With a user namespace: the pty is the user's inside, and the attacker
# gets the same as above.
on_tty "$T/exec-tu.out" "stat -L -c '%d %i' /proc/\$\$/fd/0 >'$T/caller-tty3'; exec '$SANDBOXCTL' exec -t '$ID-spyu' sh -c 'stat -c owner=%u \$(tty); sleep 2'"
[ "$RC" = 0 ] && grep -q '^owner=0' "$T/exec-tu.out" || fail "exec -t in a user namespace: exit $RC: $(cat -v "$T/exec-tu.out")"
ok "exec -t in a user namespace: the pty belongs to the command's user inside"

# ---- exec without -t: pipes ----

on_tty "$T/exec.out" "stat -L -c '%d %i' /proc/\$\$/fd/0 >'$T/caller-tty2'; exec '$SANDBOXCTL' exec '$ID-spy' sh -c '[ -t 0 ] || echo stdin-no-tty; [ -t 1 ] || echo stdout-no-tty; cat; sleep 2'"
[ "$RC" = 0 ] || fail "exec: exit status $RC: $(cat -v "$T/exec.out")"
grep -q stdin-no-tty "$T/exec.out" && grep -q stdout-no-tty "$T/exec.out" ||
        fail "exec: the command got a terminal: $(cat -v "$T/exec.out")"
ok "exec without -t on a terminal: the command's stdin and stdout are no terminal, stdin is empty"
grep -E '^spy-opened .* fifo ' "$SPYLOG" | grep 'pipe:' >/dev/null ||
        fail "the attacker never opened exec's pipes: $(grep spy-opened "$SPYLOG" | sort -u | head)"
ok "the attacker opened the command's pipes"

# exec -i: stdin through a pipe; the caller's pipe is not the command's.
out=$(echo hello | sh -c "stat -L -c '%d %i' /proc/\$\$/fd/0 >'$T/caller-pipe'; exec '$SANDBOXCTL' exec -i '$ID-spy' sh -c 'cat; sleep 2'")
[ "$out" = hello ] || fail "echo hello | exec -i cat: '$out'"
ok "echo hello | exec -i cat: hello"
out=$(echo hello | timeout 20 "$SANDBOXCTL" exec "$ID-spy" cat)
[ -z "$out" ] || fail "echo hello | exec cat (no -i): '$out'"
ok "exec without -i: stdin is empty"

# ---- what the attacker got ----

sleep 0.3
SPYULOG=$SANDBOXD_LOG_DIR/$ID-spyu.log
for f in caller-tty caller-tty2 caller-pipe caller-tty3; do
        read -r d i <"$T/$f"
        if grep -q "^spy-opened $d $i " "$SPYLOG" "$SPYULOG"; then
                fail "the attacker opened the caller's $f ($d $i): $(grep "^spy-opened $d $i " "$SPYLOG" "$SPYULOG" | head -n 3)"
        fi
done
grep "^spy-opened $HOST_PTS_DEV " "$SPYLOG" "$SPYULOG" && fail "the attacker opened a terminal of the host's devpts"
ok "the attacker never opened the caller's terminal or pipe, nor any terminal of the host ($(grep -c spy-opened "$SPYLOG") opens)"

# ---- ^C, exit statuses, background processes, leaks ----

start=$(date +%s)
RC=0
{ sleep 2; printf '\003'; sleep 5; } | timeout -s KILL 30 script -qec "'$SANDBOXCTL' exec -it '$ID-sleep' sh -c 'echo started; sleep 100; echo not-interrupted'" /dev/null >"$T/intr.out" 2>&1 || RC=$?
elapsed=$(($(date +%s) - start))
grep -q started "$T/intr.out" && ! grep -q not-interrupted "$T/intr.out" && [ "$RC" = 130 ] && [ "$elapsed" -lt 10 ] ||
        fail "exec -it: ^C did not interrupt sleep 100 (exit $RC after ${elapsed}s): $(cat -v "$T/intr.out")"
ok "exec -it: ^C interrupts sleep 100 inside (exit 130; ${elapsed}s with the 7 s of input)"

RC=0
timeout 20 "$SANDBOXCTL" exec "$ID-sleep" sh -c 'exit 7' </dev/null || RC=$?
[ "$RC" = 7 ] || fail "exec sh -c 'exit 7': $RC"
ok "exec: exit status 7"

for t in "" -t; do
        start=$(date +%s%N)
        RC=0
        out=$(timeout 20 "$SANDBOXCTL" exec $t "$ID-sleep" sh -c 'sleep 30 & echo bg' </dev/null) || RC=$?
        ms=$((($(date +%s%N) - start) / 1000000))
        [ "$RC" = 0 ] && [ "$ms" -lt 5000 ] && [[ $out == bg* ]] ||
                fail "exec $t with a background process holding its output: exit $RC after $ms ms: '$out'"
        what=pipe; [ -n "$t" ] && what=pty
        ok "exec $t: a background process keeping the $what open does not hold the relay ($ms ms)"
done
# The two background sleeps (children of the sandbox's init now) go; then
# nothing of ours is in the service.
for p in $(cat "$SLEEP_CG/cgroup.procs"); do
        [ "$(cat "/proc/$p/cmdline" 2>/dev/null | tr '\0' ' ')" = "sleep 30 " ] && kill -KILL "$p"
done
wait_for 5 test "$(procs_of_sleep)" = "$PROCS_BEFORE" ||
        fail "processes left in $ID-sleep: before $PROCS_BEFORE, now $(procs_of_sleep)"
echo hi | timeout 20 "$SANDBOXCTL" exec -i "$ID-sleep" cat >/dev/null
on_tty "$T/leak.out" "'$SANDBOXCTL' exec -t '$ID-sleep' true"
[ "$(procs_of_sleep)" = "$PROCS_BEFORE" ] || fail "processes left in $ID-sleep after exec: $(procs_of_sleep)"
[ "$(fds_of_sleep)" = "$FDS_BEFORE" ] || fail "fds of $ID-sleep changed: before $FDS_BEFORE, now $(fds_of_sleep)"
ok "after exec, -i and -t: no process left in the service, its fds unchanged ($FDS_BEFORE)"

# ---- run ----

on_tty "$T/run-t.out" "stat -L -c '%d %i' /proc/\$\$/fd/0 >'$T/caller-run'; exec '$SANDBOXCTL' run '$UNITDIR/$ID-run.unit'"
[ "$RC" = 3 ] || fail "run on a terminal: exit $RC: $(cat -v "$T/run-t.out")"
grep -qE '^/dev/pts/[0-9]+' "$T/run-t.out" && grep -q '^33 77' "$T/run-t.out" ||
        fail "run on a terminal: no pty of its own: $(cat -v "$T/run-t.out")"
ok "run on a terminal: a pty inside ($(grep -oE '^/dev/pts/[0-9]+' "$T/run-t.out")), 33 77, exit status 3"
read -r d i <"$T/caller-run"
grep -q "^spy-opened $d $i " "$T/run-t.out" && fail "run: the service opened the caller's terminal"
grep -q "^spy-opened $HOST_PTS_DEV " "$T/run-t.out" && fail "run: the service opened a host terminal"
grep -E '^spy-opened [0-9]+ [0-9]+ character special' "$T/run-t.out" | grep -v "^spy-opened $HOST_PTS_DEV " >/dev/null ||
        fail "run: the attacker beside the service never opened its pty: $(cat -v "$T/run-t.out")"
ok "run on a terminal: the attacker beside the service got its pty, never the caller's terminal"

on_tty "$T/run-T.out" "'$SANDBOXCTL' run -T '$UNITDIR/$ID-run.unit'"
[ "$RC" = 3 ] && grep -q 'not a tty' "$T/run-T.out" || fail "run -T: exit $RC: $(cat -v "$T/run-T.out")"
grep -q "^spy-opened $HOST_PTS_DEV " "$T/run-T.out" && fail "run -T: the service opened a host terminal"
ok "run -T on a terminal: pipes, no terminal inside, nor the caller's"

out=$(echo hello | timeout 30 "$SANDBOXCTL" run -T "$UNITDIR/$ID-run.unit" 2>&1) || true
grep -q 'not a tty' <<<"$out" || fail "run through pipes: $out"
ok "run through pipes: no terminal"

for u in "${STARTED_UNITS[@]}"; do
        "$SANDBOXCTL" stop "$u" >/dev/null || fail "stop $u"
done
STARTED_UNITS=()
stop_daemon
leftovers_check "$T/before" "test-tty"
itest_finish
