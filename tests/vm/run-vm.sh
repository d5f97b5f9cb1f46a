#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The vm lane: run guest test scripts on a cgroup v2 kernel (Debian's
# linux-image-amd64) under qemu's TCG, with this machine's / as the guest's /
# (read-only over 9p), so the build dir and the tests run unchanged.
#
#   tests/vm/run-vm.sh [-B BUILD_DIR] [-S ROOT|auto [-I]] GUEST_SCRIPT...
#
# Each GUEST_SCRIPT (a path; made absolute) runs in the guest, in order, as
# root, under tests/vm/guest-init.sh, with:
#   VM_RESULTS   file to append result lines to: `ok N name`, `not ok N name`,
#                `SKIP name: reason`, `KNOWN-GAP name: what` (a gap of the
#                product's, recorded: neither pass nor fail) (tests/vm/lib-guest.sh
#                writes them)
#   BUILD_DIR    the meson build dir (read-only), SRC_DIR the checkout
#   VM_IMAGE_TAR the busybox image (tools/mkimage-busybox.sh, built on the host
#                into SANDBOXD_VM_DIR/image) as a tarball: `tar -xf` it where a
#                test needs an image; mkimage-busybox.sh itself takes minutes
#                under TCG
# and exits 0 (pass), 1 (fail) or 77 (skip). This script prints the guest's
# result lines and its scripts' output, and exits 0, 1 or 77: 1 if any line
# says `not ok` or any script failed, 77 if every script skipped, else 0.
# No package is installed on this machine: a missing qemu, kernel or busybox
# is `SKIP:`.
#
# -S ROOT boots systemd as the guest's PID 1 instead, from ROOT (a Debian
# root with systemd; read-only, under a tmpfs overlay in the guest), on the
# unified cgroup hierarchy, and runs the scripts from a unit once it is up
# (guest-init.sh). `-S auto` is the testhost's root
# (tests/testhost/testhost.sh prepare builds it once with mmdebstrap; done
# here when missing; SKIP without mmdebstrap).
#
# -I (with -S) installs the build into that guest root as a package would:
# `meson install --destdir` of BUILD_DIR (a --prefix=/usr build, the
# project's default) here, packed as install.tar on the results share, and
# unpacked by guest-init.sh over the overlay before systemd starts, so that
# systemd finds sandboxd.service and dbus-daemon the D-Bus policy at boot
# (no daemon-reload, no ReloadConfig). VM_INSTALLED=1 tells the scripts.
#
# Environment:
#   SANDBOXD_VM_DIR      cache and logs (default BUILD_DIR/vm, else /var/tmp/sandboxd-vm):
#                        initramfs-K.img (rebuilt only when its inputs change);
#                        per first guest script S (its name without .sh), the
#                        last boot's S/console.log (the guest's serial console,
#                        with the guest's task dump when it hung), S/results/
#                        (the writable share) and S/monitor.log (what qemu's
#                        monitor answered to the dump's commands)
#   SANDBOXD_VM_KERNEL   kernel release to boot (default: newest /boot/vmlinuz-*
#                        whose /lib/modules/K has the 9p modules)
#   SANDBOXD_VM_TIMEOUT  seconds before the guest counts as hung: its tasks
#                        are dumped, then qemu is killed (240)
#   SANDBOXD_VM_DUMP     at most this many seconds more for that dump (8;
#                        0: kill at once, no dump)
#   SANDBOXD_VM_MEMORY   guest memory in MiB (1024)
#   SANDBOXD_VM_ACCEL    qemu accelerator (tcg; KVM guests hang on this machine)
#   SANDBOXD_VM_ARGS     words for the guest scripts (VM_ARGS there), e.g. which
#                        integration scripts test-integration.sh runs
#   SANDBOXD_VM_9P_CACHE cache mode of the host root's 9p mount (loose: it is
#                        read-only and unchanged while the guest runs, and
#                        every exec no longer goes to the host; about twice as
#                        fast as none for fork-heavy scripts)
#   SANDBOXD_VM_APPEND   more kernel command line, e.g. "loglevel=7" to see the
#                        stack traces of soft lockups and stalls on the console
#
# Why it is built this way:
# - Debian's own initrd has no 9p modules; a tiny initramfs of busybox-static,
#   the modules `modprobe --show-depends` lists for virtio_pci, 9pnet_virtio
#   and 9p (decompressed, loaded with insmod in dependency order: no depmod
#   data needed) and an /init that mounts the host root and switch_roots into
#   guest-init.sh is all it takes. Its inputs are hashed; the image is reused
#   until one changes.
# - Two 9p shares: `hostroot` (/, read-only) and `results` (a fresh folder,
#   writable). Results come back as files, not by scraping the console, so
#   kernel messages cannot interleave with them.
# - multidevs=remap: / spans several file systems on the host; without it
#   inode numbers of different devices collide in the guest.
# - The guest powers itself off (sysrq o). If it does not, qemu is killed at
#   the deadline; an exit trap kills it on any other way out. -no-reboot and
#   panic=-1 turn a guest panic (PID 1 dying) into qemu exiting. qemu runs
#   with a parent-death signal, so even a SIGKILL of this script ends it.
# - A hung guest explains itself. Before qemu is killed, magic SysRq keys go
#   to the guest's PS/2 keyboard through qemu's monitor (on a pair of FIFOs:
#   no socket client needed): 9 (console loglevel up), w (tasks in D state,
#   with stacks), l (the CPUs' backtraces), t (every task), into
#   console.log; the D-state part and a one-line-per-task summary are
#   printed, bounded. Keys rather than /proc/sysrq-trigger: nothing in a hung
#   guest has to run for them. sysrq_always_enabled, since systemd's
#   sysctl.d turns the dumps off (kernel.sysrq=0x1b6). If the kernel does not
#   answer (interrupts off), qemu's view of the vCPUs (info registers) is
#   printed instead.
# - The hung-task detector reports a task blocked in D state for 20 s
#   (kernel default: 120) with its stack, without panicking; guest-init.sh
#   raises the console loglevel when the scripts start, so that its stack
#   (KERN_INFO) reaches the console; the boot itself stays quiet.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$HERE/../.." && pwd)

