#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Network=private with real traffic, on loopback and in network namespaces
# this test makes: a service reached by its address from the host and from
# a second service; outbound NAT to a "remote" namespace linked to the host
# by a veth (it must see the host's address as the source); PublishPort=
# from the remote and from 127.0.0.1, and over IPv6 from the remote and
# from the host's own address (not [::1], refused at once, and refused as
# a host address); the same address at every start; no
# veth and no published port left once a service ended; libnftables
# loaded only by a start that changes rules, a flushed table made whole by
# the next start; bad input;
# IPAddressAllow=/IPAddressDeny= and the policy's AllowOutbound= with
# listeners on an allowed and a denied remote address, on the host and on
# another service, through sandboxctl run and sandboxd (re-adoption, a
# flushed table, a sandboxctl run joining a filtered service that stops).
# The bridge and the table are removed at the end if this test made them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

itest_init
command -v nft >/dev/null || skip "nft (Debian package nftables) is needed to inspect the table"
command -v ip >/dev/null || skip "ip (iproute2) is needed for the remote namespace"
command -v python3 >/dev/null || skip "python3 is needed for the remote's server"

BRIDGE=sandbox0
had_bridge=no had_table=no
ip link show "$BRIDGE" >/dev/null 2>&1 && had_bridge=yes
nft list table inet sandboxd >/dev/null 2>&1 && had_table=yes
[ -e /etc/sandboxd/sandboxd.conf ] && skip "/etc/sandboxd/sandboxd.conf exists; this test expects the default subnet"
[ "$had_bridge" = no ] || itest_log "# $BRIDGE exists already; kept at the end"
at_exit '[ "$had_bridge" = yes ] || ip link del '"$BRIDGE"' 2>/dev/null'
at_exit '[ "$had_table" = yes ] || nft delete table inet sandboxd 2>/dev/null'
# This test's leases (the names of its units), and the directory if it made it.
had_netdir=no
[ -d /var/lib/sandboxd/net ] && had_netdir=yes
at_exit "sed -i -E '/ (web1|client|quiet|out|web2|web3|dweb|degress|egress[0-9]*|bad-[a-z]*)\$/d' /var/lib/sandboxd/net/leases 2>/dev/null"
at_exit '[ "$had_netdir" = yes ] || rm -rf /var/lib/sandboxd/net'

# The "remote machine": testbeds §4, with names of this test.
NS=sbxnet$$
RH=sbr$$
at_exit "ip netns pids $NS 2>/dev/null | xargs -r kill -KILL; ip netns del $NS 2>/dev/null; ip link del $RH 2>/dev/null"
ip netns add "$NS"
ip link add "$RH" type veth peer name r-peer netns "$NS"
ip addr add 10.250.8.1/24 dev "$RH"
ip link set "$RH" up
ip -n "$NS" addr add 10.250.8.2/24 dev r-peer
ip -n "$NS" link set r-peer up
ip -n "$NS" link set lo up
ip -n "$NS" route add default via 10.250.8.1
# ... and over IPv6: a ULA /64 of this test's own, no duplicate detection.
ip addr add fd00:250:8::1/64 dev "$RH" nodad
ip -n "$NS" addr add fd00:250:8::2/64 dev r-peer nodad
ip -n "$NS" -6 route add default via fd00:250:8::1

before=$TESTDIR/leftovers.before
leftovers_snapshot "$before"

# ---- bad input: compile errors naming FILE:LINE: Key ----
write_unit bad-pub <<'X'
[Sandbox]
Image=@IMAGE@
Network=none
PublishPort=8080:80
[Service]
ExecStart=/bin/true
X
sbx_run bad-pub
expect_rc 1 "a compile error exits 1"
expect_match "$ERR" 'bad-pub.unit:4: PublishPort: PublishPort= needs Network=private' "PublishPort= without private names FILE:LINE: Key"

write_unit bad-addr <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
Address=192.168.7.7
[Service]
ExecStart=/bin/true
X
sbx_run bad-addr
expect_match "$ERR" 'bad-addr.unit:4: Address: Address 192.168.7.7 is outside the subnet 10.89.0.0/16' "Address= outside the subnet"

