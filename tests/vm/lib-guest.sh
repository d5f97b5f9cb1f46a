# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# Sourced by the vm lane's guest scripts (they run under guest-init.sh).
# Result lines go to $VM_RESULTS (stdout when run by hand):
#   ok N name / not ok N name / SKIP name: reason / KNOWN-GAP name: what
# vm_finish exits 1 if anything failed, 77 if everything skipped, else 0.

VM_RESULTS=${VM_RESULTS:-/dev/stdout}
_vm_pass=0 _vm_fail=0 _vm_skip=0

# These scripts change the machine's cgroups and run fork bombs: only in
# the vm lane's guest (guest-init.sh booted by run-vm.sh), never on a host.
vm_require_guest() {
        if ! grep -q 'sandboxd\.vm\.init=' /proc/cmdline; then
                echo "SKIP: $(basename "$0") runs only inside the vm lane's guest (tests/vm/run-vm.sh)"
                exit 77
        fi
}

_vm_t() { cut -d' ' -f1 /proc/uptime; }

_vm_next() {
        local n
        n=$(grep -cE '^(not )?ok ' "$VM_RESULTS" 2>/dev/null)
        echo $(( ${n:-0} + 1 ))
}

vm_ok() {  # name
        echo "ok $(_vm_next) $1" >>"$VM_RESULTS"
        echo "[$(_vm_t)] ok: $1"
        _vm_pass=$((_vm_pass + 1))
}

vm_fail() {  # name, why...
        local name=$1; shift
        echo "not ok $(_vm_next) $name" >>"$VM_RESULTS"
        echo "[$(_vm_t)] FAIL: $name: $*"
        _vm_fail=$((_vm_fail + 1))
}

vm_skip() {  # name, reason
        echo "SKIP $1: $2" >>"$VM_RESULTS"
        echo "SKIP: $1: $2"
        _vm_skip=$((_vm_skip + 1))
}

# vm_known_gap NAME WHAT: a check that the product does not pass yet, for a
# reason recorded in the script, reported as such instead of failing the lane
# or passing silently. Neither a pass nor a failure.
vm_known_gap() {  # name, what
        echo "KNOWN-GAP $1: $2" >>"$VM_RESULTS"
        echo "[$(_vm_t)] KNOWN-GAP: $1: $2"
}

# vm_check NAME CMD...: ok if CMD succeeds; its output goes to the log.
vm_check() {
        local name=$1; shift
        if "$@"; then
                vm_ok "$name"
        else
                vm_fail "$name" "$* failed"
        fi
}

# vm_expect_file NAME FILE WANT: ok if FILE's content is WANT.
vm_expect_file() {
        local got
        got=$(cat "$2" 2>&1)
        if [ "$got" = "$3" ]; then
                vm_ok "$1"
        else
                vm_fail "$1" "$2 is '$got', expected '$3'"
        fi
}

# Seconds left before run-vm.sh kills the guest, less a margin to report
# and power off.
vm_time_left() {
        awk -v d="${VM_DEADLINE:-240}" '{ printf "%d", d - $1 - 15 }' /proc/uptime
}

vm_finish() {
        echo "# $(basename "$0"): $_vm_pass passed, $_vm_fail failed, $_vm_skip skipped"
        if [ $_vm_fail -gt 0 ]; then
                exit 1
        elif [ $_vm_pass -gt 0 ]; then
                exit 0
        fi
        exit 77
}

# The value of KEY in a flat-keyed cgroup file (cpu.stat, memory.events ...).
cg_key() {  # file key
        awk -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null
}

# Every directory under /sys/fs/cgroup, to compare before and after a run.
cg_dirs() {
        find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort
}
