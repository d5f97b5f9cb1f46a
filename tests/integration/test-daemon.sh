#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sandboxd on this bare host (no systemd, no system bus: the cgroupfs driver
# and the private socket), driven with sandboxctl, against the contract in
# docs/sandboxd-api.md: start by name and by path; status, status --json,
# list; what the service sees from inside (sandboxctl exec); its output in
# $SANDBOXD_LOG_DIR/NAME.log and `sandboxctl logs`; Restart=on-failure after
# a SIGKILL; a crash loop ending in start-limit-hit; TimeoutStopSec=
# escalation; re-adoption after sandboxd is SIGKILLed (same main PID, still
# supervised, its output still logged with nothing lost); a service that died while sandboxd was down; hostile state
# files (a state naming a process that is not the service's, garbage with an
# injected line); a client that reads none of its replies; non-root callers;
# bad units and invalid names; enabled units; and nothing left at the end.
#
# One "ok: ..." line per assertion; the first failure prints "FAIL: ..." and
# exits 1 (after cleanup). Environment as for lib.sh, plus SANDBOXD (the
# daemon binary; meson sets it).
set -eEuo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_subreaper "$@"
# This test stops at its first failure (lib.sh's checks go on).
itest_fail_fast
itest_init
daemon_init
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
command -v python3 >/dev/null || skip "python3 is needed to parse status --json"

DECOY=
STARTED_UNITS=()

# ---- helpers ----

# sc_nobody ARGS...: sandboxctl as uid/gid 65534 without groups.
sc_nobody() {
        RC=0
        timeout -s KILL 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
                "$SANDBOXCTL" "$@" </dev/null >"$TESTDIR/sc.out" 2>"$TESTDIR/sc.err" || RC=$?
        SC_OUT=$(cat "$TESTDIR/sc.out")
        SC_ERR=$(cat "$TESTDIR/sc.err")
}

start_unit() {  # UNIT-ARG NAME
        must start "$1"
        STARTED_UNITS+=("$2")
}

# status_json NAME: `sandboxctl status --json NAME` parsed into
# $TESTDIR/status.json; fails the test if it is not JSON.
status_json() {
        status_json_soft "$1" ||
                fail "sandboxctl status --json $1 (exit $RC) is not JSON: $(head -c 400 "$TESTDIR/status.json") $SC_ERR"
}
# The same, returning 1 instead (for polling).
status_json_soft() {
        sc status --json "$1"
        printf '%s\n' "$SC_OUT" >"$TESTDIR/status.json"
        python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TESTDIR/status.json" 2>/dev/null
}

# jf KEY...: the first of these fields found in status.json; keys match
# without regard to case, "_" and "-" (MainPID, main_pid). Exit 1 if none.
jf() {
        python3 - "$TESTDIR/status.json" "$@" <<'EOF_JF'
import json, sys
d = json.load(open(sys.argv[1]))
if isinstance(d, list):
    d = d[0] if d else {}
for k in ("units", "services", "unit", "service"):
    if isinstance(d, dict) and k in d:
        v = d[k]
        d = v[0] if isinstance(v, list) and v else v
norm = lambda k: k.lower().replace("_", "").replace("-", "")
index = {norm(k): v for k, v in d.items()} if isinstance(d, dict) else {}
for want in sys.argv[2:]:
    if norm(want) in index:
        v = index[norm(want)]
        print(v if isinstance(v, str) else json.dumps(v))
        sys.exit(0)
sys.exit(1)
EOF_JF
}

# field NAME KEY...: status_json + jf; empty if missing or not JSON.
field() {
        local name=$1
        shift
        status_json_soft "$name" || return 0
        jf "$@" || true
}

unit_state() { field "$1" State ActiveState state; }
main_pid() { field "$1" MainPID main_pid pid; }

# The service process: the child of the sandbox's init (MainPID).
service_pid() {
        local init=$1
        awk '{ print $1 }' "/proc/$init/task/$init/children" 2>/dev/null || true
}

is_running_with_new_pid() {  # NAME OLD-MAIN-PID
        local st pid
        st=$(unit_state "$1")
        pid=$(main_pid "$1")
        [ "$st" = running ] && [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$2" ] && [ -n "$(service_pid "$pid")" ]
}

cleanup() {
        local rc=$?
        trap - ERR
        set +e
        [ -n "$DECOY" ] && [ "$DECOY" -gt 1 ] 2>/dev/null && kill -KILL "$DECOY" 2>/dev/null
        daemon_cleanup "${STARTED_UNITS[@]}"
        daemon_log_tail $rc
        (exit $rc)
        itest_cleanup
}
trap cleanup EXIT

# ---- units ----

# Root with the web policy's three capabilities, a host name, limits, and
# output: 7 lines, then it sleeps.
write_unit "$ID-web" <<'EOF'
[Unit]
Description=sandboxd test: web

[Sandbox]
Image=@IMAGE@
Hostname=dweb
Environment=SBXTEST_ID=@ID@

[Security]
Policy=web
Capabilities=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID
NoNewPrivileges=yes

[Resources]
MemoryMax=64M
TasksMax=32

[Service]
ExecStart=/bin/sh -c "for i in 1 2 3 4 5 6 7; do echo web-line-$$i; done; exec sleep 100000"
Restart=on-failure
RestartSec=200ms
# The counter checks below span more than the default 10 s after which a
# run that stayed up resets the backoff (and NRestarts) to zero.
RestartMaxDelaySec=1h
EOF

write_unit "$ID-path" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sleep 100000
EOF

write_unit "$ID-crash" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/false
Restart=always
RestartSec=0
StartLimitBurst=3
StartLimitIntervalSec=10s
EOF

# Exits 0 and leaves two processes behind, as a daemon that forks does.
write_unit "$ID-daemonise" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sh -c "sleep 100000 & sleep 100000 & exit 0"
EOF

# Killed by the kernel's OOM killer: a 128 MiB buffer under MemoryMax=32M.
write_unit "$ID-hog" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Resources]
MemoryMax=32M

[Service]
ExecStart=/bin/tail -c 134217728 /dev/zero
EOF

write_unit "$ID-tick" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sh -c "i=0; while :; do i=$$((i + 1)); echo tick-$$i; sleep 0.1; done"
EOF

write_unit "$ID-stubborn" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sh -c "trap '' TERM; echo ready; while :; do sleep 1; done"
TimeoutStopSec=1s
EOF

write_unit "$ID-en" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sleep 100000

[Install]
WantedBy=default
EOF

# Owns a writable bind whose subdirectory is the source of a second,
# read-only bind. The first run swaps that subdirectory for a symlink to a
# host directory and fails; the automatic restart must not mount it.
mkdir -p "$TESTDIR/swap/app/config" "$TESTDIR/swap/secret"
# The service owns app/ (rootidmap: root inside is its owner), as a
# service owns its data directory: only then can it swap what is below.
chown -R 4246:4246 "$TESTDIR/swap/app"
echo "host-secret-$ID" >"$TESTDIR/swap/secret/marker"
# The policy allows the whole test area (the symlink target included):
# what stops the swap here is the pin, not the policy.
{ cat "$SRC_DIR/policies/default.policy"; echo "AllowBindPaths=$TESTDIR"; } >"$TESTDIR/swap.policy"
write_unit "$ID-swap" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@
ReadOnly=no
BindPaths=@TESTDIR@/swap/app:/app:rootidmap
BindReadOnlyPaths=@TESTDIR@/swap/app/config:/config

[Security]
Policy=@TESTDIR@/swap.policy

[Service]
ExecStart=/bin/sh -c "if [ -e /config/marker ]; then echo LEAKED; cat /config/marker; exec sleep 100000; fi; echo swapping; rm -rf /app/config && ln -s @TESTDIR@/swap/secret /app/config; exit 1"
Restart=on-failure
RestartSec=100ms
EOF

