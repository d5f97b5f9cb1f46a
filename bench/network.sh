#!/bin/bash
# sandboxd's Network=private, side by side with podman's bridge network and
# the host's own loopback.
#
#   bench/network.sh [-n RUNS] [-w WARMUP] [-s SERVICES] [-S PODMAN_SERVICES]
#                    [-r ROUNDS] [-b MIB] [-x XFER_RUNS] [-p PORT] [-P]
#
# Needs root and installs nothing: what is missing is named (Debian
# packages; `tools/deps.sh --bench` installs them all). Builds the project
# in build-bench (buildtype=release) and one busybox image, with a static
# bench/xfer.c in it, that both runtimes use (imported into a podman
# storage of its own in the temporary directory: the host's podman state
# is not touched). Measured:
#   1. start to exit of /bin/true, RUNS interleaved rounds (default 30),
#      median and p90: sandboxctl run with Network=none and with
#      Network=private; podman run --rm --runtime runc with --network
#      bridge and --network none;
#   2. SERVICES (default 100) Network=private services started at once
#      through a private sandboxd, until every one answers on its
#      address:8080; PODMAN_SERVICES (default SERVICES) podman run -d
#      --network bridge the same way; median of ROUNDS (default 3);
#   3. MB/s of one TCP stream of MIB MiB (default 1024), server in a
#      Network=private service (and a podman container), client on the
#      host: through the published port on 127.0.0.1 and on the host's
#      own address, to the service's address, and host to host on
#      loopback; median of XFER_RUNS (default 5). Host ports PORT,
#      PORT+1, PORT+2 (default 18780).
# -P leaves podman out. Everything made is removed at exit: services,
# sandboxd, containers, podman's storage; and the bridges, nft tables, CNI
# state and cgroups of sandboxd and podman if this run made them.
# Results and method: docs/performance.md.
set -euo pipefail

RUNS=30
WARMUP=3
SERVICES=100
PM_SERVICES=
ROUNDS=3
MIB=1024
XRUNS=5
PORT=18780
PODMAN=yes
while getopts "n:w:s:S:r:b:x:p:Ph" o; do
        case $o in
        n) RUNS=$OPTARG ;;
        w) WARMUP=$OPTARG ;;
        s) SERVICES=$OPTARG ;;
        S) PM_SERVICES=$OPTARG ;;
        r) ROUNDS=$OPTARG ;;
        b) MIB=$OPTARG ;;
        x) XRUNS=$OPTARG ;;
        p) PORT=$OPTARG ;;
        P) PODMAN=no ;;
        *) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
        esac
done
PM_SERVICES=${PM_SERVICES:-$SERVICES}
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces, mounts, cgroups, the bridge)" >&2; exit 1; }
if [ "$SERVICES" -lt 1 ] || [ "$SERVICES" -gt 1000 ] || [ "$PM_SERVICES" -lt 1 ] || [ "$PM_SERVICES" -gt 1000 ]; then
        echo "bench: 1 to 1000 services (-s, -S)" >&2
        exit 2
fi

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build-bench
say() { printf '%s\n' "$*" >&2; }

# --- what is needed -------------------------------------------------------------
missing=()
for c in gcc:gcc python3:python3 meson:meson ninja:ninja-build nft:nftables ip:iproute2; do
        command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
done
if [ $PODMAN = yes ]; then
        for c in podman:podman runc:runc conmon:conmon; do
                command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
        done
        [ -x /usr/lib/cni/bridge ] || [ -x /usr/libexec/cni/bridge ] || missing+=(containernetworking-plugins)
        command -v iptables >/dev/null || missing+=(iptables)
