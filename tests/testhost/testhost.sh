#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# testhost: a real systemd (PID 1, system bus, journald, logind, transient
# scopes) booted in namespaces on this machine, for tests that need one.
# A CLI and a library:
#
#   tests/testhost/testhost.sh prepare          build the cached Debian rootfs (once)
#   tests/testhost/testhost.sh boot             boot it; prints the PID of its systemd
#   tests/testhost/testhost.sh run CMD...       run CMD inside, clean environment
#   tests/testhost/testhost.sh shell            interactive shell inside
#   tests/testhost/testhost.sh install BUILD    meson install BUILD into the running testhost
#   tests/testhost/testhost.sh status           state of the running testhost
#   tests/testhost/testhost.sh probe-scope      StartTransientUnit of a delegated scope, over D-Bus
#   tests/testhost/testhost.sh teardown         kill it, remove cgroups, verify nothing is left
#
#   source tests/testhost/testhost.sh           then testhost_prepare, testhost_boot,
#                                               testhost_run, testhost_install, testhost_teardown
#
# Environment:
#   TESTHOST_ROOT       cached rootfs (/var/tmp/sandboxd-testhost-root); never modified by a boot
#   TESTHOST_ID         name of one booted instance (default); several may run at once
#   TESTHOST_STATE_DIR  where instances keep their state (/run/sandboxd-testhost)
#   TESTHOST_CHECKOUT   bound read-only at /srv/checkout (this checkout)
#   TESTHOST_NET        private (default: own network namespace, only lo) | host
#   TESTHOST_BOOT_TIMEOUT  seconds to wait for running/degraded (60)
#   TESTHOST_MIRROR     Debian mirror for mmdebstrap (its default otherwise)
#
# How a boot is built, and why:
# - Each boot mounts an overlay (upper on a tmpfs) over the cached rootfs, so
#   every boot starts clean and writes vanish with it. All mounts are made in
#   the testhost's own mount namespace, so none of them exists on the host and
#   nothing has to be unmounted there; teardown only verifies that.
# - The process that unshares is first moved into testhost-ID, a child of its
#   own cgroup in every hierarchy; with a cgroup namespace systemd sees that
#   child as its root and creates init.scope, system.slice ... under it only.
#   The v1 controller hierarchies (memory, pids, cpu ...) are mounted inside
#   too, so on a hybrid host MemoryMax= & co. of scopes are real v1 limits.
# - /dev is a private tmpfs with a few nodes, not the host's /dev: systemd as
#   PID 1 writes its status to /dev/console (here a pty that script(1) copies
#   to console.log in the state dir), and mounts /dev/mqueue and
#   /dev/hugepages, which on an rbind of the host's devtmpfs would leave
#   directories behind on the host.
# - /proc/sys is read-only while systemd starts: PID 1 raises fs.nr_open and
#   fs.file-max, and systemd-sysctl would apply Debian's sysctl.d, all global
#   to the host kernel. It is made writable again once booted, because a
#   read-only overmount on /proc makes the kernel refuse fresh proc mounts in
#   user namespaces (mount_too_revealing), which sandboxes inside may need.
# - Its own network namespace (only lo) by default, so nothing run inside
#   changes the host's network or net sysctls.
# - systemd as PID 1 ignores SIGTERM: teardown SIGKILLs it, which ends the
#   whole pid namespace, and unshare runs with --kill-child so killing unshare
#   does the same.
#
# The D-Bus call the systemd cgroup driver makes, verified inside a testhost
# (a scope for an existing PID, delegated, in sandbox.slice; run from inside,
# e.g. testhost.sh run busctl ...):
#
#   busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
#       org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' \
#       sandbox-test.scope fail 4 PIDs au 1 $PID Delegate b true Slice s sandbox.slice \
#       MemoryMax t 33554432 0
#
# It answers `o "/org/freedesktop/systemd1/job/N"`; the scope exists once that
# job is gone (JobRemoved signal with result "done"). See testhost_probe_scope.

