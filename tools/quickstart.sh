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

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step sandboxctl check units/hello.unit units/web.unit
$ctl check units/hello.unit units/web.unit

step sandboxctl plan units/web.unit
$ctl plan units/web.unit

step sandboxctl run units/hello.unit
$ctl run units/hello.unit

step "sandboxctl run units/web.unit &   # busybox httpd in its own network namespace"
$ctl run units/web.unit &
ctl_pid=$!
trap 'kill -TERM $ctl_pid 2>/dev/null; wait $ctl_pid 2>/dev/null || true' EXIT
# The sandbox's PID 1 is sandboxctl's child; httpd is its child.
for _ in $(seq 50); do
        init=$(pgrep -P $ctl_pid | head -1 || true)
        httpd=${init:+$(pgrep -P "$init" httpd | head -1 || true)}
        [ -n "${httpd:-}" ] && break
        sleep 0.1
done
if [ -z "${httpd:-}" ]; then
        echo "quickstart: the web service did not start" >&2
        exit 1
fi

step "wget http://127.0.0.1/   # from the host: nothing listens there"
timeout 5 busybox wget -q -O- http://127.0.0.1/ 2>&1 && exit 1 || echo "(refused, as it should be: the service has its own network)"

step "nsenter --net=/proc/$httpd/ns/net busybox wget -qO- http://127.0.0.1/   # inside its namespace"
nsenter --net=/proc/$httpd/ns/net timeout 5 busybox wget -q -O- http://127.0.0.1/

step "kill -TERM sandboxctl   # stops the service: SIGTERM, then SIGKILL after TimeoutStopSec"
kill -TERM $ctl_pid
rc=0; wait $ctl_pid || rc=$?
trap - EXIT
echo "sandboxctl exited with $rc"
