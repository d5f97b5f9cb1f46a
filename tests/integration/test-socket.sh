#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Socket activation ([Socket] ListenStream= and friends), with real
# traffic on loopback, the static probe's listen-fd mode as the service
# (Network=none: no network of its own):
# - `sandboxctl run`: a TCP and an AF_UNIX client on the host get the
#   answer; LISTEN_PID is the service's own getpid(), LISTEN_FDNAMES
#   right, fds 3 and 4 are listening sockets and nothing else leaks; the
#   port is free and the socket file gone afterwards;
# - the policy ceiling ([Network] AllowPublishPorts=) and bad input, each
#   FILE:LINE: Key: message; an address in use fails the start naming it,
#   with no socket file left;
# - sandboxd: zero refused connections from a client looping during
#   `sandboxctl restart` and during crashes with Restart=always; status
#   shows Listen:; after kill -9 and re-adoption the sockets are taken
#   back (reachable, and zero refused at the next restart); after stop the
#   port is free, the file gone and sandboxd holds no more fds than before.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_subreaper "$@"
itest_init
daemon_init
command -v python3 >/dev/null || skip "python3 is needed for the clients"

# Ports of our own, unlikely to be taken: 8000-8999 is what web allows.
BASE=$((8100 + $$ % 700))
P1=$BASE P2=$((BASE + 1)) P3=$((BASE + 2))
SOCK=$TESTDIR/sa.sock

# ---- helpers ----

# client tcp PORT | unix PATH: one line from the service, or "ERR errno".
client() {
        python3 - "$@" <<'EOF'
import socket, sys
kind, where = sys.argv[1], sys.argv[2]
try:
    if kind == "tcp":
        s = socket.create_connection(("127.0.0.1", int(where)), timeout=10)
    else:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(where)
    print(s.makefile().readline().strip())
except OSError as e:
    print("ERR", e.errno)
EOF
}

# port_free PORT: bind succeeds on 127.0.0.1:PORT.
port_free() {
        python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1"
}

# loop_start PORT FILE: connect continuously until FILE.stop exists; the
# counts go to FILE ("ok N refused N other N").
loop_start() {
        rm -f "$2.stop"
        python3 - "$1" "$2" <<'EOF' &
import errno, os, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
ok = refused = other = 0
while not os.path.exists(out + ".stop"):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        line = s.makefile().readline()
        s.close()
        if line.startswith("hello"):
            ok += 1
        else:
            other += 1   # accepted, then closed by a crash: not a refusal
    except ConnectionRefusedError:
        refused += 1
        time.sleep(0.01)
    except OSError:
        other += 1
open(out, "w").write("ok %d refused %d other %d\n" % (ok, refused, other))
EOF
        LOOP_PID=$!
        bg_track "$LOOP_PID"
}
# loop_stop FILE: L is the counts.
loop_stop() {
        touch "$1.stop"
        wait "$LOOP_PID" || true
        L=$(cat "$1" 2>/dev/null || echo "no counts")
}

# ---- sandboxctl run ----

write_unit sa-run <<EOF
[Sandbox]
Image=@IMAGE@
Network=none
Environment=SBXTEST_ID=@ID@
[Security]
Policy=web
[Service]
ExecStart=/usr/bin/sandbox-probe listen-fd --crash-after 2
[Socket]
ListenStream=127.0.0.1:$P1
ListenStream=$SOCK
FileDescriptorName=web
EOF

leftovers_snapshot "$TESTDIR/before"
sbx_start sa-run
wait_for 10 test -S "$SOCK" || fail "run: no socket file $SOCK"
R1=$(client tcp "$P1")
R2=$(client unix "$SOCK")
sbx_wait "$SBX_PID" 20
case $R1 in "hello pid="*" fd=3 name=web "*) ok "run: TCP 127.0.0.1:$P1 answered on fd 3 ($R1)" ;;
        *) fail "run: TCP client got '$R1'" ;; esac
case $R2 in "hello pid="*" fd=4 name=web "*) ok "run: unix socket answered on fd 4 ($R2)" ;;
        *) fail "run: unix client got '$R2'" ;; esac
[ "$RC" = 3 ] && ok "run: the service exited 3 after two answers" || fail "run: exit status $RC: $(cat "$ERR")"
gp=$(sed -n 's/^getpid=//p' "$OUT"); lp=$(sed -n 's/^listen_pid=//p' "$OUT")
[ -n "$gp" ] && [ "$gp" = "$lp" ] && ok "run: LISTEN_PID=$lp is the service's own getpid()" ||
        fail "run: LISTEN_PID '$lp' but getpid() '$gp'"
expect_line "$OUT" "listen_fds=2"
expect_line "$OUT" "listen_fdnames=web:web"
expect_line "$OUT" "listen_fd=3 type=stream accepting=1"
expect_line "$OUT" "listen_fd=4 type=stream accepting=1"
expect_line "$OUT" "fds=0 1 2 3 4" "run: no fd leaks beyond stdio and the two sockets"
check "run: port $P1 free again" port_free "$P1"
check "run: socket file removed" test ! -e "$SOCK"
leftovers_check "$TESTDIR/before" "sandboxctl run with sockets"

