#!/bin/bash
# Run sandboxd's test lanes. With no argument: every lane, as CI does.
#   tools/test.sh [unit|static|integration|vm|testhost|asan|fuzz]...
# As root it first installs what the lanes need (tools/deps.sh --tests).
# Lanes that need something this machine lacks report SKIP with the reason.
# Under CI=true a SKIP whose reason no entry of tests/skip-allowlist
# matches fails the run.
# The last line sums up every lane: "tests: N passed, N failed, N skipped".
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
LANES=("$@")
[ ${#LANES[@]} -eq 0 ] && LANES=(unit static integration vm testhost asan fuzz)
FUZZ_SECONDS=${FUZZ_SECONDS:-12}
ALLOWLIST=$ROOT/tests/skip-allowlist

pass=0 fail=0 skip=0
failed_lanes=()
# Every skip of this run, "LANE/TEST: REASON" a line, for the CI check.
SKIPS=$(mktemp)
# The failure lines of every failed test, printed again at the end: a CI
# log is often read from its tail, far below the test's own output.
RECAP=$(mktemp)
trap 'rm -f "$SKIPS" "$RECAP"' EXIT

# Each lane's header; the previous lane's wall time is printed first, so
# that the log shows where CI's minutes go.
lane_start=
log() {
        [ -n "$lane_start" ] && echo "--- lane took $((SECONDS - lane_start)) s"
        lane_start=$SECONDS
        printf '\n=== %s\n' "$*"
}

# lane_skip LANE REASON: a lane (or part of one) that cannot run here.
lane_skip() {
        echo "SKIP: $2"
        echo "$1: $2" >>"$SKIPS"
        skip=$((skip + 1))
}

# The dependencies of every lane, so that the README's command runs them all
# on a fresh machine. Only root can install; others run with what is there.
if [ "$(id -u)" = 0 ]; then
        tools/deps.sh --tests >/dev/null || { echo "tools/deps.sh --tests failed" >&2; exit 1; }
        echo "--- tools/deps.sh --tests took $SECONDS s"
fi

# Adds the counts of a meson build dir's last test run, and its skipped
# tests with their reasons (the first "SKIP" line of their output).
# count_meson DIR [nofail]: nofail leaves failures uncounted (a run whose
# failed tests are run again).
count_meson() {
        local json=$1/meson-logs/testlog.json p f s
        [ -f "$json" ] || return 0
        read -r p f s < <(python3 - "$json" "$SKIPS" "$RECAP" "${2:-}" <<'PY'
import json, re, sys
p = f = s = 0
failure = re.compile(r"FAIL|not ok|ERROR|Sanitizer|runtime error|Assertion|timed out", re.I)
with open(sys.argv[2], "a") as skips, open(sys.argv[3], "a") as recap:
    for line in open(sys.argv[1]):
        d = json.loads(line)
        r = d.get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
            out = (d.get("stdout") or "") + "\n" + (d.get("stderr") or "")
            why = next((l.strip() for l in out.splitlines() if l.strip().startswith("SKIP")), "SKIP: (no reason printed)")
            why = why.split(":", 1)[1].strip() if ":" in why else why
            skips.write("%s: %s\n" % (d["name"].split(" / ")[-1], why))
        else:
            f += 1
            if sys.argv[4] == "nofail":
                continue
            out = (d.get("stdout") or "") + "\n" + (d.get("stderr") or "")
            lines = [l for l in out.splitlines() if failure.search(l)][:12]
            recap.write("%s (%s, %s):\n" % (d["name"], sys.argv[1].split("/meson-logs")[0], r))
            recap.writelines("    %s\n" % l[:300] for l in lines or ["(no failure line; see the log above)"])
print(p, f, s)
PY
)
        [ "${2:-}" = nofail ] && f=0
        pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

# CI=true: every skip must be matched by an entry of tests/skip-allowlist
# (an extended regular expression, against "TEST: REASON"). Exit 1 if not.
check_skips() {
        python3 - "$ALLOWLIST" "$SKIPS" <<'PY'
import re, sys
entries = []
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    pattern, sep, why = line.rpartition("  # ")
    if not sep or not pattern.strip() or not why.strip():
        print("%s:%d: an entry is PATTERN  # WHY: %s" % (sys.argv[1], n, line))
        sys.exit(1)
    entries.append(re.compile(pattern.strip()))
bad = [s.rstrip("\n") for s in open(sys.argv[2]) if not any(e.search(s) for e in entries)]
for s in bad:
    print("not allowed to skip under CI (tests/skip-allowlist): " + s)
sys.exit(1 if bad else 0)
PY
}

# The static analysis: cppcheck over every file meson compiles (its
# compile_commands.json), and the programs built outside it (the probe,
# sandbox-init), with the project's model and suppressions in tools/cppcheck.
run_static() {
        local args=(-j2 --quiet --error-exitcode=1 --inline-suppr
                    --enable=warning,portability,performance
                    --library=tools/cppcheck/sandboxd.cfg
                    --suppressions-list=tools/cppcheck/suppressions
                    --template='{file}:{line}: {severity}: {id}: {message}')
        cppcheck "${args[@]}" --project=build/compile_commands.json -i"$ROOT/build" || return 1
        cppcheck "${args[@]}" -D_GNU_SOURCE -Isrc/basic -Isrc/launch -Ibuild \
                tests/probe/*.c src/launch/sandbox-init.c || return 1
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
        # Count the first run's passes and skips; the hung tests count by their retry.
        count_meson "$dir" nofail
        echo "RETRIED: the guest hung (no power-off before the deadline) in: $hung; running again, alone"
        # shellcheck disable=SC2086
        meson test -C "$dir" --suite vm --print-errorlogs --num-processes 1 $hung
        rc=$?
        count_meson "$dir"
        [ $rc = 0 ] && echo "RETRIED: $hung passed on the second run (the first run's hang is in the log above)"
        return $rc
}

# run_fuzzer NAME CORPUS: one fuzzer for FUZZ_SECONDS over its corpus; new
# inputs go to a scratch directory, crashes to build-fuzz/crashes/.
run_fuzzer() {
        local name=fuzz-$1 corpus=$2 work rc=0
        work=$(mktemp -d)
        if build-fuzz/tests/fuzz/$name -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
                        -artifact_prefix=build-fuzz/crashes/ "$work" "$corpus" >build-fuzz/$name.log 2>&1; then
                echo "ok $name ($(grep -c . build-fuzz/$name.log) log lines, $(ls "$work" | wc -l) new inputs)"
        else
                echo "FAIL $name: see build-fuzz/$name.log and build-fuzz/crashes/"
                tail -40 build-fuzz/$name.log
                rc=1
        fi
        rm -rf "$work"
        return $rc
}

for lane in "${LANES[@]}"; do
        case $lane in
        unit)
                log "unit suite (no root)"
                setup_build build && run_suite build unit || failed_lanes+=(unit)
                ;;
        static)
                log "static analysis (cppcheck)"
                if ! command -v cppcheck >/dev/null; then
                        lane_skip static "cppcheck not installed (tools/deps.sh --tests installs it)"
                        continue
                fi
                start=$SECONDS
                if setup_build build && run_static; then
                        echo "ok static: cppcheck clean ($((SECONDS - start)) s)"
                        pass=$((pass + 1))
                else
                        echo "FAIL static: cppcheck found the problems above"
                        fail=$((fail + 1)); failed_lanes+=(static)
                fi
                ;;
        integration)
                log "integration suite (root, this host)"
                if [ "$(id -u)" != 0 ]; then
                        lane_skip integration "integration needs root"
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
                # The integration lane floods with 10^6 denied calls; the
                # same code under ASan needs fewer to be seen at work, and
                # the full flood costs two minutes here. 3*10^5 (about 13 s)
                # still outlasts the test's checks made during the flood,
                # which take 4 to 6 s; 10^5 once ended before them.
                export DENIALS_FLOOD=${DENIALS_FLOOD:-300000}
                if setup_build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
                        run_suite build-asan unit --no-suite text || failed_lanes+=(asan-unit)
                        if [ "$(id -u)" = 0 ]; then
                                run_suite build-asan integration || failed_lanes+=(asan-integration)
                        fi
                else
                        failed_lanes+=(asan-build)
                fi
                unset ASAN_OPTIONS UBSAN_OPTIONS DENIALS_FLOOD
                ;;
        fuzz)
                log "fuzzers (libFuzzer, ${FUZZ_SECONDS}s each)"
                if ! command -v clang >/dev/null; then
                        lane_skip fuzz "clang not installed"
                        continue
                fi
                if ! CC=clang setup_build build-fuzz -Dfuzzers=enabled -Db_sanitize=address,undefined \
                                -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link; then
                        failed_lanes+=(fuzz-build); fail=$((fail + 1))
                        continue
                fi
                # Two fuzzers at a time, one per core; each writes its own log.
                fuzzers=(unit-parse:unit policy-parse:policy plan-json:plan state-file:state exit-report:exit
                         proc-files:proc registry-auth:registry-auth rtnl:rtnl nfnl:nfnl image-ref:image
                         registries-conf:registries-conf)
                mkdir -p build-fuzz/crashes
                for ((i = 0; i < ${#fuzzers[@]}; i += 2)); do
                        pids=()
                        for t in "${fuzzers[@]:i:2}"; do
                                run_fuzzer "${t%%:*}" "tests/fuzz/corpus/${t##*:}" &
                                pids+=($!)
                        done
                        for p in "${pids[@]}"; do
                                if wait "$p"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed_lanes+=(fuzz); fi
                        done
                done
                ;;
        *)
                echo "unknown lane: $lane" >&2
                exit 2
                ;;
        esac
done

[ -n "$lane_start" ] && echo "--- lane took $((SECONDS - lane_start)) s"
echo
if [ "${CI:-}" = true ] && [ -s "$SKIPS" ]; then
        check_skips || failed_lanes+=(skips)
fi
if [ -s "$RECAP" ]; then
        echo "=== failed tests, again"
        cat "$RECAP"
fi
[ ${#failed_lanes[@]} -gt 0 ] && echo "failed lanes: ${failed_lanes[*]}"
echo "tests: $pass passed, $fail failed, $skip skipped"
[ ${#failed_lanes[@]} -eq 0 ] && [ "$fail" -eq 0 ]