# Compiles, but cannot be set up: a directory bound over a file of the
# image. sandboxd's lines about the failure must name the service.
mkdir -p "$TESTDIR/bindsrc"
write_unit "$ID-nobind" <<'EOF'
[Sandbox]
Image=@IMAGE@
ReadOnly=yes
BindPaths=@TESTDIR@/bindsrc:/etc/passwd
Environment=SBXTEST_ID=@ID@

[Security]
Policy=@TESTDIR@/swap.policy

[Service]
ExecStart=/bin/sleep 100000
EOF

# Line 6 has a typo'd key.
write_unit "$ID-bad" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStrat=/bin/sleep 100000
EOF

WEB=$ID-web
leftovers_snapshot "$TESTDIR/before"

# ---- chrooted: refused ----

# Each in a private mount namespace, so that nothing of it outlives the
# command. SANDBOXD_RUNTIME_DIR=relative makes a sandboxd that passed the
# check exit at once ("must be absolute paths") instead of serving.
if command -v unshare >/dev/null; then
        J=$TESTDIR/jail
        mkdir -p "$J/mnt" "$J/dir"
        RC=0
        SANDBOXD_RUNTIME_DIR=relative unshare -m --propagation private sh -c \
                "mount --rbind / '$J/mnt' && exec chroot '$J/mnt' '$SANDBOXD' --no-system-bus --log-target=stderr" \
                >"$TESTDIR/chroot.out" 2>&1 || RC=$?
        [ "$RC" = 1 ] && grep -q "Refusing to run chrooted: .*chroot into a mount point" "$TESTDIR/chroot.out" &&
                ok "sandboxd chrooted into a mount (an rbind of /): refused, exit 1: $(head -c 120 "$TESTDIR/chroot.out")..." ||
                if [ "$(printf '%s\n' "$(uname -r)" 6.8 | sort -V | head -n1)" != 6.8 ]; then
                        itest_log "# chroot into a mount point is not detectable before Linux 6.8 (statmount): $(cat "$TESTDIR/chroot.out")"
                else
                        fail "sandboxd chrooted into a mount point: exit $RC: $(cat "$TESTDIR/chroot.out")"
                fi
        # A directory that is not a mount, with what sandboxd needs bound in.
        RC=0
        SANDBOXD_RUNTIME_DIR=relative unshare -m --propagation private sh -c '
                j=$1; shift
                # The build tree may live anywhere (/work, /check, /tmp...):
                # bind its top directory as well.
                top=${1#/}; top=${top%%/*}
                for d in usr lib lib32 lib64 libx32 bin sbin etc proc sys dev tmp run var "$top"; do
                        [ -e "/$d" ] || continue
                        if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$j/$d"
                        else mkdir -p "$j/$d" && mount --rbind "/$d" "$j/$d"; fi
                done
                exec chroot "$j" "$@"' sh "$J/dir" "$SANDBOXD" --no-system-bus --log-target=stderr \
                >"$TESTDIR/chroot.out" 2>&1 || RC=$?
        [ "$RC" = 1 ] && grep -q "Refusing to run chrooted: .*chroot into a directory" "$TESTDIR/chroot.out" ||
                fail "sandboxd chrooted into a directory: exit $RC: $(cat "$TESTDIR/chroot.out")"
        ok "sandboxd chrooted into a directory: refused, exit 1"
        grep -q "$J" /proc/self/mountinfo && fail "mounts of the chroot tests are left: $(grep "$J" /proc/self/mountinfo | head -3)"
        rm -rf --one-file-system "$J"
else
        itest_log "# no unshare(1): the chroot refusal is not tested"
fi

# ---- start ----

start_daemon
ok "sandboxd ($DPID) answers on $RUN/private"
if [ "$(stat -c %a "$RUN/private")" = 600 ]; then ok "the private socket is mode 0600"; else
        fail "the private socket is mode $(stat -c %a "$RUN/private"), not 0600"; fi

start_unit "$WEB" "$WEB"
ok "sandboxctl start $WEB (by name)"
[ "$SC_OUT" = "" ] || itest_log "# start printed: $SC_OUT"

start_unit "$UNITDIR/$ID-path.unit" "$ID-path"
[ "$(unit_state "$ID-path")" = running ] || fail "started by path: $ID-path is not running: $SC_OUT"
ok "sandboxctl start $UNITDIR/$ID-path.unit (by path): $ID-path running"

# ---- status ----

status_json "$WEB"
ok "sandboxctl status --json $WEB parses as JSON"
st=$(jf State ActiveState state) || fail "status --json has no state: $SC_OUT"
[ "$st" = running ] || fail "status --json: state '$st', expected running"
WEB_MAIN=$(jf MainPID main_pid) || fail "status --json has no main pid: $SC_OUT"
[ "$WEB_MAIN" -gt 1 ] 2>/dev/null || fail "status --json: main pid '$WEB_MAIN'"
kill -0 "$WEB_MAIN" || fail "main pid $WEB_MAIN does not exist"
ok "status --json: state running, main pid $WEB_MAIN (alive)"
for k in Name Result NRestarts ControlGroup MemoryCurrent TasksCurrent MemoryMax TasksMax; do
        jf "$k" >/dev/null || fail "status --json lacks $k: $SC_OUT"
done
ok "status --json has Name Result NRestarts ControlGroup MemoryCurrent TasksCurrent MemoryMax TasksMax"
[ "$(jf Name)" = "$WEB" ] || fail "status --json: name '$(jf Name)'"
[ "$(jf NRestarts)" = 0 ] || fail "status --json: NRestarts '$(jf NRestarts)', expected 0"
[ "$(jf MemoryMax)" = 67108864 ] || fail "status --json: MemoryMax '$(jf MemoryMax)', expected 67108864"
[ "$(jf TasksMax)" = 32 ] || fail "status --json: TasksMax '$(jf TasksMax)', expected 32"
ok "status --json: name, NRestarts 0, MemoryMax 67108864, TasksMax 32"
mem=$(jf MemoryCurrent)
tasks=$(jf TasksCurrent)
[ "$mem" -gt 0 ] 2>/dev/null && [ "$mem" != 18446744073709551615 ] ||
        fail "status --json: MemoryCurrent '$mem' (MemoryMax= is set, so the memory controller is there)"
[ "$tasks" -ge 2 ] 2>/dev/null && [ "$tasks" -le 32 ] || fail "status --json: TasksCurrent '$tasks', expected init + sleep"
ok "status --json: MemoryCurrent $mem, TasksCurrent $tasks"
drv=$(jf CgroupDriver cgroup_driver || true)
[ -z "$drv" ] || [ "$drv" = cgroupfs ] || fail "status --json: cgroup driver '$drv' on a host without systemd"
WEB_CG=$(jf ControlGroup)
awk -F: -v cg="$WEB_CG" '{ sub(/^[^:]*:[^:]*:/, "") } $0 == cg { found = 1 } END { exit !found }' "/proc/$WEB_MAIN/cgroup" ||
        fail "main pid $WEB_MAIN is not in the cgroup '$WEB_CG': $(tr '\n' ' ' <"/proc/$WEB_MAIN/cgroup")"
[[ $(basename "$WEB_CG") == sandbox-$WEB* ]] || fail "cgroup '$WEB_CG' is not named sandbox-$WEB-*"
ok "the main pid is in the reported cgroup $WEB_CG (driver ${drv:-not shown})"

must status "$WEB"
[ "$RC" = 0 ] || fail "status of a running unit: exit $RC"
for want in running "$WEB_MAIN" "$WEB_CG"; do
        grep -qF -- "$want" <<<"$SC_OUT" || fail "sandboxctl status $WEB does not show '$want': $SC_OUT"
done
grep -qi memory <<<"$SC_OUT" || fail "sandboxctl status $WEB does not show the memory: $SC_OUT"
grep -qi tasks <<<"$SC_OUT" || fail "sandboxctl status $WEB does not show the tasks: $SC_OUT"
ok "sandboxctl status $WEB: exit 0, shows running, main pid, memory, tasks, cgroup"

must list
grep -E "^ *${WEB}[[:space:]]" <<<"$SC_OUT" | grep -q running || fail "sandboxctl list: no running $WEB: $SC_OUT"
grep -E "^ *${ID}-path[[:space:]]" <<<"$SC_OUT" | grep -q running || fail "sandboxctl list: no running $ID-path: $SC_OUT"
ok "sandboxctl list shows $WEB and $ID-path running"

# Memory use is shown without MemoryMax= ($ID-path has no [Resources]):
# sandboxd reads the usage of the service's cgroup regardless.
status_json "$ID-path"
mem=$(jf MemoryCurrent)
[ "$mem" -gt 0 ] 2>/dev/null && [ "$mem" != 18446744073709551615 ] ||
        fail "status --json $ID-path: MemoryCurrent '$mem' without MemoryMax=: $SC_OUT"
must status "$ID-path"
grep -qi '^ *memory:' <<<"$SC_OUT" || fail "sandboxctl status $ID-path (no MemoryMax=) does not show the memory: $SC_OUT"
must list --json
printf '%s\n' "$SC_OUT" >"$TESTDIR/list.json"
python3 -c 'import json, sys
u = [x for x in json.load(open(sys.argv[1])) if x.get("Name") == sys.argv[2]]
sys.exit(0 if u and isinstance(u[0].get("MemoryCurrent"), int) and u[0]["MemoryCurrent"] > 0 else 1)' \
        "$TESTDIR/list.json" "$ID-path" || fail "sandboxctl list --json: no MemoryCurrent for $ID-path: $SC_OUT"
ok "memory use without MemoryMax=: status --json $mem bytes, status and list --json show it"

# The runtime directory, as the contract lays it out.
SD=$RUN/services/$WEB
[ -f "$SD/plan.json" ] && [ -f "$SD/state" ] || fail "no $SD/plan.json or $SD/state: $(ls -la "$SD" 2>&1 | tr '\n' ' ')"
[ "$(stat -c %a "$SD")" = 700 ] || fail "$SD is mode $(stat -c %a "$SD"), not 0700"
[ "$(stat -c %a "$SD/state")" = 600 ] && [ "$(stat -c %a "$SD/plan.json")" = 600 ] || fail "state or plan.json not mode 0600"
grep -qx "state=running" "$SD/state" && grep -qx "main_pid=$WEB_MAIN" "$SD/state" ||
        fail "$SD/state does not say state=running, main_pid=$WEB_MAIN: $(tr '\n' ' ' <"$SD/state")"
ok "runtime dir: $SD (0700) with plan.json and state (0600): state=running main_pid=$WEB_MAIN"

# ---- the service's view, from inside ----

WEB_SVC=$(service_pid "$WEB_MAIN")
[ -n "$WEB_SVC" ] || fail "the init $WEB_MAIN has no child: no service process"
[ "$(cat "/proc/$WEB_SVC/comm")" = sleep ] || fail "the service process $WEB_SVC is $(cat "/proc/$WEB_SVC/comm"), expected sleep"
ok "the service process is $WEB_SVC (sleep), child of the init $WEB_MAIN"

# CapEff expected from the plan of the running service.
want_capeff=$(python3 - "$SD/plan.json" <<'EOF_CAPS'
import json, sys
names = ("CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
         "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT "
         "SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE "
         "AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ "
         "PERFMON BPF CHECKPOINT_RESTORE").split()
mask = 0
for c in json.load(open(sys.argv[1]))["capabilities"]["effective"]:
    mask |= 1 << names.index(c.removeprefix("CAP_"))
print("%016x" % mask)
EOF_CAPS
)
[ "$want_capeff" = 00000000000004c0 ] || fail "the plan's effective set is $want_capeff, expected SETGID SETUID NET_BIND_SERVICE"
must exec "$WEB" cat /proc/self/status
grep -qE "^CapEff:[[:space:]]+$want_capeff\$" <<<"$SC_OUT" ||
        fail "exec: CapEff is not the plan's $want_capeff: $(grep CapEff <<<"$SC_OUT")"
grep -qE '^NoNewPrivs:[[:space:]]+1$' <<<"$SC_OUT" || fail "exec: $(grep NoNewPrivs <<<"$SC_OUT")"
grep -qE '^Seccomp:[[:space:]]+2$' <<<"$SC_OUT" || fail "exec: $(grep Seccomp: <<<"$SC_OUT")"
ok "exec $WEB cat /proc/self/status: CapEff $want_capeff (the plan's), NoNewPrivs 1, Seccomp 2"
# The service itself, seen from the host, has the same.
grep -qE "^CapEff:[[:space:]]+$want_capeff\$" "/proc/$WEB_SVC/status" && grep -qE '^Seccomp:[[:space:]]+2$' "/proc/$WEB_SVC/status" ||
        fail "the service process: $(grep -E '^(CapEff|Seccomp):' "/proc/$WEB_SVC/status" | tr '\n' ' ')"
ok "the service process has CapEff $want_capeff and Seccomp 2 too"

must exec "$WEB" hostname
[ "$SC_OUT" = dweb ] || fail "exec $WEB hostname: '$SC_OUT', expected dweb"
ok "exec $WEB hostname: dweb"

must exec "$WEB" sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt'
want_ns="$(readlink "/proc/$WEB_SVC/ns/pid")
$(readlink "/proc/$WEB_SVC/ns/mnt")"
[ "$SC_OUT" = "$want_ns" ] || fail "exec'd process namespaces '$SC_OUT', the service's: '$want_ns'"
[ "$(readlink "/proc/$WEB_SVC/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] || fail "the service is in the host's pid namespace"
ok "the exec'd process is in the service's pid and mount namespaces ($(head -n1 <<<"$SC_OUT"))"

must exec "$WEB" ps -o pid,comm
grep -qE '^ *[0-9]+ +sleep' <<<"$SC_OUT" || fail "from inside, ps does not show the service's sleep: $SC_OUT"
ok "from inside the exec'd shell, the service's sleep is visible"

# ---- output ----

LOGF=$SANDBOXD_LOG_DIR/$WEB.log
wait_for 5 grep -qx web-line-7 "$LOGF" || fail "$LOGF lacks the service's output: $(head -c 300 "$LOGF" 2>&1)"
for i in 1 2 3 4 5 6 7; do grep -qx "web-line-$i" "$LOGF" || fail "$LOGF lacks web-line-$i"; done
ok "the service's output reaches $LOGF (no journald here)"
must logs -n 5 "$WEB"
n=$(grep -c . <<<"$SC_OUT" || true)
grep -q 'web-line-7' <<<"$SC_OUT" || fail "sandboxctl logs -n 5 $WEB lacks the last line: $SC_OUT"
[ "$n" -le 5 ] || fail "sandboxctl logs -n 5 $WEB printed $n lines: $SC_OUT"
grep -q 'web-line-1$' <<<"$SC_OUT" && fail "sandboxctl logs -n 5 shows the first of 7 lines: $SC_OUT"
ok "sandboxctl logs -n 5 $WEB: the last $n lines, up to web-line-7"

# ---- Restart=on-failure after SIGKILL ----

kill -KILL "$WEB_SVC"
wait_for 10 is_running_with_new_pid "$WEB" "$WEB_MAIN" ||
        fail "after kill -9 of the service, no restart within 10 s: state $(unit_state "$WEB"), main pid $(main_pid "$WEB")"
status_json "$WEB"
new_main=$(jf MainPID)
[ "$(jf NRestarts)" = 1 ] || fail "after one restart NRestarts is $(jf NRestarts)"
WEB_MAIN=$new_main
WEB_SVC=$(service_pid "$WEB_MAIN")
ok "kill -9 of the service: Restart=on-failure restarted it (main pid $WEB_MAIN, service $WEB_SVC), NRestarts 1"

# ---- crash loop -> start-limit-hit ----

sc start "$ID-crash"
STARTED_UNITS+=("$ID-crash")
itest_log "# sandboxctl start $ID-crash: exit $RC $SC_ERR"
crash_failed() { [ "$(unit_state "$ID-crash")" = failed ]; }
wait_for 10 crash_failed || fail "$ID-crash (ExecStart=/bin/false, Restart=always) is not failed after 10 s: $(unit_state "$ID-crash")"
status_json "$ID-crash"
[ "$(jf Result result)" = start-limit-hit ] || fail "$ID-crash: result '$(jf Result result)', expected start-limit-hit"
[ "$(jf LastExit)" = "exited 1" ] || fail "$ID-crash: LastExit '$(jf LastExit)', expected 'exited 1'"
[ -z "$(jf LastStartError)" ] || fail "$ID-crash started every time, yet LastStartError is '$(jf LastStartError)'"
ok "crash loop (StartLimitBurst=3): state failed, result start-limit-hit, NRestarts $(jf NRestarts)"
sc status "$ID-crash"
[ "$RC" = 3 ] || fail "sandboxctl status of a failed unit: exit $RC, expected 3"
grep -q start-limit-hit <<<"$SC_OUT" || fail "sandboxctl status $ID-crash does not show start-limit-hit: $SC_OUT"
grep -q failed <<<"$SC_OUT" || fail "sandboxctl status $ID-crash does not show failed: $SC_OUT"
ok "sandboxctl status $ID-crash: failed, start-limit-hit, exit 3"
must reset-failed "$ID-crash"
[ "$(unit_state "$ID-crash")" = inactive ] || fail "after reset-failed: $(unit_state "$ID-crash")"
ok "sandboxctl reset-failed $ID-crash: inactive"

# ---- a main process that daemonises ----

start_unit "$ID-daemonise" "$ID-daemonise"
daemonise_done() { [ "$(unit_state "$ID-daemonise")" = inactive ]; }
wait_for 10 daemonise_done || fail "$ID-daemonise is not inactive after 10 s: $(unit_state "$ID-daemonise")"
[ "$(cat "$RUN/services/$ID-daemonise/exit")" = "exited 0 left=2 oom=0" ] ||
        fail "$ID-daemonise: init's report is '$(cat "$RUN/services/$ID-daemonise/exit")', expected 'exited 0 left=2 oom=0'"
status_json "$ID-daemonise"
[ "$(jf LastExit)/$(jf LastExitLeft)" = "exited 0/2" ] ||
        fail "$ID-daemonise: LastExit '$(jf LastExit)', LastExitLeft '$(jf LastExitLeft)', expected 'exited 0', 2"
grep -q "$ID-daemonise: Main process exited and left 2 processes, which were stopped: does it daemonise? Run it in the foreground." "$DLOG" ||
        fail "$ID-daemonise: no log line about the processes it left: $(grep "$ID-daemonise" "$DLOG" | tail -n 5)"
sc status "$ID-daemonise"
grep -q "Hint: main process exited and left 2 processes, which were stopped: does it daemonise? run it in the foreground" <<<"$SC_OUT" ||
        fail "sandboxctl status $ID-daemonise has no hint: $SC_OUT"
for p in $(sbx_pids | awk '$2 == "sleep" { print $1 }'); do
        if grep -q "sandbox-$ID-daemonise" "/proc/$p/cgroup" 2>/dev/null; then
                fail "$ID-daemonise: its sleep $p outlived it"
        fi
done
ok "$ID-daemonise: exited 0 leaving 2 processes: stopped, logged, and status says $(grep 'Hint:' <<<"$SC_OUT" | sed 's/^ *//')"

# ---- an OOM kill, counted by init before the cgroup goes ----

start_unit "$ID-hog" "$ID-hog"
hog_done() { [ "$(unit_state "$ID-hog")" = failed ]; }
wait_for 20 hog_done || fail "$ID-hog is not failed 20 s after its start: $(unit_state "$ID-hog")"
grep -Eqx 'killed 9 oom=[1-9][0-9]*' "$RUN/services/$ID-hog/exit" ||
        fail "$ID-hog: init's report is '$(cat "$RUN/services/$ID-hog/exit")', expected 'killed 9 oom=N', N > 0"
status_json "$ID-hog"
[ "$(jf Result result)/$(jf LastExit)" = "oom-kill/killed 9" ] ||
        fail "$ID-hog: Result '$(jf Result result)', LastExit '$(jf LastExit)', expected oom-kill, 'killed 9'"
ok "$ID-hog: OOM-killed under MemoryMax=32M: init reported '$(cat "$RUN/services/$ID-hog/exit")', Result oom-kill"
must reset-failed "$ID-hog"

# ---- a bind source swapped by the service, then an automatic restart ----

swap_log=$SANDBOXD_LOG_DIR/$ID-swap.log
start_unit "$ID-swap" "$ID-swap"
swap_settled() {
        grep -q LEAKED "$swap_log" 2>/dev/null && return 0
        [ "$(unit_state "$ID-swap")" = failed ]
}
wait_for 15 swap_settled || fail "$ID-swap: neither failed nor restarted within 15 s: state $(unit_state "$ID-swap")"
[ -L "$TESTDIR/swap/app/config" ] || fail "$ID-swap: the service did not replace app/config with a symlink: $(cat "$swap_log")"
if grep -q "host-secret-$ID" "$swap_log"; then
        fail "$ID-swap: after its automatic restart the service read the host's marker through /config: $(tr '\n' ' ' <"$swap_log")"
fi
ok "$ID-swap: app/config swapped for a symlink to a host directory; the automatic restart did not mount it"

# Its automatic restarts fail until the start limit: status must still say
# why the last start failed, and no earlier run's exit may pass for it.
swap_failed() { [ "$(unit_state "$ID-swap")" = failed ]; }
if wait_for 15 swap_failed; then
        status_json "$ID-swap"
        [ "$(jf Result)" = start-limit-hit ] || fail "$ID-swap: result '$(jf Result)', expected start-limit-hit"
        grep -q "changed since the unit was compiled" <<<"$(jf LastStartError)" ||
                fail "$ID-swap: LastStartError does not say why the last start failed: '$(jf LastStartError)'"
        [ -z "$(jf LastExit)" ] || fail "$ID-swap: LastExit '$(jf LastExit)' is an earlier run's"
        sc status "$ID-swap"
        grep -q "Start error: .*changed since the unit was compiled" <<<"$SC_OUT" ||
                fail "sandboxctl status $ID-swap has no Start error line: $SC_OUT"
        grep -q "Last exit" <<<"$SC_OUT" && fail "sandboxctl status $ID-swap shows an earlier run's exit: $SC_OUT"
        ok "$ID-swap after start-limit-hit: status says $(grep 'Start error:' <<<"$SC_OUT" | sed 's/^ *//'), no Last exit"
else
        fail "$ID-swap: not failed (start-limit-hit) within 15 s: $(unit_state "$ID-swap")"
fi
sc status "$ID-swap"
want="BindReadOnlyPaths= source $TESTDIR/swap/app/config changed since the unit was compiled"
grep -qF "$want" <<<"$SC_OUT" || fail "sandboxctl status $ID-swap does not say \"$want\": $SC_OUT"
grep -q "refusing" <<<"$SC_OUT" || fail "sandboxctl status $ID-swap does not say it refused: $SC_OUT"
ok "sandboxctl status $ID-swap: $(grep -F "$want" <<<"$SC_OUT" | head -n 1 | sed 's/^ *//')"
must stop "$ID-swap"

# ---- stop with a service that ignores SIGTERM ----

start_unit "$ID-stubborn" "$ID-stubborn"
status_json "$ID-stubborn"
stub_cg=$(jf ControlGroup)
stub_main=$(jf MainPID)
[ -n "$stub_cg" ] && [ -d "/sys/fs/cgroup/unified$stub_cg" ] || [ -d "/sys/fs/cgroup$stub_cg" ] ||
        fail "$ID-stubborn: no cgroup directory for '$stub_cg'"
sleep 0.3       # let the shell install its trap
t0=$(date +%s%N)
must stop "$ID-stubborn"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ] || fail "stop of a service ignoring SIGTERM took ${ms} ms, expected about 1000 (TimeoutStopSec=1s)"
kill -0 "$stub_main" 2>/dev/null && fail "after stop, its init $stub_main lives"
[ -d "/sys/fs/cgroup/unified$stub_cg" ] || [ -d "/sys/fs/cgroup$stub_cg" ] && fail "after stop, its cgroup $stub_cg is still there"
[ -z "$(find /sys/fs/cgroup -mindepth 2 -type d -name "sandbox-$ID-stubborn-*")" ] || fail "after stop, cgroups sandbox-$ID-stubborn-* remain"
st=$(unit_state "$ID-stubborn")
[ "$st" != running ] && [ "$st" != stopping ] || fail "after stop, state $st"
ok "stop with trap '' TERM and TimeoutStopSec=1s: killed after ${ms} ms, cgroup gone in every hierarchy (state $st, result $(jf Result))"