TESTHOST_PACKAGES=systemd,dbus,systemd-sysv,libinih1,libseccomp2,libcap2,libmount1,libjson-c5,libarchive13,libnftables1,busybox-static,procps,iproute2
TESTHOST_SUITE=bookworm
# Bump when testhost__customize changes, so cached roots are rebuilt.
TESTHOST_CUSTOMIZE_REV=1

TESTHOST_ROOT=${TESTHOST_ROOT:-/var/tmp/sandboxd-testhost-root}
TESTHOST_ID=${TESTHOST_ID:-default}
TESTHOST_STATE_DIR=${TESTHOST_STATE_DIR:-/run/sandboxd-testhost}
TESTHOST_CHECKOUT=${TESTHOST_CHECKOUT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TESTHOST_NET=${TESTHOST_NET:-private}
TESTHOST_BOOT_TIMEOUT=${TESTHOST_BOOT_TIMEOUT:-60}
TESTHOST_MIRROR=${TESTHOST_MIRROR:-}

TESTHOST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

testhost__log() { echo "testhost: $*" >&2; }
testhost__state() { echo "$TESTHOST_STATE_DIR/$TESTHOST_ID"; }

testhost__need_root() {
        if [ "$(id -u)" != 0 ]; then
                echo "SKIP: testhost needs root (namespaces, mounts, cgroups)"
                return 77
        fi
}

# ---------------------------------------------------------------------------
# prepare

testhost__stamp_wanted() {
        printf 'suite=%s\npackages=%s\ncustomize=%s\n' \
                "$TESTHOST_SUITE" "$TESTHOST_PACKAGES" "$TESTHOST_CUSTOMIZE_REV"
}

testhost__rootfs_ok() {
        [ -x "$TESTHOST_ROOT/lib/systemd/systemd" ] &&
                [ "$(cat "$TESTHOST_ROOT.stamp" 2>/dev/null)" = "$(testhost__stamp_wanted)" ]
}

# Units that fail or make no sense in a container sharing the host's
# kernel, or that would change the host kernel's global state.
testhost__customize() {
        local r=$1 u
        # A fixed machine-id: an empty one means "first boot" on every boot.
        od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$r/etc/machine-id"
        echo >>"$r/etc/machine-id"
        echo testhost >"$r/etc/hostname"
        printf '127.0.0.1 localhost\n127.0.1.1 testhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
        for u in \
                console-getty.service getty-static.service getty@tty1.service \
                systemd-sysctl.service systemd-binfmt.service \
                proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
                systemd-modules-load.service kmod-static-nodes.service \
                sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
                sys-fs-fuse-connections.mount systemd-pstore.service \
                systemd-networkd-wait-online.service systemd-time-wait-sync.service \
                apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
                e2scrub_all.timer e2scrub_reap.service fstrim.timer \
                systemd-tmpfiles-clean.timer; do
                ln -sfn /dev/null "$r/etc/systemd/system/$u"
        done
        rm -f "$r/etc/systemd/system/getty.target.wants/getty@tty1.service"
        # journalctl and systemctl inside must never wait for a pager.
        mkdir -p "$r/etc/profile.d"
        echo 'export SYSTEMD_PAGER=cat PAGER=cat' >"$r/etc/profile.d/testhost.sh"
}

testhost_prepare() {
        testhost__need_root || return
        if ! command -v mmdebstrap >/dev/null; then
                echo "SKIP: mmdebstrap not installed (apt-get install mmdebstrap; tools/deps.sh --tests)"
                return 77
        fi
        mkdir -p "$(dirname "$TESTHOST_ROOT")"
        (
                flock 9
                if testhost__rootfs_ok; then
                        testhost__log "rootfs $TESTHOST_ROOT is up to date"
                        exit 0
                fi
                local d
                for d in "$TESTHOST_STATE_DIR"/*/; do
                        [ -d "$d" ] && TESTHOST_ID=$(basename "$d") testhost_alive &&
                                { testhost__log "testhost '$(basename "$d")' runs on the old rootfs: tear it down first"; exit 1; }
                done
                local new=$TESTHOST_ROOT.new start=$SECONDS
                testhost__umount_under "$new"
                rm -rf "$new"
                testhost__log "building $TESTHOST_SUITE rootfs in $TESTHOST_ROOT (mmdebstrap, about 20 s)"
                # shellcheck disable=SC2086
                if ! mmdebstrap --quiet --variant=minbase --include="$TESTHOST_PACKAGES" \
                                "$TESTHOST_SUITE" "$new" $TESTHOST_MIRROR </dev/null; then
                        testhost__umount_under "$new"
                        rm -rf "$new"
                        testhost__log "mmdebstrap failed"
                        exit 1
                fi
                testhost__customize "$new"
                rm -f "$TESTHOST_ROOT.stamp"
                rm -rf "$TESTHOST_ROOT"
                mv "$new" "$TESTHOST_ROOT"
                testhost__stamp_wanted >"$TESTHOST_ROOT.stamp"
                testhost__log "rootfs ready in $((SECONDS - start)) s"
        ) 9>"$TESTHOST_ROOT.lock"
}

# ---------------------------------------------------------------------------
# cgroups

# One line per cgroup hierarchy this process is in:
#   <directory of this process's cgroup on the host> <name under /sys/fs/cgroup inside> <mount options>
# name "-" means a pure cgroup v2 host (mounted at /sys/fs/cgroup itself).
testhost__hierarchies() {
        awk '
        FNR == NR {     # /proc/self/mountinfo
                for (i = 7; $i != "-"; i++) ;
                fstype = $(i + 1); opts = $(i + 3)
                if (fstype == "cgroup2") { mnt["0"] = $5; mroot["0"] = $4; next }
                if (fstype != "cgroup") next
                n = split(opts, o, ","); key = ""
                for (j = 1; j <= n; j++)
                        if (o[j] !~ /^(rw|ro|xattr|noprefix|clone_children|cpuset_v2_mode|favordynmods|release_agent=.*)$/)
                                key = key (key == "" ? "" : ",") o[j]
                mnt[key] = $5; mroot[key] = $4
                next
        }
        {               # /proc/self/cgroup: id:controllers:path
                split($0, f, ":"); id = f[1]; key = (id == "0") ? "0" : f[2]
                path = substr($0, length(f[1]) + length(f[2]) + 3)
                if (!(key in mnt)) next
                r = mroot[key]
                if (r != "/" && index(path, r) == 1) path = substr(path, length(r) + 1)
                if (path == "/") path = ""
                if (key == "0") name = (mnt[key] == "/sys/fs/cgroup") ? "-" : "unified"
                else if (key ~ /^name=/) name = substr(key, 6)
                else name = key
                opt = (key == "0") ? "-" : (key ~ /^name=/ ? "none," key : key)
                print mnt[key] path, name, opt
        }' /proc/self/mountinfo /proc/self/cgroup
}

# Directories below $1, deepest first, then $1 itself.
testhost__rmdir_tree() {
        local d=$1
        [ -d "$d" ] || return 0
        for _ in $(seq 50); do
                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
                [ -d "$d" ] || return 0
                sleep 0.1
        done
        [ ! -d "$d" ]
}

# PIDs (host view) of every process in any cgroup below the testhost's dirs.
testhost__cgroup_pids() {
        local d
        [ -f "$1/cgroups" ] || return 0
        while read -r d; do
                [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
        done <"$1/cgroups" | sort -un
}

# ---------------------------------------------------------------------------
# mounts

testhost__umount_under() {
        local p=$1 m
        # deepest first
        awk -v p="$p" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do
                        umount -l "$m" 2>/dev/null || true
                done
}

testhost__mounts_of() {
        awk -v a="$1" -v b="$2" '$5 == a || index($5, a "/") == 1 || $4 == a || index($4, a "/") == 1 ||
                                 $5 == b || index($5, b "/") == 1 { print $5 }' /proc/self/mountinfo
}

# ---------------------------------------------------------------------------
# boot

# Runs inside the new namespaces as their PID 1, then becomes systemd.
# shellcheck disable=SC2016,SC2089
TESTHOST_INNER='
set -eu
S=$1 ROOT=$2 CHECKOUT=$3 HIERARCHIES=$4
M=$S/root
mount --make-rprivate /
mount -t tmpfs -o mode=755 testhost-upper "$S/upper"
mkdir "$S/upper/data" "$S/upper/work"
mount -t overlay -o "lowerdir=$ROOT,upperdir=$S/upper/data,workdir=$S/upper/work" testhost "$M"

mkdir -p "$M/srv/checkout"
mount --bind "$CHECKOUT" "$M/srv/checkout"
mount -o remount,bind,ro "$M/srv/checkout"

mount -t proc -o nosuid,nodev,noexec proc "$M/proc"
for p in sys sysrq-trigger; do
        [ -e "$M/proc/$p" ] || continue
        mount --bind "$M/proc/$p" "$M/proc/$p"
        mount -o remount,bind,ro "$M/proc/$p"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$M/sys"

C=$M/sys/fs/cgroup
if [ "$HIERARCHIES" = "- -" ]; then
        mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$C"
else
        mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup "$C"
        while read -r name opts; do
                [ "$name" = "-" ] && continue
                mkdir -p "$C/$name"
                if [ "$opts" = "-" ]; then
                        mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$C/$name"
                else
                        mount -t cgroup -o "nosuid,nodev,noexec,$opts" cgroup "$C/$name"
                        case $name in *,*)
                                for c in ${name//,/ }; do ln -s "$name" "$C/$c"; done ;;
                        esac
                fi
        done <<<"$HIERARCHIES"
        mount -o remount,ro,bind "$C"
fi

mount -t tmpfs -o mode=755,nosuid,nodev run "$M/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$M/tmp"

D=$M/dev
mount -t tmpfs -o mode=755,nosuid dev "$D"
mknod -m 666 "$D/null" c 1 3
mknod -m 666 "$D/zero" c 1 5
mknod -m 666 "$D/full" c 1 7
mknod -m 666 "$D/random" c 1 8
mknod -m 666 "$D/urandom" c 1 9
mknod -m 666 "$D/tty" c 5 0
mkdir -m 755 "$D/pts"
mkdir -m 1777 "$D/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5,nosuid,noexec devpts "$D/pts"
ln -s pts/ptmx "$D/ptmx"
ln -s /proc/self/fd "$D/fd"
ln -s /proc/self/fd/0 "$D/stdin"
ln -s /proc/self/fd/1 "$D/stdout"
ln -s /proc/self/fd/2 "$D/stderr"
touch "$D/console"
mount --bind "$(tty)" "$D/console"

# pivot_root, not chroot: under a chroot the / of the host would stay mounted
# above the root of the testhost in its mount namespace, and above the root of
# every sandbox launched inside (pivot_root there would pivot the mount of the chroot).
cd "$M"
pivot_root . .
umount -l .
exec env -i container=testhost PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        /lib/systemd/systemd --system --show-status=yes </dev/null
'

testhost__read_state() {
        local s
        s=$(testhost__state)
        TESTHOST_PID=$(cat "$s/pid" 2>/dev/null) || TESTHOST_PID=
        TESTHOST_PID_START=$(cat "$s/pid.start" 2>/dev/null) || TESTHOST_PID_START=
}

testhost__child() { [ -n "$1" ] && awk '{ print $1 }' "/proc/$1/task/$1/children" 2>/dev/null; }

# The start time identifies a process across PID reuse; a zombie counts as gone.
testhost__starttime() { awk '{ sub(/.*\) /, ""); if ($1 != "Z" && $1 != "X") print $20 }' "/proc/$1/stat" 2>/dev/null; }

# True if the testhost's systemd is alive (and is still the same process).
testhost_alive() {
        testhost__read_state
        [ -n "$TESTHOST_PID" ] && [ "$(testhost__starttime "$TESTHOST_PID")" = "$TESTHOST_PID_START" ]
}

testhost_boot() {
        testhost__need_root || return
        local s start=$EPOCHREALTIME hier names launcher launcher_start pid='' state='' net_flag=--net
        s=$(testhost__state)
        if ! testhost__rootfs_ok; then
                testhost__log "no prepared rootfs at $TESTHOST_ROOT: run '$0 prepare' first"
                return 1
        fi
        if testhost_alive; then
                testhost__log "testhost '$TESTHOST_ID' is already running (PID $TESTHOST_PID)"
                return 1
        fi
        # Leftovers of a testhost that died without teardown.
        if [ -d "$s" ]; then
                testhost__log "cleaning up what a previous testhost '$TESTHOST_ID' left"
                testhost_teardown >/dev/null || return 1
        fi
        [ "$TESTHOST_NET" = host ] && net_flag=

        mkdir -p "$s/root" "$s/upper"
        echo "$TESTHOST_ROOT" >"$s/rootfs"
        hier=$(testhost__hierarchies)
        if [ -z "$hier" ]; then
                testhost__log "no cgroup hierarchies found"
                testhost_teardown >/dev/null
                return 1
        fi
        # Recorded before they exist, so a teardown after a failed boot finds them.
        awk -v id="$TESTHOST_ID" '{ print $1 "/testhost-" id }' <<<"$hier" >"$s/cgroups"
        local dir
        while read -r dir _; do
                dir=$dir/testhost-$TESTHOST_ID
                if ! mkdir "$dir"; then
                        testhost__log "cannot create cgroup $dir"
                        testhost_teardown >/dev/null
                        return 1
                fi
                # A new v1 cpuset is empty, and nothing can join an empty cpuset.
                if [ -f "$dir/cpuset.cpus" ] && [ -z "$(cat "$dir/cpuset.cpus")" ]; then
                        cat "$dir/../cpuset.cpus" >"$dir/cpuset.cpus"
                        cat "$dir/../cpuset.mems" >"$dir/cpuset.mems"
                fi
        done <<<"$hier"
        names=$(awk '{ print $2, $3 }' <<<"$hier")

        # script(1) gives systemd a pty for /dev/console and copies it to
        # console.log: the only place where PID 1's messages from before
        # journald (and the mount commands' errors) are seen.
        (
                while read -r dir; do
                        echo "$BASHPID" >"$dir/cgroup.procs" || exit 1
                done <"$s/cgroups"
                # shellcheck disable=SC2090
                export TESTHOST_INNER TESTHOST_ROOT TESTHOST_CHECKOUT TH_S=$s TH_NAMES=$names
                # shellcheck disable=SC2016
                SHELL=/bin/bash exec script -qfec "exec unshare --pid --fork --kill-child --mount --uts --ipc \
                        --cgroup $net_flag --propagation private bash -c \"\$TESTHOST_INNER\" testhost-init \
                        \"\$TH_S\" \"\$TESTHOST_ROOT\" \"\$TESTHOST_CHECKOUT\" \"\$TH_NAMES\"" \
                        "$s/console.log"
        ) </dev/null >/dev/null 2>&1 &
        launcher=$!
        launcher_start=$(testhost__starttime "$launcher")
        echo "$launcher" >"$s/launcher.pid"
        echo "$launcher_start" >"$s/launcher.pid.start"

        # script forks unshare, which forks bash, which execs systemd.
        for _ in $(seq 200); do
                pid=$(testhost__child "$(testhost__child "$launcher")")
                [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] && break
                pid=
                [ "$(testhost__starttime "$launcher")" = "$launcher_start" ] || break
                sleep 0.05
        done
        if [ -z "$pid" ]; then
                testhost__log "systemd did not start; console:"
                tail -30 "$s/console.log" | sed 's/^/  /' >&2
                testhost_teardown >/dev/null
                return 1
        fi
        echo "$pid" >"$s/pid"
        testhost__starttime "$pid" >"$s/pid.start"
        readlink "/proc/$pid/ns/mnt" >"$s/mntns"
        readlink "/proc/$pid/ns/pid" >"$s/pidns"

        for _ in $(seq $((TESTHOST_BOOT_TIMEOUT * 5))); do
                state=$(testhost_run systemctl is-system-running 2>/dev/null) || true
                case $state in running|degraded) break ;; esac
                if ! testhost_alive; then
                        state=dead
                        break
                fi
                sleep 0.2
        done
        case $state in
        running|degraded) ;;
        *)
                testhost__log "boot did not finish in ${TESTHOST_BOOT_TIMEOUT} s (state: ${state:-none}); console:"
                tail -30 "$s/console.log" | sed 's/^/  /' >&2
                testhost_alive && testhost_run systemctl list-jobs --no-pager >&2
                testhost_teardown >/dev/null
                return 1
                ;;
        esac
        if [ "$state" = degraded ]; then
                testhost__log "degraded; failed units:"
                testhost_run systemctl --failed --no-legend --no-pager >&2
        fi
        # Start-up is over: let sandboxes mount proc in user namespaces (see top).
        testhost_run sh -c 'umount -l /proc/sys; ! [ -e /proc/sysrq-trigger ] || umount -l /proc/sysrq-trigger'

        testhost__log "'$TESTHOST_ID' $state in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s, systemd PID $pid"
        echo "$pid"
}

# ---------------------------------------------------------------------------
# run, install

# The command joins the testhost's root cgroup (its "/") first: from outside
# the cgroup namespace root, systemd could not move it into a scope in the
# cgroup2 hierarchy, and it would not be one of the testhost's processes.
testhost_run() {
        testhost_alive || { testhost__log "testhost '$TESTHOST_ID' is not running"; return 1; }
        local s
        s=$(testhost__state)
        (
                while read -r dir; do
                        echo "$BASHPID" >"$dir/cgroup.procs" || exit 1
                done <"$s/cgroups"
                exec nsenter -t "$TESTHOST_PID" -a -r -w \
                        env -i PATH="$TESTHOST_PATH" HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
                        SYSTEMD_PAGER=cat PAGER=cat "$@"
        )
}

testhost_shell() { testhost_run /bin/bash -l; }

# meson install BUILD_DIR into a staging dir, copy it into the running
# testhost's overlay and reload systemd. The build must have --prefix=/usr
# (the project's default): sandboxd.service, the D-Bus policy and the
# shipped units and policies are found only where the build says they are.
testhost_install() {
        local build=${1:?usage: testhost_install BUILD_DIR} staging prefix rc=0
        testhost_alive || { testhost__log "testhost '$TESTHOST_ID' is not running"; return 1; }
        [ -f "$build/build.ninja" ] || { testhost__log "$build is not a meson build dir"; return 1; }
        prefix=$(meson introspect "$build" --buildoptions | python3 -c '
import json, sys
print({x["name"]: x["value"] for x in json.load(sys.stdin)}["prefix"])')
        if [ "$prefix" != /usr ]; then
                testhost__log "$build has prefix $prefix; the testhost needs a --prefix=/usr build (the default: meson setup BUILD)"
                return 1
        fi
        staging=$(mktemp -d /tmp/testhost-install.XXXXXX)
        # shellcheck disable=SC2086
        if ! meson install -C "$build" --destdir "$staging" --quiet ${TESTHOST_INSTALL_FLAGS:-} >"$staging.log" 2>&1; then
                testhost__log "meson install failed:"
                sed 's/^/  /' "$staging.log" >&2
                rm -rf "$staging" "$staging.log"
                return 1
        fi
        rm -f "$staging.log"
        chmod 755 "$staging"
        # tar, not cp: /bin, /lib ... are symlinks into /usr in the rootfs, and
        # directories that exist keep their mode (mktemp's 0700 would land on /).
        tar -C "$staging" -c . |
                tar -C "/proc/$TESTHOST_PID/root" -x --keep-directory-symlink --no-overwrite-dir --no-same-owner || rc=1
        testhost__log "installed $(find "$staging" -type f -o -type l | wc -l) files from $build"
        rm -rf "$staging"
        [ $rc = 0 ] || return 1
        testhost_run systemctl daemon-reload
}

# Stretch probe for the systemd cgroup driver: a scope for a running PID,
# delegated, in sandbox.slice, created over the system bus. Prints the scope's
# properties and its cgroup's memory limit; fails if the scope or the PID in
# its cgroup is missing.
testhost_probe_scope() {
        # shellcheck disable=SC2016
        testhost_run bash -c '
                set -eu
                sleep 30 & pid=$!
                busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
                        org.freedesktop.systemd1.Manager StartTransientUnit "ssa(sv)a(sa(sv))" \
                        sandbox-test.scope fail 4 PIDs au 1 $pid Delegate b true Slice s sandbox.slice \
                        MemoryMax t 33554432 0
                for i in $(seq 50); do
                        [ "$(systemctl show -P ActiveState sandbox-test.scope)" = active ] && break
                        sleep 0.1
                done
                systemctl show -p ActiveState -p Delegate -p Slice -p ControlGroup -p MemoryMax sandbox-test.scope
                cg=$(systemctl show -P ControlGroup sandbox-test.scope)
                grep -qx "$pid" /sys/fs/cgroup/systemd$cg/cgroup.procs
                echo "memory.limit_in_bytes=$(cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes 2>/dev/null ||
                        cat /sys/fs/cgroup$cg/memory.max)"
                kill $pid
                wait $pid 2>/dev/null || true
        '
}

testhost_status() {
        if testhost_alive; then
                echo "testhost '$TESTHOST_ID': systemd PID $TESTHOST_PID," \
                        "$(testhost_run systemctl is-system-running 2>/dev/null || true)"
        else
                echo "testhost '$TESTHOST_ID': not running"
                return 3
        fi
}

# ---------------------------------------------------------------------------
# teardown

testhost__kill_checked() {  # pid starttime
        [ -n "$1" ] && [ "$(testhost__starttime "$1")" = "$2" ] && kill -KILL "$1" 2>/dev/null
        return 0
}

# Host PIDs of processes in the testhost's mount or pid namespace.
testhost__ns_pids() {
        local s=$1 mnt pidns
        mnt=$(cat "$s/mntns" 2>/dev/null) || mnt=
        pidns=$(cat "$s/pidns" 2>/dev/null) || pidns=
        [ -n "$mnt" ] && [ -n "$pidns" ] || return 0
        # -lname takes a glob: quote the brackets of "mnt:[4026531841]".
        mnt=${mnt//[/\\[} pidns=${pidns//[/\\[}
        find /proc/[0-9]*/ns/mnt /proc/[0-9]*/ns/pid \( -lname "$mnt" -o -lname "$pidns" \) 2>/dev/null |
                cut -d/ -f3 | sort -un
}

# Kills the testhost and removes everything it made; verifies that nothing
# is left. Safe to call twice, and after a failed or half-done boot.
testhost_teardown() {
        local s left=0 pids d
        s=$(testhost__state)
        [ -d "$s" ] || return 0
        testhost__read_state
        testhost__kill_checked "$TESTHOST_PID" "$TESTHOST_PID_START"
        for _ in $(seq 250); do
                testhost_alive || break
                sleep 0.02
        done
        # After that script(1) would linger for 1.5 s draining the pty.
        testhost__kill_checked "$(cat "$s/launcher.pid" 2>/dev/null)" "$(cat "$s/launcher.pid.start" 2>/dev/null)"
        # Anything else still in its cgroups or namespaces (nsenter'd commands).
        for _ in $(seq 100); do
                pids=$( { testhost__cgroup_pids "$s"; testhost__ns_pids "$s"; } | sort -u)
                [ -z "$pids" ] && break
                # shellcheck disable=SC2086
                kill -KILL $pids 2>/dev/null
                sleep 0.05
        done
        if [ -n "$pids" ]; then
                testhost__log "processes left: $pids"
                left=1
        fi
        # Every mount was made inside its mount namespace and died with it;
        # this only guards against one that ever is not.
        testhost__umount_under "$s"
        if [ -f "$s/cgroups" ]; then
                while read -r d; do
                        testhost__rmdir_tree "$d" || { testhost__log "cgroup left: $d"; left=1; }
                done <"$s/cgroups"
        fi
        if [ -n "$(testhost__mounts_of "$s" "$(cat "$s/rootfs" 2>/dev/null || echo /nonexistent)")" ]; then
                testhost__log "mounts left: $(testhost__mounts_of "$s" "$(cat "$s/rootfs")" | tr '\n' ' ')"
                left=1
        fi
        if [ $left = 0 ]; then
                # The upper dir is an (unmounted) mount point: plain rm is enough.
                rm -rf "$s"
                rmdir "$TESTHOST_STATE_DIR" 2>/dev/null || true
                testhost__log "'$TESTHOST_ID' torn down"
        fi
        return $left
}

# Everything a teardown must have removed, for tests to assert on.
testhost_leftovers() {
        local s d
        s=$(testhost__state)
        [ -d "$s" ] && echo "state dir $s"
        while read -r d _; do
                [ -d "$d/testhost-$TESTHOST_ID" ] && echo "cgroup $d/testhost-$TESTHOST_ID"
        done < <(testhost__hierarchies)
        testhost__mounts_of "$s" "$TESTHOST_ROOT" | sed 's/^/mount /'
        return 0
}

# ---------------------------------------------------------------------------

testhost_main() {
        local cmd=${1:-}
        shift || true
        case $cmd in
        prepare)  testhost_prepare ;;
        boot)     testhost_boot ;;
        run)      [ $# -gt 0 ] || { echo "usage: $0 run CMD..." >&2; return 2; }
                  testhost_run "$@" ;;
        shell)    testhost_shell ;;
        install)  testhost_install "$@" ;;
        status)   testhost_status ;;
        probe-scope) testhost_probe_scope ;;
        teardown) testhost_teardown ;;
        *)
                sed -n '3,/^# How a boot/{/^# How a boot/d;s/^# \?//p}' "${BASH_SOURCE[0]}" >&2
                return 2
                ;;
        esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
        testhost_main "$@"
        exit