write_unit bad-port <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
PublishPort=70000:80
PublishPort=8080:80/sctp
PublishPort=1.2.3:8080:80
PublishPort=[::1]:8080:80
PublishPort=fd00::1:8080:80
PublishPort=[fe80::1]:8080:80
[Service]
ExecStart=/bin/true
X
sbx_run bad-port
expect_match "$ERR" 'bad-port.unit:4: PublishPort: Invalid host port "70000"' "host port out of range"
expect_match "$ERR" 'bad-port.unit:5: PublishPort: Invalid protocol "sctp"' "bad protocol"
expect_match "$ERR" 'bad-port.unit:6: PublishPort: Invalid host address "1.2.3"' "bad host address"
expect_match "$ERR" 'bad-port.unit:7: PublishPort: Host address \[::1\] in "\[::1\]:8080:80" cannot be published: the kernel does not forward IPv6 loopback' \
        "[::1] as the host address is refused, saying why"
expect_match "$ERR" 'bad-port.unit:8: PublishPort: Invalid host address "fd00::1" .*bracketed IPv6' "an IPv6 host address needs brackets"
expect_match "$ERR" 'bad-port.unit:9: PublishPort: Host address \[fe80::1\] .*cannot be published' "a link-local host address is refused"

write_unit bad-policy <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
[Security]
Policy=strict
[Service]
ExecStart=/bin/true
X
sbx_run bad-policy
expect_match "$ERR" 'bad-policy.unit:3: Network: Network=private is not allowed by policy strict .*AllowNetwork=none' "strict policy refuses Network=private"
check "no bridge made by a unit that did not compile" test "$had_bridge" = yes -o ! -e /sys/class/net/$BRIDGE

# ---- published ports are host ports: bounded by AllowPublishPorts= ----
write_unit pub-default <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
PublishPort=18780:8080
[Service]
ExecStart=/bin/true
X
sbx_run pub-default
expect_match "$ERR" 'pub-default.unit:4: PublishPort: Port 18780 not allowed by policy default \(.*default.policy: \[Network\] AllowPublishPorts=\)' \
        "PublishPort= under the default policy (no ports) names both files"
# The rest of this test publishes ports of 18780-18799 under a copy of the
# default policy that allows them.
mkdir -p "$TESTDIR/pol"
sed 's/^AllowPublishPorts=.*/AllowPublishPorts=18780-18799/' "$SRC_DIR/policies/default.policy" >"$TESTDIR/pol/netpub.policy"

# ---- a server with a fixed address, reached from the host ----
write_unit web1 <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
Address=10.89.7.10
PublishPort=18780:8080
PublishPort=127.0.0.1:18781:8080
PublishPort=[fd00:250:8::1]:18783:8080
TemporaryFileSystem=/tmp
[Security]
Policy=@TESTDIR@/pol/netpub.policy
[Service]
ExecStart=/bin/sh -c "echo web1-@ID@ >/tmp/index.html; exec httpd -f -p 8080 -h /tmp"
X
sbx_start web1
WEB1_PID=$SBX_PID
check "web1 answers on its address from the host" wait_for 10 sh -c "curl -sf --max-time 2 http://10.89.7.10:8080/ | grep -qx web1-$ID"
kill -0 "$WEB1_PID" 2>/dev/null || itest_log "# web1 ended: $(tr '\n' ' ' <"$ERR")"
check "the bridge has 10.89.0.1/16" sh -c "ip -o -4 addr show dev $BRIDGE | grep -q 'inet 10.89.0.1/16'"
check "the host end of web1's veth is on the bridge" sh -c "ip -o link show master $BRIDGE | grep -q 'sbx0a59070a'"
check "published on 127.0.0.1 (any address)" sh -c "curl -sf --max-time 2 http://127.0.0.1:18780/ | grep -qx web1-$ID"
check "published on 127.0.0.1:18781 (that address)" sh -c "curl -sf --max-time 2 http://127.0.0.1:18781/ | grep -qx web1-$ID"
check "published port from the remote namespace" sh -c "ip netns exec $NS curl -sf --max-time 2 http://10.250.8.1:18780/ | grep -qx web1-$ID"
check "127.0.0.1-only port not reachable from the remote" sh -c "! ip netns exec $NS curl -sf --max-time 2 http://10.250.8.1:18781/"
check "the table lists the ports" sh -c "nft list map inet sandboxd pub4_any | grep -q 'tcp . 18780 : 10.89.7.10 . 8080'"

