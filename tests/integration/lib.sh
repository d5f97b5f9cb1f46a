# shellcheck shell=bash
# Shared helpers for the shell tests that drive `sandboxctl run` (the
# integration suite here; the vm and testhost lanes can source it too).
# Source it from a bash script that runs with `set -euo pipefail`:
#
#   . "$(dirname "$0")/lib.sh"
#   itest_init                      # root, tools, temp dir, image, search paths
#   write_unit hello <<EOF          # $UNITDIR/hello.unit; @IMAGE@ @ID@ substituted
#   ...
#   EOF
#   sbx_run hello                   # stdout: $OUT, stderr: $ERR, status: $RC
#   expect_line "$OUT" uid=0        # records ok/FAIL, goes on
#   itest_finish                    # exit 1 if any check failed
#
# Environment (meson sets these; defaults suit a checkout with build/):
#   SANDBOXCTL        the sandboxctl binary
#   SANDBOX_PROBE     the static probe (tests/probe)
#   SANDBOXD_SOURCE_DIR  the checkout
#   ITEST_POLICY_PATH policy search path (default: the checkout's policies/)
#   ITEST_KEEP=1      keep the temp dir for a look after a failure
#
# Every check prints one line, "ok - what" or "FAIL - what: detail", so a
# log shows the whole picture and not only the first failure. SKIP is the
# meson convention: print "SKIP: reason" and exit 77.

ITEST_FAILS=0
ITEST_CHECKS=0
ITEST_NAME=$(basename "$0" .sh)

itest_log() { printf '%s\n' "$*"; }

skip() {
        echo "SKIP: $*"
        exit 77
}

die() {
        echo "FAIL - $ITEST_NAME: $*" >&2
        exit 1
}

ok() {
        ITEST_CHECKS=$((ITEST_CHECKS + 1))
        itest_log "ok - $*"
}

fail() {
        ITEST_CHECKS=$((ITEST_CHECKS + 1))
        ITEST_FAILS=$((ITEST_FAILS + 1))
        itest_log "FAIL - $*"
}

# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() {
        local what=$1
        shift
        if "$@"; then ok "$what"; else fail "$what"; fi
}

itest_finish() {
        if [ "$ITEST_FAILS" -gt 0 ]; then
                itest_log "# $ITEST_NAME: $ITEST_FAILS of $ITEST_CHECKS checks failed"
                exit 1
        fi
        itest_log "# $ITEST_NAME: all $ITEST_CHECKS checks passed"
        exit 0
}

# ---- setup ----

