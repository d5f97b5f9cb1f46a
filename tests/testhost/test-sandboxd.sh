#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sandboxd as a systemd service on a real systemd (the testhost): installed
# from the build, started by systemctl (Type=notify), driving services whose
# cgroups are transient scopes, checked from outside with systemd's own
# tools: systemctl status/show of sandbox-web.scope (processes, limits,
# Delegate=, Slice=), journalctl (the service's output with
# SYSLOG_IDENTIFIER=web, sandboxd's lines with SANDBOXD_UNIT=web), restarts
# after SIGKILL of the service and of sandboxd itself (re-adoption: the same
# PID, still supervised), start limits, stop, enable at sandboxd's start,
# the D-Bus API on the system bus (introspection, AccessDenied for non-root),
# a restart of dbus-daemon (sandboxd reconnects), D-Bus activation of
# sandboxd.service, and a second sandboxd with the cgroupfs driver whose
# services' output `sandboxctl logs` still finds in the journal.
#
#   tests/testhost/test-sandboxd.sh BUILD_DIR
#
# One "ok: ..." line per assertion; the first failure prints "FAIL: ..." and
# exits 1; the testhost is torn down in every case.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=testhost.sh
source "$HERE/testhost.sh"

BUILD=${1:-}
export TESTHOST_ID=sandboxd-$$

testhost_test_require
# A program of this project that is missing is a failure, never a skip.
if [ -z "$BUILD" ] || [ ! -f "$BUILD/build.ninja" ]; then
        echo "FAIL: no meson build dir given (meson passes its build root)"
        exit 1
fi
BUILD=$(cd "$BUILD" && pwd)
if [ ! -x "$BUILD/src/daemon/sandboxd" ]; then
        echo "FAIL: $BUILD has no src/daemon/sandboxd"
        exit 1
fi
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to parse status --json"; exit 77; }

testhost_test_init test-sandboxd

# status_json NAME: `sandboxctl status --json NAME` inside, into $TMP/status.json.
status_json() {
        th sandboxctl status --json "$1" >"$TMP/status.json" 2>"$TMP/status.err"
        python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMP/status.json" 2>/dev/null
}

