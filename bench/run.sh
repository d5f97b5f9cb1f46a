#!/bin/bash
# sandboxd benchmarks, side by side with crun, bubblewrap and a kernel floor.
#
#   bench/run.sh [-n RUNS] [-w WARMUP] [-l LOOP_ITERATIONS] [-s SERVICES] [-i IDLE_SECONDS] [-D]
#
# Builds the project in build-bench (buildtype=release), installs the peers
# from Debian packages if missing, builds one busybox image that every
# runtime uses, and prints medians (RUNS per command, default 30; p90 too).
# All commands of a table are run interleaved, round by round, by
# bench/timeit.c, so ratios are taken within one run of this script.
# Needs root. Leaves nothing behind: a temporary directory, removed at exit,
# holds the image, units, bundles and crun's state. See docs/performance.md.
#
# Measured:
#   1. cold start to exit of /bin/true with full isolation: sandboxctl run,
#      crun run (sandboxd's OCI seccomp, Docker's default profile, none),
#      bwrap, and bench/floor.c; with and without a network namespace,
#      and sandboxctl run with Network=private (veth, address, route);
#   2. seccomp: BPF compile and load time, ns per allowed syscall;
#   3. compile time of a unit with 3 drop-ins and a policy;
#   4. sandboxd under load (bench/daemon.py): sandboxctl start latency, 100
#      starts at once, private memory per service at 1, 100 and SERVICES
#      (default 500) running services, sandboxd's CPU while they idle for
#      IDLE_SECONDS (default 30), restart latency after kill -9 (RUNS).
#      -D skips it (it takes a few minutes at 500 services).
set -euo pipefail

RUNS=30
WARMUP=3
LOOP=10000000
SERVICES=500
IDLE=30
DAEMON=yes
while getopts "n:w:l:s:i:Dh" o; do
        case $o in
        n) RUNS=$OPTARG ;;
        w) WARMUP=$OPTARG ;;
        l) LOOP=$OPTARG ;;
        s) SERVICES=$OPTARG ;;
        i) IDLE=$OPTARG ;;
        D) DAEMON=no ;;
        *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
        esac
done
[ "$RUNS" -ge 20 ] || { echo "bench: at least 20 runs (-n) for a median worth printing" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces, mounts, cgroups)" >&2; exit 1; }

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build-bench
say() { printf '%s\n' "$*" >&2; }

# --- peers and tools ---------------------------------------------------------
# Debian packages: crun bubblewrap hyperfine jq gcc python3 golang-github-containers-common
# (the last only for /usr/share/containers/seccomp.json, Docker's default profile).
need=()
for c in crun:crun bwrap:bubblewrap hyperfine:hyperfine jq:jq gcc:gcc python3:python3; do
        command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
