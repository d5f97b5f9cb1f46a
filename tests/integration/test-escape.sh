#!/bin/bash
# The escape suite: a sandboxed service tries every known way out
# (sandbox-probe escape) and each attempt must be blocked. One named check
# per attempt, with the CVE or incident it stands for, so a failure says
# exactly which promise broke.
#
# Runs the probe as root (the worst case: no user namespace, uid 0 inside)
# under the shipped default policy, as root under the web policy (which
# grants CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_CHOWN), as nobody
# under the default policy, and under the strict policy (kill-process).
# The host side offers things to escape to: a TCP listener on 127.0.0.1, an
# abstract and a path unix socket, a D-Bus system bus socket (when the host
# has none, a stand-in), a marker file, a recognisable process, a leaked fd
# and a terminal.
#
# Then the filter's exact answers: socket(2) and socketpair(2) per address
# family under the shipped policies and a unit's RestrictAddressFamilies=,
# and syscall numbers above libseccomp's table (ENOSYS).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

# name|what it stands for
ATTEMPTS='
mount-tmpfs|mount(2) of a tmpfs
umount|umount(2) (CAP_SYS_ADMIN check)
pivot_root|pivot_root(2)
fsopen|new mount API fsopen(2)
unshare-user|unshare(CLONE_NEWUSER): user namespaces, the door to most kernel LPEs
unshare-mnt|unshare(CLONE_NEWNS)
unshare-net|unshare(CLONE_NEWNET)
unshare-pid|unshare(CLONE_NEWPID)
unshare-uts|unshare(CLONE_NEWUTS)
unshare-ipc|unshare(CLONE_NEWIPC)
unshare-cgroup|unshare(CLONE_NEWCGROUP)
unshare-time|unshare(CLONE_NEWTIME)
clone-newuser|clone(CLONE_NEWUSER) past an unshare-only filter
clone-newnet|clone(CLONE_NEWNET)
clone3-newuser|clone3(CLONE_NEWUSER): flags in memory, invisible to seccomp
setns-mnt|setns(2) into a mount namespace
setns-net|setns(2) into a network namespace
setns-pid|setns(2) into a pid namespace
setns-uts|setns(2) into a uts namespace
setns-ipc|setns(2) into an ipc namespace
setns-cgroup|setns(2) into a cgroup namespace
chroot|chroot(2) (CAP_SYS_CHROOT)
chroot-escape|chroot escape: chroot(x) + chdir(../..) reaching the host root
proc-sys-hostname|write to /proc/sys (kernel/hostname)
sysrq-trigger|/proc/sysrq-trigger writable
core-pattern|/proc/sys/kernel/core_pattern writable: host code execution as root
proc-sys-modprobe|/proc/sys/kernel/modprobe writable
sys-write|/sys writable
proc-kcore|/proc/kcore readable: kernel memory
self-exe-write|/proc/self/exe writable (CVE-2019-5736)
proc1-exe-write|/proc/1/exe writable: overwrite the runtime binary (CVE-2019-5736)
mknod-block|mknod of a block device (raw disk access)
mknod-char|mknod of a char device (/dev/mem)
dev-block-nodes|block devices visible in /dev
dev-mem|/dev/mem reachable
open_by_handle_at|open_by_handle_at: the "shocker" escape (Docker 2014)
tiocsti|TIOCSTI typing into a terminal (CVE-2017-5226)
tiocsti-highbits|TIOCSTI with high bits set in the request (CVE-2019-10063)
x32-getpid|x32 ABI syscall (nr | 0x40000000)
x32-unshare|x32 ABI unshare(CLONE_NEWUSER) past a native-only filter
i386-getpid|i386 ABI syscall (int $0x80)
i386-unshare|i386 ABI unshare(CLONE_NEWUSER) past a native-only filter
io_uring_setup|io_uring (bypasses seccomp for the I/O it submits)
userfaultfd|userfaultfd (kernel race exploitation aid)
userfaultfd-usermode|userfaultfd(UFFD_USER_MODE_ONLY)
perf_event_open|perf_event_open
bpf|bpf(2)
init_module|init_module: load kernel code
finit_module|finit_module: load kernel code
delete_module|delete_module
kexec_load|kexec_load: replace the kernel
clock_settime|clock_settime: set the host clock
settimeofday|settimeofday (CAP_SYS_TIME)
clock_adjtime|clock_adjtime/adjtimex
reboot|reboot(2)
swapon|swapon(2)
swapoff|swapoff(2)
acct|acct(2)
syslog|syslog(2): read the kernel log
ioperm|ioperm: raw I/O ports
iopl|iopl: raw I/O ports
sethostname|sethostname(2)
add_key|add_key: keyrings are not namespaced
keyctl|keyctl: the host root user keyring
request_key|request_key
ptrace-child|ptrace(PTRACE_ATTACH) of its own child
ptrace-parent|ptrace of its parent
ptrace-init|ptrace of the sandbox init
process_vm_readv|process_vm_readv of another process
pidfd_getfd|pidfd_getfd: steal another process fd
raw-socket|raw socket (CAP_NET_RAW)
packet-socket|packet socket (CAP_NET_RAW)
net-admin|network configuration (CAP_NET_ADMIN)
tcp-localhost|connect to a host TCP port on 127.0.0.1
abstract-unix|connect to a host abstract unix socket
unix-socket|connect to a host unix socket by path
dbus-system|connect to the host D-Bus system bus
host-procs|see host processes in /proc
host-marker|read a host file by absolute path
leaked-fds|inherit an fd leaked by the caller
cwd-outside-root|working directory outside the root
cgroup1-mount|mount a cgroup v1 hierarchy
release-agent|cgroup v1 release_agent write (CVE-2022-0492)
cgroup1-mount-userns|mount cgroup v1 in a new user namespace (CVE-2022-0492)
release-agent-userns|release_agent through a user namespace (CVE-2022-0492)
release-agent-host|a host cgroup v1 release_agent writable
setuid-root|setuid(0) from a non-root user
setgroups-root|setgroups([0]) from a non-root user
'