# ---- the same ports over IPv6 ----
check "web1 answers on its IPv6 address from the host" sh -c "curl -gsf --max-time 2 'http://[fd89:5bd0:7e1a::70a]:8080/' | grep -qx web1-$ID"
check "IPv6: published port from the remote namespace (every address)" \
        sh -c "ip netns exec $NS curl -gsf --max-time 2 'http://[fd00:250:8::1]:18780/' | grep -qx web1-$ID"
check "IPv6: published on [fd00:250:8::1]:18783 (that address), from the remote" \
        sh -c "ip netns exec $NS curl -gsf --max-time 2 'http://[fd00:250:8::1]:18783/' | grep -qx web1-$ID"
check "IPv6: published port from the host on its own address" \
        sh -c "curl -gsf --max-time 2 'http://[fd00:250:8::1]:18780/' | grep -qx web1-$ID"
check "IPv6: published port from the host on the bridge's address" \
        sh -c "curl -gsf --max-time 2 'http://[fd89:5bd0:7e1a::1]:18780/' | grep -qx web1-$ID"
check "IPv6: the 127.0.0.1-only port is not published on IPv6" sh -c "! ip netns exec $NS curl -gsf --max-time 2 'http://[fd00:250:8::1]:18781/'"
check "IPv6: the [fd00:250:8::1]-only port is not published on IPv4" sh -c "! ip netns exec $NS curl -sf --max-time 2 http://10.250.8.1:18783/"
# [::1] is not published (no route_localnet for IPv6): refused at once
# (curl's exit 7), not a timeout (28), so that a client falls back to 127.0.0.1.
rc=0; curl -gs --max-time 3 'http://[::1]:18780/' >/dev/null || rc=$?
check "IPv6: [::1]:18780 is refused at once (curl exit $rc, 7 expected)" test "$rc" = 7
check "the table lists the IPv6 ports" sh -c "nft list map inet sandboxd pub6_any | grep -q 'tcp . 18780 : fd89:5bd0:7e1a::70a . 8080' &&
        nft list map inet sandboxd pub6_addr | grep -q 'fd00:250:8::1 . tcp . 18783 : fd89:5bd0:7e1a::70a . 8080'"

# ---- a second service reaches the first by address; its own resolv.conf, route ----
write_unit client <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
DNS=192.0.2.53
# The image has no /etc/resolv.conf: a writable root gets one made.
ReadOnly=no
[Service]
ExecStart=/bin/sh -c "wget -qO- http://10.89.7.10:8080/; echo v6-hairpin:$(wget -qO- http://[fd89:5bd0:7e1a::1]:18780/); cat /etc/resolv.conf; ip route; ip -o -4 addr show dev eth0"
X
sbx_run client
expect_line "$OUT" "web1-$ID" "a second service reaches web1 by its address"
expect_line "$OUT" "v6-hairpin:web1-$ID" "a second service reaches web1 through its published port over IPv6 (hairpin)"
expect_line "$OUT" "nameserver 192.0.2.53" "DNS= becomes /etc/resolv.conf"
expect_match "$OUT" '^default via 10\.89\.0\.1 dev eth0' "default route via the bridge"
addr1=$(sed -n 's/.*inet \(10\.89\.[0-9.]*\)\/16.*/\1/p' "$OUT")
sbx_run client
addr2=$(sed -n 's/.*inet \(10\.89\.[0-9.]*\)\/16.*/\1/p' "$OUT")
check "a leased address ($addr1) is the same at the next start ($addr2)" test -n "$addr1" -a "$addr1" = "$addr2"