# ---- re-adoption after SIGKILL of sandboxd ----

# A service that writes a numbered line every 0.1 s, for the second kill
# -9 below (here its run would push $WEB's past the 10 s after which the
# restart counter starts again).
start_unit "$ID-tick" "$ID-tick"
TLOG=$SANDBOXD_LOG_DIR/$ID-tick.log
ticks() { grep -c '^tick-[0-9]*$' "$TLOG" 2>/dev/null || true; }
ticks_over() { [ "$(ticks)" -gt "$1" ]; }

stop_daemon KILL
kill -0 "$WEB_MAIN" && kill -0 "$WEB_SVC" || fail "SIGKILL of sandboxd took the service down"
ok "sandboxd SIGKILLed: $WEB keeps running (init $WEB_MAIN, service $WEB_SVC)"
start_daemon
status_json "$WEB"
[ "$(jf State)" = running ] && [ "$(jf MainPID)" = "$WEB_MAIN" ] ||
        fail "restarted sandboxd: $WEB is $(jf State) with main pid $(jf MainPID), expected running with $WEB_MAIN"
[ "$(service_pid "$WEB_MAIN")" = "$WEB_SVC" ] || fail "re-adoption restarted the service process"
ok "restarted sandboxd re-adopted $WEB: running, same main pid $WEB_MAIN, same service process"
n_before=$(jf NRestarts)
kill -KILL "$WEB_SVC"
wait_for 10 is_running_with_new_pid "$WEB" "$WEB_MAIN" ||
        fail "re-adopted $WEB killed: not restarted within 10 s: state $(unit_state "$WEB")"