# ---- the host side ----

MARKER=$TESTDIR/host-marker
echo "host secret $ID" >"$MARKER"
HOST_PROC=sbx-host-proc-$ID
(exec -a "$HOST_PROC" sleep 600) &
bg_track $!
PORT=$((20000 + $$ % 20000))
ABSTRACT=sbxtest-$ID
UNIX_SOCK=$TESTDIR/host.sock
LISTEN_LOG=$TESTDIR/listen.log
"$SANDBOX_PROBE" listen --tcp "$PORT" --abstract "$ABSTRACT" --unix "$UNIX_SOCK" >"$LISTEN_LOG" 2>&1 &
bg_track $!
DBUS=/run/dbus/system_bus_socket
DBUS_LOG=$TESTDIR/dbus.log
MADE_DBUS=
if [ ! -S "$DBUS" ]; then
        # No system bus here: offer a stand-in, so that reaching it means something.
        mkdir -p /run/dbus
        at_exit 'rm -f /run/dbus/system_bus_socket'
        "$SANDBOX_PROBE" listen --unix "$DBUS" >"$DBUS_LOG" 2>&1 &
        bg_track $!
        MADE_DBUS=1
fi
wait_for 5 grep -q listening "$LISTEN_LOG" || die "host listener did not start: $(cat "$LISTEN_LOG")"
[ -z "$MADE_DBUS" ] || wait_for 5 grep -q listening "$DBUS_LOG" || die "dbus stand-in did not start"

PROBE_ARGS="--marker $MARKER --tcp $PORT --abstract $ABSTRACT --unix $UNIX_SOCK --host-proc $HOST_PROC"

