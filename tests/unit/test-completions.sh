#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The shell completions: bash for real (verbs, options per verb, unit and
# policy names from a temporary search path, syscall groups from the built
# sandboxctl), fish for real when fish is installed, zsh by syntax.
# The verb and option lists of the completions are compared with
# src/ctl/sandboxctl.c's verbs[] table and the verbs' getopt tables, so
# they cannot drift apart.
#
#   test-completions.sh SOURCE_ROOT [SANDBOXCTL]
set -u

src=${1:?usage: test-completions.sh SOURCE_ROOT [SANDBOXCTL]}
ctl=${2:-}
[[ -n $ctl ]] && ctl=$(realpath -- "$ctl")
comp=$src/completions
failures=0
tmp=$(mktemp -d /tmp/sandboxd-test-completions-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

expect() {  # name, expected words, actual words (space-separated, any order)
        local want got
        want=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort | tr '\n' ' ')
        got=$(tr ' ' '\n' <<<"$3" | sed '/^$/d' | sort | tr '\n' ' ')
        if [[ $want == "$got" ]]; then
                echo "ok: $1"
        else
                fail "$1: expected [$want], got [$got]"
        fi
}

# ---- what the C code says ----

# verbs[] in sandboxctl.c: { "check", verb_check, "..." }
mapfile -t verbs < <(sed -n '/^static const Verb verbs\[\]/,/^};/p' "$src/src/ctl/sandboxctl.c" |
                     sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", verb_.*/\1/p')
[[ ${#verbs[@]} -gt 0 ]] || fail "no verbs found in src/ctl/sandboxctl.c"

# Long options of a verb: the getopt table in the body of verb_NAME(), in
# whichever src/ctl/verb-*.c has it: { "json", no_argument, ... }
verb_options() {
        local fn=verb_${1//-/_} f
        f=$(grep -l "^int $fn(int argc" "$src"/src/ctl/verb-*.c | head -n 1)
        [[ -n $f ]] || return 0
        sed -n "/^int $fn(int argc/,/^}/p" "$f" |
                sed -n '/static const struct option options\[\]/,/^[[:space:]]*};/p' |
                sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument,.*/--\1/p'
}
for v in "${verbs[@]}"; do
        grep -q "^int verb_${v//-/_}(int argc" "$src"/src/ctl/verb-*.c || fail "no verb_${v//-/_}() in src/ctl/verb-*.c"
done

# policy's sub-commands: streq(argv[optind], "show")
mapfile -t policy_subs < <(sed -n 's/.*streq(argv\[optind\], "\([a-z-]*\)").*/\1/p' "$src/src/ctl/verb-policy.c")
[[ ${#policy_subs[@]} -gt 0 ]] || fail "no policy sub-commands found in src/ctl/verb-policy.c"

# ---- test data: a search path with units and policies ----

mkdir -p "$tmp/u1" "$tmp/u2" "$tmp/p" "$tmp/cwd/sub"
touch "$tmp/u1/web.unit" "$tmp/u1/hello.unit" "$tmp/u2/web.unit" "$tmp/u2/db@1.unit" \
      "$tmp/u2/.hidden.unit" "$tmp/u2/notes.txt" "$tmp/p/default.policy" "$tmp/p/web.policy" \
      "$tmp/cwd/x.unit" "$tmp/cwd/y.policy" "$tmp/cwd/z.json"
export SANDBOXD_UNIT_PATH="$tmp/u1:relative/ignored:$tmp/u2"
export SANDBOXD_POLICY_PATH="$tmp/p"

# A stand-in sandboxctl on PATH for the services sandboxd knows: the
# completions ask `sandboxctl list --no-legend` of the command being
# completed ("sandboxctl" here).
mkdir -p "$tmp/bin"
cat >"$tmp/bin/sandboxctl" <<'FAKE_EOF'
#!/bin/sh
[ "$1 $2" = "list --no-legend" ] || exit 1
echo "crasher failed  start-limit-hit    - 3      - -                   Fails at once"
echo "sleeper running success         4712 0      - 2025-11-23 17:05:17 Sleeps and says so"
echo "web     running success         3825 0 228.0K 2025-11-23 17:04:47 Static web server"
FAKE_EOF
chmod +x "$tmp/bin/sandboxctl"
export PATH="$tmp/bin:$PATH"

# ---- bash ----

bash_complete() {  # words...; the last one is completed
        (cd "$tmp/cwd" && bash --norc --noprofile -c '
                source "$0" || exit 1
                COMP_WORDS=("$@")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                _sandboxctl
                echo "${COMPREPLY[*]}"' "$comp/sandboxctl.bash" "$@")
}

bash -n "$comp/sandboxctl.bash" || fail "bash -n completions/sandboxctl.bash"

expect "bash: verbs" "${verbs[*]}" "$(bash_complete sandboxctl '')"
expect "bash: verb prefix" "check" "$(bash_complete sandboxctl ch)"
expect "bash: global options" "-h --help --version --log-level=" "$(bash_complete sandboxctl -)"
for v in "${verbs[@]}"; do
        want=$(verb_options "$v" | tr '\n' ' ')
        [[ -n $want ]] || continue
        # Short options are offered too; compare the long ones.
        got=$(bash_complete sandboxctl "$v" -- | tr ' ' '\n' | grep '^--' | tr '\n' ' ')
        expect "bash: options of $v" "$want" "$got"
done
expect "bash: unit names (first match wins, no dot files, relative dirs ignored)" \
       "db@1 hello web" "$(bash_complete sandboxctl run '')"
expect "bash: unit name prefix" "hello" "$(bash_complete sandboxctl run h)"
expect "bash: plan takes one unit" "" "$(bash_complete sandboxctl plan web '')"
expect "bash: check takes units and NAME.policy" \
       "db@1 hello web default.policy web.policy" "$(bash_complete sandboxctl check -q '')"
expect "bash: unit files only as paths" "./sub/ ./x.unit" "$(bash_complete sandboxctl run ./)"
expect "bash: policy commands" "${policy_subs[*]}" "$(bash_complete sandboxctl policy '')"
expect "bash: policy names" "default web" "$(bash_complete sandboxctl policy show '')"
expect "bash: policy files" "./sub/ ./y.policy" "$(bash_complete sandboxctl policy oci ./)"
expect "bash: --from-json takes any file" "- sub/ x.unit y.policy z.json" \
       "$(bash_complete sandboxctl plan --from-json '')"
expect "bash: empty SANDBOXD_UNIT_PATH searches nothing" "" \
       "$(SANDBOXD_UNIT_PATH='' bash_complete sandboxctl run '')"
expect "bash: start takes several units" "db@1 hello web" "$(bash_complete sandboxctl start web '')"
expect "bash: enable takes units and paths" "./sub/ ./x.unit" "$(bash_complete sandboxctl enable --now ./)"
expect "bash: stop offers the services sandboxd knows" "crasher sleeper web" "$(bash_complete sandboxctl stop '')"
expect "bash: status offers them after its options" "crasher sleeper web" \
       "$(bash_complete sandboxctl status -n 5 --json '')"
expect "bash: status -n takes a number" "" "$(bash_complete sandboxctl status -n '')"
expect "bash: reset-failed offers services" "crasher" "$(bash_complete sandboxctl reset-failed c)"
expect "bash: exec offers running services only" "sleeper web" "$(bash_complete sandboxctl exec '')"
expect "bash: exec leaves the command alone" "" "$(bash_complete sandboxctl exec web '')"
expect "bash: logs offers services and units" "crasher db@1 hello sleeper web" "$(bash_complete sandboxctl logs -n 5 '')"
expect "bash: logs takes one service" "" "$(bash_complete sandboxctl logs web '')"
expect "bash: list takes no argument" "" "$(bash_complete sandboxctl list '')"
expect "bash: daemon-reload takes no argument" "" "$(bash_complete sandboxctl daemon-reload '')"

if [[ -n $ctl && -x $ctl ]]; then
        want=$("$ctl" policy groups | cut -d' ' -f1 | tr '\n' ' ')
        if [[ -n $want ]]; then
                expect "bash: syscall groups from sandboxctl policy groups" "$want" \
                       "$(bash_complete "$ctl" policy groups '')"
        else
                fail "sandboxctl policy groups printed nothing"
        fi
        expect "bash: no services, and no noise, without sandboxd" "" \
               "$(SANDBOXD_RUNTIME_DIR=$tmp/no-sandboxd bash_complete "$ctl" stop '' 2>&1)"
else
        echo "note: no sandboxctl given, syscall group completion not tested"
fi

# ---- zsh: syntax, and the verb list ----

if command -v zsh >/dev/null; then
        zsh -n "$comp/_sandboxctl" || fail "zsh -n completions/_sandboxctl"
        got=$(sed -n '/^  verbs=(/,/^  )/p' "$comp/_sandboxctl" | sed -n "s/^    '\([a-z-]*\):.*/\1/p" | tr '\n' ' ')
        expect "zsh: verbs" "${verbs[*]}" "$got"
        for v in "${verbs[@]}"; do
                for o in $(verb_options "$v"); do
                        grep -q -- "$o" "$comp/_sandboxctl" || fail "zsh: option $o of $v missing"
                done
        done
        for sub in "${policy_subs[@]}"; do
                grep -q -- "$sub\\\\:" "$comp/_sandboxctl" || fail "zsh: policy $sub missing"
        done
else
        echo "note: zsh not installed, completions/_sandboxctl not checked"
fi

# ---- fish: for real ----

fish_complete() {  # command line
        (cd "$tmp/cwd" && fish --no-config -c "source '$comp/sandboxctl.fish'; complete -C '$1'" | cut -f1 | tr '\n' ' ')
}

if command -v fish >/dev/null; then
        fish -n "$comp/sandboxctl.fish" || fail "fish -n completions/sandboxctl.fish"
        expect "fish: verbs" "${verbs[*]}" "$(fish_complete 'sandboxctl ')"
        for v in "${verbs[@]}"; do
                want=$(verb_options "$v" | tr '\n' ' ')
                [[ -n $want ]] || continue
                got=$(fish_complete "sandboxctl $v --")
                expect "fish: options of $v" "$want" "$got"
        done
        expect "fish: unit names" "db@1 hello web" "$(fish_complete 'sandboxctl run ')"
        expect "fish: policy commands" "${policy_subs[*]}" "$(fish_complete 'sandboxctl policy ')"
        expect "fish: policy names" "default web" "$(fish_complete 'sandboxctl policy show ')"
        expect "fish: unit files only as paths" "./sub/ ./x.unit" "$(fish_complete 'sandboxctl run ./')"
        expect "fish: start takes several units" "db@1 hello web" "$(fish_complete 'sandboxctl start web ')"
        expect "fish: stop offers the services sandboxd knows" "crasher sleeper web" "$(fish_complete 'sandboxctl stop ')"
        expect "fish: exec offers running services only" "sleeper web" "$(fish_complete 'sandboxctl exec ')"
        expect "fish: exec leaves the command alone" "" "$(fish_complete 'sandboxctl exec web list ')"
        expect "fish: logs offers services and units" "crasher db@1 hello sleeper web" \
               "$(fish_complete 'sandboxctl logs -n 5 ')"
else
        echo "note: fish not installed, completions/sandboxctl.fish not checked"
fi

if [[ $failures -gt 0 ]]; then
        echo "$failures failure(s)"
        exit 1
fi
exit 0
