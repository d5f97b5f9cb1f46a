#!/bin/bash
# Run sandboxd's test lanes. With no argument: every lane, as CI does.
#   tools/test.sh [unit|integration|vm|testhost|asan|fuzz]...
# Lanes that need something this machine lacks report SKIP with the reason.
# The last line sums up every lane: "tests: N passed, N failed, N skipped".
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
LANES=("$@")
[ ${#LANES[@]} -eq 0 ] && LANES=(unit integration vm testhost asan fuzz)
FUZZ_SECONDS=${FUZZ_SECONDS:-40}

pass=0 fail=0 skip=0
failed_lanes=()

log() { printf '\n=== %s\n' "$*"; }

# Adds the counts of a meson build dir's last test run.
count_meson() {
        local json=$1/meson-logs/testlog.json
        [ -f "$json" ] || return 0
        read -r p f s < <(python3 - "$json" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
        pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

setup_build() {  # dir, extra meson args...
        local dir=$1; shift
        if [ ! -f "$dir/build.ninja" ]; then
                meson setup "$dir" -Dwerror=true "$@" >/dev/null || return 1
        fi
        ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

run_suite() {  # build dir, suite, extra args...
        local dir=$1 suite=$2; shift 2
        meson test -C "$dir" --suite "$suite" --print-errorlogs --num-processes 2 "$@"
        local rc=$?
        count_meson "$dir"
        return $rc
}

# The vm lane's guests run under TCG on a shared 2-core machine. A test whose
# guest hung (run-vm.sh: "did not power off", qemu killed) is run once more,
# alone, and said so: "RETRIED" with both outcomes in the log. A test that
# fails any other way, or hangs twice, fails the lane.
run_vm_suite() {  # build dir
        local dir=$1 rc hung
        meson test -C "$dir" --suite vm --print-errorlogs --num-processes 2
        rc=$?
        [ $rc = 0 ] && { count_meson "$dir"; return 0; }
        hung=$(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
hung, other = [], 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
        continue
    if "did not power off" in (d.get("stdout") or ""):
        hung.append(d["name"].split(" / ")[-1])
    else:
        other += 1
print(" ".join(hung) if hung and not other else "")
PY
)
        if [ -z "$hung" ]; then
                count_meson "$dir"
                return 1
        fi
        # Count the first run's passes; the hung tests count by their retry.
        read -r p < <(python3 -c 'import json, sys; print(sum(json.loads(l).get("result") in ("OK", "EXPECTEDFAIL") for l in open(sys.argv[1])))' \
                "$dir/meson-logs/testlog.json")
        pass=$((pass + p))
        echo "RETRIED: the guest hung (no power-off before the deadline) in: $hung; running again, alone"
        # shellcheck disable=SC2086
        meson test -C "$dir" --suite vm --print-errorlogs --num-processes 1 $hung
        rc=$?
        count_meson "$dir"
        [ $rc = 0 ] && echo "RETRIED: $hung passed on the second run (the first run's hang is in the log above)"
        return $rc
}

for lane in "${LANES[@]}"; do
        case $lane in
        unit)
                log "unit suite (no root)"
                setup_build build && run_suite build unit || failed_lanes+=(unit)
                ;;
        integration)
                log "integration suite (root, this host)"
                if [ "$(id -u)" != 0 ]; then
                        echo "SKIP: integration needs root"; skip=$((skip + 1))
                        continue
                fi
                setup_build build && run_suite build integration || failed_lanes+=(integration)
                ;;
        vm)
                log "vm suite (cgroup v2 kernel under qemu)"
                # The guest sees the host's / read-only with tmpfs over /tmp,
                # /var/tmp, /run and /var/lib: a checkout there would be hidden,
                # so the lane runs from a copy in /var/cache.
                case $ROOT/ in
                /tmp/*|/var/tmp/*|/run/*|/var/lib/*)
                        copy=/var/cache/sandboxd-vm-checkout
                        echo "checkout is under a path the guest cannot see: running the lane from $copy"
                        rm -rf "$copy" && mkdir -p "$copy" &&
                                git -C "$ROOT" ls-files -z | (cd "$ROOT" && xargs -0 cp --parents -t "$copy") ||
                                { failed_lanes+=(vm-copy); continue; }
                        # Not a subshell: the pass/fail counts must survive.
                        cd "$copy"
                        setup_build build && run_vm_suite build || failed_lanes+=(vm)
                        cd "$ROOT"
                        ;;
                *)
                        setup_build build && run_vm_suite build || failed_lanes+=(vm)
                        ;;
                esac
                ;;
        testhost)
                log "testhost suite (real systemd in namespaces)"
                setup_build build && run_suite build testhost || failed_lanes+=(testhost)
                ;;
        asan)
                log "ASan+UBSan build: unit and integration suites"
                export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
                if setup_build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
                        run_suite build-asan unit || failed_lanes+=(asan-unit)
                        if [ "$(id -u)" = 0 ]; then
                                run_suite build-asan integration || failed_lanes+=(asan-integration)
                        fi
                else
                        failed_lanes+=(asan-build)
                fi
                unset ASAN_OPTIONS UBSAN_OPTIONS
                ;;
        fuzz)
                log "fuzzers (libFuzzer, ${FUZZ_SECONDS}s each)"
                if ! command -v clang >/dev/null; then
                        echo "SKIP: clang not installed"; skip=$((skip + 1))
                        continue
                fi
                if ! CC=clang setup_build build-fuzz -Dfuzzers=enabled -Db_sanitize=address,undefined \
                                -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link; then
                        failed_lanes+=(fuzz-build); fail=$((fail + 1))
                        continue
                fi
                for t in unit-parse:unit policy-parse:policy plan-json:plan state-file:state exit-report:exit proc-files:proc; do
                        name=fuzz-${t%%:*} corpus=tests/fuzz/corpus/${t##*:}
                        work=$(mktemp -d)
                        mkdir -p build-fuzz/crashes
                        if build-fuzz/tests/fuzz/$name -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
                                        -artifact_prefix=build-fuzz/crashes/ "$work" "$corpus" >build-fuzz/$name.log 2>&1; then
                                echo "ok $name ($(grep -c . build-fuzz/$name.log) log lines, $(ls "$work" | wc -l) new inputs)"
                                pass=$((pass + 1))
                        else
                                echo "FAIL $name: see build-fuzz/$name.log and build-fuzz/crashes/"
                                tail -40 build-fuzz/$name.log
                                fail=$((fail + 1)); failed_lanes+=("$name")
                        fi
                        rm -rf "$work"
                done
                ;;
        *)
                echo "unknown lane: $lane" >&2
                exit 2
                ;;
        esac
done

echo
[ ${#failed_lanes[@]} -gt 0 ] && echo "failed lanes: ${failed_lanes[*]}"
echo "tests: $pass passed, $fail failed, $skip skipped"
[ ${#failed_lanes[@]} -eq 0 ] && [ "$fail" -eq 0 ]
