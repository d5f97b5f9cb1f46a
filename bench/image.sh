#!/bin/bash
# Image benchmarks: sandboxd's image store against skopeo and podman.
#
#   bench/image.sh [-B BUILD] [-p PULL_ROUNDS] [-i IMPORT_ROUNDS] [-n START_ROUNDS] [-m MIB] [-s SECTIONS]
#
# Needs root and, from Debian, skopeo podman docker-registry busybox-static
# python3 gcc (`tools/deps.sh --bench` installs them; this script only says
# what is missing). Builds BUILD (default build-bench, buildtype=release;
# -B can name the build of another checkout, to measure a change: the
# script, policies and helpers come from this one). Everything lives in a temporary directory,
# removed at exit: the registry's storage and its private config on
# 127.0.0.1 and a random port, the images, a private image store
# (SANDBOXD_STORE_DIR), runtime and config directories, skopeo's output,
# podman's storage (--root/--runroot/--tmpdir) and HOME. The only shared
# state written is the user namespace range registry under
# /var/lib/sandboxd/userns, one entry per unit name (bench-img-*), as any
# `sandboxctl run` writes it. See docs/performance.md, "Images".
#
# SECTIONS (default pull,import,start,compile), each timed interleaved,
# round by round, after one round not counted:
#   pull     `sandboxctl image pull` of a 9-layer image (busybox and 8
#            layers of 4 MiB of random bytes, gzip) from docker-registry
#            on loopback into an emptied store, against `skopeo copy
#            docker://... oci:DIR` into an emptied directory and `podman
#            pull` into an emptied storage; PULL_ROUNDS (default 7);
#   import   `sandboxctl image import` of a docker-archive of MIB MiB
#            (default 200) of random layers against `podman load -i`;
#            IMPORT_ROUNDS (default 5);
#   start    `sandboxctl run` of /bin/true on a 10-layer store image
#            against a 1-layer store image and a 1-layer directory image
#            with the same files, default namespaces (bench/timeit.c);
#            START_ROUNDS (default 20);
#   compile  `sandboxctl check` of a unit with User= on the import's image
#            against the same unit without User= and `sandboxctl
#            --version`, START_ROUNDS rounds, and plan_compile_unit in
#            process (bench/compile-cost.c, median of 101).
# Pulls and imports are timed by this script (EPOCHREALTIME around the
# command; emptying the target and syncing the file system before each
# are not timed), starts and checks by bench/timeit.c.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build-bench
PULL_ROUNDS=7
IMPORT_ROUNDS=5
START_ROUNDS=20
MIB=200
SECTIONS=pull,import,start,compile
while getopts "B:p:i:n:m:s:h" o; do
        case $o in
        B) BUILD=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
        p) PULL_ROUNDS=$OPTARG ;;
        i) IMPORT_ROUNDS=$OPTARG ;;
        n) START_ROUNDS=$OPTARG ;;
        m) MIB=$OPTARG ;;
        s) SECTIONS=$OPTARG ;;
        *) sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
        esac
done
say() { printf '%s\n' "$*" >&2; }
die() { say "bench/image.sh: $*"; exit 1; }
want() { [[ ",$SECTIONS," == *",$1,"* ]]; }
for s in ${SECTIONS//,/ }; do
        case $s in pull|import|start|compile) ;; *) die "unknown section $s (pull, import, start, compile)" ;; esac
done
[ "$(id -u)" = 0 ] || die "needs root (the store, namespaces, mounts, cgroups)"
[ "$MIB" -ge 8 ] || die "-m: at least 8 MiB"

# --- what is needed, from Debian; nothing is installed here -------------------
missing=()
for c in skopeo:skopeo podman:podman docker-registry:docker-registry python3:python3 gcc:gcc \
         meson:meson ninja:ninja-build; do
        command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