status_json "$WEB"
[ "$(jf NRestarts)" = $((n_before + 1)) ] || fail "NRestarts $(jf NRestarts) after a restart of a re-adopted service, expected $((n_before + 1))"
WEB_MAIN=$(jf MainPID)
WEB_SVC=$(service_pid "$WEB_MAIN")
ok "kill -9 of the re-adopted service: the new sandboxd restarted it (main pid $WEB_MAIN), NRestarts $((n_before + 1))"
# Why $ID-swap's last start failed is in its state file, not only in the
# memory of the sandboxd that saw it.
status_json "$ID-swap"
[ "$(jf State)/$(jf Result)" = failed/start-limit-hit ] || fail "restarted sandboxd: $ID-swap is $(jf State)/$(jf Result)"
grep -q "changed since the unit was compiled" <<<"$(jf LastStartError)" ||
        fail "restarted sandboxd: $ID-swap's LastStartError is lost: '$(jf LastStartError)'"
[ -z "$(jf LastExit)" ] || fail "restarted sandboxd: $ID-swap's LastExit '$(jf LastExit)' is an earlier run's"
sc status "$ID-swap"
grep -q "Start error: .*changed since the unit was compiled" <<<"$SC_OUT" ||
        fail "restarted sandboxd: sandboxctl status $ID-swap has no Start error line: $SC_OUT"
