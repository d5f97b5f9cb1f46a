#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Networking with the systemd cgroup driver: sandboxd as a systemd service
# on a real systemd (the testhost), its services in transient scopes, real
# traffic inside the testhost's own network namespace (only lo at boot; the
# bridge, the veths and the nftables table are made there, never on the
# host):
# - Network=private with PublishPort=: answered through 127.0.0.1:HOSTPORT,
#   the bridge's IPv6 address and the service's own address, from the
#   testhost's side; an egress chain for its IPAddressDeny=;
# - socket activation ([Socket] ListenStream=) answered through the socket
#   sandboxd opened;
# - a pod (Network=service:NAME): the joiner reaches its owner's server on
#   127.0.0.1;
# - `sandboxctl status --json` shows Addresses and PublishedPorts;
# - after the stops: no veth (polled: the kernel removes it when the
#   namespace is freed), no published element, no egress chain, no scope;
#   and the host's own links and nftables unchanged.
#
#   tests/testhost/test-network.sh BUILD_DIR
#
# One "ok: ..." line per assertion; the first failure prints "FAIL: ..." and
# exits 1; the testhost is torn down in every case.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=testhost.sh
source "$HERE/testhost.sh"

BUILD=${1:-}
export TESTHOST_ID=network-$$

testhost_test_require
if [ "$TESTHOST_NET" != private ]; then
        echo "SKIP: TESTHOST_NET=$TESTHOST_NET: this test makes a bridge and a table, only in a testhost network namespace"
        exit 77
fi
for tool in python3 curl nft ip nsenter; do
        command -v $tool >/dev/null || { echo "SKIP: $tool is needed (tools/deps.sh --tests)"; exit 77; }
done
# A program of this project that is missing is a failure, never a skip.
if [ -z "$BUILD" ] || [ ! -f "$BUILD/build.ninja" ]; then
        echo "FAIL: no meson build dir given (meson passes its build root)"
        exit 1
fi
BUILD=$(cd "$BUILD" && pwd)
[ -x "$BUILD/src/daemon/sandboxd" ] || { echo "FAIL: $BUILD has no src/daemon/sandboxd"; exit 1; }

testhost_test_init test-thnet
# The host's own tools, in the testhost's network namespace only.
thnet() { nsenter -t "$TESTHOST_PID" -n "$@"; }

status_json() {  # NAME: into $TMP/status.json
        th sandboxctl status --json "$1" >"$TMP/status.json" 2>"$TMP/status.err"
        python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMP/status.json" 2>/dev/null
}
jf() {  # KEY: a field of $TMP/status.json (JSON for lists)
        python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(v if isinstance(v, str) else json.dumps(v))' "$TMP/status.json" "$1"
}
# One line from a server that greets (the probe's listen-fd mode).
greet() {  # PORT
        thnet python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
print(s.makefile().readline().strip())' "$1"
}
web_get() { thnet curl -gsf --max-time 3 "$1"; }
scope_gone() { [ "$(th systemctl is-active "$1")" != active ]; }
no_veth() { ! thnet ip -o link show type veth | grep ' sbx' >/dev/null; }

# What the host has before: nothing of the testhost's may show up here.
host_links_before=$(ip -o link show | awk -F': ' '{ print $2 }' | sort)
host_nft_before=$(nft list ruleset 2>/dev/null | md5sum)

testhost_prepare
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "testhost prepare"
start=$SECONDS
testhost_boot >/dev/null || fail "testhost boot"
[ "$(readlink "/proc/$TESTHOST_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ] ||
        fail "the testhost shares the host's network namespace"
ok "testhost '$TESTHOST_ID' booted (systemd PID $TESTHOST_PID), in its own network namespace"

TESTHOST_INSTALL_FLAGS=--no-rebuild testhost_install "$BUILD" 2>"$TMP/install.err" ||
        fail "testhost_install $BUILD: $(tr '\n' ' ' <"$TMP/install.err")"
th busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null ||
        fail "dbus ReloadConfig"
"$TESTHOST_CHECKOUT/tools/mkimage-busybox.sh" --probe "$BUILD/tests/integration/sandbox-probe" "$TMP/image" >/dev/null ||
        fail "tools/mkimage-busybox.sh"
th mkdir -p /var/lib/sandboxd/images/busybox /etc/sandboxd/units /etc/sandboxd/policies
tar -C "$TMP/image" -c . | tar -C "/proc/$TESTHOST_PID/root/var/lib/sandboxd/images/busybox" -x ||
        fail "copying the image in"
th sh -c 'sed "s/^AllowNetwork=.*/AllowNetwork=none private service/" /usr/lib/sandboxd/policies/web.policy \
        >/etc/sandboxd/policies/pod.policy' || fail "writing pod.policy"