done
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || missing+=(busybox-static)
[ ${#missing[@]} -eq 0 ] ||
        die "missing Debian packages: ${missing[*]} (tools/deps.sh --bench installs them)"

# --- build ---------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
        meson setup "$BUILD" "$SRC" -Dbuildtype=release >/dev/null
fi
# Only what is run and linked here: an older tree's build can be measured too.
ninja -C "$BUILD" src/ctl/sandboxctl src/launch/sandbox-init src/plan/libplan.a src/policy/libpolicy.a \
        src/unit/libunit.a src/oci/liboci.a src/basic/libbasic.a >/dev/null
CTL=$BUILD/src/ctl/sandboxctl
[ -x "$BUILD/src/launch/sandbox-init" ] && export SANDBOXD_INIT_PATH=$BUILD/src/launch/sandbox-init
buildtype=$(sed -n 's/^ *buildtype *= *//p' "$BUILD/meson-private/cmd_line.txt" 2>/dev/null || true)

WORK=$(mktemp -d /tmp/sandboxd-imgbench.XXXXXX)
chmod 0755 "$WORK"
REG_PID=
cleanup() {
        local m
        if [ -n "$REG_PID" ]; then
                kill "$REG_PID" 2>/dev/null || true
                wait "$REG_PID" 2>/dev/null || true
        fi
        # podman's overlay driver may leave a mount of its own under its root.
        awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do umount -l "$m" 2>/dev/null || true; done
        rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

export HOME=$WORK/home XDG_RUNTIME_DIR=$WORK/xdg
export SANDBOXD_STORE_DIR=$WORK/store SANDBOXD_RUNTIME_DIR=$WORK/run SANDBOXD_CONFIG_DIR=$WORK/etc
export SANDBOXD_UNIT_PATH=$WORK/units SANDBOXD_POLICY_PATH=$SRC/policies
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$SANDBOXD_RUNTIME_DIR/services" "$SANDBOXD_CONFIG_DIR" "$SANDBOXD_UNIT_PATH"
STORE=$SANDBOXD_STORE_DIR
PODMAN=(podman --root "$WORK/podman/root" --runroot "$WORK/podman/run" --tmpdir "$WORK/podman/tmp"
        --storage-driver overlay --cgroup-manager cgroupfs --events-backend none)
SKOPEO=(skopeo --insecure-policy)

BIN=$WORK/bin
mkdir -p "$BIN"
CFLAGS=(-std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter)
gcc "${CFLAGS[@]}" -o "$BIN/timeit" "$SRC/bench/timeit.c"

# The base layer: busybox, with a user for User=.
BASE=$WORK/base
"$SRC/tools/mkimage-busybox.sh" "$BASE" >/dev/null
echo 'benchuser:x:1234:1234:bench:/home/benchuser:/bin/sh' >>"$BASE/etc/passwd"
echo 'benchuser:x:1234:' >>"$BASE/etc/group"
mkimage() { python3 "$SRC/bench/mkimage-layers.py" "$@"; }

# Medians and p90 as bench/timeit.c takes them (nearest rank; the median of
# an even count is the mean of the two middle values), from LABEL<TAB>MS lines.
stats() {  # FILE -> LABEL median p90 min mean, in file order of first appearance
        python3 - "$1" <<'EOF'
import math, sys
order, v = [], {}
for line in open(sys.argv[1]):
    label, ms = line.rstrip("\n").split("\t")
    if label not in v:
        order.append(label)
        v[label] = []
    v[label].append(float(ms))
for label in order:
    x = sorted(v[label])
    n = len(x)
    med = (x[n // 2 - 1] + x[n // 2]) / 2 if n % 2 == 0 else x[n // 2]
    p90 = x[min(n - 1, max(0, math.ceil(0.9 * n) - 1))]
    print(f"{label}\t{med:.1f}\t{p90:.1f}\t{x[0]:.1f}\t{sum(x) / n:.1f}")
EOF
}

# timed LABEL OUT CMD...: one timed run of CMD, "LABEL<TAB>ms" appended to
# OUT unless this is the warm-up round; a failure aborts.
ROUND=0
timed() {
        local label=$1 out=$2 t0 t1
        shift 2
        sync -f "$WORK"
        t0=$EPOCHREALTIME
        "$@" >/dev/null 2>"$WORK/err" || { say "bench/image.sh: $label failed:"; cat "$WORK/err" >&2; exit 1; }
        t1=$EPOCHREALTIME
        [ "$ROUND" = 0 ] || printf '%s\t%s\n' "$label" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }')" >>"$out"
}
empty_store() { rm -rf "$STORE"; }
empty_podman() {
        local m
        awk -v w="$WORK/podman/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do umount "$m"; done
        rm -rf "$WORK/podman"
        mkdir -p "$WORK/podman/tmp"
}
# Nothing of the store or podman may stay mounted between rounds.
no_mounts() {
        ! awk -v w="$WORK/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo ||
                die "mounts left under $WORK: $(awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo)"
}
table() {  # STATS-FILE: the rows, aligned
        awk -F'\t' '{ printf "%-34s %10s %10s %10s\n", $1, $2, $3, $4 }' "$1"
}
med() { awk -F'\t' -v l="$2" '$1 == l { print $2 }' "$1"; }
hsize() { du -sb --apparent-size "$@" | awk '{ s += $1 } END { printf "%.1f MiB", s / 1048576 }'; }

say "bench/image.sh: sandboxctl $("$CTL" --version | head -1) from $BUILD (${buildtype:-buildtype unknown}), work in $WORK"
echo "Machine: $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "skopeo $(skopeo --version | awk '{ print $3 }'), podman $(podman --version | awk '{ print $3 }'), $(docker-registry --version 2>/dev/null | head -1)"
echo

# --- 1. pull ------------------------------------------------------------------------
if want pull; then
        read -r PORT < <(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        REG=127.0.0.1:$PORT
        mkdir -p "$WORK/regdata"
        cat >"$WORK/registry.yml" <<EOF
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $WORK/regdata } }
http: { addr: $REG }
EOF
        docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
        REG_PID=$!
        for _ in $(seq 100); do
                python3 -c 'import urllib.request, sys
try: urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError: pass' "http://$REG/v2/" 2>/dev/null && break
                sleep 0.1
        done
        kill -0 "$REG_PID" 2>/dev/null || die "docker-registry did not start: $(tail -3 "$WORK/registry.log")"

        say "bench/image.sh: pull: building and pushing the image"
        mkimage --random 8:4 "$BASE" "$WORK/pull-oci" pull
        "${SKOPEO[@]}" copy -q --dest-tls-verify=false "oci:$WORK/pull-oci:pull" "docker://$REG/bench/pull:1" >/dev/null
        PULL_REF=$REG/bench/pull:1
        PULL_SIZE=$(hsize "$WORK/pull-oci/blobs")
        rm -rf "$WORK/pull-oci"

        say "bench/image.sh: pull: $PULL_ROUNDS interleaved rounds (+1 not counted)"
        OUT=$WORK/pull.times
        for ((ROUND = 0; ROUND <= PULL_ROUNDS; ROUND++)); do
                empty_store
                timed "sandboxctl image pull" "$OUT" "$CTL" image pull --tls-verify=false "$PULL_REF"
                rm -rf "$WORK/skopeo-out"
                timed "skopeo copy docker:// oci:" "$OUT" "${SKOPEO[@]}" copy -q --src-tls-verify=false \
                        "docker://$PULL_REF" "oci:$WORK/skopeo-out:pull"
                empty_podman
                timed "podman pull" "$OUT" "${PODMAN[@]}" pull -q --tls-verify=false "$PULL_REF"
                no_mounts
        done
        PULL_STORE=$(hsize "$STORE")
        empty_store
        empty_podman
        stats "$OUT" >"$WORK/pull.stats"
        echo "== 1. pull: 9 layers (busybox + 8 x 4 MiB random, gzip; $PULL_SIZE of blobs), docker-registry on"
        echo "   loopback, plain http; into an emptied store / directory / podman root each round"
        echo "   (ms; median, p90, min of $PULL_ROUNDS interleaved rounds) =="
        printf '%-34s %10s %10s %10s\n' command median p90 min
        table "$WORK/pull.stats"
        echo "sandboxctl's store after a pull: $PULL_STORE (blobs and unpacked layers); skopeo writes only the blobs"
        awk -v s="$(med "$WORK/pull.stats" "sandboxctl image pull")" -v k="$(med "$WORK/pull.stats" "skopeo copy docker:// oci:")" 'BEGIN {
                printf "target: sandboxctl image pull not slower than skopeo copy: %.2fx -> %s\n", s / k, s <= k ? "met" : "MISSED" }'
        echo
        kill "$REG_PID" 2>/dev/null || true
        wait "$REG_PID" 2>/dev/null || true
        REG_PID=
fi

# --- the large image: a docker-archive ------------------------------------------------
BIG=$WORK/big.tar
make_big() {
        [ -f "$BIG" ] && return
        say "bench/image.sh: building a docker-archive of $MIB MiB"
        mkimage --random "4:$((MIB / 4))" "$BASE" "$WORK/big-oci" big
        "${SKOPEO[@]}" copy -q "oci:$WORK/big-oci:big" "docker-archive:$BIG:bench/big:1" >/dev/null
        rm -rf "$WORK/big-oci"
}

# --- 2. import ------------------------------------------------------------------------
if want import; then
        make_big
        say "bench/image.sh: import: $IMPORT_ROUNDS interleaved rounds (+1 not counted)"
        OUT=$WORK/import.times
        for ((ROUND = 0; ROUND <= IMPORT_ROUNDS; ROUND++)); do
                empty_store
                timed "sandboxctl image import" "$OUT" "$CTL" image import "$BIG"
                empty_podman
                timed "podman load" "$OUT" "${PODMAN[@]}" load -q -i "$BIG"
                no_mounts
        done
        empty_podman
        stats "$OUT" >"$WORK/import.stats"
        echo "== 2. import: docker-archive, 5 layers (busybox + 4 x $((MIB / 4)) MiB random; $(hsize "$BIG")), into an"
        echo "   emptied store / podman root each round (ms; median, p90, min of $IMPORT_ROUNDS interleaved rounds) =="
        printf '%-34s %10s %10s %10s\n' command median p90 min
        table "$WORK/import.stats"
        awk -v s="$(med "$WORK/import.stats" "sandboxctl image import")" -v p="$(med "$WORK/import.stats" "podman load")" 'BEGIN {
                printf "sandboxctl image import / podman load: %.2fx\n", s / p }'
        echo
fi

# --- 3. start --------------------------------------------------------------------------
unit() {  # NAME IMAGE [USER]
        {
                printf '[Unit]\nDescription=bench/image.sh %s\n[Sandbox]\nImage=%s\n' "$1" "$2"
                printf '[Service]\nExecStart=/bin/true\n'
                [ -z "${3:-}" ] || printf 'User=%s\n' "$3"
        } >"$SANDBOXD_UNIT_PATH/$1.unit"
}
if want start; then
        say "bench/image.sh: start: building a 10-layer and a 1-layer image with the same files"
        mkimage --files 9 "$BASE" "$WORK/ten-oci" ten
        mkimage --files 9 --flat "$BASE" "$WORK/one-oci" one
        "$CTL" image import "oci:$WORK/ten-oci:ten" bench/ten:1 >/dev/null
        "$CTL" image import "oci:$WORK/one-oci:one" bench/one:1 >/dev/null
        DIRIMG=$WORK/dir-image
        cp -a "$BASE" "$DIRIMG"
        mkdir -p "$DIRIMG/data"
        for k in $(seq 0 8); do echo "layer $k" >"$DIRIMG/data/layer-$k"; done
        unit bench-img-ten bench/ten:1
        unit bench-img-one bench/one:1
        unit bench-img-dir "$DIRIMG"
        for u in bench-img-ten bench-img-one bench-img-dir; do
                "$CTL" run "$u" >/dev/null || die "sandboxctl run $u failed"
        done
        printf 'run, 10-layer store image\t%s run bench-img-ten\nrun, 1-layer store image\t%s run bench-img-one\nrun, 1-layer directory image\t%s run bench-img-dir\n' \
                "$CTL" "$CTL" "$CTL" >"$WORK/start.spec"
        say "bench/image.sh: start: $START_ROUNDS interleaved rounds (+3 not counted)"
        "$BIN/timeit" -n "$START_ROUNDS" -w 3 "$WORK/start.spec" >"$WORK/start.stats"
        no_mounts
        echo "== 3. start to exit of /bin/true, default namespaces, sandboxctl run"
        echo "   (ms; median, p90, min of $START_ROUNDS interleaved rounds, bench/timeit.c) =="
        printf '%-34s %10s %10s %10s\n' image median p90 min
        awk -F'\t' '{ printf "%-34s %10.2f %10.2f %10.2f\n", $1, $2, $3, $4 }' "$WORK/start.stats"
        awk -v t="$(med "$WORK/start.stats" "run, 10-layer store image")" -v d="$(med "$WORK/start.stats" "run, 1-layer directory image")" \
            -v o="$(med "$WORK/start.stats" "run, 1-layer store image")" 'BEGIN {
                printf "10 layers against 1 in the store: %+.2f ms\n", t - o
                printf "target: 10-layer store image within +1 ms of the 1-layer directory: %+.2f ms -> %s\n", t - d, t - d <= 1 ? "met" : "MISSED" }'
        echo