# jf KEY...: as in tests/integration/test-daemon.sh.
jf() {
        python3 - "$TMP/status.json" "$@" <<'EOF_JF'
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

field() {  # NAME KEY...
        local n=$1
        shift
        status_json "$n" || return 0
        jf "$@" || true
}
unit_state() { field "$1" State ActiveState state; }
main_pid() { field "$1" MainPID main_pid pid; }
# The service: the child of the sandbox's init (PIDs as the testhost sees them).
service_pid() { th sh -c "awk '{ print \$1 }' /proc/$1/task/$1/children" 2>/dev/null || true; }

running_with_new_pid() {  # NAME OLD-MAIN-PID
        local st pid
        st=$(unit_state "$1")
        pid=$(main_pid "$1")
        [ "$st" = running ] && [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$2" ] && [ -n "$(service_pid "$pid")" ]
}
scope_active() { [ "$(th systemctl is-active "$1")" = active ]; }
scope_gone() { ! scope_active "$1"; }

# ---- boot and install ----

testhost_prepare
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "testhost prepare"
testhost_boot >/dev/null || fail "testhost boot"
ok "testhost '$TESTHOST_ID' booted (systemd PID $TESTHOST_PID on the host)"

TESTHOST_INSTALL_FLAGS=--no-rebuild testhost_install "$BUILD" 2>"$TMP/install.err" ||
        fail "testhost_install $BUILD: $(tr '\n' ' ' <"$TMP/install.err")"
for f in /usr/sbin/sandboxd /usr/bin/sandboxctl /usr/share/dbus-1/system.d/org.sandboxd1.conf \
        /usr/lib/sandboxd/policies/web.policy; do
        th test -e "$f" || fail "after install, $f is missing inside"
done
svc=$(th systemctl show -P FragmentPath sandboxd.service)
[ -n "$svc" ] || fail "after install and daemon-reload, systemd does not know sandboxd.service"
exe=$(th systemctl show -P ExecStart sandboxd.service | sed -n 's/.*path=\([^ ;]*\).*/\1/p')
prefix=$(meson introspect "$BUILD" --buildoptions | python3 -c 'import json, sys
print({o["name"]: o["value"] for o in json.load(sys.stdin)}["prefix"])')
if [ "$prefix" != /usr ]; then
        # testhost_install moves the build's prefix to /usr, but the binaries
        # and the unit file keep the paths they were configured with
        # (ExecStart=$prefix/sbin/sandboxd, units and policies searched in
        # $prefix/lib/sandboxd): make those paths lead to /usr.
        th sh -c "mkdir -p '$prefix/sbin' '$prefix/lib' && ln -sfn /usr/sbin/sandboxd '$prefix/sbin/sandboxd' &&
                  ln -sfn /usr/lib/sandboxd '$prefix/lib/sandboxd'" || fail "linking $prefix to /usr inside"
        echo "# build prefix $prefix, installed under /usr: $prefix/sbin/sandboxd and $prefix/lib/sandboxd link to /usr"
fi
th test -x "$exe" || fail "sandboxd.service's ExecStart= program '$exe' does not exist inside"
ok "installed $BUILD: sandboxd, sandboxctl, $svc (ExecStart=$exe), the D-Bus policy"
# dbus-daemon reads its policy at start: the new org.sandboxd1.conf needs a reload.
th busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null ||
        fail "dbus ReloadConfig"

# The image, built on the host with the build's probe, copied in.
"$TESTHOST_CHECKOUT/tools/mkimage-busybox.sh" --probe "$BUILD/tests/integration/sandbox-probe" "$TMP/image" >/dev/null ||
        fail "tools/mkimage-busybox.sh"
th mkdir -p /var/lib/sandboxd/images/busybox || fail "mkdir the image dir inside"
tar -C "$TMP/image" -c . | tar -C "/proc/$TESTHOST_PID/root/var/lib/sandboxd/images/busybox" -x ||
        fail "copying the image in"
th test -x /var/lib/sandboxd/images/busybox/bin/busybox || fail "the image is not at /var/lib/sandboxd/images/busybox inside"
ok "busybox image at /var/lib/sandboxd/images/busybox inside"

th mkdir -p /etc/sandboxd/units
th sh -c 'cat >/etc/sandboxd/units/web.unit' <<'EOF_WEB'
[Unit]
Description=testhost web

[Sandbox]
Image=/var/lib/sandboxd/images/busybox
Hostname=web

[Security]
Policy=web
Capabilities=CAP_NET_BIND_SERVICE

[Resources]
MemoryMax=48M
TasksMax=24

[Service]
ExecStart=/bin/sh -c "for i in 1 2 3 4 5; do echo web-line-$$i; done; exec sleep 100000"
Restart=on-failure
RestartSec=200ms

[Install]
WantedBy=default
EOF_WEB
th sh -c 'cat >/etc/sandboxd/units/crash.unit' <<'EOF_CRASH'
[Sandbox]
Image=/var/lib/sandboxd/images/busybox

[Service]
ExecStart=/bin/false
Restart=always
RestartSec=0
StartLimitBurst=3
StartLimitIntervalSec=10s
EOF_CRASH
th sandboxctl check web crash >"$TMP/check.out" 2>&1 || fail "sandboxctl check web crash inside: $(cat "$TMP/check.out")"
ok "units web and crash in /etc/sandboxd/units check clean inside"

# ---- sandboxd.service ----

th systemctl start sandboxd || fail "systemctl start sandboxd"
[ "$(th systemctl show -P Type sandboxd)" = notify ] || fail "sandboxd.service is Type=$(th systemctl show -P Type sandboxd), not notify"
[ "$(th systemctl is-active sandboxd)" = active ] || fail "sandboxd is $(th systemctl is-active sandboxd) after start"
SD_PID=$(th systemctl show -P MainPID sandboxd)
[ "$SD_PID" -gt 0 ] 2>/dev/null || fail "sandboxd.service has no MainPID"
ok "systemctl start sandboxd: Type=notify, active, MainPID $SD_PID"
# Its own bounds (sandboxd.service.in says why), real in its cgroup.
th systemctl show -p MemoryMax -p TasksMax -p ControlGroup sandboxd >"$TMP/show-sd"
for want in MemoryMax=536870912 TasksMax=256; do
        grep -qx "$want" "$TMP/show-sd" || fail "systemctl show sandboxd: no $want in: $(tr '\n' ' ' <"$TMP/show-sd")"
done
sd_cg=$(sed -n 's/^ControlGroup=//p' "$TMP/show-sd")
lim=$(th sh -c "cat /sys/fs/cgroup/memory$sd_cg/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup$sd_cg/memory.max")
[ "$lim" = 536870912 ] || fail "sandboxd.service's memory cgroup ($sd_cg) has the limit '$lim', expected 536870912"
ok "sandboxd.service: MemoryMax=536870912 TasksMax=256, the memory limit set on $sd_cg"

# ---- start web: a scope in sandbox.slice ----

th sandboxctl start web >"$TMP/out" 2>&1 || fail "sandboxctl start web: $(cat "$TMP/out")"
status_json web || fail "sandboxctl status --json web: $(cat "$TMP/status.json" "$TMP/status.err")"
[ "$(jf State)" = running ] || fail "web is $(jf State) after start"
MAIN=$(jf MainPID)
[ "$(jf CgroupDriver cgroup_driver)" = systemd ] || fail "web's cgroup driver is '$(jf CgroupDriver cgroup_driver)', expected systemd"
[ "$(jf ControlGroup)" = /sandbox.slice/sandbox-web.scope ] || fail "web's cgroup is '$(jf ControlGroup)'"
ok "sandboxctl start web: running, main PID $MAIN, driver systemd, cgroup /sandbox.slice/sandbox-web.scope"
SVC=$(service_pid "$MAIN")
[ -n "$SVC" ] || fail "web's init $MAIN has no child"

# Delegated to the sandbox's root, as the cgroupfs driver does: the scope's
# cgroup v2 directory (the unified hierarchy on a hybrid host) and the files
# that let it manage its own subtree belong to the first id of its range.
range=$(jf UserNamespaceRange)
base=${range%%-*}
[ -n "$base" ] && [ "$base" -ge 65536 ] 2>/dev/null || fail "web has no user namespace range: '$range'"
th sh -c 'd=/sys/fs/cgroup/unified/sandbox.slice/sandbox-web.scope
          [ -d "$d" ] || d=/sys/fs/cgroup/sandbox.slice/sandbox-web.scope
          stat -c "%n %u:%g" "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control"' >"$TMP/deleg" 2>&1 ||
        fail "stat of the scope's v2 cgroup: $(cat "$TMP/deleg")"
[ "$(awk '{ print $2 }' "$TMP/deleg" | sort -u)" = "$base:$base" ] ||
        fail "the scope's v2 cgroup is not delegated to $base:$base: $(tr '\n' ' ' <"$TMP/deleg")"
ok "sandbox-web.scope's v2 cgroup, cgroup.procs and cgroup.subtree_control belong to the sandbox's root ($base:$base, range $range)"

th systemctl status --no-pager -l sandbox-web.scope >"$TMP/scope" 2>&1
rc=$?
[ $rc = 0 ] || fail "systemctl status sandbox-web.scope: exit $rc: $(cat "$TMP/scope")"
grep -q 'Active: active (running)' "$TMP/scope" || fail "systemctl status sandbox-web.scope: $(cat "$TMP/scope")"
grep -qE "[^0-9]$MAIN " "$TMP/scope" && grep -qE "[^0-9]$SVC sleep 100000" "$TMP/scope" ||
        fail "systemctl status sandbox-web.scope does not list init $MAIN and sleep $SVC: $(cat "$TMP/scope")"
ok "systemctl status sandbox-web.scope: active (running), lists init $MAIN and 'sleep 100000' ($SVC)"

th systemctl show -p MemoryMax -p TasksMax -p Delegate -p Slice sandbox-web.scope >"$TMP/show"
for want in MemoryMax=50331648 TasksMax=24 Delegate=yes Slice=sandbox.slice; do
        grep -qx "$want" "$TMP/show" || fail "systemctl show sandbox-web.scope: no $want in: $(tr '\n' ' ' <"$TMP/show")"
done
ok "systemctl show sandbox-web.scope: MemoryMax=50331648 TasksMax=24 Delegate=yes Slice=sandbox.slice"
# The limit is real: the scope's memory cgroup (v1 on this hybrid host, or v2).
lim=$(th sh -c 'cat /sys/fs/cgroup/memory/sandbox.slice/sandbox-web.scope/memory.limit_in_bytes 2>/dev/null ||
                cat /sys/fs/cgroup/sandbox.slice/sandbox-web.scope/memory.max')
[ "$lim" = 50331648 ] || fail "the scope's memory cgroup limit is '$lim'"
ok "the scope's cgroup has the memory limit 50331648"

# ---- the journal ----

journal_has_output() { th journalctl -u sandbox-web.scope -o verbose --no-pager | grep -q 'MESSAGE=web-line-5'; }
wait_for 10 journal_has_output || fail "journalctl -u sandbox-web.scope lacks web-line-5: $(th journalctl -u sandbox-web.scope --no-pager | tail -5)"
th journalctl -u sandbox-web.scope -o json --no-pager >"$TMP/journal.json"
python3 - "$TMP/journal.json" <<'EOF_J' || fail "journalctl -u sandbox-web.scope -o json: the service's lines lack SYSLOG_IDENTIFIER=web or _SYSTEMD_UNIT"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
mine = [e for e in lines if str(e.get("MESSAGE", "")).startswith("web-line-")]
assert len(mine) >= 5, mine
for e in mine:
    assert e.get("SYSLOG_IDENTIFIER") == "web", e
    assert e.get("_SYSTEMD_UNIT") == "sandbox-web.scope", e
EOF_J
ok "journalctl -u sandbox-web.scope -o json: web-line-1..5 with SYSLOG_IDENTIFIER=web, _SYSTEMD_UNIT=sandbox-web.scope"

sandboxd_started_line() { th journalctl SANDBOXD_UNIT=web -o verbose --no-pager | grep -q 'MESSAGE=.*Started'; }
wait_for 5 sandboxd_started_line ||
        fail "no line of sandboxd's with SANDBOXD_UNIT=web saying it started: $(th journalctl SANDBOXD_UNIT=web --no-pager | tail -5)"
started=$(th journalctl SANDBOXD_UNIT=web -o cat --no-pager | grep Started | head -n1)
ok "journalctl SANDBOXD_UNIT=web: sandboxd's own line '$started'"
# sandboxd adds OBJECT_SYSTEMD_UNIT=sandbox-web.scope, which journald trusts from root.
th journalctl -u sandbox-web.scope -o cat --no-pager | grep -qF "$started" ||
        fail "journalctl -u sandbox-web.scope does not show sandboxd's '$started'"
ok "journalctl -u sandbox-web.scope shows sandboxd's '$started' beside the service's output"

th sandboxctl logs web >"$TMP/logs" 2>&1 || fail "sandboxctl logs web: $(cat "$TMP/logs")"
grep -q 'web-line-5' "$TMP/logs" && grep -qF "$started" "$TMP/logs" ||
        fail "sandboxctl logs web does not show the service's output and sandboxd's line: $(cat "$TMP/logs")"
ok "sandboxctl logs web: the service's output and sandboxd's '$started'"

# ---- SIGKILL of the service ----

th kill -KILL "$SVC" || fail "kill -9 $SVC"
wait_for 10 running_with_new_pid web "$MAIN" || fail "web not restarted within 10 s after kill -9 of its service: $(unit_state web)"
MAIN=$(main_pid web)
SVC=$(service_pid "$MAIN")
wait_for 5 scope_active sandbox-web.scope || fail "after the restart sandbox-web.scope is $(th systemctl is-active sandbox-web.scope)"
th grep -qx "$MAIN" /sys/fs/cgroup/systemd/sandbox.slice/sandbox-web.scope/cgroup.procs ||
        th grep -qx "$MAIN" /sys/fs/cgroup/sandbox.slice/sandbox-web.scope/cgroup.procs ||
        fail "the new init $MAIN is not in sandbox-web.scope"
ok "kill -9 of the service: restarted (init $MAIN, sleep $SVC) in a new, active sandbox-web.scope"

# ---- SIGKILL of sandboxd: systemd restarts it, it re-adopts web ----

th systemctl kill -s KILL sandboxd || fail "systemctl kill -s KILL sandboxd"
sandboxd_back() {
        local p
        p=$(th systemctl show -P MainPID sandboxd)
        [ "$(th systemctl is-active sandboxd)" = active ] && [ "$p" != 0 ] && [ "$p" != "$SD_PID" ]
}
wait_for 15 sandboxd_back || fail "systemd did not restart sandboxd after SIGKILL: $(th systemctl status --no-pager sandboxd | head -5)"
SD_PID=$(th systemctl show -P MainPID sandboxd)
ok "systemctl kill -s KILL sandboxd: systemd restarted it (Restart=on-failure), MainPID $SD_PID"
[ "$(unit_state web)" = running ] && [ "$(main_pid web)" = "$MAIN" ] ||
        fail "after sandboxd's restart web is $(unit_state web) with main PID $(main_pid web), expected running with $MAIN"
[ "$(service_pid "$MAIN")" = "$SVC" ] || fail "the service process changed across sandboxd's restart"
scope_active sandbox-web.scope || fail "sandbox-web.scope is not active after sandboxd's restart"
ok "web re-adopted: same main PID $MAIN, same service $SVC, scope still active"
th kill -KILL "$SVC"
wait_for 10 running_with_new_pid web "$MAIN" || fail "re-adopted web not restarted after kill -9: $(unit_state web)"
MAIN=$(main_pid web)
SVC=$(service_pid "$MAIN")
wait_for 5 scope_active sandbox-web.scope || fail "sandbox-web.scope inactive after the restart by the new sandboxd"
ok "kill -9 of the re-adopted service: the new sandboxd restarted it (init $MAIN)"

# ---- start limits ----

th sandboxctl start crash >/dev/null 2>&1
crash_failed() { [ "$(unit_state crash)" = failed ]; }
wait_for 10 crash_failed || fail "crash (ExecStart=/bin/false, Restart=always, StartLimitBurst=3) not failed: $(unit_state crash)"
th sandboxctl status crash >"$TMP/out" 2>&1
rc=$?
[ $rc = 3 ] && grep -q start-limit-hit "$TMP/out" || fail "sandboxctl status crash: exit $rc: $(cat "$TMP/out")"
scope_gone sandbox-crash.scope || fail "sandbox-crash.scope is still active"
ok "crash loop: failed, start-limit-hit (status exit 3), sandbox-crash.scope gone"

# ---- the D-Bus API on the system bus ----

th busctl introspect --no-pager org.sandboxd1 /org/sandboxd1 >"$TMP/introspect" 2>&1 || fail "busctl introspect: $(cat "$TMP/introspect")"
for m in org.sandboxd1.Manager .StartUnit .StopUnit .RestartUnit .ResetFailed .ListUnits .GetUnit .GetUnitPlan \
        .Reload .EnableUnit .DisableUnit .Version .CgroupDriver .NServices .UnitStateChanged; do
        grep -qF -- "$m " "$TMP/introspect" || fail "busctl introspect org.sandboxd1 /org/sandboxd1 lacks $m"
done
ok "busctl introspect org.sandboxd1 /org/sandboxd1: org.sandboxd1.Manager with every method, property and signal"
drv=$(th busctl get-property org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager CgroupDriver)
[ "$drv" = 's "systemd"' ] || fail "Manager.CgroupDriver is $drv"
upath=$(th busctl call org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager GetUnit s web | sed -n 's/^o "\(.*\)"$/\1/p')
[ -n "$upath" ] || fail "GetUnit web"
[ "$(th busctl get-property org.sandboxd1 "$upath" org.sandboxd1.Unit MainPID)" = "u $MAIN" ] ||
        fail "Unit.MainPID on $upath: $(th busctl get-property org.sandboxd1 "$upath" org.sandboxd1.Unit MainPID)"
ok "Manager.CgroupDriver \"systemd\"; GetUnit web -> $upath, MainPID $MAIN"
nobody() { th setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody busctl call org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager ListUnits >"$TMP/out" 2>&1 ||
        fail "ListUnits as uid 65534: $(cat "$TMP/out")"
grep -q '"web"' "$TMP/out" || fail "ListUnits as uid 65534 does not list web: $(cat "$TMP/out")"
ok "ListUnits as uid 65534 works"
if nobody busctl call org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager StopUnit s web >"$TMP/out" 2>&1; then
        fail "StopUnit as uid 65534 succeeded"
fi
grep -qiE 'access denied|AccessDenied|permission denied' "$TMP/out" || fail "StopUnit as uid 65534: $(cat "$TMP/out")"
if nobody busctl call org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager StartUnit s crash >"$TMP/out2" 2>&1; then
        fail "StartUnit as uid 65534 succeeded"
fi
grep -qiE 'access denied|AccessDenied|permission denied' "$TMP/out2" || fail "StartUnit as uid 65534: $(cat "$TMP/out2")"
[ "$(unit_state web)" = running ] && [ "$(unit_state crash)" = failed ] || fail "a refused call changed something"
ok "StartUnit/StopUnit as uid 65534: $(head -n1 "$TMP/out2")"
# The same through sandboxctl, as a user who is no admin would use it: the
# read-only verbs answer over the system bus, the mutating ones are refused
# and change nothing.
nobody sandboxctl status web >"$TMP/out" 2>&1 || fail "sandboxctl status web as uid 65534: $(cat "$TMP/out")"
grep -q 'running' "$TMP/out" || fail "sandboxctl status web as uid 65534 does not say running: $(cat "$TMP/out")"
nobody sandboxctl list >"$TMP/out" 2>&1 || fail "sandboxctl list as uid 65534: $(cat "$TMP/out")"
grep -q 'web' "$TMP/out" || fail "sandboxctl list as uid 65534 does not list web: $(cat "$TMP/out")"
if nobody sandboxctl stop web >"$TMP/out" 2>&1; then
        fail "sandboxctl stop web as uid 65534 succeeded"
fi
grep -qiE 'access denied|permission denied|not allowed|only root' "$TMP/out" || fail "sandboxctl stop web as uid 65534: $(cat "$TMP/out")"
[ "$(unit_state web)" = running ] || fail "a refused sandboxctl stop changed web's state"
ok "as uid 65534: sandboxctl status and list answer over the system bus; stop is refused ($(head -n1 "$TMP/out"))"

# ---- dbus-daemon restarted: sandboxd says so and reconnects ----

th systemctl restart dbus || fail "systemctl restart dbus"
# grep without -q: it must read everything, or pipefail sees journalctl's SIGPIPE.
lost_logged() { th journalctl -u sandboxd --no-pager -o cat | grep 'Lost the connection to the system bus' >/dev/null; }
wait_for 10 lost_logged || fail "sandboxd did not log the lost system bus: $(th journalctl -u sandboxd --no-pager -o cat | tail -5)"
back_on_bus() { th busctl call org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager ListUnits; }
wait_for 30 back_on_bus || fail "sandboxd is not back on the system bus 30 s after dbus restarted: $(th journalctl -u sandboxd --no-pager -o cat | tail -5)"
th journalctl -u sandboxd --no-pager -o cat | grep 'Reconnected to the system bus' >/dev/null ||
        fail "sandboxd answers on the bus again, but did not log that it reconnected"
[ "$(unit_state web)" = running ] && [ "$(main_pid web)" = "$MAIN" ] || fail "web changed across the dbus restart: $(unit_state web) $(main_pid web)"
ok "systemctl restart dbus: sandboxd logged the loss, reconnected (ListUnits on the bus works), web untouched"

# ---- stop ----

th sandboxctl stop web >"$TMP/out" 2>&1 || fail "sandboxctl stop web: $(cat "$TMP/out")"
wait_for 5 scope_gone sandbox-web.scope || fail "after stop, sandbox-web.scope is $(th systemctl is-active sandbox-web.scope)"
th test -d /sys/fs/cgroup/systemd/sandbox.slice/sandbox-web.scope && fail "after stop, the scope's cgroup is still there"
th kill -0 "$MAIN" 2>/dev/null && fail "after stop, the init $MAIN lives"
case $(unit_state web) in inactive|failed) ;; *) fail "after stop, web is $(unit_state web)" ;; esac
ok "sandboxctl stop web: sandbox-web.scope gone, its cgroup and processes too (web $(unit_state web))"

th systemctl stop sandboxd || fail "systemctl stop sandboxd"
[ "$(th systemctl is-active sandboxd)" != active ] || fail "sandboxd still active after systemctl stop"
th pgrep -x sandboxd >/dev/null && fail "a sandboxd process lives after systemctl stop"
ok "systemctl stop sandboxd: inactive, no sandboxd process"

# ---- enabled units ----

th systemctl start sandboxd || fail "systemctl start sandboxd (again)"
th sandboxctl enable web >"$TMP/out" 2>&1 || fail "sandboxctl enable web: $(cat "$TMP/out")"
th test -L /etc/sandboxd/enabled/web.unit || fail "no /etc/sandboxd/enabled/web.unit after enable"
th systemctl restart sandboxd || fail "systemctl restart sandboxd"
web_running() { [ "$(unit_state web)" = running ]; }
wait_for 15 web_running || fail "the enabled web did not start with sandboxd: $(unit_state web)"
wait_for 5 scope_active sandbox-web.scope || fail "sandbox-web.scope not active after sandboxd started the enabled web"
ok "sandboxctl enable web + systemctl restart sandboxd: web started, sandbox-web.scope active"
th sandboxctl disable web >"$TMP/out" 2>&1 || fail "sandboxctl disable web: $(cat "$TMP/out")"
th test -e /etc/sandboxd/enabled/web.unit && fail "disable left /etc/sandboxd/enabled/web.unit"
th sandboxctl stop web >"$TMP/out" 2>&1 || fail "sandboxctl stop web (end): $(cat "$TMP/out")"
wait_for 5 scope_gone sandbox-web.scope || fail "sandbox-web.scope left at the end"
th systemctl stop sandboxd
ok "disable, stop: nothing runs"

# ---- D-Bus activation ----

th test -f /usr/share/dbus-1/system-services/org.sandboxd1.service ||
        fail "the D-Bus activation file is not installed"
[ "$(th systemctl is-active sandboxd)" != active ] || fail "sandboxd is active before the activation test"
th busctl call org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager ListUnits >"$TMP/out" 2>&1 ||
        fail "a call to org.sandboxd1 with sandboxd stopped: $(cat "$TMP/out")"
[ "$(th systemctl is-active sandboxd)" = active ] || fail "the call did not start sandboxd.service: $(th systemctl is-active sandboxd)"
ok "busctl call org.sandboxd1 ... ListUnits with sandboxd stopped: D-Bus activation started sandboxd.service, the call answered"
th systemctl stop sandboxd

# ---- the cgroupfs driver with journald: sandboxctl logs still finds the output ----

# A second sandboxd, as a delegated transient service, with its own runtime
# directory and only the private socket; no scope names its services, so
# logs finds their output by the cgroup of each run (_SYSTEMD_CGROUP=), which
# journald adds to sandboxd's lines as OBJECT_SYSTEMD_CGROUP= of the main
# process they name (OBJECT_PID=).
th sh -c 'cp /etc/sandboxd/units/web.unit /etc/sandboxd/units/cgfs.unit && sed -i "s/web-line-/cgfs-line-/" /etc/sandboxd/units/cgfs.unit' ||
        fail "writing cgfs.unit"
th systemd-run --unit=sandboxd-cgfs -p Delegate=yes -p Type=notify --setenv=SANDBOXD_RUNTIME_DIR=/run/sandboxd-cgfs \
        /usr/sbin/sandboxd --cgroup-driver=cgroupfs --no-system-bus >"$TMP/out" 2>&1 ||
        fail "systemd-run sandboxd --cgroup-driver=cgroupfs: $(cat "$TMP/out")"
cgfs() { th env SANDBOXD_RUNTIME_DIR=/run/sandboxd-cgfs sandboxctl "$@"; }
cgfs start cgfs >"$TMP/out" 2>&1 || fail "sandboxctl start cgfs (cgroupfs sandboxd): $(cat "$TMP/out")"
cgfs status --json cgfs >"$TMP/status.json" 2>/dev/null || fail "status of cgfs"
[ "$(jf CgroupDriver cgroup_driver)" = cgroupfs ] || fail "cgfs's driver is $(jf CgroupDriver cgroup_driver)"
CG_MAIN=$(jf MainPID)
CG_CG=$(jf ControlGroup)
cgfs_logged() { cgfs logs cgfs | grep 'cgfs-line-5' >/dev/null; }
wait_for 10 cgfs_logged || fail "sandboxctl logs cgfs lacks its output: $(cgfs logs cgfs 2>&1 | tail -5)"
cgfs logs cgfs >"$TMP/logs" 2>&1
grep -qE 'cgfs\[[0-9]+\]: cgfs-line-1$' "$TMP/logs" || fail "the output is not shown as cgfs[PID]: $(cat "$TMP/logs")"
grep -q 'Started' "$TMP/logs" || fail "sandboxctl logs cgfs lacks sandboxd's 'Started' line: $(cat "$TMP/logs")"
th journalctl --no-pager -o verbose SYSLOG_IDENTIFIER=cgfs >"$TMP/verbose" 2>&1
grep -q "_SYSTEMD_CGROUP=.*/$(basename "$CG_CG")\$" "$TMP/verbose" ||
        fail "journald does not put the output in the run's cgroup $CG_CG: $(grep _SYSTEMD_CGROUP "$TMP/verbose" | sort -u)"
th journalctl -u sandbox-cgfs.scope --no-pager -o cat >"$TMP/scope-out" 2>&1
grep -q cgfs-line "$TMP/scope-out" && fail "a scope sandbox-cgfs.scope has the output: not the cgroupfs driver?"
# A stranger calling itself cgfs is not the service.
th logger -t cgfs "not-the-service"
sleep 0.5
cgfs logs cgfs >"$TMP/logs" 2>&1
grep -q not-the-service "$TMP/logs" && fail "sandboxctl logs cgfs shows another program's line tagged cgfs"
# A second run (restart): its output is found too, under its own main PID.
cgfs restart cgfs >"$TMP/out" 2>&1 || fail "sandboxctl restart cgfs: $(cat "$TMP/out")"
cgfs status --json cgfs >"$TMP/status.json" 2>/dev/null
CG_MAIN2=$(jf MainPID)
[ "$CG_MAIN2" != "$CG_MAIN" ] || fail "restart kept main PID $CG_MAIN"
cgfs_logged2() { [ "$(cgfs logs cgfs | grep -c 'cgfs-line-5$')" = 2 ]; }
wait_for 10 cgfs_logged2 || fail "sandboxctl logs cgfs lacks the second run's output: $(cgfs logs cgfs 2>&1 | tail -8)"
ok "cgroupfs driver with journald: sandboxctl logs shows both runs' output (cgroup $CG_CG, then a new one) and sandboxd's lines, not a stranger's 'logger -t cgfs'"
cgfs stop cgfs >"$TMP/out" 2>&1 || fail "sandboxctl stop cgfs: $(cat "$TMP/out")"
th systemctl stop sandboxd-cgfs

# ---- teardown ----

testhost_teardown || fail "teardown"
torn_down=1
left=$(testhost_leftovers)
[ -z "$left" ] || fail "left behind on the host: $left"
! find /sys/fs/cgroup -maxdepth 6 -type d -name "testhost-$TESTHOST_ID" 2>/dev/null | grep -q . ||
        fail "cgroup testhost-$TESTHOST_ID left"
! find /sys/fs/cgroup -maxdepth 2 -type d -name sandbox.slice 2>/dev/null | grep -q . ||
        fail "a sandbox.slice was made at the host's cgroup root: $(find /sys/fs/cgroup -maxdepth 2 -type d -name sandbox.slice | tr '\n' ' ')"
! grep -q "sandboxd-testhost/$TESTHOST_ID" /proc/self/mountinfo || fail "mounts left"
! kill -0 "$TESTHOST_PID" 2>/dev/null || fail "systemd ($TESTHOST_PID) still running"
ok "teardown left nothing behind"