unit() {  # NAME: stdin into /etc/sandboxd/units/NAME.unit
        th sh -c "cat >/etc/sandboxd/units/$1.unit"
}
unit nweb <<'EOF'
[Sandbox]
Image=/var/lib/sandboxd/images/busybox
Network=private
PublishPort=8080:80
IPAddressDeny=192.0.2.0/24
[Security]
Policy=web
Capabilities=CAP_NET_BIND_SERVICE
[Service]
ExecStart=/bin/httpd -f -p 80 -h /var/www
EOF
unit nsock <<'EOF'
[Sandbox]
Image=/var/lib/sandboxd/images/busybox
Network=none
[Socket]
ListenStream=127.0.0.1:8082
[Security]
Policy=web
[Service]
ExecStart=/usr/bin/sandbox-probe listen-fd
EOF
unit npodb <<'EOF'
[Sandbox]
Image=/var/lib/sandboxd/images/busybox
Network=private
[Security]
Policy=pod
[Service]
ExecStart=/bin/httpd -f -p 127.0.0.1:9090 -h /var/www
EOF
unit npoweb <<'EOF'
[Sandbox]
Image=/var/lib/sandboxd/images/busybox
Network=service:npodb
[Security]
Policy=pod
[Service]
ExecStart=/bin/sh -c 'while :; do if wget -q -O - http://127.0.0.1:9090/; then exec sleep 100000; fi; sleep 0.2; done'
EOF
th sandboxctl check nweb nsock npodb npoweb >"$TMP/out" 2>&1 || fail "sandboxctl check inside: $(cat "$TMP/out")"
th systemctl start sandboxd || fail "systemctl start sandboxd"
[ "$(th busctl get-property org.sandboxd1 /org/sandboxd1 org.sandboxd1.Manager CgroupDriver)" = 's "systemd"' ] ||
        fail "sandboxd's cgroup driver is not systemd"
ok "sandboxd.service runs with the systemd cgroup driver; units nweb, nsock, npodb, npoweb check clean"

# ---- Network=private, PublishPort= ----

th sandboxctl start nweb >"$TMP/out" 2>&1 || fail "sandboxctl start nweb: $(cat "$TMP/out")"
status_json nweb || fail "status --json nweb: $(cat "$TMP/status.err")"
[ "$(jf ControlGroup)" = /sandbox.slice/sandbox-nweb.scope ] || fail "nweb's cgroup is $(jf ControlGroup)"
python3 - "$TMP/status.json" <<'EOF' || fail "status --json nweb: Addresses $(jf Addresses), PublishedPorts $(jf PublishedPorts)"
import ipaddress, json, sys
d = json.load(open(sys.argv[1]))
a = d["Addresses"]
assert len(a) == 2 and ipaddress.ip_address(a[0]) in ipaddress.ip_network("10.89.0.0/16") and \
    ipaddress.ip_address(a[1]) in ipaddress.ip_network("fd89:5bd0:7e1a::/64"), a
assert d["PublishedPorts"] == [{"HostAddress": "0.0.0.0", "HostPort": 8080, "ContainerPort": 80, "Protocol": "tcp"}], \
    d["PublishedPorts"]
EOF
addr=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["Addresses"][0])' "$TMP/status.json")
addr6=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["Addresses"][1])' "$TMP/status.json")
ok "nweb in sandbox-nweb.scope; status --json: Addresses [$addr, $addr6], PublishedPorts 0.0.0.0:8080 -> 80/tcp"

wait_for 10 web_get "http://$addr:80/" || fail "nweb does not answer on its address $addr:80"
[ "$(web_get "http://$addr:80/")" = "hello from sandboxd" ] || fail "nweb's answer on $addr:80: $(web_get "http://$addr:80/")"
ok "nweb answers on its address $addr:80 from the testhost"
[ "$(web_get http://127.0.0.1:8080/)" = "hello from sandboxd" ] || fail "127.0.0.1:8080 does not reach nweb"
ok "nweb answers on 127.0.0.1:8080 (PublishPort=8080:80)"
[ "$(web_get 'http://[fd89:5bd0:7e1a::1]:8080/')" = "hello from sandboxd" ] || fail "[fd89:5bd0:7e1a::1]:8080 does not reach nweb"
ok "nweb answers on [fd89:5bd0:7e1a::1]:8080 (IPv6, the bridge's address)"
veth=$(thnet ip -o link show master sandbox0 | awk -F'[:@ ]+' '/ sbx/ { print $2; exit }')
[ -n "$veth" ] || fail "no veth on sandbox0 in the testhost: $(thnet ip -o link show | tr '\n' ' ')"
thnet nft list table inet sandboxd >"$TMP/nft" || fail "no table inet sandboxd in the testhost"
grep -q "chain egress_$veth" "$TMP/nft" || fail "no egress chain for $veth: $(cat "$TMP/nft")"
for a in "$addr" "$addr6"; do
        grep -qF "tcp . 8080 : $a . 80" "$TMP/nft" || fail "no published element for $a: $(cat "$TMP/nft")"
done
ok "in the testhost: veth $veth on sandbox0, chain egress_$veth, pub4_any and pub6_any elements for 8080"

# ---- socket activation ----

th sandboxctl start nsock >"$TMP/out" 2>&1 || fail "sandboxctl start nsock: $(cat "$TMP/out")"
line=$(greet 8082) || fail "no answer on 127.0.0.1:8082"
case $line in "hello pid="*" fd=3 "*) ;; *) fail "nsock's answer on 127.0.0.1:8082: $line" ;; esac
ok "nsock answers through the socket sandboxd opened (127.0.0.1:8082): $line"