ok "restarted sandboxd: $ID-swap still says why its last start failed, and shows no earlier exit"
status_json "$ID-daemonise"
[ "$(jf LastExit)/$(jf LastExitLeft)" = "exited 0/2" ] ||
        fail "restarted sandboxd: $ID-daemonise's LastExit '$(jf LastExit)', LastExitLeft '$(jf LastExitLeft)'"
ok "restarted sandboxd: $ID-daemonise still has LastExitLeft 2"

# ---- a service that dies while sandboxd is down ----

# $ID-tick's log must go on after the restart, with nothing lost of what
# it wrote meanwhile (a few hundred bytes: the pipe holds 64 KiB, and the
# sandbox's init keeps it).
wait_for 10 ticks_over 5 || fail "$ID-tick writes no ticks to $TLOG: $(head -c 200 "$TLOG" 2>&1)"
stop_daemon KILL
ticks_at_kill=$(ticks)
kill -KILL "$WEB_SVC"
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 5 gone "$WEB_MAIN" || fail "the init $WEB_MAIN did not end after its service was killed"
grep -qx "killed 9 oom=0" "$RUN/services/$WEB/exit" && ok "the init wrote 'killed 9 oom=0' to $RUN/services/$WEB/exit" ||
        itest_log "# the exit file says '$(cat "$RUN/services/$WEB/exit" 2>&1)' (empty counts as killed 9)"

# Hostile state, planted while sandboxd is down (docs/sandboxd-api.md:
# "parse strictly; anything malformed is logged with the file name and the
# service is treated as not adoptable"). A decoy process of ours, named by a
# well-formed state file with its real start time but a cgroup that is not
# the service's, must be neither adopted nor signalled; a state file with an
# injected line must be refused, naming the file and the line.
sleep 100000 &
DECOY=$!
disown "$DECOY"
[ "$DECOY" -gt 1 ] || fail "no decoy pid"
decoy_start=$(sed 's/.*) //' "/proc/$DECOY/stat" | awk '{ print $20 }')
boot=$(tr -d '-' </proc/sys/kernel/random/boot_id)
EVIL=$ID-evil
# A unit of that name, so that daemon-reload (below) finds one.
write_unit "$EVIL" <<'EOF_EVIL_UNIT'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sleep 100000
EOF_EVIL_UNIT
mkdir -m 0700 "$RUN/services/$EVIL" "$RUN/services/$ID-garbage"
python3 - "$RUN/services/$WEB/plan.json" "$RUN/services/$EVIL/plan.json" "$EVIL" <<'EOF_PLAN'
import json, sys
p = json.load(open(sys.argv[1]))
p["name"] = sys.argv[3]
json.dump(p, open(sys.argv[2], "w"))
EOF_PLAN
cat >"$RUN/services/$EVIL/state" <<EOF_EVIL
state=running
result=success
unit=
main_pid=$DECOY
main_pid_starttime=$decoy_start
boot_id=$boot
has_init=1
cgroup=/sandbox-$EVIL-00000000
cgroup_driver=cgroupfs
n_restarts=0
start_window_usec=0
starts_in_window=0
running_since_usec=0
active_since_realtime=0
state_change_realtime=0
stop_requested=0
restart_at_usec=0
last_exit=
EOF_EVIL
sed -e 's|^cgroup=.*|cgroup=/x|' -e 's|^result=.*|result=success\nmain_pid=1|' "$RUN/services/$EVIL/state" >"$RUN/services/$ID-garbage/state"
chmod 0600 "$RUN/services/$EVIL/"* "$RUN/services/$ID-garbage/state"

