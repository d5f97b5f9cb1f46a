#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest side, under systemd on the unified hierarchy (run-vm.sh -S auto -I,
# after test-systemd-smoke.sh in the same boot): sandboxd installed as a
# package would be (meson install of the --prefix=/usr build, unpacked over
# the guest's root before boot), run as sandboxd.service, with the systemd
# cgroup driver on a real cgroup v2 kernel. What the hybrid host's testhost
# (tests/testhost/test-sandboxd.sh) cannot show: the limits in the scope's
# cgroup v2 files, and the kernel enforcing them.
#
#   vmweb   MemoryMax=48M TasksMax=24 CPUQuota=30%: sandbox-vmweb.scope is
#           active in sandbox.slice with Delegate=yes; memory.max, pids.max,
#           cpu.max of its cgroup; systemctl status lists its processes;
#           journalctl -u sandbox-vmweb.scope has its output
#   vmbomb  TasksMax=16: a fork bomb is held there (pids.current, pids.events)
#   vmhog   MemoryMax=32M: a 128 MiB hog is OOM-killed (the kernel's log names
#           the scope's cgroup); sandboxctl status reports it: Result=oom-kill
#   stop    no scope, no cgroup, no process left; sandboxd stops
#
# Everything is checked from outside the sandbox: systemctl, journalctl, the
# guest's /sys/fs/cgroup, sandboxctl, busctl on the system bus.
#
# The OOM result: systemd 252 (bookworm) gives a scope no Result=oom-kill
# (it logs "A process of this unit has been killed by the OOM killer" and
# leaves it running) and removes a scope's cgroup, with its memory.events,
# as soon as it is empty, often before sandboxd handles the main process's
# exit. sandboxd (src/cgroup/cgroup-systemd.c) watches the scope's
# memory.events (inotify) while the cgroup exists and keeps the kernel's
# oom_kill count, so it can tell after systemd removed the cgroup.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib-guest.sh
source "$HERE/lib-guest.sh"
vm_require_guest

CG=/sys/fs/cgroup
IMAGE=/var/lib/sandboxd/images/busybox
UNITS=/etc/sandboxd/units

CHECKS=(install service vmweb vmbomb vmhog stop)
skip_all() {
        local t
        for t in "${CHECKS[@]}"; do vm_skip "sandboxd: $t" "$1"; done
        vm_finish
}
if [ "$(cat /proc/1/comm)" != systemd ]; then
        skip_all "PID 1 is $(cat /proc/1/comm), not systemd: boot with run-vm.sh -S auto -I"
fi
if [ "${VM_INSTALLED:-}" != 1 ]; then
        skip_all "the build is not installed in the guest: boot with run-vm.sh -S auto -I"
fi
if [ ! -x /usr/sbin/sandboxd ]; then
        for t in "${CHECKS[@]}"; do vm_fail "sandboxd: $t" "the installed build has no /usr/sbin/sandboxd"; done
        vm_finish
fi
W=$(mktemp -d /tmp/vm-sandboxd.XXXXXX)