# ---- libnftables only for a start that changes rules ----
# No ports, no egress lists and the table whole: the start reads the table
# over nfnetlink and never loads libnftables. A table missing a chain's
# rules, or flushed, is made whole by the next start (through nft), and
# web1's published ports (map elements, kept by a flush) answer again.
write_unit quiet <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
[Service]
ExecStart=/bin/sh -c "ip -o -4 addr show dev eth0; exec sleep 60"
X
marks() { nft list table inet sandboxd 2>/dev/null | grep -c 'sandboxd-rules-2' || true; }
# quiet_nft: run quiet; once it runs, QUIET_NFT says whether its sandboxctl
# has libnftables mapped (yes/no).
quiet_nft() {
        QUIET_NFT=no
        sbx_start quiet
        if wait_for 10 grep -q 'inet 10\.89\.' "$OUT"; then
                grep -q 'libnftables' "/proc/$SBX_PID/maps" && QUIET_NFT=yes
        else
                QUIET_NFT="not running: $(tr '\n' ' ' <"$ERR")"
        fi
        kill -TERM "$SBX_PID" 2>/dev/null || true
        sbx_wait "$SBX_PID" 10
}
check "the table is whole ($(marks) marks)" test "$(marks)" = 4
quiet_nft
check "a start with the table whole does not load libnftables ($QUIET_NFT)" test "$QUIET_NFT" = no
nft flush chain inet sandboxd postrouting
quiet_nft
check "a chain's rules flushed: the start loads libnftables ($QUIET_NFT)" test "$QUIET_NFT" = yes
check "a chain's rules flushed: the start wrote them again ($(marks) marks)" test "$(marks)" = 4
nft flush table inet sandboxd
check "the table flushed: web1's port does not answer" sh -c "! curl -sf --max-time 2 http://127.0.0.1:18780/"
quiet_nft
check "the table flushed: the start loads libnftables ($QUIET_NFT)" test "$QUIET_NFT" = yes
check "the table flushed: the start made it whole ($(marks) marks)" test "$(marks)" = 4
check "the table flushed and made whole: web1's port answers again" sh -c "curl -sf --max-time 2 http://127.0.0.1:18780/ | grep -qx web1-$ID"
quiet_nft
check "made whole: the next start does not load libnftables ($QUIET_NFT)" test "$QUIET_NFT" = no

# ---- a published port already published, or in use on the host ----
write_unit web2 <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
PublishPort=18780:80
[Security]
Policy=@TESTDIR@/pol/netpub.policy
[Service]
ExecStart=/bin/true
X
sbx_run web2
expect_match "$ERR" '18780/tcp is (in use|already published)' "a host port taken by another service fails the start, naming it"
write_unit web4 <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
PublishPort=[fd00:250:8::1]:18783:80
[Security]
Policy=@TESTDIR@/pol/netpub.policy
[Service]
ExecStart=/bin/true
X
sbx_run web4
expect_match "$ERR" 'Host port \[fd00:250:8::1\]:18783/tcp is already published by another service' \
        "an IPv6 host port taken by another service fails the start, naming it"
python3 -c 'import socket,time; s=socket.socket(); s.bind(("0.0.0.0",18790)); s.listen(); time.sleep(30)' &
bg_track $!
LISTENER=$!
wait_for 5 sh -c "ss -ltn | grep -q ':18790 '" || true
write_unit web3 <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
PublishPort=18790:80
[Security]
Policy=@TESTDIR@/pol/netpub.policy
[Service]
ExecStart=/bin/true
X
sbx_run web3
expect_match "$ERR" 'Host port 0.0.0.0:18790/tcp is in use' "a host port with a listener fails the start, naming it"
kill "$LISTENER" 2>/dev/null || true

# ---- outbound NAT: the remote sees the host's address ----
cat >"$TESTDIR/peer.py" <<'X'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.250.8.2", 18713))
s.listen()
c, a = s.accept()
c.sendall((a[0] + "\n").encode())
open(sys.argv[1], "w").write(a[0] + "\n")
X
ip netns exec "$NS" python3 "$TESTDIR/peer.py" "$TESTDIR/peer.seen" &
bg_track $!
wait_for 5 sh -c "ip netns exec $NS ss -ltn | grep -q ':18713 '" || true
write_unit out <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
[Service]
ExecStart=/bin/sh -c "nc 10.250.8.2 18713 </dev/null"
X
sbx_run out
expect_line "$OUT" "10.250.8.1" "outbound NAT: the remote sees the host's address as the source"

