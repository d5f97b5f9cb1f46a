#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A service's output is never a file of the host that it could change, and
# what it costs on disk is bounded. From inside a root service (the probe's
# stdout-attack: fchmod(1, 04755), chmod of /proc/self/fd/1, ftruncate(1,
# 0)), under `sandboxctl run` with its output redirected to a file, and
# under sandboxd without journald (the cgroupfs driver, $SANDBOXD_LOG_DIR):
# the file keeps mode 0640 and its content. A service writing as fast as it
# can leaves at most --log-size-max x --log-files-max on disk, the file
# before the flood is kept as NAME.log.1, one "N bytes dropped" line says
# what was cut, `sandboxctl status` answers within a second meanwhile, and
# `sandboxctl logs` reads the rotated files in order.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

SANDBOXD=${SANDBOXD:-$SRC_DIR/build/src/daemon/sandboxd}
[ -x "$SANDBOXD" ] || skip "no sandboxd at $SANDBOXD"
[ ! -e /run/systemd/journal/stdout ] || skip "journald runs here: sandboxd would send the output there, not to a file"

export SANDBOXD_RUNTIME_DIR=$TESTDIR/run
export SANDBOXD_CONFIG_DIR=$TESTDIR/etc
export SANDBOXD_LOG_DIR=$TESTDIR/log
mkdir -p "$SANDBOXD_CONFIG_DIR"
DLOG=$TESTDIR/sandboxd.log
DPID=
SIZE_MAX=262144

write_unit "$ID-attack" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sh -c "echo before-attack; echo to-stderr >&2; /usr/bin/sandbox-probe stdout-attack; echo after-attack"
EOF

write_unit "$ID-dattack" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sh -c "echo before-attack; /usr/bin/sandbox-probe stdout-attack; exec sleep 100000"
EOF

write_unit "$ID-flood" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/usr/bin/sandbox-probe flood 4
EOF

leftovers_snapshot "$TESTDIR/before"

# ---- sandboxctl run: the caller's file ----

RUNOUT=$TESTDIR/run-output.txt
: >"$RUNOUT"
chmod 0640 "$RUNOUT"
RC=0
env SBX_CALLER_CANARY="caller-$ID" timeout -s KILL 60 "$SANDBOXCTL" run "$UNITDIR/$ID-attack.unit" \
        </dev/null >>"$RUNOUT" 2>&1 || RC=$?
itest_log "# sandboxctl run $ID-attack >>$RUNOUT 2>&1: exit $RC; $(tr '\n' ' ' <"$RUNOUT")"
check "sandboxctl run: exit 0" [ "$RC" = 0 ]
check "sandboxctl run: the service's stdout is a pipe, not the caller's file" grep -qx 'stdout=fifo mode=[0-7]*' "$RUNOUT"
check "sandboxctl run: the caller's file is still mode 0640 after fchmod(1, 04755) and chmod /proc/self/fd/1 ($(stat -c %a "$RUNOUT"))" \
        [ "$(stat -c %a "$RUNOUT")" = 640 ]
check "sandboxctl run: ftruncate(1, 0) did not empty the caller's file" grep -qx before-attack "$RUNOUT"
check "sandboxctl run: the output after the attempts is there too" grep -qx after-attack "$RUNOUT"
# One pipe when stdout and stderr are the same file: the order is kept.
check "sandboxctl run 2>&1: stdout and stderr in the order written" \
        [ "$(grep -nx -e before-attack -e to-stderr "$RUNOUT" | cut -d: -f2 | tr '\n' ' ')" = "before-attack to-stderr " ]
# Separate files: each gets its own stream.
sbx_run "$ID-attack"
check "sandboxctl run >OUT 2>ERR: stdout to OUT, stderr to ERR" \
        bash -c "grep -qx before-attack '$OUT' && grep -qx to-stderr '$ERR' && ! grep -q to-stderr '$OUT'"

# ---- sandboxd ----

start_daemon() {
        echo "# --- sandboxd started $(date +%T.%N)" >>"$DLOG"
        env --default-signal=INT,QUIT SBX_CALLER_CANARY="caller-$ID" \
                "$SANDBOXD" --no-system-bus --log-target=stderr --log-size-max=$SIZE_MAX --log-files-max=2 \
                </dev/null >>"$DLOG" 2>&1 &
        DPID=$!
        bg_track "$DPID"
        local i
        for ((i = 0; i < 100; i++)); do
                kill -0 "$DPID" 2>/dev/null || die "sandboxd exited at start: $(tail -n 20 "$DLOG" | tr '\n' ' ')"
                if [ -S "$SANDBOXD_RUNTIME_DIR/private" ] && timeout 5 "$SANDBOXCTL" list >/dev/null 2>&1; then
                        return 0
                fi
                sleep 0.1
        done
        die "sandboxd does not answer after 10 s: $(tail -n 20 "$DLOG" | tr '\n' ' ')"
}
sc() { timeout -s KILL 30 "$SANDBOXCTL" "$@" </dev/null; }
unit_running() {
        local out
        out=$(sc status "$1" 2>/dev/null) || true
        grep -q 'active (running)' <<<"$out"
}
unit_gone() { ! unit_running "$1"; }
stop_everything() {
        local n
        if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
                for n in "$ID-dattack" "$ID-flood"; do
                        sc stop "$n" >/dev/null 2>&1 || true
                done
                kill -TERM "$DPID" 2>/dev/null || true
                for ((n = 0; n < 100; n++)); do
                        kill -0 "$DPID" 2>/dev/null || break
                        sleep 0.1
                done
        fi
        DPID=
}
at_exit stop_everything
at_exit '[ "$ITEST_FAILS" = 0 ] || { echo "# --- sandboxd log"; tail -n 30 "$DLOG" | sed "s/^/#   /"; }'