fi
if [ ${#missing[@]} -gt 0 ]; then
        say "bench: missing ${missing[*]} (Debian packages; tools/deps.sh --bench installs them; -P leaves podman out)"
        exit 1
fi
[ -e /etc/sandboxd/sandboxd.conf ] && say "bench: note: /etc/sandboxd/sandboxd.conf applies (bridge, subnet)"
for p in "$PORT" $((PORT + 1)) $((PORT + 2)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
                say "bench: port $p is in use on the host; choose others with -p"
                exit 1
        fi
done
HOSTADDR=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$HOSTADDR" ] || { say "bench: no IPv4 default route, so no host address to publish on"; exit 1; }

# --- build ------------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
        meson setup "$BUILD" "$SRC" -Dbuildtype=release >/dev/null
fi
ninja -C "$BUILD" >/dev/null
CTL=$BUILD/src/ctl/sandboxctl
export SANDBOXD_INIT_PATH=$BUILD/src/launch/sandbox-init

# Names of everything this run registers on the host (leases, id ranges).
PREFIX=nbench-
WORK=$(mktemp -d /tmp/sandboxd-netbench.XXXXXX)
chmod 0755 "$WORK"
PMDIR=$WORK/podman
PM=(podman --root "$PMDIR/root" --runroot "$PMDIR/runroot" --tmpdir "$PMDIR/tmp"
    --network-config-dir "$PMDIR/net" --events-backend none --cgroup-manager cgroupfs)
# Host state that sandboxd's and podman's networks create and keep (the
# bridges, nft tables, CNI's IPAM files, podman's parent cgroups): noted
# now, removed at exit only if this run made it.
had() { if "$@" >/dev/null 2>&1; then echo yes; else echo no; fi; }
had_sandbox0=$(had ip link show sandbox0)
had_sdtable=$(had nft list table inet sandboxd)
had_cnibr=$(had ip link show cni-podman0)
had_cnistate=$(had test -e /var/lib/cni)
declare -A had_nft
for t in "ip nat" "ip filter" "ip6 nat" "ip6 filter"; do
        # shellcheck disable=SC2086
        had_nft[$t]=$(had nft list table $t)
done
had_libpod_cg=$(had test -e /sys/fs/cgroup/memory/libpod_parent)

cleanup() {
        set +e
        if [ -d "$PMDIR/root" ]; then
                "${PM[@]}" rm -af -t 0 >/dev/null 2>&1
                "${PM[@]}" rmi -af >/dev/null 2>&1
                # Overlay mounts a failed podman left in its storage.
                grep -o " $PMDIR/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
        fi
        [ "$had_libpod_cg" = yes ] ||
                find /sys/fs/cgroup -depth -type d -path '*/libpod_parent*' -exec rmdir {} + 2>/dev/null
        [ "$had_cnibr" = yes ] || ip link del cni-podman0 2>/dev/null
        [ "$had_cnistate" = yes ] || rm -rf /var/lib/cni
        for t in "${!had_nft[@]}"; do
                # shellcheck disable=SC2086
                if [ "${had_nft[$t]}" = no ]; then
                        nft delete table $t 2>/dev/null
                elif nft list table $t 2>/dev/null | grep -q CNI-; then
                        say "bench: CNI's chains stay in the host's table $t (it existed before)"
                fi
        done
        [ "$had_sandbox0" = yes ] || ip link del sandbox0 2>/dev/null
        [ "$had_sdtable" = yes ] || nft delete table inet sandboxd 2>/dev/null
        # This run's leases and user namespace ranges, under their locks.
        for f in net/leases userns/ranges; do
                [ -f "/var/lib/sandboxd/$f" ] &&
                        flock "/var/lib/sandboxd/${f%/*}/lock" sed -i "/ ${PREFIX}[a-z0-9-]*\$/d" "/var/lib/sandboxd/$f"
        done
        rm -rf "$WORK"
}
trap cleanup EXIT

# --- helper programs and the image --------------------------------------------------
BIN=$WORK/bin
mkdir -p "$BIN"
CFLAGS=(-std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter)
gcc "${CFLAGS[@]}" -o "$BIN/timeit" "$SRC/bench/timeit.c"
gcc "${CFLAGS[@]}" -static -o "$BIN/xfer" "$SRC/bench/xfer.c"
IMG=$WORK/img
"$SRC/tools/mkimage-busybox.sh" "$IMG" >/dev/null
install -m 0755 "$BIN/xfer" "$IMG/usr/bin/xfer"

export SANDBOXD_POLICY_PATH=$WORK/policies:$SRC/policies
export SANDBOXD_UNIT_PATH=$WORK/units
mkdir -p "$WORK/policies" "$WORK/units"
# The default policy, except that it lets a unit publish the bench's port.
sed "s/^AllowPublishPorts=.*/AllowPublishPorts=$PORT/" "$SRC/policies/default.policy" \
        >"$WORK/policies/bench-network.policy"
# As bench/run.sh's bench-full and bench-private: every namespace, the
# default policy, limits.
for net in none private; do
        cat >"$WORK/units/${PREFIX}$net.unit" <<EOF
[Unit]
Description=bench Network=$net
[Sandbox]
Image=$IMG
ReadOnly=yes
Namespaces=pid mount uts ipc net cgroup user
Network=$net
[Security]
Capabilities=
NoNewPrivileges=yes
Policy=default
[Resources]
MemoryMax=64M
TasksMax=32
[Service]
ExecStart=/bin/true
EOF
        "$CTL" check "${PREFIX}$net" >/dev/null
done

# podman as its users run it, given what the sandboxctl units have: no
# capabilities, no_new_privs, a read-only root, the same limits. Its
# default RLIMIT_NOFILE (1048576) can be above the caller's hard limit,
# which root without CAP_SYS_RESOURCE (a container host) cannot raise, so
# the caller's is passed on (sandboxctl run inherits it too). Its default
# RLIMIT_NPROC (32768) is refused there as well (runc's prlimit of its init
# fails with EPERM), so it is 1024, far above what /bin/true, httpd or xfer
# use. Its own seccomp profile (Docker's default) and no user namespace,
# as podman's defaults.
PMRUN="--runtime runc --cap-drop all --security-opt no-new-privileges --read-only --memory 64m --pids-limit 32"
lim() { local v; v=$(ulimit "$1"); [ "$v" = unlimited ] && v=-1; echo "$v"; }
PMRUN+=" --ulimit nofile=$(lim -Sn):$(lim -Hn) --ulimit nproc=1024:1024"
PMIMG=localhost/sandboxd-netbench:latest
if [ $PODMAN = yes ]; then
        mkdir -p "$PMDIR/root" "$PMDIR/runroot" "$PMDIR/tmp" "$PMDIR/net"
        say "bench: importing the image into a podman storage in $PMDIR"
        tar -C "$IMG" -c . | "${PM[@]}" import - "$PMIMG" >/dev/null
fi

# --- 1. start to exit -----------------------------------------------------------------
SPEC=$WORK/start.spec
{
        printf 'sandboxctl-none\t%s run %snone\n' "$CTL" "$PREFIX"
        printf 'sandboxctl-private\t%s run %sprivate\n' "$CTL" "$PREFIX"
        if [ $PODMAN = yes ]; then
                for net in bridge none; do
                        printf 'podman-%s\t%s run --rm --network %s %s %s /bin/true\n' \
                                "$net" "${PM[*]}" "$net" "$PMRUN" "$PMIMG"
                done
        fi
} >"$SPEC"
say "bench: start to exit, $RUNS interleaved rounds of $(grep -c . "$SPEC") commands"
"$BIN/timeit" -n "$RUNS" -w "$WARMUP" -o "$BUILD/bench-network-raw.tsv" "$SPEC" >"$WORK/start.out"
med() { awk -F'\t' -v l="$1" '$1 == l { print $2 }' "$WORK/start.out"; }

# --- 2. and 3., through a private sandboxd ------------------------------------------------
PYARGS=(--build "$BUILD" --image "$IMG" --policies "$SANDBOXD_POLICY_PATH" --xfer "$BIN/xfer"
        --prefix "$PREFIX" --publish "$PORT" --host-address "$HOSTADDR" --services "$SERVICES"
        --rounds "$ROUNDS" --xfer-bytes $((MIB << 20)) --xfer-runs "$XRUNS")
[ $PODMAN = yes ] && PYARGS+=(--podman "${PM[*]}" --podman-image "$PMIMG" --podman-run "$PMRUN"
                              --podman-services "$PM_SERVICES")
python3 "$SRC/bench/network.py" "${PYARGS[@]}" >"$WORK/net.out"

# --- report ------------------------------------------------------------------------------------
echo "== 1. start to exit of /bin/true (ms; median and p90 of $RUNS interleaved runs) =="
echo "sandboxctl: every namespace (user too), read-only root, no capabilities, no_new_privs, the"
echo "default policy, MemoryMax=64M, TasksMax=32."
if [ $PODMAN = yes ]; then
        echo "podman $(podman --version | awk '{ print $3 }') with runc $(runc --version | awk 'NR == 1 { print $3 }'), rootful, CNI: the same limits, --cap-drop all,"
        echo "no-new-privileges, --read-only, its default seccomp (Docker's profile), no user namespace."
fi
printf '%-22s %9s %9s %9s  %s\n' command median p90 "vs none" note
none=$(med sandboxctl-none)
for l in sandboxctl-none sandboxctl-private podman-none podman-bridge; do
        m=$(med $l)
        [ -n "$m" ] || continue
        case $l in
        sandboxctl-none) note="Network=none (loopback only)"; base=$none ;;
        sandboxctl-private) note="Network=private: veth on sandbox0, address, routes, egress chain"; base=$none ;;
        podman-none) note="--network none"; base=$(med podman-none) ;;
        podman-bridge) note="--network bridge: CNI bridge, portmap, firewall, tuning plugins"; base=$(med podman-none) ;;
        esac
        awk -v l=$l -v m="$m" -v p="$(awk -F'\t' -v l=$l '$1 == l { print $3 }' "$WORK/start.out")" -v b="$base" -v n="$note" \
                'BEGIN { printf "%-22s %9.2f %9.2f %+9.2f  %s\n", l, m, p, m - b, n }'
