#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Pods: Network=service:NAME joins the network namespace of the running
# service NAME. Real traffic over 127.0.0.1 between two sandboxes, each
# with its own user namespace (a policy like default, plus "service" in
# AllowNetwork=):
# - bad input at compile time (FILE:LINE: Key: message), and the policy
#   ceiling naming both files;
# - `sandboxctl run` of a joiner needs sandboxd;
# - sandboxd: the joiner's start is refused while db is not running, and
#   leaves nothing; web reaches db's httpd on 127.0.0.1 (its own loop,
#   and `sandboxctl exec`), with db on Network=none and on
#   Network=private; the host does not reach it on its 127.0.0.1;
#   status shows Network: service:db (and --json); a restart of db
#   restarts web (new MainPID, reaches db again); after kill -9 of
#   sandboxd and re-adoption the tie holds; stopping db stops web;
# - nothing left behind: processes, cgroups, veths, published ports.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_subreaper "$@"
itest_init
daemon_init
command -v python3 >/dev/null || skip "python3 is needed for the host's client"
command -v nft >/dev/null || skip "nft (Debian package nftables) is needed to inspect the table"
command -v ip >/dev/null || skip "ip (iproute2) is needed for the overlapping route"

PORT=$((9100 + $$ % 700))

# A policy of our own: the shipped default, allowing service:NAME too.
POLDIR=$TESTDIR/policies
mkdir -p "$POLDIR"
cp "$SRC_DIR"/policies/*.policy "$POLDIR/"
sed 's/^AllowNetwork=none private$/AllowNetwork=none private service/' "$SRC_DIR/policies/default.policy" >"$POLDIR/pod.policy"
grep -q '^AllowNetwork=none private service$' "$POLDIR/pod.policy" || die "could not make pod.policy"
export SANDBOXD_POLICY_PATH=$POLDIR

# Network=private makes the bridge and table if they are not there.
BRIDGE=sandbox0
had_bridge=no had_table=no had_netdir=no
ip link show "$BRIDGE" >/dev/null 2>&1 && had_bridge=yes
nft list table inet sandboxd >/dev/null 2>&1 && had_table=yes
[ -d /var/lib/sandboxd/net ] && had_netdir=yes
at_exit '[ "$had_bridge" = yes ] || ip link del '"$BRIDGE"' 2>/dev/null'
at_exit '[ "$had_table" = yes ] || nft delete table inet sandboxd 2>/dev/null'
at_exit "sed -i -E '/ (podb)\$/d' /var/lib/sandboxd/net/leases 2>/dev/null"
at_exit '[ "$had_netdir" = yes ] || rm -rf /var/lib/sandboxd/net'

before=$TESTDIR/leftovers.before
leftovers_snapshot "$before"

# ---- bad input, at compile time ----

write_unit bad-name <<'EOF'
[Sandbox]
Image=@IMAGE@
Network=service:../db
[Service]
ExecStart=/bin/true
EOF
sc check "$UNITDIR/bad-name.unit"
[ "$RC" = 1 ] && grep -q 'bad-name.unit:3: Network: Invalid unit name "../db"' "$TESTDIR/sc.err" &&
        ok "an invalid unit name: FILE:LINE: Key: message" || fail "bad name: exit $RC: $SC_ERR"

write_unit bad-keys <<'EOF'
[Sandbox]
Image=@IMAGE@
Network=service:db
Address=10.89.0.77
PublishPort=8080:80
DNS=1.1.1.1
[Security]
Policy=pod
[Service]
ExecStart=/bin/true
EOF
sc check "$UNITDIR/bad-keys.unit"
[ "$RC" = 1 ] &&
        grep -q 'bad-keys.unit:4: Address: Address= cannot be used with Network=service:db' "$TESTDIR/sc.err" &&
        grep -q 'bad-keys.unit:5: PublishPort: PublishPort= cannot be used with Network=service:db' "$TESTDIR/sc.err" &&
        grep -q 'bad-keys.unit:6: DNS: DNS= cannot be used with Network=service:db' "$TESTDIR/sc.err" &&
        ok "Address=, PublishPort=, DNS= with service: are errors naming FILE:LINE: Key" ||
        fail "bad keys: exit $RC: $SC_ERR"

write_unit bad-policy <<'EOF'
[Sandbox]
Image=@IMAGE@
Network=service:db
[Service]
ExecStart=/bin/true
EOF
sc check "$UNITDIR/bad-policy.unit"
[ "$RC" = 1 ] && grep -q "bad-policy.unit:3: Network: Network=service is not allowed by policy default ($POLDIR/default.policy: \[Network\] AllowNetwork=none private)" "$TESTDIR/sc.err" &&
        ok "the default policy's ceiling refuses service:, naming both files" || fail "policy: exit $RC: $SC_ERR"

# ---- a subnet that overlaps a host route (issue 12, item 9) ----

if [ -e /etc/sandboxd/sandboxd.conf ] || [ "$had_bridge" = yes ]; then
        itest_log "# overlap: skipped (sandboxd.conf exists, or $BRIDGE does: the subnet is not ours to know)"
else
        # A veth pair: the dummy module need not be there (containers).
        OVL_LINK=sbxovl$$
        at_exit "ip link del $OVL_LINK 2>/dev/null"
        ip link add "$OVL_LINK" type veth peer name "${OVL_LINK}p"
        ip link set "${OVL_LINK}p" up
        ip link set "$OVL_LINK" up
        ip route add 10.89.77.0/24 dev "$OVL_LINK"
        write_unit ovl <<'EOF'
[Sandbox]
Image=@IMAGE@
Network=private
Environment=SBXTEST_ID=@ID@
[Security]
Policy=pod
[Service]
ExecStart=/bin/true
EOF
        sbx_run ovl
        [ "$RC" = 125 ] &&
                grep -qF "/etc/sandboxd/sandboxd.conf: [Network] Subnet=10.89.0.0/16 overlaps the host's route 10.89.77.0/24 dev $OVL_LINK" "$ERR" &&
                ok "overlap: the start fails naming the file, the key and the route" ||
                fail "overlap: exit $RC: $(cat "$ERR")"
        if ip link show "$BRIDGE" >/dev/null 2>&1; then fail "overlap: $BRIDGE was made"; else ok "overlap: no bridge left"; fi
        if [ "$had_table" = no ] && nft list table inet sandboxd >/dev/null 2>&1; then
                fail "overlap: the table was made"
        else
                ok "overlap: no table left"
        fi
        ip link del "$OVL_LINK"
fi

# ---- the units ----

db_unit() {  # NETWORK [SERVICE-LINES]
        write_unit podb <<EOF
[Sandbox]
Image=@IMAGE@
Network=$1
Environment=SBXTEST_ID=@ID@
[Security]
Policy=pod
[Service]
ExecStart=/bin/httpd -f -p 127.0.0.1:$PORT -h /var/www
${2:-}
[Install]
WantedBy=default
EOF
}
db_unit none
write_unit poweb <<EOF
[Sandbox]
Image=@IMAGE@
Network=service:podb
Environment=SBXTEST_ID=@ID@
[Security]
Policy=pod
[Service]
ExecStart=/bin/sh -c 'while :; do if wget -q -O - http://127.0.0.1:$PORT/; then exec sleep 100000; fi; sleep 0.2; done'
EOF

# sandboxctl run asks sandboxd for db's main process: one line when it
# cannot.
sbx_run poweb
[ "$RC" = 125 ] && grep -q "Network=service:podb: sandboxd is not running" "$ERR" && [ "$(wc -l <"$ERR")" = 1 ] &&
        ok "run: without sandboxd the joiner is refused (exit 125, one line)" ||
        fail "run without sandboxd: exit $RC: $(cat "$ERR")"

at_exit 'daemon_cleanup poweb podb poaside'
start_daemon
with_daemon=$TESTDIR/leftovers.daemon
leftovers_snapshot "$with_daemon"

sbx_run poweb
[ "$RC" = 125 ] && grep -q "Network=service:podb: service podb is not running" "$ERR" && [ "$(wc -l <"$ERR")" = 1 ] &&
        ok "run: refused while podb is not running (exit 125, one line)" ||
        fail "run without db: exit $RC: $(cat "$ERR")"

# Not running yet: refused, and nothing left.
sc start poweb
[ "$RC" != 0 ] && grep -q "Network=service:podb: service podb is not running" "$TESTDIR/sc.err" &&
        [ "$(wc -l <"$TESTDIR/sc.err")" = 1 ] &&
        ok "start: refused while podb is not running (one line)" || fail "start without db: exit $RC: $SC_ERR"
leftovers_check "$with_daemon" "a refused joiner leaves nothing"

mainpid() {  # UNIT
        sc status "$1" --json
        python3 -c 'import json, sys; print(json.load(sys.stdin)["MainPID"])' <<<"$SC_OUT"
}
reached() {  # web's loop got db's page: its log, since its start ($1: lines before)
        sc logs poweb
        [ "$(grep -c 'hello from sandboxd' <<<"$SC_OUT")" -gt "${1:-0}" ]
}

pod_round() {  # WHAT
        local what=$1 n web1 web2 db1 db2
        must start podb
        must start poweb
        wait_for 10 reached && ok "$what: web reaches db's httpd on 127.0.0.1" || fail "$what: web never reached db: $SC_OUT"
        sc exec poweb wget -q -O - "http://127.0.0.1:$PORT/"
        [ "$RC" = 0 ] && grep -q 'hello from sandboxd' <<<"$SC_OUT" &&
                ok "$what: exec in web reaches db too" || fail "$what: exec: exit $RC: $SC_ERR"
        python3 -c 'import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2); sys.exit(1)
except OSError: pass' "$PORT" && ok "$what: the host's 127.0.0.1:$PORT is not db's" ||
                fail "$what: the host reaches 127.0.0.1:$PORT"
        must status poweb
        grep -qE '^ *Network: service:podb$' <<<"$SC_OUT" && ok "$what: status shows Network: service:podb" ||
                fail "$what: status: $SC_OUT"
        sc status poweb --json
        python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["Network"] != "service:podb")' <<<"$SC_OUT" &&
                ok "$what: status --json has \"Network\": \"service:podb\"" || fail "$what: json: $SC_OUT"

        # db restarts: web is restarted once db runs again.
        web1=$(mainpid poweb) db1=$(mainpid podb)
        n=$(sc logs poweb; grep -c 'hello from sandboxd' <<<"$SC_OUT" || true)
        must restart podb
        web_restarted() { web2=$(mainpid poweb); [ "$web2" != 0 ] && [ "$web2" != "$web1" ]; }
        wait_for 15 web_restarted && ok "$what: db restarted, web restarted (MainPID $web1 -> $web2)" ||
                fail "$what: web not restarted (MainPID $web1 -> $(mainpid poweb))"
        db2=$(mainpid podb)
        [ "$db2" != "$db1" ] || fail "$what: db's MainPID did not change"
        wait_for 10 reached "$n" && ok "$what: the new web reaches the new db" || fail "$what: no traffic after restart"
}

pod_round "db Network=none"

# kill -9 of sandboxd, then re-adoption: the tie holds.
stop_daemon KILL
start_daemon
web1=$(mainpid poweb)
[ "$web1" != 0 ] && ok "re-adopted: web runs (MainPID $web1)" || fail "web not re-adopted"
must restart podb
web_restarted() { web2=$(mainpid poweb); [ "$web2" != 0 ] && [ "$web2" != "$web1" ]; }
wait_for 15 web_restarted && ok "after re-adoption a restart of db restarts web" || fail "re-adopted web not restarted"

# Stopping db stops web.
must stop podb
web_stopped() {
        sc status poweb --json
        python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["State"] != "inactive")' <<<"$SC_OUT"
}
wait_for 15 web_stopped && ok "db stopped: web stopped" || fail "web still: $SC_OUT"

# The same with db on Network=private.
db_unit private
pod_round "db Network=private"
db_veth=$(awk '$2 == "podb" { split($1, a, "."); printf "sbx%02x%02x%02x%02x", a[1], a[2], a[3], a[4] }' /var/lib/sandboxd/net/leases)
must stop podb
# web still holds db's namespace as the stop returns (it is stopped next):
# sandboxd deletes the veth itself rather than leave it to the kernel.
[ -n "$db_veth" ] && ! ip link show "$db_veth" >/dev/null 2>&1 && ok "db (private) stopped: its veth $db_veth is gone at once" ||
        fail "db (private) stopped: veth '$db_veth' still there"
wait_for 15 web_stopped && ok "db (private) stopped: web stopped" || fail "web still: $SC_OUT"

# ---- sandboxd killed while db restarts: web still comes back ----

# db crashes and comes back after 4 s; web waits for it, in its state file.
db_unit none 'Restart=always
RestartSec=4'
must start podb
must start poweb
wait_for 10 reached && ok "crash: web reaches db" || fail "crash: web never reached db: $SC_OUT"
web1=$(mainpid poweb) db1=$(mainpid podb)
n=$(sc logs poweb; grep -c 'hello from sandboxd' <<<"$SC_OUT" || true)
svc=$(awk '{ print $1 }' "/proc/$db1/task/$db1/children" 2>/dev/null || true)
[ -n "$svc" ] && kill -KILL "$svc"
web_waits() {
        grep -qx 'state=inactive' "$RUN/services/poweb/state" && grep -qx 'restart_with_owner=1' "$RUN/services/poweb/state"
}
if wait_for 4 web_waits; then
        ok "crash: web stopped, waiting for db (restart_with_owner=1 in its state file)"
else
        fail "crash: web's state: $(tr '\n' ' ' <"$RUN/services/poweb/state")"
fi
stop_daemon KILL
start_daemon
web_back() { web2=$(mainpid poweb); [ "$web2" != 0 ] && [ "$web2" != "$web1" ]; }
wait_for 15 web_back && ok "crash + kill -9 of sandboxd: the new sandboxd started web again with db (MainPID $web2)" ||
        fail "crash + kill -9: web did not come back: $(tr '\n' ' ' <"$RUN/services/poweb/state")"
[ "$(mainpid podb)" != "$db1" ] || fail "crash: db's MainPID did not change"
wait_for 10 reached "$n" && ok "crash: the new web reaches the new db" || fail "crash: no traffic after the restart"
grep -qx 'restart_with_owner=0' "$RUN/services/poweb/state" && ok "crash: web no longer waits" ||
        fail "crash: web's state: $(tr '\n' ' ' <"$RUN/services/poweb/state")"
must stop podb
wait_for 15 web_stopped && ok "crash: db stopped, web stopped" || fail "web still: $SC_OUT"

# ---- boot: enabled owners start before their joiners ----

# poaside sorts before podb: name order alone would start it first.
write_unit poaside <<EOF
[Sandbox]
Image=@IMAGE@
Network=service:podb
Environment=SBXTEST_ID=@ID@
[Security]
Policy=pod
[Service]
ExecStart=/bin/sh -c 'while :; do if wget -q -O - http://127.0.0.1:$PORT/; then exec sleep 100000; fi; sleep 0.2; done'
[Install]
WantedBy=default
EOF
db_unit none
must enable poaside
must enable podb
stop_daemon
start_daemon
side_runs() {
        sc status poaside --json
        python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["State"] != "running")' <<<"$SC_OUT"
}
side_reached() { sc logs poaside; grep -q 'hello from sandboxd' <<<"$SC_OUT"; }
wait_for 10 side_runs && wait_for 10 side_reached &&
        ok "boot: the enabled joiner poaside started after its owner podb and reaches it" ||
        fail "boot: poaside: $SC_OUT; $(grep -E 'poaside|podb' "$DLOG" | tail -5 | tr '\n' ' ')"
order=$(grep -oE 'Starting enabled unit (podb|poaside)' "$DLOG" | awk '{ print $4 }' | tr '\n' ' ')
[ "$order" = "podb poaside " ] && ok "boot: sandboxd started podb, then poaside" || fail "boot: start order: $order"
must disable poaside
must disable podb
must stop podb
side_stopped() {
        sc status poaside --json
        python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["State"] != "inactive")' <<<"$SC_OUT"
}
wait_for 15 side_stopped && ok "boot: db stopped, poaside stopped" || fail "poaside still: $SC_OUT"

# ---- boot: a joiner waits while its owner's image is imported ----

# The owner's image is an OCI archive not in the store: at boot
# sandboxd imports it in a worker before the owner can start, and the
# joiner, next in the boot order, must wait for that start.
python3 "$SRC_DIR/tools/mkimage-oci-archive.py" "$IMAGE" "$TESTDIR/db.tar" podb >/dev/null ||
        die "tools/mkimage-oci-archive.py failed"
export SANDBOXD_STORE_DIR=$TESTDIR/store
stop_daemon
start_daemon
write_unit podb <<EOF
[Sandbox]
Image=oci-archive:$TESTDIR/db.tar:podb
Network=none
Environment=SBXTEST_ID=@ID@
[Security]
Policy=pod
[Service]
ExecStart=/bin/httpd -f -p 127.0.0.1:$PORT -h /var/www
[Install]
WantedBy=default
EOF
# Imported by a first start, for the enable (which compiles the unit);
# then the store is emptied while sandboxd is away.
must start podb
must stop podb
must enable poaside
must enable podb
stop_daemon
rm -rf "$SANDBOXD_STORE_DIR"
start_daemon
wait_for 20 side_runs && wait_for 10 side_reached &&
        ok "boot: the joiner poaside waited for the import of podb's image, then reached it" ||
        fail "boot (import): poaside: $SC_OUT; $(grep -E 'poaside|podb' "$DLOG" | tail -5 | tr '\n' ' ')"
must disable poaside
must disable podb
must stop podb
wait_for 15 side_stopped && ok "boot (import): db stopped, poaside stopped" || fail "poaside still: $SC_OUT"
unset SANDBOXD_STORE_DIR

stop_daemon
leftovers_check "$before" "sandboxd's pods"
itest_finish