BUILD_DIR=
SYSTEMD_ROOT=
INSTALL=0
while getopts "B:S:Ih" opt; do
        case $opt in
        B) BUILD_DIR=$OPTARG ;;
        S) SYSTEMD_ROOT=$OPTARG ;;
        I) INSTALL=1 ;;
        h) sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
        *) exit 2 ;;
        esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
        echo "usage: $0 [-B BUILD_DIR] [-S ROOT|auto [-I]] GUEST_SCRIPT..." >&2
        exit 2
fi
if [ $INSTALL = 1 ] && { [ -z "$SYSTEMD_ROOT" ] || [ -z "$BUILD_DIR" ]; }; then
        # Without -S the guest's / is the host's, read-only: nowhere to install.
        echo "$0: -I needs -S ROOT and -B BUILD_DIR" >&2
        exit 2
fi

skip() {
        echo "SKIP: $*"
        exit 77
}
die() {
        echo "FAIL: $*"
        exit 1
}

TIMEOUT=${SANDBOXD_VM_TIMEOUT:-240}
DUMP=${SANDBOXD_VM_DUMP:-8}
case $DUMP in '' | *[!0-9]*) die "SANDBOXD_VM_DUMP: seconds, please (got '$DUMP')" ;; esac
MEMORY=${SANDBOXD_VM_MEMORY:-1024}
ACCEL=${SANDBOXD_VM_ACCEL:-tcg}

[ -n "$BUILD_DIR" ] && BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
VM_DIR=${SANDBOXD_VM_DIR:-${BUILD_DIR:+$BUILD_DIR/vm}}
VM_DIR=${VM_DIR:-/var/tmp/sandboxd-vm}