# ---- policy and bad input ----

write_unit sa-default <<EOF
[Sandbox]
Image=@IMAGE@
[Service]
ExecStart=/bin/true
[Socket]
ListenStream=8080
EOF
sc_plan() { RC=0; "$SANDBOXCTL" plan "$1" >"$TESTDIR/plan.out" 2>"$TESTDIR/plan.err" || RC=$?; }
sc_plan "$UNITDIR/sa-default.unit"
[ "$RC" != 0 ] && grep -q "sa-default.unit:6: ListenStream: Port 8080 not allowed by policy default (.*default.policy: \[Network\] AllowPublishPorts=)" "$TESTDIR/plan.err" &&
        ok "policy: 8080 under default fails naming both files" || fail "policy: default/8080: $RC $(cat "$TESTDIR/plan.err")"
sed -i 's/^\[Sandbox\]/[Security]\nPolicy=web\n[Sandbox]/' "$UNITDIR/sa-default.unit"
sc_plan "$UNITDIR/sa-default.unit"
[ "$RC" = 0 ] && grep -q "\[::\]:8080" "$TESTDIR/plan.out" && ok "policy: 8080 under web compiles ([::]:8080)" ||
        fail "policy: web/8080: $(cat "$TESTDIR/plan.err")"
mkdir -p "$TESTDIR/pol"
cp "$SRC_DIR/policies/web.policy" "$TESTDIR/pol/ports.policy"
sed -i 's/^AllowPublishPorts=.*/AllowPublishPorts=8000-8999/' "$TESTDIR/pol/ports.policy"
write_unit sa-80 <<EOF
[Security]
Policy=$TESTDIR/pol/ports.policy
[Sandbox]
Image=@IMAGE@
[Service]
ExecStart=/bin/true
[Socket]
ListenStream=127.0.0.1:80
EOF
sc_plan "$UNITDIR/sa-80.unit"
[ "$RC" != 0 ] && grep -q "sa-80.unit:8: ListenStream: Port 80 not allowed by policy ports" "$TESTDIR/plan.err" &&
        ok "policy: port 80 denied when not listed" || fail "policy: port 80: $RC $(cat "$TESTDIR/plan.err")"

bad() {  # KEY=VALUE NEEDLE
        printf '[Sandbox]\nImage=%s\n[Security]\nPolicy=web\n[Service]\nExecStart=/bin/true\n[Socket]\n%s\n' "$IMAGE" "$1" \
                >"$UNITDIR/sa-bad.unit"
        sc_plan "$UNITDIR/sa-bad.unit"
        if [ "$RC" != 0 ] && grep -F "sa-bad.unit:8: ${1%%=*}: " "$TESTDIR/plan.err" | grep -qF "$2"; then
                ok "bad input: $1"
        else
                fail "bad input: $1: exit $RC: $(cat "$TESTDIR/plan.err")"
        fi
}
bad "Accept=yes" "Accept=yes is not supported"
bad "ListenStream=run/x.sock" "Invalid address \"run/x.sock\""
bad "ListenStream=70000" "port 70000 is out of range"
bad "ListenStream=127.0.0.1:0" "port 0 is out of range"
bad "ListenStream=300.1.1.1:8080" "is not an IPv4 address"
bad "ListenStream=/proc/x.sock" "is under /proc, /sys or /dev"
bad "ListenSequentialPacket=8080" "Sequential packet sockets are AF_UNIX only"
bad "SocketMode=0999" "Invalid mode"
bad "BindIPv6Only=maybe" "Invalid value"
bad "FileDescriptorName=a:b" "Invalid name"

# An address in use: the start fails naming it, and the socket file made
# before it is removed.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", '"$P2"')); s.listen(); time.sleep(30)' &
HOLDER=$!
bg_track "$HOLDER"
wait_for 5 bash -c "! python3 -c 'import socket; socket.socket().bind((\"127.0.0.1\", $P2))' 2>/dev/null"
write_unit sa-inuse <<EOF
[Sandbox]
Image=@IMAGE@
[Security]
Policy=web
[Service]
ExecStart=/bin/true
[Socket]
ListenStream=$SOCK
ListenStream=127.0.0.1:$P2
EOF
sbx_run sa-inuse
[ "$RC" != 0 ] && grep -q "127.0.0.1:$P2 (ListenStream=): the address is already in use" "$ERR" &&
        ok "in use: start fails naming 127.0.0.1:$P2 (exit $RC)" || fail "in use: exit $RC: $(cat "$ERR")"
check "in use: no socket file left" test ! -e "$SOCK"
kill "$HOLDER" 2>/dev/null || true

# ---- sandboxd ----

at_exit 'daemon_cleanup sa-d; rm -f "$SOCK"'
# sandboxd's sockets (its own listener and log connections, plus ours).
nfds() { find "/proc/$DPID/fd" -mindepth 1 -lname 'socket:*' 2>/dev/null | wc -l; }