# judge OUT LABEL [ALLOWED_SKIP...]: every attempt has a line and is blocked.
judge() {
        local out=$1 label=$2 name what line verdict
        shift 2
        local skips=" $* "
        while IFS='|' read -r name what; do
                [ -n "$name" ] || continue
                line=$(grep -m1 "^test $name: " "$out" || true)
                verdict=${line#test "$name": }
                case $verdict in
                blocked*)
                        ok "$label: $name - $what: $verdict" ;;
                skip*)
                        if [[ $skips == *" $name "* ]]; then
                                ok "$label: $name - $what: $verdict"
                        else
                                fail "$label: $name - $what: could not be tried: $verdict"
                        fi ;;
                "")
                        fail "$label: $name - $what: no result (the probe did not get that far)" ;;
                *)
                        fail "$label: $name - $what: $verdict" ;;
                esac
        done <<<"$ATTEMPTS"
        expect_match "$out" '^escape_summary=.* errors 0$' "$label: the probe finished without errors"
}

escape_unit() {  # name policy user [extra [Sandbox] lines]
        local name=$1 policy=$2 user=$3 extra=${4:-}
        write_unit "$name" <<EOF
[Unit]
Description=escape attempts ($policy policy, user $user)

[Sandbox]
Image=@IMAGE@
Hostname=$name
TemporaryFileSystem=/tmp
Environment=SBXTEST_ID=@ID@
$extra

[Security]
Policy=$policy
$( [ "$policy" = web ] && echo "Capabilities=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_CHOWN" )

[Service]
User=$user
ExecStart=/usr/bin/sandbox-probe escape $PROBE_ARGS
EOF
}

run_escape() {  # unit label allowed-skips...
        local unit=$1 label=$2
        shift 2
        leftovers_snapshot "$TESTDIR/before"
        exec 7<"$MARKER"        # an fd to a host file, leaked into sandboxctl on purpose
        sbx_run "$unit"
        exec 7<&-
        expect_rc 0 "$label: the probe ran to the end"
        [ "$RC" = 0 ] || show_run
        judge "$OUT" "$label" "$@"
        leftovers_check "$TESTDIR/before" "$label"
}

# Skips that are fine: the set*-root attempts only mean something for a
# non-root user, and ptrace-parent when the parent is PID 1 (ptrace-init).
escape_unit escroot default root
run_escape escroot "root/default" setuid-root setgroups-root ptrace-parent

escape_unit escweb web root
run_escape escweb "root/web" setuid-root setgroups-root ptrace-parent

escape_unit escnobody default nobody
run_escape escnobody "nobody/default" ptrace-parent

escape_unit escstrict strict root
run_escape escstrict "root/strict" setuid-root setgroups-root ptrace-parent

# ---- TIOCSTI into the caller's terminal: sandboxctl under a pty ----

write_unit esctty <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/usr/bin/sandbox-probe escape --tty-stdin --only tiocsti-stdin
EOF
TTY_OUT=$TESTDIR/tty.out
script -qec "env SBX_CALLER_CANARY=caller-$ID $SANDBOXCTL run $UNITDIR/esctty.unit" /dev/null \
        </dev/null >"$TTY_OUT" 2>&1 || true
# An injected character is echoed by the terminal: it shows up as a blank
# before the probe's line. So does the end of sandboxctl's stdin (script's
# /dev/null), passed on as the pty's end-of-file character, which is NUL
# when the service's terminal is in raw mode: as the byte, or, when it
# arrives while the terminal still echoes with ECHOCTL (a slow start, as
# under ASan), as the two characters "^@".
tr -d '\r\000' <"$TTY_OUT" | sed 's/\^@//g; s/^ *//' >"$TTY_OUT.clean"
line=$(grep -m1 '^test tiocsti-stdin: ' "$TTY_OUT.clean" || true)
case ${line#test tiocsti-stdin: } in
blocked*) ok "tty: tiocsti-stdin - TIOCSTI into the caller's terminal (CVE-2017-5226): ${line#*: }" ;;
skip*) ok "tty: tiocsti-stdin - the caller's terminal is not the service's stdin: ${line#*: }" ;;
"") fail "tty: tiocsti-stdin: no result; output: $(head -c 400 "$TTY_OUT.clean" | tr '\n' ' ')" ;;
*) fail "tty: tiocsti-stdin - TIOCSTI into the caller's terminal (CVE-2017-5226): ${line#*: }" ;;
esac