fi

# ---- for the tests that drive sandboxd inside a testhost ----

# What every testhost test needs of this machine: root, and mmdebstrap to
# make the image. Without them: SKIP (exit 77), with the reason.
testhost_test_require() {
        if [ "$(id -u)" != 0 ]; then
                echo "SKIP: the testhost needs root"
                exit 77
        fi
        if ! command -v mmdebstrap >/dev/null; then
                echo "SKIP: mmdebstrap not installed (tools/deps.sh --tests installs it)"
                exit 77
        fi
}

# testhost_test_init NAME: ok, fail (which exits), th (testhost_run),
# wait_for SECONDS COMMAND... (poll every 0.1 s until it succeeds), a
# temporary directory $TMP, and an EXIT trap that prints sandboxd's journal
# when the test failed and tears the testhost down, unless the test set
# torn_down=1 after doing that itself.
testhost_test_init() {
        ok() { echo "ok: $*"; }
        fail() {
                echo "FAIL: $*"
                exit 1
        }
        th() { testhost_run "$@"; }
        wait_for() {
                local secs=$1 i
                shift
                for ((i = 0; i < secs * 10; i++)); do
                        "$@" >/dev/null 2>&1 && return 0
                        sleep 0.1
                done
                return 1
        }
        testhost__test_cleanup() {
                local rc=$?
                if [ "$torn_down" = 0 ]; then
                        if [ $rc != 0 ] && testhost_alive; then
                                echo "# --- sandboxd's journal (last 40 lines)"
                                testhost_run journalctl -u sandboxd -n 40 --no-pager -o short-monotonic 2>&1 |
                                        sed 's/^/#   /'
                        fi
                        testhost_teardown >/dev/null 2>&1 || testhost_teardown
                fi
                rm -rf "$TMP"
                exit $rc
        }
        TMP=$(mktemp -d "/tmp/$1.XXXXXX")
        torn_down=0
        trap testhost__test_cleanup EXIT
        trap 'exit 143' TERM INT HUP
}