itest_init() {
        [ "$(id -u)" = 0 ] || skip "needs root"

        SRC_DIR=${SANDBOXD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
        SANDBOXCTL=${SANDBOXCTL:-$SRC_DIR/build/src/ctl/sandboxctl}
        SANDBOX_PROBE=${SANDBOX_PROBE:-$SRC_DIR/build/tests/integration/sandbox-probe}
        [ -x "$SANDBOXCTL" ] || die "no sandboxctl at $SANDBOXCTL (set SANDBOXCTL)"
        [ -x "$SANDBOX_PROBE" ] || die "no probe at $SANDBOX_PROBE (set SANDBOX_PROBE)"
        SANDBOXCTL=$(readlink -f "$SANDBOXCTL")
        # A program of this project that is missing is a failure, never a skip.
        "$SANDBOXCTL" --help 2>/dev/null | grep -qE '^ +run ' || die "$SANDBOXCTL has no run verb"
        [ -x /bin/busybox ] || skip "busybox-static is not installed"

        ID=it$$
        TESTDIR=$(mktemp -d "/tmp/sbx-$ITEST_NAME.XXXXXX")
        chmod 0755 "$TESTDIR"
        UNITDIR=$TESTDIR/units
        mkdir -p "$UNITDIR"
        IMAGE=$TESTDIR/image
        "$SRC_DIR/tools/mkimage-busybox.sh" --probe "$SANDBOX_PROBE" "$IMAGE" >/dev/null ||
                die "tools/mkimage-busybox.sh failed"
        export SANDBOXD_UNIT_PATH=$UNITDIR
        export SANDBOXD_POLICY_PATH=${ITEST_POLICY_PATH:-$SRC_DIR/policies}
        ITEST_BG_PIDS=()
        ITEST_AT_EXIT=()
        trap itest_cleanup EXIT
        itest_log "# $ITEST_NAME: sandboxctl=$SANDBOXCTL testdir=$TESTDIR"
}

itest_cleanup() {
        local rc=$? p c
        ITEST_RC=$rc
        for p in "${ITEST_BG_PIDS[@]}"; do
                kill -KILL "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
        for c in "${ITEST_AT_EXIT[@]}"; do
                eval "$c" || true
        done
        if [ -n "${ITEST_KEEP:-}" ] && [ $rc -ne 0 ]; then
                itest_log "# kept $TESTDIR"
        else
                # A sandbox that outlived its test could still hold the image: unmount nothing,
                # remove only what is plainly ours.
                rm -rf --one-file-system "$TESTDIR" 2>/dev/null || true
        fi
        exit $rc
}

# Remember a background process to kill at exit.
bg_track() { ITEST_BG_PIDS+=("$1"); }

# at_exit 'COMMAND': run at exit, after background processes are killed;
# $ITEST_RC is the test's exit status then.
at_exit() { ITEST_AT_EXIT+=("$1"); }

# ---- units ----

# write_unit NAME: the unit text on stdin, with @IMAGE@, @ID@ and
# @TESTDIR@ replaced. Every unit also gets SBXTEST_ID=@ID@ in its
# environment (unless it says so itself), so that a leftover service
# process can be found by its environment.
write_unit() {
        local name=$1
        sed -e "s|@IMAGE@|$IMAGE|g" -e "s|@ID@|$ID|g" -e "s|@TESTDIR@|$TESTDIR|g" >"$UNITDIR/$name.unit"
}

# ---- running ----

_unit_arg() {
        case $1 in
        @*) echo "${1#@}" ;;
        */*) echo "$1" ;;
        *) echo "$UNITDIR/$1.unit" ;;
        esac
}

# Names of units run that were not written by write_unit (shipped units run
# by name), for the leftovers check.
ITEST_RUN_NAMES=()
_note_run_name() {
        local n
        n=$(basename "$1" .unit)
        [[ " ${ITEST_RUN_NAMES[*]} " == *" $n "* ]] || ITEST_RUN_NAMES+=("$n")
}

# sbx_run UNIT [SANDBOXCTL-ARGS...]: run a unit (a name in $UNITDIR, a
# path, or @NAME to let sandboxctl search for NAME) in the foreground. Sets OUT and ERR (file names) and RC. A caller
# environment canary rides along: it must not reach the service.
SBX_TIMEOUT=${SBX_TIMEOUT:-60}
sbx_run() {
        local unit
        unit=$(_unit_arg "$1")
        _note_run_name "$unit"
        shift
        local base
        base=$TESTDIR/run.$(basename "$unit" .unit).$((++SBX_RUNS))
        OUT=$base.out ERR=$base.err
        RC=0
        local start=$SECONDS
        env SBX_CALLER_CANARY="caller-$ID" timeout -s KILL "$SBX_TIMEOUT" \
                "$SANDBOXCTL" run "$@" "$unit" </dev/null >"$OUT" 2>"$ERR" || RC=$?
        if [ "$RC" = 137 ] && [ $((SECONDS - start)) -ge "$SBX_TIMEOUT" ]; then
                itest_log "# sandboxctl run $unit: killed after ${SBX_TIMEOUT}s"
        fi
        return 0
}
SBX_RUNS=0

# sbx_start UNIT: run in the background; SBX_PID is sandboxctl's pid.
# bash starts background commands with SIGINT and SIGQUIT ignored; env
# gives sandboxctl the default dispositions a terminal user's would have.
sbx_start() {
        local unit
        unit=$(_unit_arg "$1")
        _note_run_name "$unit"
        shift
        local base
        base=$TESTDIR/bg.$(basename "$unit" .unit).$((++SBX_RUNS))
        OUT=$base.out ERR=$base.err
        env --default-signal=INT,QUIT SBX_CALLER_CANARY="caller-$ID" \
                "$SANDBOXCTL" run "$@" "$unit" </dev/null >"$OUT" 2>"$ERR" &
        SBX_PID=$!
        bg_track "$SBX_PID"
}

# sbx_wait PID [SECONDS]: wait for a background sandboxctl; RC is its status
# (137 if it had to be killed after SECONDS).
sbx_wait() {
        local pid=$1 secs=${2:-30} i
        for ((i = 0; i < secs * 10; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
                itest_log "# sandboxctl $pid still running after ${secs}s: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
        fi
        RC=0
        wait "$pid" 2>/dev/null || RC=$?
}

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
        local secs=$1 i
        shift
        for ((i = 0; i < secs * 10; i++)); do
                "$@" 2>/dev/null && return 0
                sleep 0.1
        done
        return 1
}

# Processes of a unit run by this test: the service and its children carry
# SBXTEST_ID=$ID (set by the unit), sandboxctl and any init it forks carry
# the caller canary. Prints "PID COMM" lines.
sbx_pids() {
        local f p
        { grep -lzxF -e "SBXTEST_ID=$ID" -e "SBX_CALLER_CANARY=caller-$ID" /proc/[0-9]*/environ 2>/dev/null || true; } |
                while IFS= read -r f; do
                        p=${f#/proc/}
                        p=${p%/environ}
                        echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"
                done
}