scripts=()
for s in "$@"; do
        [ -f "$s" ] || die "no such guest script: $s"
        s=$(cd "$(dirname "$s")" && pwd)/$(basename "$s")
        # They travel on the kernel command line, which splits on spaces.
        case $s$BUILD_DIR$SRC_DIR in *[[:space:],]*) die "paths with spaces or commas are not supported: $s" ;; esac
        scripts+=("$s")
done
# The guest mounts tmpfs over these: what is there on the host is not seen.
for p in "$SRC_DIR" "$BUILD_DIR" "${scripts[@]}"; do
        case $p/ in /tmp/* | /var/tmp/* | /run/* | /var/lib/*)
                die "$p is hidden in the guest (tmpfs over /tmp /var/tmp /run /var/lib): use another path" ;;
        esac
done

# --- what the lane needs ------------------------------------------------------

[ "$(id -u)" = 0 ] || skip "needs root (the host's / is shared with the guest as it is, owners included)"
QEMU=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not installed (Debian: qemu-system-x86)"
BUSYBOX=/bin/busybox
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1 || ! "$BUSYBOX" --list 2>/dev/null | grep -qx switch_root; then
        skip "no static busybox at $BUSYBOX (Debian: busybox-static)"
fi
command -v modprobe >/dev/null || skip "modprobe not installed (Debian: kmod)"

GUEST_MODULES=(virtio_pci 9pnet_virtio 9p)

kernel_ok() {  # release: a kernel image and every module the initramfs needs
        [ -r "/boot/vmlinuz-$1" ] && [ -f "/lib/modules/$1/modules.dep" ] &&
                modprobe -S "$1" -a --show-depends "${GUEST_MODULES[@]}" >/dev/null 2>&1
}

if [ -n "${SANDBOXD_VM_KERNEL:-}" ]; then
        K=$SANDBOXD_VM_KERNEL
        kernel_ok "$K" || skip "SANDBOXD_VM_KERNEL=$K: no /boot/vmlinuz-$K with 9p/virtio modules in /lib/modules/$K"
else
        K=
        while read -r v; do
                kernel_ok "$v" && K=$v
        done < <(for f in /boot/vmlinuz-*; do [ -e "$f" ] && echo "${f#/boot/vmlinuz-}"; done | sort -V)
        [ -n "$K" ] || skip "no /boot/vmlinuz-* with matching /lib/modules and 9p/virtio modules (Debian: linux-image-amd64)"
fi

mkdir -p "$VM_DIR" || die "cannot create $VM_DIR"

# --- the initramfs (cached) ---------------------------------------------------

modules=()
while read -r verb path _; do
        [ "$verb" = insmod ] || continue
        case " ${modules[*]} " in *" $path "*) ;; *) modules+=("$path") ;; esac
done < <(for m in "${GUEST_MODULES[@]}"; do modprobe -S "$K" --show-depends "$m"; done)

INITRAMFS=$VM_DIR/initramfs-$K.img
key=$({
        echo "kernel $K"
        sha256sum "$BUSYBOX" "${BASH_SOURCE[0]}" "${modules[@]}"
} | sha256sum | cut -d' ' -f1)

build_initramfs() {
        local tmp list=() m base
        tmp=$(mktemp -d "$VM_DIR/initramfs.XXXXXX") || return 1
        mkdir -p "$tmp"/{bin,dev,proc,mnt,modules}
        cp "$BUSYBOX" "$tmp/bin/busybox"
        for m in "${modules[@]}"; do
                base=$(basename "$m")
                case $m in
                *.ko.xz) xz -dc "$m" >"$tmp/modules/${base%.xz}" || return 1; base=${base%.xz} ;;
                *.ko.zst) zstd -qdc "$m" >"$tmp/modules/${base%.zst}" || return 1; base=${base%.zst} ;;
                *.ko.gz) gzip -dc "$m" >"$tmp/modules/${base%.gz}" || return 1; base=${base%.gz} ;;
                *) cp "$m" "$tmp/modules/" ;;
                esac
                list+=("$base")
        done
        printf '%s\n' "${list[@]}" >"$tmp/modules/order"
        # The kernel needs a console to hand PID 1 before /dev is mounted.
        mknod -m 600 "$tmp/dev/console" c 5 1
        cat >"$tmp/init" <<'EOF'
#!/bin/busybox sh
# Load 9p over virtio, mount the host's / read-only, become guest-init.sh.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
while read -r m; do
        /bin/busybox insmod /modules/$m || echo "initramfs: insmod $m failed"
done </modules/order
cache=$(/bin/busybox sed -n 's/.*sandboxd\.vm\.cache=\([^ ]*\).*/\1/p' /proc/cmdline)
if ! /bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=${cache:-loose} hostroot /mnt; then
        echo "initramfs: cannot mount the host root over 9p"
        /bin/busybox poweroff -f