# ---- CVE-2019-5736: the host's runtime binary executed inside ----
# A "#!/proc/self/exe" script, or ExecStart=/proc/self/exe, makes the
# kernel run whatever binary the launching process is: with runc that was
# runc itself, which the container then rewrote through /proc/self/exe.
# The host's sandboxctl must never run inside, and must be unchanged.

CTL_SUM=$(sha256sum "$SANDBOXCTL" | cut -d' ' -f1)
printf '#!/proc/self/exe\n' >"$IMAGE/usr/bin/selfexe"
chmod 0755 "$IMAGE/usr/bin/selfexe"
for exe in /usr/bin/selfexe /proc/self/exe; do
        write_unit cve5736 <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=$exe
EOF
        leftovers_snapshot "$TESTDIR/before"
        sbx_run cve5736
        if grep -qiE 'Compile and run sandboxed|usage|sandboxctl \[OPTIONS\]|Unknown command' "$OUT" "$ERR"; then
                fail "CVE-2019-5736: ExecStart=$exe ran the host's sandboxctl inside the sandbox (exit $RC): $(head -c 300 "$OUT" "$ERR" | tr '\n' ' ')"
        else
                ok "CVE-2019-5736: ExecStart=$exe does not run the host's binary (exit $RC: $(head -n1 "$ERR"))"
        fi
        leftovers_check "$TESTDIR/before" "ExecStart=$exe"
done
check "CVE-2019-5736: the host's sandboxctl binary is unchanged" \
        test "$(sha256sum "$SANDBOXCTL" | cut -d' ' -f1)" = "$CTL_SUM"

# ---- CVE-2024-21626: a working directory through a leaked fd ----
# runc leaked an fd of the host's /sys/fs/cgroup into its init; with
# WorkingDirectory=/proc/self/fd/N the container started with its cwd
# outside its root. Either the run is refused or the cwd is inside.

for n in 3 4 5 6 7 8 9; do
        write_unit cve21626 <<EOF
[Sandbox]
Image=@IMAGE@
WorkingDirectory=/proc/self/fd/$n
Environment=SBXTEST_ID=@ID@

[Service]
ExecStart=/usr/bin/sandbox-probe escape --only cwd-outside-root
EOF
        exec 7<"$MARKER"
        sbx_run cve21626
        exec 7<&-
        line=$(grep -m1 '^test cwd-outside-root: ' "$OUT" || true)
        case $line in
        "") if [ "$RC" != 0 ]; then
                    ok "CVE-2024-21626: WorkingDirectory=/proc/self/fd/$n refused (exit $RC: $(head -n1 "$ERR"))"
            else
                    fail "CVE-2024-21626: WorkingDirectory=/proc/self/fd/$n: exit 0 but no probe result"
            fi ;;
        *": blocked"*) ok "CVE-2024-21626: WorkingDirectory=/proc/self/fd/$n: ${line#test }" ;;
        *) fail "CVE-2024-21626: WorkingDirectory=/proc/self/fd/$n: ${line#test }" ;;
        esac
done

# ---- socket address families ----
# The shipped policies allow AF_UNIX AF_INET AF_INET6 AF_NETLINK. Any other
# family must fail with EAFNOSUPPORT from socket(2) and socketpair(2),
# whatever the service's capabilities (AF_PACKET with CAP_NET_RAW) and
# whatever the high 32 bits of the argument say; an allowed family must
# reach the kernel and get the answer the host gets.

HOST_FAMILIES=$TESTDIR/host-families.out
"$SANDBOX_PROBE" families >"$HOST_FAMILIES"
ALL_FAMILIES="AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_UNIX-highbits AF_PACKET AF_PACKET-dgram AF_VSOCK
              AF_BLUETOOTH AF_ALG AF_XDP AF_PACKET-highbits AF_VSOCK-highbits family-63"