write_unit sa-d <<EOF
[Sandbox]
Image=@IMAGE@
Network=none
Environment=SBXTEST_ID=@ID@
[Security]
Policy=web
[Service]
ExecStart=/usr/bin/sandbox-probe listen-fd --crash-after 25
Restart=always
RestartSec=50ms
StartLimitBurst=10000
[Socket]
ListenStream=127.0.0.1:$P3
ListenStream=$SOCK
EOF

start_daemon
FDS0=$(nfds)
sc start sa-d
[ "$RC" = 0 ] && ok "sandboxd: started sa-d" || fail "sandboxd: start: $(cat "$TESTDIR/sc.err")"
R=$(client tcp "$P3")
case $R in "hello pid="*" fd=3 name=sa-d "*) ok "sandboxd: TCP answered, default name is the unit's ($R)" ;;
        *) fail "sandboxd: TCP client got '$R'" ;; esac
sc status sa-d
grep -qE "^ +Listen: 127.0.0.1:$P3 \(Stream\)$" "$TESTDIR/sc.out" && grep -qE "^ +: $SOCK \(Stream\)$" "$TESTDIR/sc.out" &&
        ok "sandboxd: status shows Listen:" || fail "sandboxd: status: $(cat "$TESTDIR/sc.out")"
sc status --json sa-d
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d = d[0] if isinstance(d, list) else d
assert d["Listen"] == ["127.0.0.1:%s (Stream)" % sys.argv[2], "%s (Stream)" % sys.argv[3]], d.get("Listen")' \
        "$TESTDIR/sc.out" "$P3" "$SOCK" && ok "sandboxd: status --json has Listen" ||
        fail "sandboxd: status --json: $(head -c 600 "$TESTDIR/sc.out")"
LOGF=$SANDBOXD_LOG_DIR/sa-d.log
wait_for 5 grep -q '^getpid=' "$LOGF" || true
gp=$(sed -n 's/^getpid=//p' "$LOGF" | head -1); lp=$(sed -n 's/^listen_pid=//p' "$LOGF" | head -1)
[ -n "$gp" ] && [ "$gp" = "$lp" ] && ok "sandboxd: LISTEN_PID=$lp is the service's getpid()" ||
        fail "sandboxd: LISTEN_PID '$lp', getpid '$gp'"

# restart and crashes (every 25 answers) with a client looping
loop_start "$P3" "$TESTDIR/loop1"
sleep 1
for i in 1 2 3; do
        sc restart sa-d
        [ "$RC" = 0 ] || fail "sandboxd: restart $i: $(cat "$TESTDIR/sc.err")"
        sleep 0.5
done
sleep 1
loop_stop "$TESTDIR/loop1"
ok_n=$(echo "$L" | awk '{print $2}'); ref=$(echo "$L" | awk '{print $4}')
[ "$ref" = 0 ] && [ "$ok_n" -gt 50 ] && ok "sandboxd: 3 restarts and crashes: $L (zero refused)" ||
        fail "sandboxd: restart/crash loop: $L"

# sandboxd killed and started again: sockets taken back from init
stop_daemon KILL
R=$(client tcp "$P3")
case $R in "hello pid="*) ok "sandboxd down: the service still answers" ;; *) fail "sandboxd down: '$R'" ;; esac
start_daemon
wait_for 10 bash -c "grep -q Re-adopted '$DLOG'" || true
R=$(client unix "$SOCK")
case $R in "hello pid="*" fd=4 "*) ok "re-adopted: reachable on the unix socket ($R)" ;; *) fail "re-adopted: '$R'" ;; esac
loop_start "$P3" "$TESTDIR/loop2"
sleep 0.5
sc restart sa-d
[ "$RC" = 0 ] || fail "re-adopted: restart: $(cat "$TESTDIR/sc.err")"
sleep 1
loop_stop "$TESTDIR/loop2"
ref=$(echo "$L" | awk '{print $4}')
[ "$ref" = 0 ] && ok "re-adopted: restart with zero refused: $L" || fail "re-adopted: restart: $L"

FDS1=$(nfds)
[ "$FDS1" -ge $((FDS0 + 2)) ] && ok "re-adopted: sandboxd took the 2 listening sockets back ($FDS1 sockets, $FDS0 before the start)" ||
        fail "re-adopted: sandboxd holds $FDS1 sockets, $FDS0 before the start"
sc stop sa-d
[ "$RC" = 0 ] || fail "stop: $(cat "$TESTDIR/sc.err")"
check "stop: port $P3 free again" port_free "$P3"
check "stop: socket file removed" test ! -e "$SOCK"
FDS2=$(nfds)
[ "$FDS2" -le "$FDS0" ] && ok "stop: sandboxd holds $FDS2 sockets (baseline $FDS0, $FDS1 while running)" ||
        fail "stop: sandboxd holds $FDS2 sockets, baseline $FDS0"
R=$(client tcp "$P3")
[ "${R%% *}" = ERR ] && ok "stop: connections refused ($R)" || fail "stop: still answered: $R"
stop_daemon KILL

itest_finish