fi
init=$(/bin/busybox sed -n 's/.*sandboxd\.vm\.init=\([^ ]*\).*/\1/p' /proc/cmdline)
/bin/busybox umount /proc /dev
exec /bin/busybox switch_root /mnt "$init"
EOF
        chmod 755 "$tmp/init"
        # busybox's own cpio: one package fewer to need.
        (cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc) >"$tmp.img" || return 1
        rm -rf "$tmp"
        mv "$tmp.img" "$INITRAMFS" && echo "$key" >"$INITRAMFS.key"
}

if [ "$(cat "$INITRAMFS.key" 2>/dev/null)" != "$key" ] || [ ! -s "$INITRAMFS" ]; then
        build_initramfs || die "cannot build $INITRAMFS"
        echo "# built $INITRAMFS (kernel $K, ${#modules[@]} modules)"
fi

# --- boot ---------------------------------------------------------------------

# Per first script, so that the lane's boots keep their own logs.
RUN_DIR=$VM_DIR/$(basename "${scripts[0]}" .sh)
RESULTS=$RUN_DIR/results
CONSOLE=$RUN_DIR/console.log
rm -rf "$RESULTS"
mkdir -p "$RESULTS" || die "cannot create $RESULTS"
: >"$CONSOLE"

# qemu's monitor, for the dump of a hung guest: FIFOs MONITOR.in and
# MONITOR.out (qemu's pipe: chardev), written and read with plain redirections.
MONITOR=$RUN_DIR/monitor
rm -f "$MONITOR.in" "$MONITOR.out" "$RUN_DIR/monitor.log"
monitor=()
if [ "$DUMP" -gt 0 ] && mkfifo -m 600 "$MONITOR.in" "$MONITOR.out"; then
        monitor=(-monitor "pipe:$MONITOR")
fi

qemu_pid=
cleanup() {
        if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
                kill -KILL "$qemu_pid" 2>/dev/null
                wait "$qemu_pid" 2>/dev/null
        fi
        rm -f "$MONITOR.in" "$MONITOR.out"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

IFS=, script_list="${scripts[*]}"
unset IFS
append="console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init"
append+=" sysrq_always_enabled sysctl.kernel.hung_task_timeout_secs=20 sysctl.kernel.hung_task_panic=0"
append+=" ${SANDBOXD_VM_APPEND:-}"
append+=" sandboxd.vm.init=$HERE/guest-init.sh sandboxd.vm.cache=${SANDBOXD_VM_9P_CACHE:-loose}"
append+=" sandboxd.vm.deadline=$TIMEOUT"

if [ -n "$SYSTEMD_ROOT" ]; then
        if [ "$SYSTEMD_ROOT" = auto ]; then
                SYSTEMD_ROOT=${TESTHOST_ROOT:-/var/tmp/sandboxd-testhost-root}
                th=$SRC_DIR/tests/testhost/testhost.sh
                if [ -x "$th" ]; then
                        TESTHOST_ROOT=$SYSTEMD_ROOT "$th" prepare >"$VM_DIR/testhost-prepare.log" 2>&1
                        case $? in
                        0) ;;
                        77) skip "no systemd root: $(grep -m1 '^SKIP' "$VM_DIR/testhost-prepare.log" | sed 's/^SKIP: *//')" ;;
                        *) die "tests/testhost/testhost.sh prepare failed: $(tail -5 "$VM_DIR/testhost-prepare.log")" ;;
                        esac
                fi
        fi
        [ -x "$SYSTEMD_ROOT/lib/systemd/systemd" ] ||
                skip "no systemd root at $SYSTEMD_ROOT (tests/testhost/testhost.sh prepare makes one)"
        case $SYSTEMD_ROOT in *[[:space:],]*) die "paths with spaces or commas are not supported: $SYSTEMD_ROOT" ;; esac
        append+=" sandboxd.vm.systemd=$SYSTEMD_ROOT"
