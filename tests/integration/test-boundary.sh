#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The boundary between sandboxd and the local users who are not its
# administrators, tested as such a user would attack it (a temporary
# account made for the test, and uids without one, as a user's subordinate
# uids would be):
#   - the private socket is 0600 root:root (EACCES for others), 0660
#     root:GROUP with --admin-group;
#   - an admin-group member who opens many connections, offers fd passing,
#     sends fds and never finishes its messages pins neither fds nor slots:
#     root is still answered within a second and starts services;
#   - with its RLIMIT_NOFILE lowered and connections waiting, sandboxd does
#     not spin on accept4() EMFILE: CPU stays low, the log is bounded;
#   - a service's escape sequences reach a terminal escaped (logs, status,
#     run), a pipe raw;
#   - the image cache is root's 0700, repaired when found open, refused
#     when owned by another user; a non-root user cannot traverse it.
# Environment as for test-daemon.sh (SANDBOXD is the daemon binary).
set -eEuo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_subreaper "$@"
itest_fail_fast
itest_init
die() { fail "$*"; }
daemon_init
for t in setpriv python3 useradd userdel prlimit script tar; do
        command -v $t >/dev/null || skip "$t is not installed"
done

STARTED_UNITS=()
ADMIN_GID=4243
# Uids without an account, as the subordinate uids of one user.
SUBUIDS=(231072 231073 231074 231075 231076)

# ---- the attacker's account ----

USER_NAME=sbxb$$
useradd -M -N -g nogroup -s /usr/sbin/nologin "$USER_NAME" >/dev/null 2>&1 || skip "useradd $USER_NAME failed"
at_exit "userdel '$USER_NAME' >/dev/null 2>&1 || echo '# userdel $USER_NAME failed'"
AUID=$(id -u "$USER_NAME")
AGID=$(id -g "$USER_NAME")

# as_user [--groups=G] CMD...: the attacker, with or without the admin group.
as_user() {
        local groups=--clear-groups
        case $1 in --groups=*) groups=$1; shift ;; esac
        setpriv --reuid="$AUID" --regid="$AGID" "$groups" "$@"
}

ATTACKERS=()
N_ATTACKS=0
stop_attackers() {
        local p
        for p in "${ATTACKERS[@]}"; do
                kill -KILL "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
        ATTACKERS=()
}

CACHE=/var/lib/sandboxd/images
CACHE_EXISTED=
[ -d "$CACHE" ] && CACHE_EXISTED=1
STATE_EXISTED=
[ -d /var/lib/sandboxd ] && STATE_EXISTED=1
CACHE_MODE=$(stat -c %a "$CACHE" 2>/dev/null || true)
TAR_SHA=