# judge_families LABEL ALLOWED...: the families in ALLOWED get the host's
# answer, every other one EAFNOSUPPORT, from socket and socketpair alike.
judge_families() {
        local label=$1 f call want got
        shift
        local allowed=" $* "
        for f in $ALL_FAMILIES; do
                for call in socket socketpair; do
                        got=$(value "$OUT" "$call.$f")
                        if [[ $allowed == *" $f "* ]]; then
                                want=$(value "$HOST_FAMILIES" "$call.$f")
                                if [ -n "$got" ] && [ "$got" = "$want" ]; then
                                        ok "$label: $call($f) reaches the kernel: $got"
                                else
                                        fail "$label: $call($f): ${got:-no result}, the host gets $want"
                                fi
                        elif [ "$got" = EAFNOSUPPORT ]; then
                                ok "$label: $call($f) refused: EAFNOSUPPORT"
                        else
                                fail "$label: $call($f): ${got:-no result}, expected EAFNOSUPPORT"
                        fi
                done
        done
}

families_unit() {  # name policy user capabilities [RestrictAddressFamilies= lines]
        local name=$1 policy=$2 user=$3 caps=$4 restrict=${5:-}
        write_unit "$name" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Security]
Policy=$policy
Capabilities=$caps
$restrict

[Service]
User=$user
ExecStart=/usr/bin/sandbox-probe families
EOF
}

run_families() {  # unit label allowed...
        local unit=$1 label=$2
        shift 2
        leftovers_snapshot "$TESTDIR/before"
        sbx_run "$unit"
        expect_rc 0 "$label: the probe ran"
        [ "$RC" = 0 ] || show_run
        judge_families "$label" "$@"
        leftovers_check "$TESTDIR/before" "$label"
}

SHIPPED_FAMILIES="AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_UNIX-highbits"

families_unit afroot default root ""
run_families afroot "families root/default" $SHIPPED_FAMILIES
expect_line "$OUT" "socket.AF_INET-raw=EPERM" "families root/default: no CAP_NET_RAW (the kernel refuses a raw IPv4 socket)"

families_unit afnobody default nobody ""
run_families afnobody "families nobody/default" $SHIPPED_FAMILIES

# With CAP_NET_RAW, AF_PACKET works unless the filter refuses it: a copy of
# the default policy that grants the capability.
mkdir -p "$TESTDIR/policies"
sed "s/^Allow=$/Allow=CAP_NET_RAW/" "$SRC_DIR/policies/default.policy" >"$TESTDIR/policies/rawnet.policy"
families_unit afraw "$TESTDIR/policies/rawnet.policy" root CAP_NET_RAW
run_families afraw "families root+CAP_NET_RAW" $SHIPPED_FAMILIES
expect_line "$OUT" "socket.AF_INET-raw=ok" "families root+CAP_NET_RAW: the service holds CAP_NET_RAW (raw IPv4 socket created)"

families_unit afweb web root CAP_NET_BIND_SERVICE
run_families afweb "families root/web" $SHIPPED_FAMILIES

# A unit narrows the policy's set with systemd's syntax: lines add up, "~"
# takes away, "none" leaves nothing.
families_unit afallow default root "" "RestrictAddressFamilies=AF_UNIX
RestrictAddressFamilies=AF_INET6"
run_families afallow "families RestrictAddressFamilies=AF_UNIX, AF_INET6" AF_UNIX AF_INET6 AF_UNIX-highbits

families_unit afdeny default root "" "RestrictAddressFamilies=~AF_INET6 AF_NETLINK"
run_families afdeny "families RestrictAddressFamilies=~AF_INET6 AF_NETLINK" AF_UNIX AF_INET AF_UNIX-highbits

families_unit afnone default root "" "RestrictAddressFamilies=none"
run_families afnone "families RestrictAddressFamilies=none"