done
awk -v s="$none" -v v="$(med sandboxctl-private)" 'BEGIN {
        printf "target: Network=private <= Network=none + 2 ms: %+.2f ms -> %s\n", v - s, v - s <= 2 ? "met" : "MISSED" }'
if [ $PODMAN = yes ]; then
        awk -v s="$(med sandboxctl-private)" -v p="$(med podman-bridge)" 'BEGIN {
                printf "sandboxctl Network=private / podman --network bridge: %.2f\n", s / p }'
fi
echo
echo "== 2. services started at once, until each answers on its address:8080 (ms; median of $ROUNDS rounds) =="
echo "busybox httpd in each; the host connects to a service once its start has returned."
printf '%-34s %8s %10s %10s %10s %8s  %s\n' "" services answered started "first ans" "ms each" rounds
awk -F'\t' '$1 == "many" { printf "%-34s %8d %10d %10d %10d %8.1f  %s\n", $2, $3, $4, $5, $6, $7, $8 }' "$WORK/net.out"
echo
echo "== 3. one TCP stream, host -> service, $MIB MiB in 64 KiB writes (MB/s; median, min, max of $XRUNS) =="
printf '%-52s %8s %8s %8s %8s\n' path median min max "vs lo"
awk -F'\t' '$1 == "xfer" { printf "%-52s %8d %8d %8d %8.2f\n", $2, $3, $4, $5, $6 }' "$WORK/net.out"