# The host pid of a process of this test's sandbox whose comm is NAME.
sbx_pid_of() {
        sbx_pids | awk -v n="$1" '$2 == n { print $1; exit }'
}

# ---- assertions on probe output ----

# expect_line FILE LINE [what]: FILE has exactly this line.
expect_line() {
        local file=$1 line=$2 what=${3:-$2}
        if grep -qxF -- "$line" "$file"; then
                ok "$what"
        else
                fail "$what: no line '$line' in $(basename "$file"); got: $(grep -E "^${line%%=*}=" "$file" | head -3 | tr '\n' ' ')"
        fi
}

# expect_match FILE ERE [what]
expect_match() {
        local file=$1 re=$2 what=${3:-$2}
        if grep -qE -- "$re" "$file"; then ok "$what"; else fail "$what: nothing matches /$re/ in $(basename "$file")"; fi
}

# expect_no_match FILE ERE [what]
expect_no_match() {
        local file=$1 re=$2 what=${3:-"no /$2/"}
        if grep -qE -- "$re" "$file"; then
                fail "$what: $(grep -E -- "$re" "$file" | head -3 | tr '\n' ' ')"
        else
                ok "$what"
        fi
}

# value FILE KEY: the value of the first KEY= line.
value() { sed -n "s/^$2=//p" "$1" | head -n1; }

# all_values FILE KEY: every KEY= value, one per line.
all_values() { sed -n "s/^$2=//p" "$1"; }

expect_rc() {
        local want=$1 what=${2:-"exit status $1"}
        if [ "$RC" = "$want" ]; then
                ok "$what"
        else
                fail "$what: got $RC; stderr: $(head -c 600 "$ERR" | tr '\n' ' ')"
        fi
}

# Show a run's output in the log (on failure, it is what one needs).
show_run() {
        itest_log "# --- stdout ($OUT)"
        sed 's/^/#   /' "$OUT"
        itest_log "# --- stderr ($ERR)"
        sed 's/^/#   /' "$ERR"
}

# ---- nothing left behind ----

# The cgroup directories a run of this test could leave. The cgroupfs
# driver names a service's cgroup "sandbox-UNIT-RANDOM", so: every
# directory, anywhere under /sys/fs/cgroup, named after a unit this test
# wrote or ran (or after $ID), with everything below it. Other sandboxes on
# the machine, and cgroups that come and go beside ours, are not looked at.
_cgroup_dirs() {
        local names=() f re
        for f in "$UNITDIR"/*.unit; do
                [ -e "$f" ] && names+=("$(basename "$f" .unit)")
        done
        names+=("${ITEST_RUN_NAMES[@]}")
        re=$(printf '%s|' "${names[@]}" "$ID")
        re=${re%|}
        re=${re//./\\.}
        find /sys/fs/cgroup -mindepth 2 -type d -regextype posix-extended \
                \( -regex ".*/sandbox-($re)-[^/]*(/.*)?" -o -name "*$ID*" \) 2>/dev/null || true
}