# wait_for SECONDS COMMAND...: poll until it succeeds.
wait_for() {
        local secs=$1 i
        shift
        for ((i = 0; i < secs * 10; i++)); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

# jget KEY: a top-level value of the JSON object on stdin (sandboxctl
# status --json prints it on one line, plain); no python3 in this root.
jget() {
        grep -o "\"$1\":\(\"[^\"]*\"\|[^,}]*\)" | head -n1 | cut -d: -f2- | sed 's/^"//; s/"$//'
}
# sfield NAME KEY: from sandboxctl status --json NAME. `sfield NAME` asks
# sandboxd anew; calls with a KEY read its last answer (one process fewer
# per key: each costs a good part of a second under TCG).
sfield() {
        if [ $# = 1 ] || [ ! -e "$W/status-$1.json" ]; then
                sandboxctl status --json "$1" >"$W/status-$1.json" 2>/dev/null
        fi
        [ $# = 1 ] || jget "$2" <"$W/status-$1.json"
}
scope_active() { [ "$(systemctl is-active "sandbox-$1.scope")" = active ]; }
# Not active, not loaded, and its cgroup is gone.
scope_gone() {
        ! scope_active "$1" && [ ! -e "$CG/sandbox.slice/sandbox-$1.scope" ] &&
                [ "$(systemctl show -P LoadState "sandbox-$1.scope")" != loaded ]
}
show() {  # file...: why it failed
        local f
        for f in "$@"; do echo "  --- $f:"; sed 's/^/    /' "$f"; done
}

# --- install -------------------------------------------------------------------

missing=
for f in /usr/sbin/sandboxd /usr/bin/sandboxctl /usr/lib/systemd/system/sandboxd.service \
        /usr/share/dbus-1/system.d/org.sandboxd1.conf /usr/lib/sandboxd/policies/default.policy; do
        [ -e "$f" ] || missing+=" $f"
done
# /lib is a symlink to usr/lib in this root: systemd names either.
frag=$(systemctl show -P FragmentPath sandboxd.service)
if [ -z "$missing" ] && [ -n "$frag" ] && [ "$(readlink -f "$frag")" = /usr/lib/systemd/system/sandboxd.service ]; then
        vm_ok "install: meson install (prefix /usr) in the guest's root; systemd loaded sandboxd.service from /usr/lib/systemd/system"
else
        vm_fail "install: the build installed, sandboxd.service known" "missing:${missing:- none}; FragmentPath '$(systemctl show -P FragmentPath sandboxd.service)'"
fi

# run-vm.sh built the image on the host (minutes under TCG otherwise); it
# goes where the shipped units look for it.
mkdir -p "$IMAGE" && tar -C "$IMAGE" -xf "${VM_IMAGE_TAR:-/nonexistent}" 2>"$W/tar.err" ||
        { vm_fail "install: the busybox image at $IMAGE" "$(cat "$W/tar.err")"; vm_finish; }
mkdir -p "$IMAGE/vmtest" "$UNITS"
cat >"$IMAGE/vmtest/web.sh" <<'EOF_WEB'
for i in 1 2 3 4 5; do echo "vmweb-line-$i"; done
exec sleep 100000
EOF_WEB
cat >"$IMAGE/vmtest/bomb.sh" <<'EOF_BOMB'
# Fork until the kernel refuses (the subshell gives up there), count this pid
# namespace's processes with builtins only, and hold.
( while :; do sleep 100000 </dev/null >/dev/null 2>&1 & done ) 2>/dev/null
n=0
for p in /proc/[0-9]*; do n=$((n + 1)); done
echo "tasks=$n"
exec sleep 100000
EOF_BOMB
cat >"$IMAGE/vmtest/hog.sh" <<'EOF_HOG'
# busybox tail -c N of an endless input fills an N-byte buffer.
echo "vmhog-started"
exec tail -c 134217728 /dev/zero
EOF_HOG

unit() {  # name, [Resources] lines...
        local name=$1
        shift
        {
                printf '[Unit]\nDescription=vm lane %s\n\n' "$name"
                printf '[Sandbox]\nImage=%s\nNamespaces=pid mount uts ipc net cgroup user\n\n' "$IMAGE"
                printf '[Resources]\n'
                printf '%s\n' "$@"
                printf '\n[Service]\nExecStart=/bin/sh /vmtest/%s.sh\n' "${name#vm}"
        } >"$UNITS/$name.unit"
}
unit vmweb MemoryMax=48M TasksMax=24 CPUQuota=30%
unit vmbomb TasksMax=16
unit vmhog MemoryMax=32M
if sandboxctl check vmweb vmbomb vmhog >"$W/check" 2>&1; then
        vm_ok "install: image unpacked, units vmweb vmbomb vmhog in $UNITS check clean"
else
        vm_fail "install: units check clean" "sandboxctl check"; show "$W/check"
fi

# --- sandboxd.service ------------------------------------------------------------

t0=$(cut -d' ' -f1 /proc/uptime)
if systemctl start sandboxd >"$W/start" 2>&1; then
        t1=$(cut -d' ' -f1 /proc/uptime)
        type=$(systemctl show -P Type sandboxd) state=$(systemctl is-active sandboxd)
        pid=$(systemctl show -P MainPID sandboxd)
        status=$(systemctl show -P StatusText sandboxd)
        if [ "$type" = notify ] && [ "$state" = active ] && [ "${pid:-0}" -gt 0 ]; then
                vm_ok "service: systemctl start sandboxd: Type=notify, active, MainPID $pid, STATUS='$status' ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
        else
                vm_fail "service: sandboxd.service Type=notify and active" "Type=$type, $state, MainPID $pid"
        fi
else
        vm_fail "service: systemctl start sandboxd" "$(cat "$W/start")"
        systemctl status --no-pager -l sandboxd
        journalctl -u sandboxd --no-pager -n 30
        vm_finish
fi
drv=$(busctl get-property org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager CgroupDriver 2>&1)
[ "$drv" = 's "systemd"' ] && vm_ok "service: org.sandboxd1 on the system bus, CgroupDriver \"systemd\"" ||
        vm_fail "service: org.sandboxd1 on the system bus, CgroupDriver systemd" "busctl: $drv"

# --- vmweb: the scope and its cgroup v2 files -------------------------------------

if sandboxctl start vmweb >"$W/out" 2>&1 && sfield vmweb && [ "$(sfield vmweb State)" = running ]; then
        MAIN=$(sfield vmweb MainPID)
        cgp=$(sfield vmweb ControlGroup)
        [ "$cgp" = /sandbox.slice/sandbox-vmweb.scope ] &&
                vm_ok "vmweb: sandboxctl start: running, main PID $MAIN, ControlGroup $cgp ($(sfield vmweb CgroupDriver))" ||
                vm_fail "vmweb: ControlGroup is /sandbox.slice/sandbox-vmweb.scope" "'$cgp'"
else
        vm_fail "vmweb: sandboxctl start vmweb: running" "state '$(sfield vmweb State)'"; show "$W/out"
        journalctl -u sandboxd --no-pager -n 30
        MAIN=
fi

systemctl show -p ActiveState -p Slice -p Delegate -p ControlGroup -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec \
        sandbox-vmweb.scope >"$W/show" 2>&1
miss=
for want in ActiveState=active Slice=sandbox.slice Delegate=yes ControlGroup=/sandbox.slice/sandbox-vmweb.scope \
        MemoryMax=50331648 TasksMax=24 CPUQuotaPerSecUSec=300ms; do
        grep -qx "$want" "$W/show" || miss+=" $want"
done
[ -z "$miss" ] && vm_ok "vmweb: systemctl show sandbox-vmweb.scope: $(tr '\n' ' ' <"$W/show")" ||
        { vm_fail "vmweb: the scope's properties" "missing:$miss"; show "$W/show"; }

SC=$CG/sandbox.slice/sandbox-vmweb.scope
if [ "$(stat -f -c %T $CG)" = cgroup2fs ] && [ ! -e $CG/memory ] && [ -d "$SC" ]; then
        vm_expect_file "vmweb: memory.max of the scope's cgroup (v2) is 48M" "$SC/memory.max" 50331648
        vm_expect_file "vmweb: pids.max of the scope's cgroup is 24" "$SC/pids.max" 24
        vm_expect_file "vmweb: cpu.max of the scope's cgroup is 30000 100000" "$SC/cpu.max" "30000 100000"
        # The sandbox's processes: in the scope or below it (it is delegated).
        in=$(find "$SC" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -cx "${MAIN:-x}")
        [ "$in" = 1 ] && vm_ok "vmweb: main PID $MAIN is in the scope's cgroup tree ($(cd "$SC" && find . -mindepth 1 -type d | tr '\n' ' '))" ||
                vm_fail "vmweb: main PID in the scope's cgroup" "$(find "$SC" -name cgroup.procs -exec grep -H . {} +)"
        # Delegated to the sandbox's root (the first id of its range).
        range=$(sfield vmweb UserNamespaceRange)
        owners=$(stat -c %u:%g "$SC" "$SC/cgroup.procs" "$SC/cgroup.subtree_control" | sort -u)
        [ -n "$range" ] && [ "$owners" = "${range%%-*}:${range%%-*}" ] &&
                vm_ok "vmweb: the scope's cgroup and its cgroup.procs, cgroup.subtree_control belong to the sandbox's root ($owners, range $range)" ||
                vm_fail "vmweb: the scope's cgroup delegated to the sandbox's root" "owners '$owners', range '$range'"
else
        vm_fail "vmweb: the scope's cgroup on a cgroup2-only /sys/fs/cgroup" "$(stat -f -c %T $CG), $(ls $CG | tr '\n' ' ')"
fi

systemctl status --no-pager -l sandbox-vmweb.scope >"$W/status" 2>&1
if grep -q 'Active: active (running)' "$W/status" && grep -qE "[^0-9]${MAIN:-x} " "$W/status" &&
        grep -qE '[^0-9][0-9]+ sleep 100000' "$W/status"; then
        vm_ok "vmweb: systemctl status sandbox-vmweb.scope: active (running), lists main PID $MAIN and 'sleep 100000'"
else
        vm_fail "vmweb: systemctl status lists the service's processes" "main PID $MAIN"; show "$W/status"
fi

journal_has() { journalctl -u sandbox-vmweb.scope -o cat --no-pager | grep -qx vmweb-line-5; }
if wait_for 10 journal_has; then
        n=$(journalctl -u sandbox-vmweb.scope -o cat --no-pager | grep -c '^vmweb-line-')
        vm_ok "vmweb: journalctl -u sandbox-vmweb.scope has the service's output ($n lines vmweb-line-N)"
else
        vm_fail "vmweb: journalctl -u sandbox-vmweb.scope has the service's output" "no vmweb-line-5"
        journalctl -u sandbox-vmweb.scope --no-pager | tail -n 10
fi

# --- vmbomb: a fork bomb held at TasksMax=16 ----------------------------------------

SB=$CG/sandbox.slice/sandbox-vmbomb.scope
bomb_done() { journalctl -u sandbox-vmbomb.scope -o cat --no-pager | grep -q '^tasks='; }
if sandboxctl start vmbomb >"$W/out" 2>&1 && wait_for 20 bomb_done; then
        inside=$(journalctl -u sandbox-vmbomb.scope -o cat --no-pager | sed -n 's/^tasks=//p' | head -n1)
        cur=$(cat "$SB/pids.current" 2>/dev/null) max=$(cat "$SB/pids.max" 2>/dev/null)
        ev=$(cg_key "$SB/pids.events" max)
        if [ "$max" = 16 ] && [ -n "$cur" ] && [ "$cur" -le 16 ] && [ "${ev:-0}" -ge 1 ] && [ "$inside" -le 16 ]; then
                vm_ok "vmbomb: held at TasksMax=16: pids.max $max, pids.current $cur, pids.events max=$ev; $inside processes counted inside"
        else
                vm_fail "vmbomb: held at TasksMax=16" "pids.max '$max', pids.current '$cur', pids.events max '$ev', inside '$inside'"
        fi
        tc=$(systemctl show -P TasksCurrent sandbox-vmbomb.scope)
        sfield vmbomb
        [ "$(sfield vmbomb State)" = running ] && [ "$tc" = "$cur" ] &&
                vm_ok "vmbomb: still running for sandboxd; systemd counts TasksCurrent=$tc" ||
                vm_fail "vmbomb: running, systemd's TasksCurrent" "state '$(sfield vmbomb State)', TasksCurrent '$tc', pids.current '$cur'"
else
        sfield vmbomb
        vm_fail "vmbomb: the fork bomb starts and reports" "state '$(sfield vmbomb State)'"; show "$W/out"
fi

# --- vmhog: OOM-killed under MemoryMax=32M ------------------------------------------

hog_ended() { sfield vmhog; case $(sfield vmhog State) in failed|inactive|auto-restart) return 0 ;; esac; return 1; }
hog_run() {  # sets src st res le; fails if the hog does not end
        local sd
        sandboxctl start vmhog >"$W/out" 2>&1 || { vm_fail "vmhog: sandboxctl start vmhog" "exit $?"; show "$W/out"; }
        # sandboxd gets no CPU until systemd has removed the emptied scope:
        # the race below, made certain.
        sd=$(systemctl show -P MainPID sandboxd)
        kill -STOP "$sd"
        if wait_for 20 scope_gone vmhog; then
                vm_ok "vmhog: OOM-killed and its scope removed by systemd while sandboxd was stopped (SIGSTOP)"
        else
                vm_fail "vmhog: scope removed while sandboxd was stopped" "$(systemctl show -P ActiveState sandbox-vmhog.scope)"
        fi
        kill -CONT "$sd"
        wait_for 30 hog_ended || return 1
        sandboxctl status -n 0 vmhog >"$W/hog" 2>&1
        src=$?
        sfield vmhog
        st=$(sfield vmhog State) res=$(sfield vmhog Result) le=$(sfield vmhog LastExit)
}
# systemd 252 removes the scope's cgroup as soon as it is empty, which can
# be before sandboxd (here: stopped) has read the kill count from it. init
# reads the count into its exit report while it still holds the cgroup,
# so the answer is not lost.
if hog_run; then
        echo "# sandboxctl status vmhog (exit $src):"; sed 's/^/#   /' "$W/hog"
        # The kernel's word: a memcg OOM kill in the scope's cgroup.
        kl=$(dmesg | grep -m1 'oom_memcg=/sandbox.slice/sandbox-vmhog.scope')
        if [ -n "$kl" ] && [ "$le" = "killed 9" ]; then
                vm_ok "vmhog: OOM-killed in its scope (kernel: ${kl#*] }), LastExit 'killed 9'"
        else
                vm_fail "vmhog: OOM-killed in its scope" "kernel: '${kl}', LastExit '$le'"
                dmesg | grep -i -A2 oom | tail -n 20
                echo "  --- journalctl -u sandbox-vmhog.scope:"
                journalctl -u sandbox-vmhog.scope --no-pager -o short-monotonic | sed 's/^/    /'
                echo "  --- journalctl -u sandboxd:"
                journalctl -u sandboxd --no-pager -o short-monotonic | tail -n 15 | sed 's/^/    /'
        fi
        sd=$(journalctl -u sandbox-vmhog.scope -o cat --no-pager | grep -m1 -i 'OOM killer')
        echo "# systemd about sandbox-vmhog.scope: ${sd:-nothing about the OOM killer}"
        if [ "$res" = oom-kill ] && grep -q 'Result: oom-kill' "$W/hog"; then
                vm_ok "vmhog: sandboxctl status reports the OOM kill: $(grep -m1 'Active:' "$W/hog" | sed 's/^ *//')"
        else
                # Who was first: systemd removing the scope, or sandboxd asking.
                vm_fail "vmhog: sandboxctl status reports the OOM kill (Result=oom-kill)" \
                        "it says State=$st Result=$res LastExit='$le' ($(grep -m1 'Active:' "$W/hog" | sed 's/^ *//')); systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')"
                echo "  --- journalctl -u sandbox-vmhog.scope (systemd's and sandboxd's lines):"
                journalctl -u sandbox-vmhog.scope --no-pager -o short-monotonic | sed 's/^/    /'
        fi
        if [ "$st" = failed ] && [ $src = 3 ]; then
                vm_ok "vmhog: failed (Restart=no), sandboxctl status exit 3"
        else
                vm_fail "vmhog: failed, sandboxctl status exit 3" "state '$st', exit $src"
        fi
        wait_for 5 scope_gone vmhog && vm_ok "vmhog: no sandbox-vmhog.scope, no cgroup left" ||
                vm_fail "vmhog: no scope left" "$(systemctl show -p ActiveState -p LoadState -p Result sandbox-vmhog.scope | tr '\n' ' ')"
else
        vm_fail "vmhog: the hog ends within 30 s" "state '$(sfield vmhog State)'"
        sandboxctl status vmhog
fi

# --- stop ------------------------------------------------------------------------

pids=$(find $CG/sandbox.slice -name cgroup.procs -exec cat {} + 2>/dev/null | tr '\n' ' ')
if sandboxctl stop vmweb vmbomb >"$W/out" 2>&1 && wait_for 10 scope_gone vmweb && wait_for 10 scope_gone vmbomb; then
        alive=
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive+=" $p"; done
        left=$(find $CG -type d -name 'sandbox-vm*' 2>/dev/null)
        sfield vmweb && sfield vmbomb
        sw=$(sfield vmweb State) sb=$(sfield vmbomb State)
        if [ -z "$alive" ] && [ -z "$left" ] && [ "$sw" = inactive ] && [ "$sb" = inactive ]; then
                vm_ok "stop: sandboxctl stop vmweb vmbomb: inactive, no scope, no cgroup, none of their $(wc -w <<<"$pids") processes left"
        else
                vm_fail "stop: nothing left" "states $sw $sb; alive:$alive; cgroups: $left"
        fi
else
        vm_fail "stop: sandboxctl stop vmweb vmbomb, scopes gone" "$(systemctl list-units --all --no-legend 'sandbox-*' | tr '\n' ' ')"
        show "$W/out"
fi
if systemctl stop sandboxd && [ "$(systemctl is-active sandboxd)" != active ] && ! pgrep -x sandboxd >/dev/null; then
        vm_ok "stop: systemctl stop sandboxd: $(systemctl is-active sandboxd), no sandboxd process"
else
        vm_fail "stop: systemctl stop sandboxd" "$(systemctl is-active sandboxd)"
fi

rm -rf "$W"
vm_finish
