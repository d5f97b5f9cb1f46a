#!/bin/bash
# The life of a foreground run: `sandboxctl run` exits with the service's
# status (128+N when a signal N killed it), passes stdout and stderr
# through, stops the service on SIGTERM and SIGINT (KillSignal= first,
# SIGKILL after TimeoutStopSec=), takes daemonised children down with the
# service, and leaves nothing behind in any of these cases.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

probe_unit() {  # name, ExecStart arguments, extra [Service] lines
        write_unit "$1" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=$2
${3:-}
EOF
}

# ---- log level ----

# The drivers' debug lines are seen only when asked for, by either spelling.
probe_unit "loglevel" "/usr/bin/sandbox-probe exit 0"
sbx_run "loglevel"
expect_rc 0 "log level: the default run succeeds"
expect_no_match "$ERR" "Created cgroup" "log level: no debug line by default"
SANDBOXD_LOG_LEVEL=debug sbx_run "loglevel"
expect_rc 0 "log level: SANDBOXD_LOG_LEVEL=debug: the run succeeds"
expect_match "$ERR" "Created cgroup" "log level: SANDBOXD_LOG_LEVEL=debug shows the cgroup driver's debug line"
RC=0
"$SANDBOXCTL" --log-level=debug run "$UNITDIR/loglevel.unit" </dev/null >"$TESTDIR/ll.out" 2>"$TESTDIR/ll.err" || RC=$?
expect_rc 0 "log level: --log-level=debug: the run succeeds"
expect_match "$TESTDIR/ll.err" "Created cgroup" "log level: --log-level=debug shows the cgroup driver's debug line"
RC=0
"$SANDBOXCTL" --log-level=loud run "$UNITDIR/loglevel.unit" </dev/null >"$TESTDIR/ll.out" 2>"$TESTDIR/ll.err" || RC=$?
expect_rc 2 "log level: --log-level=loud is refused"
expect_match "$TESTDIR/ll.err" "takes emerg, alert" "log level: the refusal names the levels"

# ---- libsystemd, dlopen()ed ----

# On a host that systemd does not run, `sandboxctl run` of a unit without
# Network=service: never loads libsystemd, so its start does not pay for
# it: with a libsystemd.so.0 that has none of its functions first in the
# library path (tests/unit/fake-libsystemd.c), the run still works.
if [ -e /run/systemd/system ]; then
        itest_log "# skip: without libsystemd: systemd runs this host, the systemd cgroup driver loads it"
elif [ -z "${FAKE_LIBSYSTEMD:-}" ]; then
        fail "without libsystemd: FAKE_LIBSYSTEMD is not set (tests/integration/meson.build)"
else
        mkdir -p "$TESTDIR/fakelib"
        cp "$FAKE_LIBSYSTEMD" "$TESTDIR/fakelib/libsystemd.so.0"
        probe_unit "nolibsystemd" "/usr/bin/sandbox-probe exit 3"
        leftovers_snapshot "$TESTDIR/before"
        LD_LIBRARY_PATH="$TESTDIR/fakelib" sbx_run "nolibsystemd"
        expect_rc 3 "without libsystemd: the run works and never loads it"
        expect_no_match "$ERR" "libsystemd" "without libsystemd: nothing said about it"
        leftovers_check "$TESTDIR/before" "without libsystemd"
fi

# ---- exit statuses ----

for st in 0 1 42 255; do
        probe_unit "exit$st" "/usr/bin/sandbox-probe exit $st"
        leftovers_snapshot "$TESTDIR/before"
        sbx_run "exit$st"
        expect_rc "$st" "service exits $st: sandboxctl exits $st"
        leftovers_check "$TESTDIR/before" "exit $st"
done

for sig in 9 15 11 6; do
        probe_unit "sig$sig" "/usr/bin/sandbox-probe kill-self $sig"
        leftovers_snapshot "$TESTDIR/before"
        sbx_run "sig$sig"
        expect_rc $((128 + sig)) "service killed by signal $sig: sandboxctl exits $((128 + sig))"
        leftovers_check "$TESTDIR/before" "killed by signal $sig"
done

# ---- output passes through ----

probe_unit output "/bin/sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'"
sbx_run output
expect_rc 3 "output: exit 3"
expect_line "$OUT" to-stdout "service stdout reaches sandboxctl's stdout"
expect_line "$ERR" to-stderr "service stderr reaches sandboxctl's stderr"
expect_no_match "$OUT" to-stderr "stderr does not land on stdout"

# ---- SIGTERM and SIGINT to sandboxctl ----

# stop_run UNIT SIGNAL: start, wait for "ready", signal sandboxctl, wait.
stop_run() {
        local unit=$1 sig=$2 start
        sbx_start "$unit"
        if ! wait_for 15 grep -q '^ready' "$OUT"; then
                fail "$unit: the service did not start: $(head -c 300 "$ERR" | tr '\n' ' ')"
                return 1
        fi
        start=$(date +%s%N)
        kill -s "$sig" "$SBX_PID"
        sbx_wait "$SBX_PID" 20
        ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
}

