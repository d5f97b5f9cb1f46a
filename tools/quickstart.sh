#!/bin/bash
# The README's first command: install dependencies, build, and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
        echo "quickstart: run as root (sandboxes need namespaces and cgroups)" >&2
        exit 1
fi

tools/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

IMAGE=/var/lib/sandboxd/images/busybox
tools/mkimage-busybox.sh "$IMAGE" >/dev/null
export SANDBOXD_POLICY_PATH=$PWD/policies
export SANDBOXD_UNIT_PATH=$PWD/units
ctl=build/src/ctl/sandboxctl
# This build's sandboxes' PID 1 (the programs look under their install prefix otherwise).
[ -x build/src/launch/sandbox-init ] && export SANDBOXD_INIT_PATH=$PWD/build/src/launch/sandbox-init

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step sandboxctl check units/hello.unit units/web.unit units/web-public.unit units/greeter.unit
$ctl check units/hello.unit units/web.unit units/web-public.unit units/greeter.unit

step sandboxctl plan units/web.unit
$ctl plan units/web.unit

step sandboxctl run units/hello.unit
$ctl run units/hello.unit

# The same tree as an OCI image archive (what `skopeo copy` or `docker
# save` would hand over), imported into the local store by content and
# named; a unit then says Image=NAME (or Image=oci-archive:PATH).
ARCHIVE=/var/lib/sandboxd/busybox-oci.tar
step "tools/mkimage-oci-archive.py $IMAGE $ARCHIVE   # the demo tree as an OCI archive"
tools/mkimage-oci-archive.py "$IMAGE" "$ARCHIVE"
step "sandboxctl image import $ARCHIVE demo/busybox:latest"
$ctl image import "$ARCHIVE" demo/busybox:latest
step "sandboxctl image list"
$ctl image list
OCI_UNITS=$(mktemp -d)
sed 's|^Image=.*|Image=demo/busybox:latest|' units/hello.unit >"$OCI_UNITS/hello-oci.unit"
step "sandboxctl run hello-oci.unit   # hello.unit with Image=demo/busybox:latest"
$ctl run "$OCI_UNITS/hello-oci.unit"
rm -rf "$OCI_UNITS"

# The supervisor: sandboxd in the background on a runtime directory of its
# own (on a machine that runs sandboxd.service, the demo does not touch it).
# With systemd as PID 1 each service gets a transient scope; without it the
# built-in cgroupfs driver.
export SANDBOXD_RUNTIME_DIR=/run/sandboxd-quickstart
export SANDBOXD_CONFIG_DIR=$SANDBOXD_RUNTIME_DIR/etc
export SANDBOXD_LOG_DIR=$SANDBOXD_RUNTIME_DIR/log
step "sandboxd --no-system-bus &   # the supervisor (a D-Bus API on $SANDBOXD_RUNTIME_DIR/private)"
mkdir -p "$SANDBOXD_RUNTIME_DIR"
build/src/daemon/sandboxd --no-system-bus --log-target=stderr 2>"$SANDBOXD_RUNTIME_DIR.log" &
daemon=$!
# web-public makes sandboxd's bridge and nft table, which stay while the
# host runs services; the demo removes them again if it made them.
had_bridge=no
[ -e /sys/class/net/sandbox0 ] && had_bridge=yes
cleanup() {
        $ctl stop web hello web-public greeter >/dev/null 2>&1 || true
        kill -TERM $daemon 2>/dev/null && wait $daemon 2>/dev/null || true
        if [ $had_bridge = no ]; then
                ip link del sandbox0 2>/dev/null || true
                nft delete table inet sandboxd 2>/dev/null || true
        fi
        rm -rf "$SANDBOXD_RUNTIME_DIR" "$SANDBOXD_RUNTIME_DIR.log"
}
trap cleanup EXIT
for _ in $(seq 100); do
        $ctl list >/dev/null 2>&1 && break
        kill -0 $daemon 2>/dev/null || { cat "$SANDBOXD_RUNTIME_DIR.log" >&2; exit 1; }
        sleep 0.05
done

step "sandboxctl start web   # busybox httpd in its own network namespace"
$ctl start web

step "sandboxctl status web"
$ctl status web || true

step "wget http://127.0.0.1/   # from the host: nothing listens there"
timeout 5 busybox wget -q -O- http://127.0.0.1/ 2>&1 && exit 1 || echo "(refused, as it should be: the service has its own network)"

step "sandboxctl exec web wget -qO- http://127.0.0.1/   # inside the sandbox: its network, root, identity, seccomp"
$ctl exec web wget -q -O- http://127.0.0.1/

step "sandboxctl exec web grep -E 'Cap|NoNewPrivs|Seccomp:' /proc/self/status"
$ctl exec web grep -E 'Cap|NoNewPrivs|Seccomp:' /proc/self/status

main=$($ctl status --json web | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["MainPID"])')
httpd=$(cat "/proc/$main/task/$main/children" | awk '{ print $1 }')
step "kill -9 $httpd   # httpd dies; Restart=on-failure brings it back"
kill -9 "$httpd"
for _ in $(seq 50); do
        [ "$($ctl status --json web | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["NRestarts"])')" = 1 ] &&
                $ctl status web >/dev/null && break
        sleep 0.1
done
$ctl status web | sed -n "1,4p;/Restarts:/p"

step "sandboxctl start hello; sandboxctl logs hello   # what the service printed"
$ctl start hello
for _ in $(seq 50); do
        $ctl status hello >/dev/null || break   # exits 3 once it is no longer running
        sleep 0.1
done
$ctl logs -n 20 hello

step "sandboxctl start web-public   # the same server on sandboxd's bridge, PublishPort=8080:80"
$ctl start web-public
for _ in $(seq 50); do
        timeout 2 busybox wget -q -O- http://127.0.0.1:8080/ >/dev/null 2>&1 && break
        sleep 0.1
done
$ctl status web-public | grep -E 'Active:|Address:|Published:'

step "wget http://127.0.0.1:8080/   # from the host, through the published port"
timeout 5 busybox wget -q -O- http://127.0.0.1:8080/

step "sandboxctl start greeter; nc 127.0.0.1 8081   # socket activation: the host's socket, the service's fd 3"
$ctl start greeter
for _ in $(seq 50); do
        out=$(timeout 2 busybox nc 127.0.0.1 8081 </dev/null 2>/dev/null) && [ -n "$out" ] && break
        sleep 0.1
done
echo "$out"

step "sandboxctl restart greeter; nc 127.0.0.1 8081   # the socket stays open: a client waits, never refused"
$ctl restart greeter &
restart=$!
timeout 5 busybox nc 127.0.0.1 8081 </dev/null
wait $restart

step "sandboxctl stop web web-public greeter   # KillSignal=, then SIGKILL to the cgroup after TimeoutStopSec="
$ctl stop web web-public greeter
$ctl list