# ---- syscalls newer than the filter ----
# A number above the highest one libseccomp knows fails with ENOSYS (a libc
# then falls back to an older syscall); a known syscall the policy does not
# allow keeps the policy's default action, under a kill-process policy too.

syscall_unit() {  # name policy numbers
        write_unit "$1" <<EOF
[Sandbox]
Image=@IMAGE@
Environment=SBXTEST_ID=@ID@

[Security]
Policy=$2

[Service]
ExecStart=/usr/bin/sandbox-probe syscall $3
EOF
}

if [ "$(uname -m)" = x86_64 ]; then
        for policy in default strict web; do
                syscall_unit "nosys$policy" "$policy" 0
                max=$("$SANDBOXCTL" plan "$UNITDIR/nosys$policy.unit" |
                      sed -n 's/^ *Unknown syscalls: above \([0-9]*\) on x86_64 .*/\1/p')
                if [ -z "$max" ]; then
                        fail "$policy: sandboxctl plan shows no ENOSYS ceiling for x86_64"
                        continue
                fi
                ok "$policy: sandboxctl plan: syscalls above $max on x86_64 fail with ENOSYS"
                # 236 is vserver: in libseccomp's table, never implemented by
                # Linux (ENOSYS without a filter), allowed by no policy. 400 lies
                # in x86-64's unused range below the ceiling.
                syscall_unit "nosys$policy" "$policy" "1000 $((max + 1)) 236 400"
                leftovers_snapshot "$TESTDIR/before"
                sbx_run "nosys$policy"
                expect_rc 0 "$policy: the syscall probe ran"
                expect_line "$OUT" "syscall.1000=ENOSYS" "$policy: syscall(1000) fails with ENOSYS"
                expect_line "$OUT" "syscall.$((max + 1))=ENOSYS" "$policy: syscall($((max + 1))), just above the table, fails with ENOSYS"
                if [ "$policy" = strict ]; then
                        # The supervisor kills for the policy (SIGKILL, which
                        # cannot be caught), and reports it: test-denials.sh.
                        expect_line "$OUT" "syscall.236=killed:SIGKILL" "$policy: vserver (known, not allowed) gets the default action: killed"
                        expect_line "$OUT" "syscall.400=killed:SIGKILL" "$policy: syscall(400), below the ceiling, gets the default action: killed"
                else
                        expect_line "$OUT" "syscall.236=EPERM" "$policy: vserver (known, not allowed) gets the default action: EPERM"
                        expect_line "$OUT" "syscall.400=EPERM" "$policy: syscall(400), below the ceiling, gets the default action: EPERM"
                fi
                leftovers_check "$TESTDIR/before" "$policy syscall probe"
        done
else
        ok "syscall numbers: the ENOSYS checks use x86-64 numbers; not run on $(uname -m)"
fi
if "$SANDBOXCTL" policy show default | grep -qE '^# syscall numbers above [0-9]+ on .*errno:ENOSYS'; then
        ok "sandboxctl policy show default names the ENOSYS rule"
else
        fail "sandboxctl policy show default does not name the ENOSYS rule"
fi

# ---- nothing reached the host ----

if grep -q accepted "$LISTEN_LOG"; then
        fail "host listeners: a sandbox connected: $(grep accepted "$LISTEN_LOG" | sort | uniq -c | tr '\n' ' ')"
else
        ok "host listeners (tcp, abstract, unix): no connection from any sandbox"
fi
if [ -n "$MADE_DBUS" ]; then
        # Host processes may use the bus path too: only a peer in another
        # mount namespace (a sandbox) counts.
        host_mntns=$(readlink /proc/self/ns/mnt)
        if grep accepted "$DBUS_LOG" | grep -vF "mntns=$host_mntns" | grep -q .; then
                fail "dbus stand-in: a sandbox connected: $(grep accepted "$DBUS_LOG" | grep -vF "mntns=$host_mntns" | head -3)"
        else
                ok "dbus stand-in: no connection from any sandbox"
        fi
fi
check "host marker untouched" grep -qxF "host secret $ID" "$MARKER"

itest_finish