# leftovers_snapshot FILE: mounts (mount point, type, source), cgroup
# directories, this test's processes, sandbox veths and published ports.
leftovers_snapshot() {
        {
                echo "# mounts"
                awk '{ for (i = 7; $i != "-"; i++); print "mount", $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo | sort
                echo "# cgroups"
                _cgroup_dirs | sed 's/^/cgroup /' | sort -u
                echo "# processes"
                sbx_pids | awk '{ print "process", $2 }' | sort
                # Network=private: host ends of veths, published ports.
                echo "# network"
                { ip -o link show type veth 2>/dev/null || true; } |
                        awk -F': ' '$2 ~ /^sbx/ { sub(/@.*/, "", $2); print "veth", $2 }' | sort
                if command -v nft >/dev/null; then
                        for m in pub4_any pub4_addr; do
                                { nft list map inet sandboxd "$m" 2>/dev/null || true; } |
                                        sed -n 's/^[[:space:]]*elements = /nft '"$m"' /p'
                        done
                fi
                echo "# files"
                find "$TESTDIR/image" -newer "$TESTDIR/image/etc/passwd" 2>/dev/null | sed 's/^/file /' | sort
        } >"$1"
}

# leftovers_check BEFORE WHAT: take a new snapshot and compare. Processes may
# take a moment to be reaped, so a difference is looked at again for 2s.
leftovers_check() {
        local before=$1 what=$2 after=$TESTDIR/leftovers.after i
        for i in $(seq 20); do
                leftovers_snapshot "$after"
                cmp -s "$before" "$after" && break
                sleep 0.1
        done
        if cmp -s "$before" "$after"; then
                ok "nothing left behind: $what"
        else
                fail "left behind after $what: $(diff "$before" "$after" | grep '^[<>]' | head -10 | tr '\n' ';')"
                # So that the next check starts clean: kill what is left of this test's sandboxes.
                sbx_pids | awk '{ print $1 }' | xargs -r kill -KILL 2>/dev/null || true
        fi
}

# ---- sandboxd ----
#
# For the tests that drive sandboxd (test-daemon, test-boundary,
# test-trust):
#
#   . "$(dirname "$0")/lib.sh"
#   itest_subreaper "$@"        # first: orphans come back to this test
#   itest_init
#   daemon_init                 # SANDBOXD, and directories of the test's own
#   DAEMON_ARGS=(--admin-group=G)
#   start_daemon                # answers on $RUN/private, or the test fails
#   must status web             # sandboxctl: SC_OUT, SC_ERR, RC; must: RC 0
#   stop_daemon [SIGNAL]        # TERM by default; SIGKILL after 10 s
#   daemon_cleanup UNIT...      # at exit: stop them, kill and remove what is left

# itest_subreaper ARGS: re-run this script as a child subreaper. PID 1 of
# some hosts never reaps, and a SIGKILLed sandboxd leaves its services'
# inits behind by design; the flag survives execve, and bash reaps
# children it does not know.
itest_subreaper() {
        if [ -z "${SBXD_TEST_SUBREAPER:-}" ] && command -v python3 >/dev/null; then
                export SBXD_TEST_SUBREAPER=1
                exec python3 -c 'import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
os.execv(sys.argv[1], sys.argv[1:])' "$0" "$@"
        fi
}

# itest_fail_fast: from here on, the first failed check ends the test
# (lib.sh's checks otherwise go on), and so does any failed command.
itest_fail_fast() {
        ok() {
                ITEST_CHECKS=$((ITEST_CHECKS + 1))
                echo "ok: $*"
        }
        fail() {
                echo "FAIL: $*"
                exit 1
        }
        die() { fail "$*"; }
        trap 'echo "FAIL: line $LINENO: unexpected failure of: $BASH_COMMAND"' ERR
}