cleanup() {
        local rc=$?
        trap - ERR
        set +e
        stop_attackers
        daemon_cleanup "${STARTED_UNITS[@]}"
        if [ -d "$CACHE" ]; then
                chown root:root "$CACHE"
                [ -n "$TAR_SHA" ] && rm -rf --one-file-system "${CACHE:?}/$TAR_SHA"
                for l in "$CACHE"/.by-stat/*; do
                        [ "$(readlink "$l" 2>/dev/null)" = "$TAR_SHA" ] && rm -f "$l"
                done
                if [ -z "$CACHE_EXISTED" ]; then
                        rmdir "$CACHE/.by-stat" "$CACHE" 2>/dev/null
                        [ -z "$STATE_EXISTED" ] && rmdir /var/lib/sandboxd 2>/dev/null
                fi
        fi
        daemon_log_tail $rc
        (exit $rc)
        itest_cleanup
}
trap cleanup EXIT

# ---- the attacker ----

# attack.py PATH N MODE: N connections to PATH, each: the handshake,
# NEGOTIATE_UNIX_FD, then (MODE fds) a method call that declares a 1 MiB
# body, sends 16 bytes of it and 250 fds with them, and never the rest.
# MODE connect: only connect. Prints "connected C refused R fd-agreed A"
# and holds the connections
# until killed.
cat >"$TESTDIR/attack.py" <<'EOF'
import array, os, socket, struct, sys, time
path, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def pad(b, a):
    return b + b"\0" * ((-len(b)) % a)
def header(serial, member, body_len, nfds):
    fields = b""
    for code, sig, val in ((1, b"o", b"/org/sandboxd1"), (2, b"s", b"org.sandboxd1.Manager"), (3, b"s", member),
                           (8, b"g", b"s")):
        fields = pad(fields, 8) + struct.pack("<BB", code, len(sig)) + sig + b"\0"
        if sig == b"g":
            fields += struct.pack("<B", len(val)) + val + b"\0"
        else:
            fields = pad(fields, 4) + struct.pack("<I", len(val)) + val + b"\0"
    fields = pad(fields, 8) + struct.pack("<BB", 9, 1) + b"u\0" + struct.pack("<I", nfds)
    return pad(struct.pack("<cBBBII", b"l", 1, 0, 1, body_len, serial) + struct.pack("<I", len(fields)) + fields, 8)
null = os.open("/dev/null", os.O_RDONLY)
conns, connected, refused, agreed = [], 0, 0, 0
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        if mode == "connect":
            conns.append(s)
            connected += 1
            continue
        s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
        if not s.recv(4096).startswith(b"OK"):
            raise OSError("no OK")
        s.sendall(b"NEGOTIATE_UNIX_FD\r\n")
        if s.recv(4096).startswith(b"AGREE_UNIX_FD"):
            agreed += 1
        s.sendall(b"BEGIN\r\n")
        if mode == "fds":
            s.sendmsg([header(1, b"StartUnit", 1 << 20, 250) + b"\0" * 16],
                      [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [null] * 250))])
        conns.append(s)
        connected += 1
    except OSError:
        refused += 1
        s.close()
print("connected %d refused %d fd-agreed %d" % (connected, refused, agreed), flush=True)
while True:
    time.sleep(60)
EOF

# attack AS-ARGS... -- N MODE: one attacker in the background; waits for its line.
attack() {
        local out=$TESTDIR/attack.$((++N_ATTACKS)).out args=()
        while [ "$1" != -- ]; do args+=("$1"); shift; done
        shift
        "${args[@]}" python3 "$TESTDIR/attack.py" "$RUN/private" "$@" >"$out" 2>&1 &
        ATTACKERS+=($!)
        local i
        for ((i = 0; i < 300; i++)); do
                [ -s "$out" ] && break
                sleep 0.1
        done
        ATTACK_OUT=$(cat "$out")
        grep -q '^connected' <<<"$ATTACK_OUT" || fail "the attacker ${args[*]} did not report: $ATTACK_OUT"
}

# answers_root_within MS: root's `sandboxctl list` answers within MS ms.
answers_root_within() {
        local t0 ms
        t0=$(date +%s%N)
        sc list
        ms=$((($(date +%s%N) - t0) / 1000000))
        ROOT_MS=$ms
        [ "$RC" = 0 ] && [ "$ms" -lt "$1" ]
}

fds_of() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# A service that writes a title and a clear-screen sequence.
printf '#!/bin/sh\nprintf '"'"'\\033]0;pwned\\007 title\\n\\033[2J clear\\n'"'"'\n' >"$IMAGE/esc.sh"
chmod 0755 "$IMAGE/esc.sh"
write_unit "$ID-esc" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sh -c "/esc.sh; exec sleep 100000"
EOF
write_unit "$ID-sleep" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/sleep 100000
EOF
write_unit "$ID-once" <<'EOF'
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/esc.sh
EOF

leftovers_snapshot "$TESTDIR/before"

# ---- the private socket without an admin group ----

start_daemon
mode=$(stat -c '%a %U:%G' "$RUN/private")
[ "$mode" = "600 root:root" ] || fail "the private socket is $mode, not 600 root:root"
ok "the private socket is $mode"
out=$(as_user python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.strerror)' "$RUN/private")
[ "$out" = "Permission denied" ] || fail "$USER_NAME connecting to the private socket: $out"
ok "$USER_NAME (uid $AUID) cannot connect to it: $out"
RC=0
as_user "$SANDBOXCTL" list </dev/null >"$TESTDIR/sc.out" 2>"$TESTDIR/sc.err" || RC=$?
[ "$RC" != 0 ] && grep -q "Permission denied" "$TESTDIR/sc.err" ||
        fail "sandboxctl list as $USER_NAME: exit $RC: $(cat "$TESTDIR/sc.err")"
ok "sandboxctl list as $USER_NAME: exit $RC, $(head -n1 "$TESTDIR/sc.err" | cut -c1-100)..."
stop_daemon

# ---- an admin-group member who attacks ----

DAEMON_ARGS=(--admin-group=$ADMIN_GID)
start_daemon
mode=$(stat -c '%a %u:%g' "$RUN/private")
[ "$mode" = "660 0:$ADMIN_GID" ] || fail "with --admin-group=$ADMIN_GID the private socket is $mode"
ok "with --admin-group=$ADMIN_GID the private socket is $mode"
fds0=$(fds_of "$DPID")

# Fds and unfinished messages: 60 connections, each offering fd passing
# and sending 250 fds with a call it never finishes.
attack setpriv --reuid="$AUID" --regid="$AGID" --groups=$ADMIN_GID -- 60 fds
read -r _ connected _ refused _ agreed <<<"$ATTACK_OUT"
[ "$agreed" = 0 ] || fail "sandboxd agreed to fd passing on $agreed connections: $ATTACK_OUT"
sleep 0.5
fds1=$(fds_of "$DPID")
[ "$fds1" -lt $((fds0 + 100)) ] || fail "sandboxd holds $fds1 fds after the attack (before: $fds0): $ATTACK_OUT"
answers_root_within 1000 || fail "root's sandboxctl list during the fd attack: exit $RC after ${ROOT_MS} ms: $SC_ERR"
ok "fd attack by an admin-group member ($ATTACK_OUT): no fd passing negotiated, sandboxd holds $fds1 fds (before: $fds0), root answered in ${ROOT_MS} ms"
must start "$ID-sleep"
STARTED_UNITS+=("$ID-sleep")
ok "root starts a service during the attack"
stop_attackers

# Every slot: one user's several uids (as /etc/subuid gives them), each
# with the admin group, 64 connections each: 320 > 256.
for u in "${SUBUIDS[@]}"; do
        attack setpriv --reuid="$u" --regid="$AGID" --groups=$ADMIN_GID -- 64 hold
done
sleep 0.5
answers_root_within 1000 || fail "root's sandboxctl list with every other slot taken: exit $RC after ${ROOT_MS} ms: $SC_ERR"
must restart "$ID-sleep"
total=$(cat "$TESTDIR"/attack.[2-6].out | awk '{ c += $2; r += $4 } END { print c " connected, " r " refused" }')
ok "5 uids x 64 connections ($total): root answered in ${ROOT_MS} ms and restarted $ID-sleep"
grep -q "Refusing a private connection" "$DLOG" || fail "no log line about refused connections"
n=$(grep -c "Refusing a private connection" "$DLOG")
[ "$n" -le 5 ] || fail "$n log lines about refused connections: not rate-limited"
ok "refusals logged $n time(s), rate-limited"
stop_attackers

# ---- EMFILE: no loop ----

nofile=$(prlimit --pid "$DPID" --nofile --output=SOFT,HARD --noheadings | awk '{ print $1 ":" $2 }')
hard=${nofile#*:}
prlimit --pid "$DPID" --nofile=48:"$hard" || fail "prlimit on sandboxd"
echo "# --- RLIMIT_NOFILE 48 $(date +%T.%N)" >>"$DLOG"
lines0=$(wc -l <"$DLOG")
attack -- 120 connect
sleep 0.5
t0=$(cpu_ticks "$DPID")
sleep 2
t1=$(cpu_ticks "$DPID")
hz=$(getconf CLK_TCK)
cpu_ms=$(((t1 - t0) * 1000 / hz))
lines=$(($(wc -l <"$DLOG") - lines0))
grep -q "Out of file descriptors" "$DLOG" || fail "sandboxd never ran out of fds: $ATTACK_OUT"
[ "$cpu_ms" -lt 500 ] || fail "sandboxd used ${cpu_ms} ms of CPU in 2 s at EMFILE"
[ "$lines" -le 3 ] || fail "sandboxd logged $lines lines in 2.5 s at EMFILE"
ok "at EMFILE ($ATTACK_OUT): ${cpu_ms} ms of CPU in 2 s, $lines log lines"
stop_attackers
prlimit --pid "$DPID" --nofile="$nofile" || fail "prlimit on sandboxd"
for ((i = 0; i < 30; i++)); do
        answers_root_within 1000 && break
        sleep 0.1
done
[ "$RC" = 0 ] || fail "sandboxd does not answer after the EMFILE attack: $SC_ERR"
ok "sandboxd answers root again once fds are free (${ROOT_MS} ms)"

# ---- escape sequences ----

ESC=$'\033'
# run, on a terminal (script), through a pipe, and with --raw.
script -qec "NO_COLOR=1 '$SANDBOXCTL' run '$UNITDIR/$ID-once.unit'" /dev/null </dev/null >"$TESTDIR/run.tty" 2>&1 ||
        fail "sandboxctl run on a terminal: $(cat -v "$TESTDIR/run.tty")"
grep -qF '\x1b]0;pwned\x07 title' "$TESTDIR/run.tty" && grep -qF '\x1b[2J clear' "$TESTDIR/run.tty" &&
        ! grep -q "$ESC" "$TESTDIR/run.tty" || fail "sandboxctl run on a terminal: $(cat -v "$TESTDIR/run.tty")"
ok "sandboxctl run on a terminal: $(head -n1 "$TESTDIR/run.tty" | tr -d '\r')"
"$SANDBOXCTL" run "$UNITDIR/$ID-once.unit" </dev/null 2>&1 | cat >"$TESTDIR/run.pipe"
grep -q "$ESC]0;pwned" "$TESTDIR/run.pipe" || fail "sandboxctl run | cat: $(cat -v "$TESTDIR/run.pipe")"
ok "sandboxctl run | cat: raw ($(head -n1 "$TESTDIR/run.pipe" | cat -v))"
script -qec "'$SANDBOXCTL' run --raw '$UNITDIR/$ID-once.unit'" /dev/null </dev/null >"$TESTDIR/run.raw" 2>&1 || true
grep -q "$ESC]0;pwned" "$TESTDIR/run.raw" || fail "sandboxctl run --raw on a terminal: $(cat -v "$TESTDIR/run.raw")"
ok "sandboxctl run --raw on a terminal: raw"

# logs and status of a service under sandboxd.
must start "$ID-esc"
STARTED_UNITS+=("$ID-esc")
wait_for 5 grep -q clear "$SANDBOXD_LOG_DIR/$ID-esc.log" || fail "no output of $ID-esc"
script -qec "'$SANDBOXCTL' logs '$ID-esc'" /dev/null </dev/null >"$TESTDIR/logs.tty" 2>&1 || true
grep -qF '\x1b]0;pwned\x07 title' "$TESTDIR/logs.tty" && ! grep -q "$ESC" "$TESTDIR/logs.tty" ||
        fail "sandboxctl logs on a terminal: $(cat -v "$TESTDIR/logs.tty")"
ok "sandboxctl logs on a terminal: escaped"
script -qec "NO_COLOR=1 '$SANDBOXCTL' status '$ID-esc'" /dev/null </dev/null >"$TESTDIR/status.tty" 2>&1 || true
grep -qF '\x1b[2J clear' "$TESTDIR/status.tty" && ! grep -q "$ESC" "$TESTDIR/status.tty" ||
        fail "sandboxctl status on a terminal: $(cat -v "$TESTDIR/status.tty")"
ok "sandboxctl status on a terminal: the log lines escaped"
sc logs "$ID-esc"
grep -q "$ESC]0;pwned" <<<"$SC_OUT" || fail "sandboxctl logs into a file: $(cat -v <<<"$SC_OUT")"
script -qec "'$SANDBOXCTL' logs --raw '$ID-esc'" /dev/null </dev/null >"$TESTDIR/logs.raw" 2>&1 || true
grep -q "$ESC]0;pwned" "$TESTDIR/logs.raw" || fail "sandboxctl logs --raw on a terminal: $(cat -v "$TESTDIR/logs.raw")"
ok "sandboxctl logs into a file and logs --raw on a terminal: raw"

# ---- the image cache ----

# A tarball whose /bin/echo belongs to the attacker.
mkdir -p "$TESTDIR/tarimg"
cp -a "$IMAGE/." "$TESTDIR/tarimg/"
echo "$ID" >"$TESTDIR/tarimg/owned-by-user"
chown "$AUID" "$TESTDIR/tarimg/owned-by-user" "$TESTDIR/tarimg/bin"
tar -C "$TESTDIR/tarimg" -cf "$TESTDIR/img.tar" .
TAR_SHA=$(sha256sum "$TESTDIR/img.tar" | cut -d' ' -f1)
write_unit "$ID-tar" <<EOF
[Sandbox]
Image=$TESTDIR/img.tar
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/bin/true
EOF
[ -d "$CACHE" ] && chmod 0755 "$CACHE"      # as an older sandboxd made it
RC=0
"$SANDBOXCTL" run "$UNITDIR/$ID-tar.unit" </dev/null >"$TESTDIR/tar.out" 2>&1 || RC=$?
[ "$RC" = 0 ] || fail "sandboxctl run of a tarball image: exit $RC: $(cat "$TESTDIR/tar.out")"
mode=$(stat -c '%a %U' "$CACHE")
[ "$mode" = "700 root" ] || fail "the image cache $CACHE is $mode after a run"
[ -e "$CACHE/$TAR_SHA/owned-by-user" ] || fail "no unpacked tree $CACHE/$TAR_SHA"
[ -z "$CACHE_EXISTED" ] || grep -q "was mode 0755, open to other users: made it 0700" "$TESTDIR/tar.out" ||
        fail "an open cache was not reported as repaired: $(cat "$TESTDIR/tar.out")"
ok "the image cache is $mode (an open one made 0700, with a warning)"
out=$(as_user sh -c "ls '$CACHE/$TAR_SHA/bin' 2>&1; echo x >>'$CACHE/$TAR_SHA/owned-by-user' 2>&1" || true)
grep -q "Permission denied" <<<"$out" && ! grep -q busybox <<<"$out" &&
        [ "$(cat "$CACHE/$TAR_SHA/owned-by-user")" = "$ID" ] || fail "$USER_NAME in the image cache: $out"
ok "$USER_NAME cannot traverse the cache: $(head -n1 <<<"$out")"
chmod 0755 "$CACHE"
"$SANDBOXCTL" run "$UNITDIR/$ID-tar.unit" </dev/null >"$TESTDIR/tar.out" 2>&1 || fail "run with an open cache: $(cat "$TESTDIR/tar.out")"
grep -q "was mode 0755, open to other users: made it 0700 and removed the trees" "$TESTDIR/tar.out" &&
        [ "$(stat -c %a "$CACHE")" = 700 ] || fail "an open cache was not repaired: $(cat "$TESTDIR/tar.out")"
ok "a cache found 0755: repaired ($(grep -o 'The image cache.*0700' "$TESTDIR/tar.out" | head -n1))"
chown "$AUID" "$CACHE"
RC=0
"$SANDBOXCTL" run "$UNITDIR/$ID-tar.unit" </dev/null >"$TESTDIR/tar.out" 2>&1 || RC=$?
chown root:root "$CACHE"
[ "$RC" != 0 ] && grep -q "Refusing to use the image cache $CACHE: it is owned by uid $AUID, not root" "$TESTDIR/tar.out" ||
        fail "a cache owned by uid $AUID: exit $RC: $(cat "$TESTDIR/tar.out")"
ok "a cache owned by uid $AUID: refused, exit $RC: $(grep -o 'Refusing.*not root' "$TESTDIR/tar.out")"

# ---- nothing left ----

for n in "${STARTED_UNITS[@]}"; do must stop "$n"; done
STARTED_UNITS=()
stop_daemon
leftovers_check "$TESTDIR/before" "the whole test (mounts, cgroups, processes, image files)"
itest_finish