fi
append+=" sandboxd.vm.scripts=$script_list sandboxd.vm.src=$SRC_DIR"
[ -n "$BUILD_DIR" ] && append+=" sandboxd.vm.build=$BUILD_DIR"
if [ -n "${SANDBOXD_VM_ARGS:-}" ]; then
        case $SANDBOXD_VM_ARGS in *,*) die "SANDBOXD_VM_ARGS: words without commas, please" ;; esac
        # shellcheck disable=SC2086
        set -f; set -- $SANDBOXD_VM_ARGS; set +f
        IFS=, guest_args="$*"
        unset IFS
        append+=" sandboxd.vm.args=$guest_args"
fi

# The busybox image, made here: tools/mkimage-busybox.sh forks once per
# applet link, a second on the host but minutes under TCG. The guest sees
# it read-only and copies it (VM_IMAGE) where a test needs one.
if [ -x "$SRC_DIR/tools/mkimage-busybox.sh" ]; then
        probe=()
        [ -n "$BUILD_DIR" ] && [ -x "$BUILD_DIR/tests/integration/sandbox-probe" ] &&
                probe=(--probe "$BUILD_DIR/tests/integration/sandbox-probe")
        "$SRC_DIR/tools/mkimage-busybox.sh" "${probe[@]}" "$VM_DIR/image" >"$VM_DIR/mkimage.log" 2>&1 ||
                die "tools/mkimage-busybox.sh $VM_DIR/image failed: $(cat "$VM_DIR/mkimage.log")"
        # As one file on the results share: unpacking it is one process, and
        # VM_DIR may be where the guest has a tmpfs (/tmp, /var/tmp).
        tar -C "$VM_DIR/image" -cf "$RESULTS/image.tar" . || die "cannot pack $VM_DIR/image"
fi

# The build, installed (-I), as tests/testhost/testhost.sh installs it in the
# testhost: a staging dir here, one tarball on the share, unpacked in the guest.
if [ $INSTALL = 1 ]; then
        command -v meson >/dev/null || skip "-I: meson not installed"
        prefix=$(meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null |
                python3 -c 'import json, sys; print({o["name"]: o["value"] for o in json.load(sys.stdin)}["prefix"])')
        [ "$prefix" = /usr ] || die "-I: $BUILD_DIR has prefix '$prefix'; the guest needs a --prefix=/usr build (the default)"
        staging=$VM_DIR/install
        rm -rf "$staging" && mkdir -p "$staging" || die "cannot create $staging"
        # --no-rebuild: meson test built what the tests depend on; a rebuild
        # here would race with whoever edits the tree.
        meson install -C "$BUILD_DIR" --no-rebuild --quiet --destdir "$staging" >"$VM_DIR/install.log" 2>&1 ||
                die "meson install -C $BUILD_DIR --destdir $staging failed: $(tail -5 "$VM_DIR/install.log")"
        # The staging dir's own mode would land on the guest's /.
        chmod 755 "$staging"
        tar -C "$staging" -cf "$RESULTS/install.tar" . || die "cannot pack $staging"
        echo "# installed $BUILD_DIR into the guest's root: $(tar -tf "$RESULTS/install.tar" | grep -cv '/$') files"
        rm -rf "$staging"
fi