daemon_init() {
        SANDBOXD=${SANDBOXD:-$SRC_DIR/build/src/daemon/sandboxd}
        # A program of this project that is missing is a failure, never a skip.
        [ -x "$SANDBOXD" ] || die "no sandboxd at $SANDBOXD"
        "$SANDBOXCTL" --help 2>/dev/null | grep -qE '^ +start ' || die "$SANDBOXCTL has no start verb"
        export SANDBOXD_RUNTIME_DIR=$TESTDIR/run
        export SANDBOXD_CONFIG_DIR=$TESTDIR/etc
        export SANDBOXD_LOG_DIR=$TESTDIR/log
        mkdir -p "$SANDBOXD_CONFIG_DIR" "$SANDBOXD_LOG_DIR"
        RUN=$SANDBOXD_RUNTIME_DIR
        DLOG=$TESTDIR/sandboxd.log
        DPID=
        DAEMON_ARGS=()
}

# sc ARGS...: sandboxctl, bounded in time; SC_OUT, SC_ERR, RC.
sc() {
        RC=0
        timeout -s KILL 30 "$SANDBOXCTL" "$@" </dev/null >"$TESTDIR/sc.out" 2>"$TESTDIR/sc.err" || RC=$?
        SC_OUT=$(cat "$TESTDIR/sc.out")
        SC_ERR=$(cat "$TESTDIR/sc.err")
}

# must ARGS...: sandboxctl, which must succeed.
must() {
        sc "$@"
        [ "$RC" = 0 ] || fail "sandboxctl $*: exit $RC: $SC_ERR"
}

daemon_alive() { [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; }

# The daemon carries the caller canary, so sbx_pids sees it and every init
# it forks (inits do not exec); services carry SBXTEST_ID.
start_daemon() {
        echo "# --- sandboxd started $(date +%T.%N) ${DAEMON_ARGS[*]}" >>"$DLOG"
        env --default-signal=INT,QUIT SBX_CALLER_CANARY="caller-$ID" \
                "$SANDBOXD" --no-system-bus --log-target=stderr "${DAEMON_ARGS[@]}" </dev/null >>"$DLOG" 2>&1 &
        DPID=$!
        # Ours to reap (bash still does), but not a job whose SIGKILL bash reports.
        disown "$DPID"
        local i
        for ((i = 0; i < 100; i++)); do
                daemon_alive || die "sandboxd exited at start: $(tail -n 20 "$DLOG" | tr '\n' ' ')"
                if [ -S "$RUN/private" ] && timeout 5 "$SANDBOXCTL" list >/dev/null 2>&1; then
                        return 0
                fi
                sleep 0.1
        done
        die "sandboxd does not answer on $RUN/private after 10 s: $(tail -n 20 "$DLOG" | tr '\n' ' ')"
}

stop_daemon() {  # [SIGNAL]
        local sig=${1:-TERM} i
        daemon_alive || return 0
        [ "$DPID" -gt 1 ] || die "refusing to signal pid '$DPID'"
        kill -s "$sig" "$DPID"
        for ((i = 0; i < 100; i++)); do
                kill -0 "$DPID" 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 "$DPID" 2>/dev/null; then
                kill -KILL "$DPID"
                echo "# sandboxd ignored SIG$sig for 10 s: SIGKILL"
                for ((i = 0; i < 50; i++)); do
                        kill -0 "$DPID" 2>/dev/null || break
                        sleep 0.1
                done
        fi
        DPID=
}

# daemon_cleanup UNIT...: stop these units and sandboxd, then kill what
# is left of the services (their processes) and remove their cgroups.
daemon_cleanup() {
        local n d
        if daemon_alive; then
                for n in "$@"; do
                        timeout -s KILL 15 "$SANDBOXCTL" stop "$n" >/dev/null 2>&1 || true
                done
                stop_daemon KILL
        fi
        sbx_pids | awk '$1 > 1 { print $1 }' | xargs -r kill -KILL 2>/dev/null || true
        sleep 0.2
        for d in $(find /sys/fs/cgroup -mindepth 2 -type d -name "sandbox-$ID-*" 2>/dev/null | sort -r); do
                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
        done
}

# daemon_log_tail RC: after a failure, the last lines of sandboxd's log.
daemon_log_tail() {
        if [ "$1" != 0 ] && [ -f "${DLOG:-}" ]; then
                echo "# --- last lines of sandboxd's log ($DLOG)"
                tail -n 40 "$DLOG" | sed 's/^/#   /'
        fi
}