# ---- egress: IPAddressAllow=/IPAddressDeny=, the policy's AllowOutbound= ----
write_unit bad-ipf <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
IPAddressAllow=10.0.0.300
IPAddressDeny=nowhere
IPAddressDeny=10.0.0.0/33
[Service]
ExecStart=/bin/true
X
sbx_run bad-ipf
expect_rc 1 "a bad IPAddressAllow= exits 1"
expect_match "$ERR" 'bad-ipf.unit:4: IPAddressAllow: Invalid address or prefix "10.0.0.300"' "bad IPAddressAllow= names FILE:LINE: Key"
expect_match "$ERR" 'bad-ipf.unit:5: IPAddressDeny: Invalid address or prefix "nowhere"' "bad IPAddressDeny= names FILE:LINE: Key"
expect_match "$ERR" 'bad-ipf.unit:6: IPAddressDeny: Prefix length of "10.0.0.0/33" is out of range' "a prefix length out of range names FILE:LINE: Key"
write_unit bad-ipnet <<'X'
[Sandbox]
Image=@IMAGE@
Network=none
IPAddressAllow=localhost
IPAddressDeny=any
[Service]
ExecStart=/bin/true
X
sbx_run bad-ipnet
expect_rc 1 "IPAddressDeny= without Network=private exits 1"
expect_match "$ERR" 'bad-ipnet.unit:4: IPAddressAllow: IPAddressAllow= needs Network=private' "IPAddressAllow= without private names FILE:LINE: Key"
expect_match "$ERR" 'bad-ipnet.unit:5: IPAddressDeny: IPAddressDeny= needs Network=private' "IPAddressDeny= without private names FILE:LINE: Key"
# A policy whose outbound ceiling is the remote's /24.
sed -e '/^AllowOutbound=/d' -e 's/^AllowPublishPorts=.*/AllowPublishPorts=18780-18799\nAllowOutbound=10.250.8.0\/24/' \
        "$SRC_DIR/policies/default.policy" >"$TESTDIR/pol/narrow.policy"
write_unit bad-out <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
IPAddressAllow=10.250.8.2 192.0.2.0/24
[Security]
Policy=@TESTDIR@/pol/narrow.policy
[Service]
ExecStart=/bin/true
X
sbx_run bad-out
expect_rc 1 "an allow-list beyond AllowOutbound= exits 1"
expect_match "$ERR" 'bad-out.unit:4: IPAddressAllow: 192.0.2.0/24 is not allowed by policy narrow \(.*narrow.policy: \[Network\] AllowOutbound=10.250.8.0/24\)' \
        "an allow-list beyond AllowOutbound= names both files"
expect_no_match "$ERR" '10.250.8.2/32 is not allowed' "what fits in AllowOutbound= is not reported"
check "no egress chain from units that did not compile" sh -c "! nft list table inet sandboxd | grep -q 'chain egress_'"

# Listeners: the remote on an allowed and on a denied address, the host on
# its bridge address; web1 (10.89.7.10:8080) is a service on the bridge.
ip -n "$NS" addr add 10.250.8.3/24 dev r-peer
mkdir -p "$TESTDIR/www" && echo remote-ok >"$TESTDIR/www/index.html"
ip netns exec "$NS" python3 -m http.server 18714 --bind 0.0.0.0 --directory "$TESTDIR/www" >/dev/null 2>&1 &
bg_track $!
python3 -m http.server 18715 --bind 10.89.0.1 --directory "$TESTDIR/www" >/dev/null 2>&1 &
bg_track $!
check "the remote listens on 18714" wait_for 10 sh -c "ip netns exec $NS ss -ltn | grep -q ':18714 '"
check "the host listens on 10.89.0.1:18715" wait_for 10 sh -c "ss -ltn | grep -q '10.89.0.1:18715 '"
check "the remote answers the host on its denied address" sh -c "curl -sf --max-time 2 http://10.250.8.3:18714/ | grep -qx remote-ok"
check "the host's listener answers on the bridge" sh -c "curl -sf --max-time 2 http://10.89.0.1:18715/ | grep -qx remote-ok"
# The first instruction goes to a denied address: the filter is there
# before the service runs. Refused (a reset), not a timeout: "refused".
# The image's wget crashes when given -T or when a connection fails:
# timeout(1) bounds it, nc then says why it failed.
write_unit egress <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
IPAddressAllow=10.250.8.2
IPAddressDeny=any
[Security]
Policy=@TESTDIR@/pol/narrow.policy
[Service]
ExecStart=/bin/sh -c "for t in denied-remote=10.250.8.3:18714 allowed-remote=10.250.8.2:18714 host-bridge=10.89.0.1:18715 web1=10.89.7.10:8080; do a=$${t#*=}; if o=$(timeout 4 wget -qO- http://$$a/ 2>/dev/null); then echo $${t%%=*} answered: $$o; else echo $${t%%=*} failed: $(nc -w 4 $${a%:*} $${a#*:} </dev/null 2>&1); fi; done"
X
start=$(date +%s%N)
sbx_run egress
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_line "$OUT" "allowed-remote answered: remote-ok" "egress: the allowed address answers"
expect_match "$OUT" '^denied-remote failed: .*Connection refused' "egress: the denied address is refused (first instruction)"
expect_match "$OUT" '^host-bridge failed: .*Connection refused' "egress: the host's own address is covered (IPAddressDeny=any)"
expect_match "$OUT" '^web1 failed: .*Connection refused' "egress: another service on the bridge is covered"
check "egress: refused at once, not timed out (${ms} ms for the run)" test "$ms" -lt 4000
check "egress: no chain left after the run" sh -c "! nft list table inet sandboxd | grep -q 'chain egress_'"
# Under a filter the veth is set down at the end, before its chain goes
# (a namespace held on by something unknown must not keep it unfiltered),
# and then goes with its namespace.
egress_veth=$(awk '$2 == "egress" { split($1, a, "."); printf "sbx%02x%02x%02x%02x", a[1], a[2], a[3], a[4] }' /var/lib/sandboxd/net/leases)
check "egress: its veth ($egress_veth) is down or gone when the run ends" \
        sh -c "[ -n '$egress_veth' ] && ! ip -o link show '$egress_veth' 2>/dev/null | grep -q '[<,]UP[,>]'"