# ---- a pod ----

th sandboxctl start npodb >"$TMP/out" 2>&1 || fail "sandboxctl start npodb: $(cat "$TMP/out")"
th sandboxctl start npoweb >"$TMP/out" 2>&1 || fail "sandboxctl start npoweb: $(cat "$TMP/out")"
pod_exec() { [ "$(th sandboxctl exec npoweb wget -q -O - http://127.0.0.1:9090/ 2>/dev/null)" = "hello from sandboxd" ]; }
wait_for 10 pod_exec || fail "sandboxctl exec npoweb wget http://127.0.0.1:9090/: $(th sandboxctl exec npoweb wget -q -O - http://127.0.0.1:9090/ 2>&1)"
# The service itself: its loop execs `sleep 100000` once wget got the
# page; sandboxctl logs once lacked the line journalctl showed.
pod_reached() {
        th sandboxctl exec npoweb sh -c 'for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = sleep ] &&
                grep -q 100000 "$p/cmdline" 2>/dev/null && exit 0; done; exit 1'
}
wait_for 10 pod_reached || fail "npoweb did not reach npodb's 127.0.0.1:9090: $(th sandboxctl logs npoweb 2>&1 | tail -3)
$(th sandboxctl status -n 5 npodb 2>&1) $(th sandboxctl status -n 5 npoweb 2>&1) $(th journalctl --no-pager -n 20 -o cat 2>&1)"
[ "$(th systemctl is-active sandbox-npoweb.scope)" = active ] || fail "sandbox-npoweb.scope is not active"
web_get http://127.0.0.1:9090/ >/dev/null && fail "the testhost reaches npodb's 127.0.0.1:9090"
ok "pod: npoweb (Network=service:npodb, sandbox-npoweb.scope) reaches npodb on 127.0.0.1:9090, its loop and sandboxctl exec; the testhost does not"

# ---- stop: nothing left ----

for s in npoweb npodb nsock nweb; do
        th sandboxctl stop "$s" >"$TMP/out" 2>&1 || fail "sandboxctl stop $s: $(cat "$TMP/out")"
done
for s in npoweb npodb nsock nweb; do
        wait_for 5 scope_gone "sandbox-$s.scope" || fail "sandbox-$s.scope is still active after stop"
done
ok "stopped: the four scopes are gone"
t0=$EPOCHREALTIME
wait_for 2 no_veth || fail "a veth is left 2 s after the stops: $(thnet ip -o link show type veth | tr '\n' ' ')"
ok "no veth left in the testhost ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s after the stops)"
thnet nft list table inet sandboxd >"$TMP/nft" || fail "the table is gone: re-adoption needs it"
grep -qE 'egress_|8080 :' "$TMP/nft" && fail "elements or chains left: $(grep -E 'egress_|8080 :' "$TMP/nft")"
ok "no published element and no egress chain left in inet sandboxd"
greet 8082 >/dev/null 2>&1 && fail "127.0.0.1:8082 still answers after nsock's stop"
ok "127.0.0.1:8082 is closed"
th systemctl stop sandboxd

# ---- teardown, and the host untouched ----

testhost_teardown || fail "teardown"
torn_down=1
[ -z "$(testhost_leftovers)" ] || fail "left behind on the host: $(testhost_leftovers)"
[ "$(ip -o link show | awk -F': ' '{ print $2 }' | sort)" = "$host_links_before" ] ||
        fail "the host's links changed: $(diff <(echo "$host_links_before") <(ip -o link show | awk -F': ' '{ print $2 }' | sort) | tr '\n' ' ')"
[ "$(nft list ruleset 2>/dev/null | md5sum)" = "$host_nft_before" ] || fail "the host's nftables ruleset changed"
ok "teardown left nothing; the host's links and nftables ruleset are unchanged ($((SECONDS - start)) s from boot to here)"