sleep 1
[ "$(ticks)" = "$ticks_at_kill" ] || fail "$TLOG grew while no sandboxd ran: $ticks_at_kill, then $(ticks) ticks"
start_daemon
wait_for 10 is_running_with_new_pid "$WEB" "$WEB_MAIN" ||
        fail "$WEB, killed while sandboxd was down, was not restarted: state $(unit_state "$WEB")"
wait_for 10 ticks_over $((ticks_at_kill + 15)) ||
        fail "$TLOG does not grow after the restart: $ticks_at_kill ticks at the kill, $(ticks) now"
# Re-adopted first: a service started anew would count from tick-1 again.
grep -q "$ID-tick: Re-adopted" "$DLOG" || fail "sandboxd did not re-adopt $ID-tick: $(grep -- "$ID-tick" "$DLOG" | tail -n 3)"
# One snapshot of the log: the service goes on ticking, and two reads
# of the file a tick apart disagree (this check failed now and then for
# that reason alone).
cp "$TLOG" "$TLOG.snapshot"
last=$(grep '^tick-[0-9]*$' "$TLOG.snapshot" | tail -n 1)
last=${last#tick-}
# Where the sequence breaks, if it does: "tick-41 after tick-39" names
# a lost line, "tick-1 after tick-40" a restart, anything else is shown.
breaks() {
        awk -v n=0 '/^tick-[0-9]+$/ { v = substr($0, 6) + 0; if (v != n + 1) printf "%s after tick-%d; ", $0, n; n = v; next }
                    { printf "a line that is no tick: %s; ", $0 }' "$TLOG.snapshot"
}
[ "$(grep '^tick-[0-9]*$' "$TLOG.snapshot" | tr '\n' ' ')" = "$(seq -f 'tick-%g' 1 "$last" | tr '\n' ' ')" ] ||
        fail "$TLOG is not tick-1 ... tick-$last without a gap: $(breaks | head -c 300)"
ok "$ID-tick's log goes on after kill -9 and restart of sandboxd: $ticks_at_kill ticks at the kill, none written while it was down, then tick-1 ... tick-$last without a gap"
# Its sleeps come and go: it would spoil the process checks below.
must stop "$ID-tick"
WEB_MAIN=$(main_pid "$WEB")
WEB_SVC=$(service_pid "$WEB_MAIN")
ok "$WEB, killed while sandboxd was down, restarted when sandboxd came back (main pid $WEB_MAIN)"

kill -0 "$DECOY" 2>/dev/null || fail "sandboxd killed the decoy $DECOY that a planted state file named"
status_json "$EVIL"
[ "$(jf State)" = failed ] && [ "$(jf Result)" = bad-state ] && [ "$(jf MainPID)" = 0 ] ||
        fail "planted $EVIL: state $(jf State), result $(jf Result), main pid $(jf MainPID); expected failed, bad-state, 0"
ok "a state file naming a foreign process ($DECOY, right start time, wrong cgroup): not adopted, not signalled, failed/bad-state"
status_json "$ID-garbage"
[ "$(jf State)" = failed ] && [ "$(jf Result)" = bad-state ] ||
        fail "planted $ID-garbage: state $(jf State), result $(jf Result); expected failed, bad-state"
grep -qE "$RUN/services/$ID-garbage/state: line [0-9]+: main_pid= given twice" "$DLOG" ||
        fail "sandboxd's log does not name $ID-garbage/state and the repeated main_pid=: $(grep -F "$ID-garbage" "$DLOG" | tail -3 | tr '\n' ' ')"
grep -q '^main_pid=1$' "$RUN/services/$ID-garbage/state" &&
        fail "sandboxd kept the injected main_pid=1 line in $ID-garbage/state"
ok "a state file with a line injected into a value: refused ($(grep -oE "$ID-garbage/state: line [0-9]+: main_pid= given twice" "$DLOG" | head -n1)), failed/bad-state"
kill -KILL "$DECOY"
DECOY=
must reset-failed "$EVIL"
must reset-failed "$ID-garbage"

# A client on the private socket that sends calls and
# reads none of the replies is dropped, not buffered for without end.
python3 - "$RUN/private" 30000 <<'EOF_FLOOD' >"$TESTDIR/flood.out" 2>&1 || fail "a flooding client was not dropped: $(cat "$TESTDIR/flood.out")"
import os, socket, struct, sys, time
path, n = sys.argv[1], int(sys.argv[2])
def pad(b, a):
    return b + b"\0" * ((-len(b)) % a)
def call(serial, member):
    fields = b""
    for code, sig, val in ((1, b"o", b"/org/sandboxd1"), (2, b"s", b"org.sandboxd1.Manager"), (3, b"s", member)):
        fields = pad(fields, 8) + struct.pack("<BB", code, len(sig)) + sig + b"\0"
        fields = pad(fields, 4) + struct.pack("<I", len(val)) + val + b"\0"
    return pad(struct.pack("<cBBBII", b"l", 1, 0, 1, 0, serial) + struct.pack("<I", len(fields)) + fields, 8)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
assert s.recv(4096).startswith(b"OK")
s.sendall(b"BEGIN\r\n")
s.setblocking(False)
data = b"".join(call(i + 1, b"ListUnits") for i in range(n))
sent, t0 = 0, time.time()
while time.time() - t0 < 30:
    try:
        sent += s.send(data[sent:sent + 65536] if sent < len(data) else call(n + 1, b"ListUnits"))
    except BlockingIOError:
        time.sleep(0.01)
    except (BrokenPipeError, ConnectionResetError):
        print("dropped after %d bytes" % sent)
        sys.exit(0)
print("still connected after %d bytes, none of the replies read" % sent)
sys.exit(1)
EOF_FLOOD
must list
grep -q "Dropping a private connection that reads none of its replies" "$DLOG" || fail "no log line about the dropped client"
ok "a client that reads none of its replies: $(cat "$TESTDIR/flood.out"), logged; sandboxd still answers"

# ---- restart ----

path_main=$(main_pid "$ID-path")
must restart "$ID-path"
wait_for 5 is_running_with_new_pid "$ID-path" "$path_main" || fail "sandboxctl restart $ID-path: $(unit_state "$ID-path") $(main_pid "$ID-path")"
ok "sandboxctl restart $ID-path: running with a new main pid"

# ---- non-root callers ----

# The private socket is root's (0600); without a system bus, a user who
# is not an administrator has no way in (test-boundary.sh has the rest).
sc_nobody list
[ "$RC" != 0 ] && grep -q "Permission denied" <<<"$SC_ERR" || fail "sandboxctl list as uid 65534: exit $RC: $SC_ERR $SC_OUT"
ok "sandboxctl list as uid 65534 without a system bus: refused, $(head -c 60 <<<"$SC_ERR")..."
sc_nobody stop "$WEB"
[ "$RC" != 0 ] || fail "sandboxctl stop as uid 65534 succeeded"
grep -qiE 'access denied|permission denied|not permitted' <<<"$SC_ERR" || fail "sandboxctl stop as uid 65534: exit $RC, but: $SC_ERR"
[ "$(unit_state "$WEB")" = running ] && [ "$(main_pid "$WEB")" = "$WEB_MAIN" ] || fail "$WEB after a refused stop: $(unit_state "$WEB")"
ok "sandboxctl stop as uid 65534: refused ($(head -n1 <<<"$SC_ERR")), exit $RC, $WEB still running"
sc_nobody start "$ID-en"
[ "$RC" != 0 ] || fail "sandboxctl start as uid 65534 succeeded"
grep -qiE 'access denied|permission denied|not permitted' <<<"$SC_ERR" || fail "sandboxctl start as uid 65534: exit $RC, but: $SC_ERR"
[ "$(unit_state "$ID-en")" != running ] || fail "$ID-en runs after a refused start"
ok "sandboxctl start as uid 65534: refused, exit $RC, nothing started"

# The admin group (a GID without a group database entry): its members may.
stop_daemon TERM
DAEMON_ARGS=(--admin-group=4242)
start_daemon
sc_admin() {
        RC=0
        timeout -s KILL 30 setpriv --reuid=65534 --regid=65534 --groups=4242 \
                "$SANDBOXCTL" "$@" </dev/null >"$TESTDIR/sc.out" 2>"$TESTDIR/sc.err" || RC=$?
        SC_ERR=$(cat "$TESTDIR/sc.err")
}
path_main=$(main_pid "$ID-path")
sc_admin restart "$ID-path"
[ "$RC" = 0 ] || fail "sandboxctl restart as uid 65534 in the admin group 4242: exit $RC: $SC_ERR"
wait_for 5 is_running_with_new_pid "$ID-path" "$path_main" || fail "restart by the admin group: $ID-path $(unit_state "$ID-path")"
sc_nobody stop "$ID-path"
[ "$RC" != 0 ] || fail "with --admin-group=4242, uid 65534 outside the group could stop $ID-path"
ok "--admin-group=4242: uid 65534 with supplementary group 4242 may restart $ID-path, without it may not"
sc_admin list
[ "$RC" = 0 ] || fail "sandboxctl list as uid 65534 in the admin group 4242: exit $RC: $SC_ERR"
ok "--admin-group=4242: the private socket is $(stat -c '%a %u:%g' "$RUN/private"), the group's members may list"

# ---- bad units and names ----

pids_before=$(sbx_pids | sort)
sc start "$ID-bad"
[ "$RC" != 0 ] || fail "sandboxctl start of a unit with a typo succeeded"
grep -qF "$ID-bad.unit:6" <<<"$SC_ERR" && grep -qF ExecStrat <<<"$SC_ERR" ||
        fail "sandboxctl start $ID-bad: the error does not name $ID-bad.unit:6 and ExecStrat: $SC_ERR"
ok "sandboxctl start $ID-bad: exit $RC, $(grep -F "$ID-bad.unit:6" <<<"$SC_ERR" | head -n1)"
[ -z "$(find /sys/fs/cgroup -mindepth 2 -type d -name "sandbox-$ID-bad-*")" ] || fail "a cgroup for $ID-bad exists"
[ "$(unit_state "$ID-bad")" != running ] || fail "$ID-bad runs"
[ "$(sbx_pids | sort)" = "$pids_before" ] || fail "processes came or went with the start of $ID-bad: $(sbx_pids | tr '\n' ' ')"
ok "nothing left of $ID-bad (no process, no cgroup, not running)"

for bad in ".hidden" "-dash" "a b" "semi;colon" "colon:name" "$(printf 'x%.0s' {1..129})" "rel/dir.unit" "../$ID-web"; do
        sc start -- "$bad"
        [ "$RC" != 0 ] || fail "sandboxctl start '$bad' succeeded"
        [ ! -e "$RUN/services/$bad" ] || fail "sandboxctl start '$bad' made $RUN/services/$bad"
done
ok "invalid names refused (.hidden, -dash, 'a b', 'semi;colon', 'colon:name', 129 characters, relative paths), nothing made in services/"
# The one rule of unit names (sandbox.unit(5)) up to its 128 characters:
# what sandboxctl run accepts, sandboxd accepts too.
long=$ID-$(printf 'l%.0s' $(seq $((128 - ${#ID} - 1))))
write_unit "$long" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sh -c "echo ready; while :; do sleep 1; done"
EOF
must start "$long"
long_running() { [ "$(unit_state "$long")" = running ]; }
wait_for 10 long_running || fail "$long (${#long} characters): $(unit_state "$long"), expected running"
must stop "$long"
ok "a ${#long}-character name: started, running, stopped"
# The daemon's own check, without sandboxctl's: raw D-Bus on the private socket.
if command -v busctl >/dev/null &&
        out=$(timeout 10 busctl --address="unix:path=$RUN/private" call org.sandboxd1 /org/sandboxd1 \
                org.sandboxd1.Manager StartUnit s "../../x" 2>&1); then
        fail "StartUnit('../../x') over D-Bus succeeded: $out"
elif grep -q "org.sandboxd1.Error.InvalidName\|Invalid" <<<"${out:-}"; then
        ok "StartUnit('../../x') over raw D-Bus: $out"
else
        itest_log "# raw D-Bus check not conclusive (busctl on a peer-to-peer socket): ${out:-}"
fi
sc status "nonexistent-$ID"
[ "$RC" != 0 ] || fail "sandboxctl status of an unknown unit: exit 0"
ok "sandboxctl status of an unknown unit: exit $RC"
sc logs "nonexistent-$ID"
[ "$RC" = 5 ] || fail "sandboxctl logs of an unknown unit: exit $RC, expected 5: $SC_OUT $SC_ERR"
grep -q "nonexistent-$ID.*not known" <<<"$SC_ERR" || fail "sandboxctl logs of an unknown unit: no message naming it: '$SC_ERR'"
[ -z "$SC_OUT" ] || fail "sandboxctl logs of an unknown unit printed: $SC_OUT"
ok "sandboxctl logs of an unknown unit: exit 5, $SC_ERR"

# A launch that fails: every line sandboxd logs about it names the service.
mark=$(wc -l <"$DLOG")
sc start "$ID-nobind"
[ "$RC" != 0 ] || fail "sandboxctl start $ID-nobind (a directory bound over a file) succeeded"
STARTED_UNITS+=("$ID-nobind")
lines=$(tail -n +"$((mark + 1))" "$DLOG" | grep -v '^#' || true)
grep -q "on /etc/passwd" <<<"$lines" || fail "sandboxd's log does not say what failed for $ID-nobind: $lines"
unnamed=$(grep -v -- "$ID-nobind" <<<"$lines" || true)
[ -z "$unnamed" ] || fail "sandboxd logged lines about the launch of $ID-nobind without its name: $unnamed"
[ "$(grep -c "bind-mount .* on /etc/passwd" <<<"$lines")" = 1 ] ||
        fail "the launch failure of $ID-nobind is not logged exactly once: $lines"
ok "a failed launch: each of sandboxd's $(grep -c . <<<"$lines") lines names $ID-nobind, the failed step once"

# ---- a FIFO where sandboxd expects a file ----

# One blocking open() would stop sandboxd's event loop: every service and
# every client would wait for a writer that never comes.
FIFO=$TESTDIR/$ID-fifo.unit
mkfifo "$FIFO"
t0=$(date +%s%N)
RC=0
timeout -s KILL 10 "$SANDBOXCTL" start "$FIFO" </dev/null >"$TESTDIR/sc.out" 2>"$TESTDIR/sc.err" || RC=$?
fifo_err=$(cat "$TESTDIR/sc.err")
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$RC" != 0 ] && [ "$RC" != 137 ] || fail "StartUnit of a FIFO $FIFO: exit $RC after ${ms} ms: $fifo_err"
grep -qF "$FIFO: Not a regular file" <<<"$fifo_err" || fail "StartUnit of a FIFO: exit $RC, but: $fifo_err"
[ "$ms" -lt 5000 ] || fail "StartUnit of a FIFO was refused only after ${ms} ms"
RC=0
timeout -s KILL 10 "$SANDBOXCTL" enable "$FIFO" </dev/null >"$TESTDIR/sc.out" 2>"$TESTDIR/sc.err" || RC=$?
[ "$RC" != 0 ] && [ "$RC" != 137 ] && grep -qF "Not a regular file" "$TESTDIR/sc.err" ||
        fail "EnableUnit of a FIFO: exit $RC: $(cat "$TESTDIR/sc.err")"
[ ! -e "$SANDBOXD_CONFIG_DIR/enabled/$ID-fifo.unit" ] || fail "EnableUnit of a FIFO made a link"
sc list
[ "$RC" = 0 ] || fail "sandboxd does not answer after StartUnit/EnableUnit of a FIFO: exit $RC: $SC_ERR"
ok "StartUnit and EnableUnit of a FIFO: refused in ${ms} ms ($(grep -F "$FIFO" <<<"$fifo_err" | head -n1)), sandboxd still answers"
rm -f "$FIFO"

# The same for an image tarball that becomes a FIFO while its service runs:
# the restart launches the stored plan, without compiling it again.
TAR=$TESTDIR/$ID-tar.tar
tar -C "$IMAGE" -cf "$TAR" .
TAR_SHA=$(sha256sum "$TAR" | cut -d' ' -f1)
TAR_CACHE=/var/lib/sandboxd/images
TAR_CACHE_EXISTED=
[ -d "$TAR_CACHE" ] && TAR_CACHE_EXISTED=1
# Remove what the tarball added to the cache (as test-image.sh does).
tar_cache_cleanup() {
        local l
        rm -rf --one-file-system "${TAR_CACHE:?}/$TAR_SHA"
        for l in "$TAR_CACHE"/.by-stat/*; do
                [ -L "$l" ] && [ "$(readlink "$l")" = "$TAR_SHA" ] && rm -f "$l"
        done
        if [ -z "$TAR_CACHE_EXISTED" ]; then
                rmdir "$TAR_CACHE/.by-stat" "$TAR_CACHE" /var/lib/sandboxd 2>/dev/null || true
        fi
}
at_exit tar_cache_cleanup
write_unit "$ID-tar" <<'EOF_TAR'
[Sandbox]
Image=@TESTDIR@/@ID@-tar.tar
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sleep 100000
Restart=always
RestartSec=100ms
EOF_TAR
start_unit "$ID-tar" "$ID-tar"
# Never unpacked before: a worker unpacks it, not sandboxd's event loop.
grep -qF "Images of $ID-tar are ready, starting it." "$DLOG" && [ -d "$TAR_CACHE/$TAR_SHA" ] &&
        ok "a tarball image never unpacked before: unpacked by a worker, then started" ||
        fail "$ID-tar: no worker unpacked $TAR: $(grep -F "$ID-tar" "$DLOG" | tail -3 | tr '\n' ' ')"
tar_main=$(main_pid "$ID-tar")
tar_svc=$(service_pid "$tar_main")
[ -n "$tar_svc" ] || fail "$ID-tar (image $TAR) has no service process"
mv "$TAR" "$TAR.orig"
mkfifo "$TAR"
kill -KILL "$tar_svc"
sleep 1
sc list
[ "$RC" = 0 ] || fail "sandboxd does not answer once the image of $ID-tar, restarting, is a FIFO: exit $RC"
# Opened O_NONBLOCK, then refused as another file than the one compiled.
grep -qF "Image= $TAR changed since the unit was compiled (was inode" "$DLOG" ||
        fail "sandboxd's log does not say that $TAR changed since the unit was compiled"
ok "an image tarball replaced by a FIFO before a restart: the launch fails (another file than compiled), sandboxd still answers"
must stop "$ID-tar"
# Back in place: daemon-reload (below) compiles every known unit again.
rm -f "$TAR"
mv "$TAR.orig" "$TAR"

# ---- daemon-reload ----

must daemon-reload
ok "sandboxctl daemon-reload"
cp "$UNITDIR/$WEB.unit" "$TESTDIR/web.unit.good"
echo "MemoryMaxx=1G" >>"$UNITDIR/$WEB.unit"
sc daemon-reload
reload_rc=$RC
[ "$RC" != 0 ] && grep -qF "$WEB.unit:" <<<"$SC_ERR" && grep -qF MemoryMaxx <<<"$SC_ERR" ||
        fail "daemon-reload with a broken $WEB.unit: exit $RC: $SC_ERR"
cp "$TESTDIR/web.unit.good" "$UNITDIR/$WEB.unit"
[ "$(main_pid "$WEB")" = "$WEB_MAIN" ] || fail "daemon-reload touched the running $WEB"
must daemon-reload
ok "daemon-reload of a broken unit: exit $reload_rc, names $WEB.unit:LINE and MemoryMaxx; the service untouched"

# ---- enabled units ----

sc enable "$ID-path"
[ "$RC" != 0 ] || fail "sandboxctl enable of a unit without [Install] succeeded"
[ ! -e "$SANDBOXD_CONFIG_DIR/enabled/$ID-path.unit" ] || fail "enable without [Install] made a link"
ok "sandboxctl enable $ID-path (no [Install] WantedBy=default): refused, exit $RC"
must enable "$ID-en"
STARTED_UNITS+=("$ID-en")
# A second enabled unit, broken after enabling: sandboxd marks it bad-unit.
cp "$UNITDIR/$ID-en.unit" "$UNITDIR/$ID-en2.unit"
must enable "$ID-en2"
echo "Bogus=1" >>"$UNITDIR/$ID-en2.unit"
link=$SANDBOXD_CONFIG_DIR/enabled/$ID-en.unit
[ -L "$link" ] && [ "$(readlink -f "$link")" = "$(readlink -f "$UNITDIR/$ID-en.unit")" ] ||
        fail "sandboxctl enable $ID-en: no symlink $link to the unit: $(ls -l "$SANDBOXD_CONFIG_DIR/enabled" 2>&1)"
ok "sandboxctl enable $ID-en: $link -> $(readlink "$link")"
[ "$(unit_state "$ID-en")" != running ] || fail "enable started $ID-en (it should only at sandboxd's start)"
stop_daemon TERM
kill -0 "$WEB_MAIN" || fail "SIGTERM to sandboxd stopped $WEB"
ok "SIGTERM to sandboxd: it exits, $WEB keeps running"
start_daemon
en_running() { [ "$(unit_state "$ID-en")" = running ]; }
wait_for 10 en_running || fail "restarted sandboxd did not start the enabled $ID-en: $(unit_state "$ID-en")"
[ "$(main_pid "$WEB")" = "$WEB_MAIN" ] || fail "after SIGTERM and restart of sandboxd, $WEB has main pid $(main_pid "$WEB"), was $WEB_MAIN"
ok "restarted sandboxd started the enabled $ID-en, and re-adopted $WEB (same main pid)"
status_json "$ID-en2"
[ "$(jf State)" = failed ] && [ "$(jf Result)" = bad-unit ] ||
        fail "the enabled $ID-en2, which does not compile: state $(jf State), result $(jf Result); expected failed, bad-unit"
ok "the enabled $ID-en2 that does not compile: failed, result bad-unit"
must disable "$ID-en2"
must reset-failed "$ID-en2"
must disable "$ID-en"
[ ! -e "$link" ] && [ ! -L "$link" ] || fail "sandboxctl disable $ID-en left $link"
[ "$(unit_state "$ID-en")" = running ] || fail "disable stopped $ID-en"
ok "sandboxctl disable $ID-en: link gone, the service keeps running"

# ---- stop everything; nothing left ----

for n in "${STARTED_UNITS[@]}"; do
        must stop "$n"
        st=$(unit_state "$n")
        case $st in inactive|failed|"") ;; *) fail "after stop, $n is $st" ;; esac
done
ok "sandboxctl stop of every unit (${STARTED_UNITS[*]})"
must list
grep -q running <<<"$SC_OUT" && fail "after stopping everything, list shows running units: $SC_OUT"
stop_daemon TERM
ok "sandboxd stopped"
left=$(sbx_pids)
[ -z "$left" ] || fail "processes left: $(tr '\n' ' ' <<<"$left")"
ok "no process of this test is left"
cgs=$(find /sys/fs/cgroup -mindepth 2 -type d -name "sandbox-$ID-*" 2>/dev/null || true)
[ -z "$cgs" ] || fail "cgroups left: $(tr '\n' ' ' <<<"$cgs")"
ok "no cgroup sandbox-$ID-* under /sys/fs/cgroup/*"
leftovers_check "$TESTDIR/before" "the whole test (mounts, cgroups, processes, image files)"
itest_finish