# The guest's tasks, dumped by its kernel onto the console while qemu still
# runs (see the header). Sets dump_line (console lines before the dump) and
# guest_answered (1 once the kernel printed the t dump's header).
dump_line=
guest_answered=0
dump_guest() {
        local mon k size last=-1 quiet=0 ticks=0 headers

        [ ${#monitor[@]} -gt 0 ] || return 0
        # Read-write: opening a FIFO for writing alone blocks until a reader.
        exec {mon}<>"$MONITOR.in" || return 0
        dump_line=$(wc -l <"$CONSOLE")
        # w first: if the rest is cut short, the blocked tasks are there.
        for k in 9 w l t; do
                echo "sendkey alt-sysrq-$k" >&"$mon"
        done
        # Until the console has been still for 2 s after t began, within DUMP s.
        while [ $ticks -lt $((DUMP * 2)) ] && kill -0 "$qemu_pid" 2>/dev/null; do
                sleep 0.5
                ticks=$((ticks + 1))
                size=$(stat -c %s "$CONSOLE")
                if [ "$size" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0; fi
                last=$size
                headers=$(tail -n +"$((dump_line + 1))" "$CONSOLE" | grep -c 'sysrq: ')
                if tail -n +"$((dump_line + 1))" "$CONSOLE" | grep -q 'sysrq: Show State'; then
                        guest_answered=1
                        [ $quiet -ge 4 ] && break
                elif [ "$headers" = 0 ] && [ $ticks -ge 6 ]; then
                        # Not even a header in 3 s: the kernel takes no
                        # interrupts. Where its vCPUs are, from qemu's side.
                        echo "info registers -a" >&"$mon"
                        sleep 1
                        break
                fi
        done
        exec {mon}>&-
        # Whatever the monitor said; a FIFO never ends while qemu holds it.
        timeout 1 cat "$MONITOR.out" >"$RUN_DIR/monitor.log" 2>/dev/null
        return 0
}

# A hung guest's console, bounded for CI logs: the whole of it, dump
# included, stays in $CONSOLE.
report_hang() {
        local n lines

        lines=$(wc -l <"$CONSOLE")
        n=${dump_line:-$lines}
        if [ "$n" -le 200 ]; then
                echo "# --- guest console until the deadline ($CONSOLE)"
                head -n "$n" "$CONSOLE" | sed 's/\r$//; s/^/#   /'
        else
                if head -n "$n" "$CONSOLE" | grep -q 'blocked for more than'; then
                        echo "# --- the guest's first hung-task report ($CONSOLE)"
                        head -n "$n" "$CONSOLE" | sed 's/\r$//' |
                                awk '/INFO: task .* blocked for more than/ { on = 1 } on { print "#   " $0; if (++k >= 80 || /<\/TASK>/) exit }'
                fi
                echo "# --- guest console until the deadline, last 150 of $n lines ($CONSOLE)"
                head -n "$n" "$CONSOLE" | tail -n 150 | sed 's/\r$//; s/^/#   /'
        fi
        [ -n "$dump_line" ] || return 0
        if [ $guest_answered = 0 ]; then
                echo "# --- the guest's kernel did not answer SysRq (not a line in 3 s); qemu's vCPUs, HLT=1 idle, HLT=0 busy ($RUN_DIR/monitor.log):"
                grep -E '^(CPU#|RIP=)' "$RUN_DIR/monitor.log" 2>/dev/null | sed 's/\r$//; s/^/#   /'
                return 0
        fi
        echo "# --- guest tasks in D state at the deadline (SysRq w, first 200 lines; SysRq w, l and t in full: $CONSOLE from line $((n + 1)))"
        tail -n +"$((n + 1))" "$CONSOLE" | sed 's/\r$//' |
                awk '/sysrq: Show Blocked State/ { on = 1; next } on && /sysrq: / { exit } on { print "#   " $0; n++ }
                     END { if (!n) print "#   (none)" }' | head -n 200
        echo "# --- guest user tasks at the deadline (SysRq t): state pid ppid name, first frame outside the scheduler"
        tail -n +"$((n + 1))" "$CONSOLE" | sed 's/\r$//' | awk '
                /sysrq: Show State/ { on = 1; next }
                !on { next }
                on && /sysrq: / { exit }
                / task:/ {
                        if (name != "" && user) print line where
                        sub(/.* task:/, "task:"); name = ""; where = ""; user = 0
                        if (match($0, /^task:[^ ]+/)) name = substr($0, 6, RLENGTH - 5)
                        st = $0; sub(/.* state:/, "", st); st = substr(st, 1, 1)
                        pid = $0; sub(/.* pid:/, "", pid); sub(/ .*/, "", pid)
                        ppid = $0; sub(/.* ppid:/, "", ppid); sub(/ .*/, "", ppid)
                        user = (pid != 2 && ppid != 2)
                        line = sprintf("#   %s %6s %6s %-16s", st, pid, ppid, name)
                        next
                }
                name != "" && where == "" && /^\[[ 0-9.]*\]  [a-z_][a-zA-Z0-9_.]*\+0x/ {
                        f = $0; sub(/^\[[ 0-9.]*\]  /, "", f); sub(/ .*/, "", f)
                        if (f !~ /^(__schedule|schedule|schedule_[a-z_]*|io_schedule[a-z_]*|__switch_to[a-z_]*|preempt_schedule[a-z_]*)\+/)
                                where = f
                }
                END { if (name != "" && user) print line where }' | head -n 100
}

# qemu dies with this script even when it is SIGKILLed (no trap runs then).
deathsig=()
setpriv --help 2>/dev/null | grep -q -- --pdeathsig && deathsig=(setpriv --pdeathsig KILL --)

start=$(date +%s.%N)
"${deathsig[@]}" "$QEMU" -accel "$ACCEL" -cpu max -m "$MEMORY" -smp 2 -nographic -no-reboot -nic none \
        -kernel "/boot/vmlinuz-$K" -initrd "$INITRAMFS" -append "$append" \
        -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap" \
        -virtfs "local,path=$RESULTS,mount_tag=results,security_model=passthrough,multidevs=remap" \
        "${monitor[@]}" </dev/null >"$CONSOLE" 2>&1 &
qemu_pid=$!

timed_out=0
deadline=$(( $(date +%s) + TIMEOUT ))
while kill -0 "$qemu_pid" 2>/dev/null; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
                timed_out=1
                dump_guest
                kill -KILL "$qemu_pid" 2>/dev/null
                break
        fi
        sleep 0.2
done
wait "$qemu_pid" 2>/dev/null
qemu_rc=$?
qemu_pid=
end=$(date +%s.%N)
rm -f "$RESULTS/image.tar" "$RESULTS/install.tar"

# --- results ------------------------------------------------------------------

# Each guest script's output (NAME.sh.log), then any other log they left.
for log in "$RESULTS"/*.sh.log "$RESULTS"/*.log; do
        [ -s "$log" ] || continue
        case " ${printed:-} " in *" $log "*) continue ;; esac
        printed="${printed:-} $log"
        echo "# --- $(basename "$log") (guest)"
        sed 's/^/#   /' "$log"
done
[ -f "$RESULTS/results" ] && cat "$RESULTS/results"

boot=$(cat "$RESULTS/boot-seconds" 2>/dev/null || echo "?")
printf '# kernel %s, boot to guest-init %s s, wall time %.1f s\n' "$K" "$boot" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"

rc=$(cat "$RESULTS/exit" 2>/dev/null)
why=
if [ $timed_out = 1 ]; then
        why="the guest did not power off within ${TIMEOUT} s (qemu killed)"
elif [ -z "$rc" ]; then
        why="the guest wrote no exit status (qemu exited with $qemu_rc)"
elif grep -q '^not ok' "$RESULTS/results" 2>/dev/null && [ "$rc" != 1 ]; then
        rc=1
fi

if [ $timed_out = 1 ]; then
        report_hang
elif [ -n "$why" ] || [ "$rc" = 1 ]; then
        echo "# --- guest console ($CONSOLE)"
        sed 's/^/#   /' "$CONSOLE"
fi
if [ -n "$why" ]; then
        echo "FAIL: $why"
        exit 1
fi
case $rc in
0) exit 0 ;;
77) echo "SKIP: every guest test skipped (reasons above)"; exit 77 ;;
*) exit 1 ;;
esac