probe_unit termprobe "/usr/bin/sandbox-probe sleep 60"
leftovers_snapshot "$TESTDIR/before"
if stop_run termprobe TERM; then
        expect_line "$OUT" "got=SIGTERM" "SIGTERM to sandboxctl reaches the service"
        expect_rc 0 "the service handled SIGTERM and exited 0: sandboxctl exits 0"
fi
leftovers_check "$TESTDIR/before" "SIGTERM, service exits cleanly"

probe_unit termsleep "/bin/sh -c 'echo ready; exec sleep 60'"
leftovers_snapshot "$TESTDIR/before"
if stop_run termsleep TERM; then
        expect_rc 143 "service killed by the forwarded SIGTERM: sandboxctl exits 143"
        if [ "$ELAPSED_MS" -lt 3000 ]; then ok "stopped in ${ELAPSED_MS}ms"; else fail "took ${ELAPSED_MS}ms to stop"; fi
fi
leftovers_check "$TESTDIR/before" "SIGTERM, service killed"

leftovers_snapshot "$TESTDIR/before"
if stop_run termsleep INT; then
        if [ "$RC" = 143 ] || [ "$RC" = 130 ]; then
                ok "SIGINT to sandboxctl stops the service (exit $RC)"
        else
                fail "SIGINT to sandboxctl: exit $RC, expected 130 or 143"
        fi
fi
leftovers_check "$TESTDIR/before" "SIGINT"

probe_unit stubborn "/usr/bin/sandbox-probe sleep 60 --ignore-term" "TimeoutStopSec=1s"
leftovers_snapshot "$TESTDIR/before"
if stop_run stubborn TERM; then
        expect_rc 137 "service ignoring SIGTERM is SIGKILLed after TimeoutStopSec=: exit 137"
        if [ "$ELAPSED_MS" -ge 900 ] && [ "$ELAPSED_MS" -lt 5000 ]; then
                ok "SIGKILL came after TimeoutStopSec=1s (${ELAPSED_MS}ms)"
        else
                fail "SIGKILL after ${ELAPSED_MS}ms, expected about 1000ms"
        fi
fi
leftovers_check "$TESTDIR/before" "TimeoutStopSec escalation"

probe_unit killsig "/usr/bin/sandbox-probe sleep 60 --ignore-term" "KillSignal=SIGUSR1
TimeoutStopSec=5s"
if stop_run killsig TERM; then
        expect_rc 138 "KillSignal=SIGUSR1 is what the service gets: exit 138"
fi

# ---- daemons and orphans go down with the service ----

probe_unit spawner "/usr/bin/sandbox-probe spawn 3"
leftovers_snapshot "$TESTDIR/before"
sbx_run spawner
expect_rc 0 "service that daemonises 3 sleepers exits 0"
n=$(grep -c '^daemon=' "$OUT" || true)
check "the service did start 3 daemons" test "$n" = 3
leftovers_check "$TESTDIR/before" "daemonised children (setsid + double fork)"

probe_unit spawnwait "/bin/sh -c '/usr/bin/sandbox-probe spawn 2; echo ready; exec sleep 60'"
leftovers_snapshot "$TESTDIR/before"
if stop_run spawnwait TERM; then
        expect_rc 143 "SIGTERM with daemons around: exit 143"
fi
leftovers_check "$TESTDIR/before" "SIGTERM with daemons around"

# ---- sandboxctl itself killed with SIGKILL ----
# It cannot clean up after itself then; but the sandbox must not live on
# (its init should die with its parent). Cgroup directories it could not
# remove are reported, then removed here so the machine stays clean.

probe_unit orphaned "/bin/sh -c 'echo ready; exec sleep 60'"
leftovers_snapshot "$TESTDIR/before"
sbx_start orphaned
if wait_for 15 grep -q '^ready' "$OUT"; then
        kill -KILL "$SBX_PID"
        sbx_wait "$SBX_PID" 5
        no_sbx_pids() { [ -z "$(sbx_pids)" ]; }
        if wait_for 5 no_sbx_pids; then
                ok "sandboxctl SIGKILLed: the sandbox's processes die with it"
        else
                fail "sandboxctl SIGKILLed: sandbox processes live on: $(sbx_pids | tr '\n' ' ')"
                sbx_pids | awk '{ print $1 }' | xargs -r kill -KILL 2>/dev/null || true
        fi
        leftovers_snapshot "$TESTDIR/after-kill"
        stale=$(diff "$TESTDIR/before" "$TESTDIR/after-kill" | sed -n 's/^> cgroup //p' || true)
        if [ -n "$stale" ]; then
                itest_log "# note: after SIGKILL of sandboxctl these cgroups stayed (removed now): $(tr '\n' ' ' <<<"$stale")"
                sleep 0.5
                echo "$stale" | sort -r | xargs -r rmdir 2>/dev/null || true
        fi
        leftovers_check "$TESTDIR/before" "SIGKILL of sandboxctl (after removing its cgroups)"
else
        fail "orphaned: the service did not start"
fi

itest_finish