check "egress: its veth is gone (with its namespace)" wait_for 5 sh -c "! ip link show '$egress_veth' >/dev/null 2>&1"
# No lists, under the narrow policy: its AllowOutbound= is the allow-list.
write_unit egress2 <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
[Security]
Policy=@TESTDIR@/pol/narrow.policy
[Service]
ExecStart=/bin/sh -c "for t in denied-remote=10.250.8.3:18714 allowed-remote=10.250.8.2:18714 host-bridge=10.89.0.1:18715 web1=10.89.7.10:8080; do a=$${t#*=}; if o=$(timeout 4 wget -qO- http://$$a/ 2>/dev/null); then echo $${t%%=*} answered: $$o; else echo $${t%%=*} failed: $(nc -w 4 $${a%:*} $${a#*:} </dev/null 2>&1); fi; done"
X
sbx_run egress2
expect_line "$OUT" "denied-remote answered: remote-ok" "ceiling only: an address within AllowOutbound= answers"
expect_match "$OUT" '^web1 failed: .*Connection refused' "ceiling only: an address outside AllowOutbound= is refused"
# IPAddressDeny= alone narrows within the ceiling.
write_unit egress3 <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
IPAddressDeny=10.250.8.3
[Security]
Policy=@TESTDIR@/pol/narrow.policy
[Service]
ExecStart=/bin/sh -c "for t in denied-remote=10.250.8.3:18714 allowed-remote=10.250.8.2:18714 host-bridge=10.89.0.1:18715 web1=10.89.7.10:8080; do a=$${t#*=}; if o=$(timeout 4 wget -qO- http://$$a/ 2>/dev/null); then echo $${t%%=*} answered: $$o; else echo $${t%%=*} failed: $(nc -w 4 $${a%:*} $${a#*:} </dev/null 2>&1); fi; done"
X
sbx_run egress3
expect_line "$OUT" "allowed-remote answered: remote-ok" "deny within the ceiling: the rest of the ceiling answers"
expect_match "$OUT" '^denied-remote failed: .*Connection refused' "deny within the ceiling: the denied address is refused"
expect_match "$OUT" '^web1 failed: .*Connection refused' "deny within the ceiling: outside it is refused"
check "egress: no chain left after the runs" sh -c "! nft list table inet sandboxd | grep -q 'chain egress_'"