done
[ -f /usr/share/containers/seccomp.json ] || need+=(golang-github-containers-common)
if [ ${#need[@]} -gt 0 ]; then
        say "bench: installing ${need[*]}"
        apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
                { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; } ||
                say "bench: could not install ${need[*]}"
fi
for c in crun bwrap jq gcc python3; do
        command -v $c >/dev/null || { say "bench: $c is missing"; exit 1; }
done
DOCKER_PROFILE=/usr/share/containers/seccomp.json
[ -f $DOCKER_PROFILE ] || DOCKER_PROFILE=

# --- build ----------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
        meson setup "$BUILD" "$SRC" -Dbuildtype=release >/dev/null
fi
ninja -C "$BUILD" >/dev/null
CTL=$BUILD/src/ctl/sandboxctl
# This build's sandbox-init (the programs look under their install prefix otherwise).
[ -x "$BUILD/src/launch/sandbox-init" ] && export SANDBOXD_INIT_PATH=$BUILD/src/launch/sandbox-init

WORK=$(mktemp -d /tmp/sandboxd-bench.XXXXXX)
# crun's user namespace root must search its way to the image (sandboxd's
# launcher hands the layers over as fds and does not need it).
chmod 0755 "$WORK"
CRUN_ROOT=$WORK/crun-state
CRUN_IDS=$WORK/crun-ids
# The Network=private row makes sandboxd's bridge and nft table, which
# stay (sandbox.unit(5)); remove them again if this run made them.
had_bridge=no
[ -e /sys/class/net/sandbox0 ] && had_bridge=yes
cleanup() {
        local id
        if [ $had_bridge = no ]; then
                ip link del sandbox0 2>/dev/null || true
                nft delete table inet sandboxd 2>/dev/null || true
        fi
        # Containers that a failed run left behind (crun run deletes its own).
        if [ -d "$CRUN_ROOT" ]; then
                for id in $(ls "$CRUN_ROOT" 2>/dev/null); do
                        crun --root "$CRUN_ROOT" delete -f "$id" >/dev/null 2>&1 || true
                done
        fi
        rm -rf "$WORK"
}
trap cleanup EXIT

# --- helper programs (compiled here, the main build stays untouched) -----------
BIN=$WORK/bin
mkdir -p "$BIN"
CFLAGS=(-std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter)
gcc "${CFLAGS[@]}" -o "$BIN/timeit" "$SRC/bench/timeit.c"
gcc "${CFLAGS[@]}" -o "$BIN/floor" "$SRC/bench/floor.c"
gcc "${CFLAGS[@]}" -static -o "$BIN/syscall-loop" "$SRC/bench/syscall-loop.c"
# The restart benchmark's service, in a layer of its own over the image.
mkdir -p "$WORK/stamp-layer"
gcc "${CFLAGS[@]}" -static -o "$WORK/stamp-layer/stamp" "$SRC/bench/stamp.c"
PLAN_INC=(-I"$BUILD" -I"$SRC/src/basic" -I"$SRC/src/unit" -I"$SRC/src/policy" -I"$SRC/src/oci" -I"$SRC/src/plan"
          -I"$SRC/src/launch")
# The plan resolves Image= with src/oci (the store's read side).
PLAN_LIBS=("$BUILD/src/launch/liblaunch.a" "$BUILD/src/plan/libplan.a" "$BUILD/src/policy/libpolicy.a" "$BUILD/src/unit/libunit.a"
           "$BUILD/src/oci/liboci.a" "$BUILD/src/basic/libbasic.a" $(pkg-config --libs libseccomp libcap json-c libarchive inih))
for p in seccomp-cost compile-cost; do
        gcc "${CFLAGS[@]}" "${PLAN_INC[@]}" -o "$BIN/$p" "$SRC/bench/$p.c" "${PLAN_LIBS[@]}"
done

# --- the image, the same directory for every runtime ---------------------------
IMG=$WORK/img
"$SRC/tools/mkimage-busybox.sh" "$IMG" >/dev/null
install -m 0755 "$BIN/syscall-loop" "$IMG/usr/bin/syscall-loop"

# --- sandboxd units --------------------------------------------------------------
export SANDBOXD_POLICY_PATH=$WORK/policies:$SRC/policies
export SANDBOXD_UNIT_PATH=$WORK/units
mkdir -p "$WORK/policies" "$WORK/units"
# The default policy, except that it lets a unit share the host's network:
# the only way to drop the network namespace. Same seccomp filter.
sed 's/^AllowHostNetwork=.*/AllowHostNetwork=yes/' "$SRC/policies/default.policy" >"$WORK/policies/bench-hostnet.policy"

unit() {  # name namespaces network policy limits(yes|no) exec
        {
                printf '[Unit]\nDescription=bench %s\n[Sandbox]\nImage=%s\nReadOnly=yes\n' "$1" "$IMG"
                printf 'Namespaces=%s\nNetwork=%s\n' "$2" "$3"
                printf '[Security]\nCapabilities=\nNoNewPrivileges=yes\nPolicy=%s\n' "$4"
                [ "$5" = yes ] && printf '[Resources]\nMemoryMax=64M\nTasksMax=32\n'
                printf '[Service]\nExecStart=%s\n' "$6"
        } >"$WORK/units/$1.unit"
}
# The user namespace is the product's default (and the shipped policies
# require it); crun's bundles get one too, with the same size of range.
ALLNS="pid mount uts ipc net cgroup user"
NONET="pid mount uts ipc cgroup user"
unit bench-full "$ALLNS" none default yes /bin/true
unit bench-full-nolimits "$ALLNS" none default no /bin/true
# Network=private: a veth into sandboxd's bridge, an address, a route.
unit bench-private "$ALLNS" private default yes /bin/true
unit bench-nonet "$NONET" host bench-hostnet yes /bin/true
unit bench-nonet-nolimits "$NONET" host bench-hostnet no /bin/true
unit bench-loop "$ALLNS" none default yes "/usr/bin/syscall-loop getppid $LOOP"
unit bench-loop-ioctl "$ALLNS" none default yes "/usr/bin/syscall-loop ioctl $LOOP"
# For the compile-time measurement: a unit, three drop-ins beside it, a named policy.
unit bench-compile "$ALLNS" none default yes /bin/true
mkdir -p "$WORK/units/bench-compile.unit.d"
printf '[Sandbox]\nHostname=bench\nTemporaryFileSystem=/tmp\n' >"$WORK/units/bench-compile.unit.d/10-sandbox.conf"
printf '[Sandbox]\nEnvironment=A=1 B=2\n[Service]\nUser=nobody\n' >"$WORK/units/bench-compile.unit.d/20-service.conf"
printf '[Resources]\nMemoryMax=128M\nLimitNOFILE=1024\n' >"$WORK/units/bench-compile.unit.d/30-resources.conf"
for u in bench-full bench-nonet bench-compile; do
        "$CTL" check "$u" >/dev/null
done

# --- crun bundles ----------------------------------------------------------------
# crun 1.8 refuses a hybrid cgroup layout, so it runs in a private mount
# namespace with the (empty) cgroup2 hierarchy mounted at /sys/fs/cgroup.
# That hierarchy has no memory or pids controller here, so crun cannot apply
# MemoryMax/TasksMax: its bundles carry no resources (the table says so).
"$CTL" policy oci default >"$WORK/sd-seccomp.json"
# Docker's profile is in containers' own format (includes/excludes by
# capability and architecture): keep what applies to amd64 with no
# capabilities, as podman does, giving a plain OCI linux.seccomp object.
if [ -n "$DOCKER_PROFILE" ]; then
        jq '{defaultAction, defaultErrnoRet: (.defaultErrnoRet // 1),
             architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
             syscalls: [.syscalls[]
                        | select(((.includes.caps // []) | length) == 0)
                        | select(((.includes.arches // []) | length) == 0 or ((.includes.arches // []) | index("amd64")))
                        | select(((.excludes.arches // []) | index("amd64")) | not)
                        | {names, action} + (if .errnoRet then {errnoRet} else {} end)
                                          + (if .args then {args} else {} end)]}' \
                "$DOCKER_PROFILE" >"$WORK/docker-seccomp.json"
fi
mkdir -p "$WORK/spec"
(cd "$WORK/spec" && crun spec)
bundle() {  # dir net(yes|no) seccomp-file|-
        local nsjq='[{type:"pid"},{type:"mount"},{type:"uts"},{type:"ipc"},{type:"cgroup"},{type:"user"}]'
        [ "$2" = yes ] && nsjq='[{type:"pid"},{type:"mount"},{type:"uts"},{type:"ipc"},{type:"network"},{type:"cgroup"},{type:"user"}]'
        mkdir -p "$1"
        jq --arg root "$IMG" --slurpfile sc "${3/#-//dev/null}" "
            .root = {path: \$root, readonly: true}
          | .process.terminal = false | .process.args = [\"/bin/true\"] | .process.noNewPrivileges = true
          | .process.capabilities = {bounding: [], effective: [], inheritable: [], permitted: [], ambient: []}
          | .process.rlimits = []
          | .mounts |= map(select(.destination != \"/sys/fs/cgroup\"))
          | .linux.namespaces = $nsjq
          | .linux.uidMappings = [{containerID: 0, hostID: 268435456, size: 65536}]
          | .linux.gidMappings = [{containerID: 0, hostID: 268435456, size: 65536}]
          | del(.hostname) | del(.linux.resources)
          | if (\$sc | length) > 0 then .linux.seccomp = \$sc[0] else del(.linux.seccomp) end" \
                "$WORK/spec/config.json" >"$1/config.json"
}
for net in yes no; do
        bundle "$WORK/crun-sd-$net" $net "$WORK/sd-seccomp.json"
        bundle "$WORK/crun-none-$net" $net -
        [ -n "$DOCKER_PROFILE" ] && bundle "$WORK/crun-docker-$net" $net "$WORK/docker-seccomp.json"
done
# crun runs through timeit's "@cg2" mount namespace (see bench/timeit.c),
# so no per-run unshare wrapper is timed. A unique container id per run:
# timeit cannot make one, so a one-line sh does; the "sh-exec" row measures
# that sh and the crun rows subtract it.
cat >"$BIN/crun-run" <<EOF
#!/bin/sh
exec crun --root $CRUN_ROOT run --bundle "\$1" "sdbench-\$\$"
EOF
cat >"$BIN/sh-exec" <<'EOF'
#!/bin/sh
exec /bin/true
EOF
# For the record, what a naive per-run wrapper would cost on its own.
cat >"$BIN/wrap-only" <<'EOF'
#!/bin/sh
exec unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec /bin/true'
EOF
chmod +x "$BIN/crun-run" "$BIN/sh-exec" "$BIN/wrap-only"

# --- 1. start latency ------------------------------------------------------------
SPEC=$WORK/start.spec
{
        for net in yes no; do
                sfx=; [ $net = no ] && sfx=-nonet
                printf 'floor%s\t%s %s%s\n' "$sfx" "$BIN/floor" "$([ $net = no ] && echo '--no-net ')" "$IMG"
                printf 'sandboxctl%s\t%s run bench-%s\n' "$sfx" "$CTL" "$([ $net = no ] && echo nonet || echo full)"
                printf 'sandboxctl-nolimits%s\t%s run bench-%s-nolimits\n' "$sfx" "$CTL" "$([ $net = no ] && echo nonet || echo full)"
                printf 'crun-sdseccomp%s\t%s %s\n' "$sfx" "@cg2 $BIN/crun-run" "$WORK/crun-sd-$net"
                [ -n "$DOCKER_PROFILE" ] && printf 'crun-docker%s\t%s %s\n' "$sfx" "@cg2 $BIN/crun-run" "$WORK/crun-docker-$net"
                printf 'crun-noseccomp%s\t%s %s\n' "$sfx" "@cg2 $BIN/crun-run" "$WORK/crun-none-$net"
                [ $net = yes ] && printf 'sandboxctl-private\t%s run bench-private\n' "$CTL"
                if [ $net = yes ]; then
                        printf 'bwrap\tbwrap --unshare-all --ro-bind %s / --proc /proc --dev /dev --cap-drop ALL /bin/true\n' "$IMG"
                else
                        printf 'bwrap-nonet\tbwrap --unshare-all --share-net --ro-bind %s / --proc /proc --dev /dev --cap-drop ALL /bin/true\n' "$IMG"
                fi
        done
        printf 'sh-exec\t@cg2 %s\n' "$BIN/sh-exec"
        printf 'unshare-wrapper\t%s\n' "$BIN/wrap-only"
} >"$SPEC"

say "bench: start latency, $RUNS interleaved rounds of $(grep -c . "$SPEC") commands"
"$BIN/timeit" -n "$RUNS" -w "$WARMUP" -o "$BUILD/bench-start-raw.tsv" "$SPEC" >"$WORK/start.out"
# Nothing may survive: no crun state, no cgroup named after our units.
leftover=$(ls "$CRUN_ROOT" 2>/dev/null || true)
[ -z "$leftover" ] || say "bench: WARNING: crun left containers behind: $leftover"

med() { awk -F'\t' -v l="$1" '$1 == l { print $2 }' "$WORK/start.out"; }
p90() { awk -F'\t' -v l="$1" '$1 == l { print $3 }' "$WORK/start.out"; }
WRAP=$(med sh-exec)

echo "== 1. cold start to exit of /bin/true (ms; median and p90 of $RUNS interleaved runs) =="
echo "full isolation: pid mount uts ipc net cgroup namespaces, read-only root, no capabilities,"
echo "no_new_privs; 'nonet' rows drop the net namespace. crun runs in a private mount namespace with an"
echo "empty cgroup2 at /sys/fs/cgroup (crun 1.8 refuses this host's hybrid layout), joined by setns();"
echo "its rows subtract the sh that picks a unique container id (sh-exec, median $WRAP ms). crun and"
echo "bwrap apply no MemoryMax/TasksMax (no v2 memory/pids controller here); sandboxctl does (cgroup v1)."
printf '%-28s %9s %9s %9s %9s %10s\n' runtime median p90 xfloor xcrun-sd note
for sfx in "" -nonet; do
        floor=$(med "floor$sfx")
        crun_sd=$(awk -v a="$(med "crun-sdseccomp$sfx")" -v w="$WRAP" 'BEGIN { printf "%.3f", a - w }')
        for l in floor sandboxctl sandboxctl-nolimits sandboxctl-private crun-sdseccomp crun-docker crun-noseccomp bwrap; do
                m=$(med "$l$sfx")
                [ -n "$m" ] || continue
                note=
                case $l in
                floor) note="kernel floor" ;;
                sandboxctl) note="default policy, MemoryMax, TasksMax" ;;
                sandboxctl-nolimits) note="same, no limits" ;;
                sandboxctl-private) note="same as sandboxctl, Network=private (veth, address, route)" ;;
                crun-sdseccomp) note="sandboxctl policy oci default" ;;
                crun-docker) note="Docker default profile" ;;
                crun-noseccomp) note="no seccomp" ;;
                bwrap) note="--unshare-all (incl. user ns), no seccomp" ;;
                esac
                case $l in crun-*) m=$(awk -v a="$m" -v w="$WRAP" 'BEGIN { printf "%.3f", a - w }') ;; esac
                awk -v l="$l$sfx" -v m="$m" -v p="$(p90 "$l$sfx")" -v f="$floor" -v c="$crun_sd" -v n="$note" \
                        'BEGIN { printf "%-28s %9.2f %9.2f %9.2f %9.2f  %s\n", l, m, p, m / f, m / c, n }'
        done
done
printf '%-28s %9.2f %9.2f  %s\n' sh-exec "$WRAP" "$(p90 sh-exec)" "subtracted from crun rows"
printf '%-28s %9.2f %9.2f  %s\n' unshare-wrapper "$(med unshare-wrapper)" "$(p90 unshare-wrapper)" \
        "unshare -m + mount cgroup2 + exec /bin/true: a per-run wrapper's cost, not used"
full=$(med sandboxctl); floor=$(med floor)
crun_sd=$(awk -v a="$(med crun-sdseccomp)" -v w="$WRAP" 'BEGIN { print a - w }')
crun_docker=
[ -n "$DOCKER_PROFILE" ] && crun_docker=$(awk -v a="$(med crun-docker)" -v w="$WRAP" 'BEGIN { print a - w }')
# The target's crun is crun as its users run it, with Docker's default
# profile; crun given our (smaller) filter as OCI seccomp is shown too.
awk -v s="$full" -v c="$crun_sd" -v d="$crun_docker" -v f="$floor" 'BEGIN {
        if (d != "")
                printf "target: sandboxctl <= 1/4 of crun with seccomp (Docker profile): %.2f -> %s\n", s / d, s / d <= 0.25 ? "met" : "MISSED"
        printf "        (against crun with our policy as OCI seccomp:     %.2f)\n", s / c
        printf "target: sandboxctl <= 2x kernel floor:                           %.2f -> %s\n", s / f, s / f <= 2 ? "met" : "MISSED" }'
awk -v s="$full" -v v="$(med sandboxctl-private)" 'BEGIN {
        printf "target: Network=private <= Network=none + 2 ms:                 %+.2f ms -> %s\n", v - s, v - s <= 2 ? "met" : "MISSED" }'
echo

# --- 2. seccomp cost -------------------------------------------------------------------
say "bench: seccomp cost ($LOOP iterations per loop)"
"$BIN/seccomp-cost" bench-full "$LOOP" >"$WORK/seccomp.out"
sv() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/seccomp.out"; }
# The same static loop inside `sandboxctl run` and plainly on the host.
in_gp=$("$CTL" run bench-loop); host_gp=$("$BIN/syscall-loop" getppid "$LOOP")
in_io=$("$CTL" run bench-loop-ioctl); host_io=$("$BIN/syscall-loop" ioctl "$LOOP")
echo "== 2. seccomp, default policy ($(sv bpf_insns) BPF instructions) =="
printf 'plan_compile_seccomp (BPF from the policy)   %8.1f us (median of 31)\n' "$(sv compile_us)"
printf 'plan_seccomp_load (seccomp(2) in a child)    %8.1f us (median of 31)\n' "$(sv load_us)"
printf '%-12s %10s %14s %12s %12s %12s\n' "ns/call" plain allow-all-bpf default added target
# (the service's filter is the notify variant: its own line below)
for s in getppid ioctl; do
        awk -v s=$s -v p="$(sv ${s}_plain_ns)" -v a="$(sv ${s}_allowall_ns)" -v f="$(sv ${s}_filtered_ns)" 'BEGIN {
                printf "%-12s %10.1f %14.1f %12.1f %12.1f %12s\n", s, p, a, f, f - p, (f - p <= 20 ? "met" : "MISSED") }'
done
printf 'the service'"'"'s variant (denials to a listener): getppid %s ns, ioctl %s ns\n' "$(sv getppid_notify_ns)" "$(sv ioctl_notify_ns)"
printf 'inside sandboxctl run: getppid %s ns, ioctl %s ns (same binary on the host: %s, %s)\n' \
        "$in_gp" "$in_io" "$host_gp" "$host_io"
echo

# --- 3. compile time -----------------------------------------------------------------------
say "bench: compile time"
"$BIN/compile-cost" bench-compile 101 >"$WORK/compile.out"
cv() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/compile.out"; }
printf 'check\t%s check bench-compile\nplan\t%s plan bench-compile\nplan-json\t%s plan --json bench-compile\ntrue\t/bin/true\n' \
        "$CTL" "$CTL" "$CTL" >"$WORK/compile.spec"
"$BIN/timeit" -n "$RUNS" -w "$WARMUP" "$WORK/compile.spec" >"$WORK/compile-cmd.out"
cm() { awk -F'\t' -v l="$1" '$1 == l { print $2 }' "$WORK/compile-cmd.out"; }
echo "== 3. compile: unit + 3 drop-ins + policy 'default' =="
printf 'plan_compile_unit, in process                 %8.1f us (median of 101)\n' "$(cv plan_compile_unit_us)"
printf '  of which seccomp BPF (recompiled alone)     %8.1f us\n' "$(cv plan_compile_seccomp_us)"
printf 'plan_to_json                                  %8.1f us\n' "$(cv plan_to_json_us)"
printf 'sandboxctl check, whole command               %8.2f ms (median of %s; /bin/true: %.2f ms)\n' "$(cm check)" "$RUNS" "$(cm true)"
printf 'sandboxctl plan                               %8.2f ms\n' "$(cm plan)"
printf 'sandboxctl plan --json                        %8.2f ms\n' "$(cm plan-json)"

# --- 4. sandboxd under load --------------------------------------------------------------
[ "$DAEMON" = yes ] || exit 0
say "bench: sandboxd with up to $SERVICES services (bench/daemon.py; a few minutes)"
echo
echo "== 4. sandboxd: $SERVICES services, cgroupfs driver, private socket (bench/daemon.py) =="
python3 "$SRC/bench/daemon.py" --build "$BUILD" --image "$IMG" --stamp-layer "$WORK/stamp-layer" \
        --policies "$SRC/policies" --runs "$RUNS" --max "$SERVICES" --idle-seconds "$IDLE" |
        awk -F'\t' '{ printf "%-62s %s\n", $1, $2 }'