fi

# --- 4. compile with User= ------------------------------------------------------------------
if want compile; then
        make_big
        "$CTL" image inspect bench/big:1 >/dev/null 2>&1 || "$CTL" image import "$BIG" >/dev/null
        BIGLAYERS=$(hsize "$STORE/layers")
        unit bench-img-user bench/big:1 benchuser
        unit bench-img-nouser bench/big:1
        for u in bench-img-user bench-img-nouser; do
                "$CTL" check "$u" >/dev/null || die "sandboxctl check $u failed"
        done
        PLAN_INC=(-I"$BUILD" -I"$SRC/src/basic" -I"$SRC/src/unit" -I"$SRC/src/policy" -I"$SRC/src/oci" -I"$SRC/src/plan")
        # shellcheck disable=SC2046 # pkg-config's words are separate flags
        gcc "${CFLAGS[@]}" "${PLAN_INC[@]}" -o "$BIN/compile-cost" "$SRC/bench/compile-cost.c" \
                "$BUILD/src/plan/libplan.a" "$BUILD/src/policy/libpolicy.a" "$BUILD/src/unit/libunit.a" \
                "$BUILD/src/oci/liboci.a" "$BUILD/src/basic/libbasic.a" \
                $(pkg-config --libs libseccomp libcap json-c libarchive inih)
        printf 'check, User= on the large image\t%s check bench-img-user\ncheck, no User=\t%s check bench-img-nouser\nsandboxctl --version\t%s --version\n' \
                "$CTL" "$CTL" "$CTL" >"$WORK/compile.spec"
        say "bench/image.sh: compile: $START_ROUNDS interleaved rounds (+3 not counted), then in process"
        "$BIN/timeit" -n "$START_ROUNDS" -w 3 "$WORK/compile.spec" >"$WORK/compile.stats"
        cu=$("$BIN/compile-cost" bench-img-user 101 | awk '$1 == "plan_compile_unit_us" { print $2 }')
        cn=$("$BIN/compile-cost" bench-img-nouser 101 | awk '$1 == "plan_compile_unit_us" { print $2 }')
        echo "== 4. compile: sandboxctl check of a unit on the import's image (store, $BIGLAYERS unpacked; /etc/passwd"
        echo "   in its lowest layer) (ms; median, p90, min of $START_ROUNDS interleaved rounds, bench/timeit.c) =="
        printf '%-34s %10s %10s %10s\n' command median p90 min
        awk -F'\t' '{ printf "%-34s %10.2f %10.2f %10.2f\n", $1, $2, $3, $4 }' "$WORK/compile.stats"
        printf 'plan_compile_unit in process, median of 101: User= %.2f ms, none %.2f ms\n' \
                "$(awk -v x="$cu" 'BEGIN { print x / 1000 }')" "$(awk -v x="$cn" 'BEGIN { print x / 1000 }')"
        awk -v u="$(med "$WORK/compile.stats" "check, User= on the large image")" -v n="$(med "$WORK/compile.stats" "check, no User=")" \
            -v v="$(med "$WORK/compile.stats" "sandboxctl --version")" -v cu="$cu" -v cn="$cn" 'BEGIN {
                printf "User= adds %+.2f ms to check (in process %+.2f ms); check - --version: %.2f ms\n", u - n, (cu - cn) / 1000, u - v
                printf "target: compile with User= on a large image under 5 ms (plan_compile_unit): %.2f ms -> %s\n",
                        cu / 1000, cu / 1000 < 5 ? "met" : "MISSED" }'
        echo
fi