# ---- sandboxd: status and list show the address and the ports ----
daemon_init
# First at exit: the service and sandboxd go before the bridge and table.
ITEST_AT_EXIT=("daemon_cleanup dweb degress" "${ITEST_AT_EXIT[@]}")
write_unit dweb <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
Address=10.89.7.20
PublishPort=18782:8080
PublishPort=[fd00:250:8::1]:18784:8080
TemporaryFileSystem=/tmp
[Security]
Policy=@TESTDIR@/pol/netpub.policy
[Service]
ExecStart=/bin/sh -c "echo dweb-@ID@ >/tmp/index.html; exec httpd -f -p 8080 -h /tmp"
X
dweb_answers() { curl -sf --max-time 2 http://127.0.0.1:18782/ | grep -qx "dweb-$ID"; }
# Elements of the table that name port 18782: pub4_any's and pub6_any's, no more.
pub_count() { nft list table inet sandboxd 2>/dev/null | grep -c '18782' || true; }
readopted() { [ "$(grep -c 'dweb.*Re-adopted' "$DLOG")" -ge "$1" ]; }
write_unit degress <<'X'
[Sandbox]
Image=@IMAGE@
Network=private
IPAddressAllow=10.250.8.2
IPAddressDeny=any
[Security]
Policy=@TESTDIR@/pol/narrow.policy
[Service]
ExecStart=/bin/sleep 1000
X
# What the service sees, through sandboxctl exec (its network namespace).
egress_try() {
        sc exec degress sh -c 'timeout "$2" wget -qO- "http://$1:$3/" 2>/dev/null || nc -w "$2" "$1" "$3" </dev/null' sh \
                "${1%:*}" "${2:-4}" "${1#*:}"
        cat "$TESTDIR/sc.out" "$TESTDIR/sc.err" >"$TESTDIR/try.out"
}
# egress_check WHEN: the allowed address answers, the denied one is refused.
egress_check() {
        egress_try 10.250.8.2:18714
        expect_line "$TESTDIR/try.out" "remote-ok" "sandboxd$1: the allowed address answers"
        egress_try 10.250.8.3:18714
        expect_match "$TESTDIR/try.out" 'Connection refused' "sandboxd$1: the denied address is refused"
}
# The chain and its rules, once: the lines of the table that name them.
egress_rules() { nft list table inet sandboxd 2>/dev/null | grep -cE 'chain egress_|daddr 10\.250\.8\.2 accept|reject with icmpx' || true; }
start_daemon
must start dweb
check "sandboxd: dweb answers on its published port" wait_for 10 dweb_answers
must start degress
egress_check ""
n_egress=$(egress_rules)
check "sandboxd: one egress chain with its rules ($n_egress lines)" test "$n_egress" -ge 3
sc status -n 0 dweb
expect_match "$TESTDIR/sc.out" '^ +Address: 10\.89\.7\.20$' "status shows Address:"
expect_match "$TESTDIR/sc.out" '^ +: fd89:5bd0:7e1a::714$' "status shows the IPv6 address"
expect_match "$TESTDIR/sc.out" '^ +Published: 0\.0\.0\.0:18782 -> 8080/tcp$' "status shows Published:"
expect_match "$TESTDIR/sc.out" '^ +: \[fd00:250:8::1\]:18784 -> 8080/tcp$' "status shows the IPv6 published port"
sc status --json dweb
check "status --json has Addresses and PublishedPorts" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["Addresses"] == ["10.89.7.20", "fd89:5bd0:7e1a::714"], d["Addresses"]
assert d["PublishedPorts"] == [{"HostAddress": "0.0.0.0", "HostPort": 18782, "ContainerPort": 8080, "Protocol": "tcp"},
                               {"HostAddress": "fd00:250:8::1", "HostPort": 18784, "ContainerPort": 8080, "Protocol": "tcp"}], d["PublishedPorts"]' \
        "$TESTDIR/sc.out"
sc list
check "list shows the address" sh -c "grep -qE '^dweb +running .* 10\.89\.7\.20 ' '$TESTDIR/sc.out'"
sc list --json
check "list --json has Addresses" python3 -c '
import json, sys
d = {u["Name"]: u for u in json.load(open(sys.argv[1]))}
assert d["dweb"]["Addresses"][0] == "10.89.7.20", d' "$TESTDIR/sc.out"

# ---- re-adoption: kill -9 of sandboxd, with and without the table ----
n_pub=$(pub_count)
check "one table entry for port 18782 per family ($n_pub)" test "$n_pub" = 2
stop_daemon KILL
check "sandboxd down: dweb still answers" dweb_answers
start_daemon
check "sandboxd re-adopted dweb" wait_for 10 readopted 1
check "re-adopted: dweb answers" dweb_answers
check "re-adopted: no duplicated entry ($(pub_count))" test "$(pub_count)" = 2
egress_check " (re-adopted)"
check "re-adopted: the egress rules are not duplicated ($(egress_rules))" test "$(egress_rules)" = "$n_egress"
sc status -n 0 dweb
expect_match "$TESTDIR/sc.out" '^ +Address: 10\.89\.7\.20$' "re-adopted: the same address"
stop_daemon KILL
nft flush table inet sandboxd
check "table flushed: the port does not answer" sh -c '! curl -sf --max-time 2 http://127.0.0.1:18782/'
egress_try 10.250.8.2:18714 2
expect_no_match "$TESTDIR/try.out" "remote-ok" "table flushed: the egress chain fails closed (policy drop)"
start_daemon
check "sandboxd re-adopted dweb again" wait_for 10 readopted 2
check "re-adopted after the flush: dweb answers again" wait_for 5 dweb_answers
check "re-adopted after the flush: one entry per family ($(pub_count))" test "$(pub_count)" = 2
egress_check " (re-adopted after the flush)"
check "re-adopted after the flush: the egress rules once ($(egress_rules))" test "$(egress_rules)" = "$n_egress"
# A namespace held on by something sandboxd does not know of, here a
# sandboxctl run joining degress, gets no unfiltered way out when degress
# stops and its chain goes: its veth is set down first.
sed 's/^AllowNetwork=.*/AllowNetwork=none private service/' "$SRC_DIR/policies/default.policy" >"$TESTDIR/pol/joiner.policy"
write_unit djoin <<'X'
[Sandbox]
Image=@IMAGE@
Network=service:degress
[Security]
Policy=@TESTDIR@/pol/joiner.policy
[Service]
ExecStart=/bin/sh -c "n=0; while :; do n=$$((n+1)); for t in allowed=10.250.8.2 denied=10.250.8.3; do if timeout 1 wget -qO- http://$${t#*=}:18714/ 2>/dev/null | grep -q remote-ok; then echo $$n $${t%%=*} answered; else echo $$n $${t%%=*} failed; fi; done; sleep 0.2; done"
X
sbx_start djoin
JOIN_PID=$SBX_PID JOIN_OUT=$OUT
check "a sandboxctl run joining degress reaches the allowed address" wait_for 15 grep -q ' allowed answered$' "$JOIN_OUT"
check "a sandboxctl run joining degress is refused the denied one" sh -c "grep -q ' denied failed$' '$JOIN_OUT' && ! grep -q ' denied answered$' '$JOIN_OUT'"
must stop degress
join_stop=$(tail -1 "$JOIN_OUT" | awk '{ print $1 + 0 }')
# The rounds that began after the stop.
join_rounds() { awk -v n="$join_stop" '$1 > n + 1' "$JOIN_OUT"; }
join_tried() { [ "$(join_rounds | wc -l)" -ge 4 ]; }
check "degress stopped: its joiner still runs" kill -0 "$JOIN_PID"
check "degress stopped: the joiner tried again (two rounds)" wait_for 20 join_tried
if join_rounds | grep -q answered; then
        fail "degress stopped: the joiner still reaches: $(join_rounds | grep answered | head -3 | tr '\n' ' ')"
else
        ok "degress stopped: the joiner reaches nothing, the denied address least of all"
fi
kill -TERM "$JOIN_PID" 2>/dev/null || true
sbx_wait "$JOIN_PID" 10
check "stop: degress's egress chain is gone" sh -c "! nft list table inet sandboxd | grep -q 'chain egress_'"
must stop dweb
check "stop: dweb's port entry is gone" test "$(pub_count)" = 0
# Its namespace ended with it: the kernel removes the veth, in its worker.
check "stop: dweb's veth is gone (with its namespace)" wait_for 5 sh -c "! ip link show sbx0a590714 >/dev/null 2>&1"
check "stop: dweb's lease is kept" grep -q "^10.89.7.20 dweb$" /var/lib/sandboxd/net/leases
stop_daemon

# ---- stop: no veth, no ports; the lease stays ----
kill -TERM "$WEB1_PID" 2>/dev/null || true
sbx_wait "$WEB1_PID" 10
check "web1's published ports are gone" sh -c "! nft list map inet sandboxd pub4_any | grep -q 18780"
check "web1's IPv6 published ports are gone" sh -c "! nft list table inet sandboxd | grep -qE '1878[03]'"
check "web1's veth is gone (with its namespace)" wait_for 5 sh -c "! ip -o link show sbx0a59070a 2>/dev/null | grep -q ."
check "web1's lease is kept" grep -q "^10.89.7.10 web1$" /var/lib/sandboxd/net/leases
leftovers_check "$before" "every Network=private run"
itest_finish