start_daemon
ok "sandboxd ($DPID) answers, --log-size-max=$SIZE_MAX --log-files-max=2"

# A root service against the log file sandboxd writes for it.
LOGF=$SANDBOXD_LOG_DIR/$ID-dattack.log
sc start "$ID-dattack" >/dev/null
wait_for 10 grep -qx attack_done "$LOGF" || fail "no attack_done in $LOGF: $(head -c 300 "$LOGF" 2>&1 | tr '\n' ' ')"
itest_log "# $LOGF: $(tr '\n' ' ' <"$LOGF")"
check "sandboxd: the service's stdout is a pipe" grep -qx 'stdout=fifo mode=[0-7]*' "$LOGF"
check "sandboxd: the service's stdin is a pipe at end of file, not the host's /dev/null" grep -qx 'stdin=fifo' "$LOGF"
check "sandboxd: $LOGF is still mode 0640 after fchmod(1, 04755) and chmod /proc/self/fd/1 ($(stat -c %a "$LOGF"))" \
        [ "$(stat -c %a "$LOGF")" = 640 ]
check "sandboxd: $LOGF is owned by root" [ "$(stat -c %u:%g "$LOGF")" = 0:0 ]
check "sandboxd: ftruncate(1, 0) did not empty $LOGF" grep -qx before-attack "$LOGF"
sc stop "$ID-dattack" >/dev/null

# A flood: 4 s as fast as it can. The log file holds 200 KiB from before,
# which rotation must keep in NAME.log.1 (filled up to the cap first).
FLOG=$SANDBOXD_LOG_DIR/$ID-flood.log
for ((i = 0; i < 200 * 1024 / 16; i++)); do printf 'old-line %06d\n' "$i"; done >"$FLOG"
chmod 0640 "$FLOG"
cp "$FLOG" "$TESTDIR/flood.before"
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$DPID/stat"; }
cpu0=$(cpu_ticks)
sc start "$ID-flood" >/dev/null
slowest=0
for ((i = 0; i < 6; i++)); do
        sleep 0.4
        t0=$(date +%s%N)
        sc status "$ID-flood" >/dev/null 2>&1 || true
        ms=$((($(date +%s%N) - t0) / 1000000))
        [ "$ms" -gt "$slowest" ] && slowest=$ms
done
check "sandboxctl status during the flood: the slowest of 6 answers took ${slowest} ms (< 1000)" [ "$slowest" -lt 1000 ]
wait_for 20 unit_gone "$ID-flood" || fail "$ID-flood still runs 20 s after it started"
sleep 0.3
itest_log "# sandboxd's CPU time during the 4 s flood: $(($(cpu_ticks) - cpu0)) ticks of 1/$(getconf CLK_TCK) s"
total=$(cat "$FLOG" "$FLOG".* 2>/dev/null | wc -c)
itest_log "# $(ls -l "$SANDBOXD_LOG_DIR" | tr '\n' ';')"
check "the flood left $total bytes on disk, at most 2 x $SIZE_MAX" [ "$total" -le $((2 * SIZE_MAX)) ]
check "each file at most $SIZE_MAX bytes" \
        bash -c "for f in '$FLOG' '$FLOG'.*; do [ \$(stat -c %s \"\$f\") -le $SIZE_MAX ] || exit 1; done"
check "no third file ($ID-flood.log.2)" [ ! -e "$FLOG.2" ]
check "the file before the flood begins $ID-flood.log.1, whole" cmp -s -n $((200 * 1024)) "$FLOG.1" "$TESTDIR/flood.before"
check "the flood's output is in $ID-flood.log" grep -q '^flood 00000000 ' "$FLOG"
n_markers=$(grep -c -- '^-- sandboxd: [0-9]* bytes dropped' "$FLOG" || true)
check "one line says what was dropped: $(grep -- '^-- sandboxd: ' "$FLOG" | head -n1)" [ "$n_markers" = 1 ]
check "the drop marker is the last line" bash -c "tail -n 1 '$FLOG' | grep -q -- '^-- sandboxd: [0-9]* bytes dropped'"
check "$FLOG is mode 0640" [ "$(stat -c %a "$FLOG")" = 640 ]

# sandboxctl logs: the rotated file first, then the current one.
sc logs "$ID-flood" >"$TESTDIR/logs.all" 2>/dev/null || fail "sandboxctl logs $ID-flood failed"
check "sandboxctl logs: NAME.log.1 then NAME.log ($(wc -c <"$TESTDIR/logs.all") bytes)" \
        cmp -s "$TESTDIR/logs.all" <(cat "$FLOG.1" "$FLOG")
n_cur=$(wc -l <"$FLOG")
sc logs -n $((n_cur + 2)) "$ID-flood" >"$TESTDIR/logs.n" 2>/dev/null || fail "sandboxctl logs -n failed"
check "sandboxctl logs -n $((n_cur + 2)): the last 2 lines of NAME.log.1, then all of NAME.log" \
        cmp -s "$TESTDIR/logs.n" <(tail -n 2 "$FLOG.1"; cat "$FLOG")

stop_everything
leftovers_check "$TESTDIR/before" "sandboxctl run and sandboxd with flooding and attacking services"
itest_finish
