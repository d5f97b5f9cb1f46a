#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The man pages cannot drift from the code:
#  - every section and key of unit_items (src/unit/unit-parse.c), and every
#    Limit*= key of the rlimit table (src/basic/parse-util.c), has an entry in
#    sandbox.unit(5), and sandbox.unit(5) documents no key that does not exist;
#  - every verb of sandboxctl.c's verbs[] table, every long option of the
#    verbs (the getopt table in the body of verb_NAME(), in any
#    src/ctl/verb-*.c), and every field that plan-json.c reads is in
#    sandboxctl(1);
#  - the example units of sandbox.unit(5) (the .EX blocks that start with
#    "# /etc/sandboxd/units/FILE") check clean with the policies in
#    policies/, against a stand-in image, when sandboxctl is given;
#  - every page in man/ renders without a groff warning.
#
#   test-man-pages.sh SOURCE_ROOT [SANDBOXCTL]
set -u

src=${1:?usage: test-man-pages.sh SOURCE_ROOT [SANDBOXCTL]}
ctl=${2:-}
unit5=$src/man/sandbox.unit.5
ctl1=$src/man/sandboxctl.1
failures=0

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

for f in "$unit5" "$ctl1"; do
        [[ -f $f ]] || { fail "$f is missing"; exit 1; }
done

# ---- sandbox.unit(5) against unit_items ----

before=$failures
# { "Sandbox", "Image", parse_image, 0 },  (the NULL-key row is the Limit*= catch-all)
items=$(sed -n '/^static const ConfItem unit_items\[\]/,/^};/p' "$src/src/unit/unit-parse.c" |
        sed -n 's/^[[:space:]]*{ "\([A-Za-z]*\)", "\([A-Za-z]*\)",.*/\1 \2/p')
[[ -n $items ]] || fail "no keys found in unit_items"
# RLIMIT_ENTRY(NOFILE, RLIMIT_VALUE_NUMBER),
limits=$(sed -n 's/^[[:space:]]*RLIMIT_ENTRY(\([A-Z]*\), RLIMIT_VALUE_[A-Z]*),.*/Limit\1/p' \
         "$src/src/basic/parse-util.c")
[[ -n $limits ]] || fail "no rlimits found in src/basic/parse-util.c"
sections=$(sed -n '/^static const char \*const unit_sections\[\]/,/};/p' "$src/src/unit/unit-parse.c" |
           grep -o '"[A-Za-z]*"' | tr -d '"')

# A key's entry: ".BI Key= ..." or ".BR Key= ..." after .TP/.TQ, within the
# section's .SH "[SECTION] SECTION".
documented_in() {  # section -> the keys of that section's entries
        local upper
        upper=$(tr '[:lower:]' '[:upper:]' <<<"$1")
        sed -n "/^\.SH \"\[$upper\] SECTION\"/,/^\.SH /p" "$unit5" |
                sed -n '/^\.T[PQ]$/{n;s/^\.B[IR]\{0,1\} \([A-Za-z]*\)=.*/\1/p}'
}

for s in $sections; do
        upper=$(tr '[:lower:]' '[:upper:]' <<<"$s")
        grep -q "^\.SH \"\[$upper\] SECTION\"" "$unit5" || fail "sandbox.unit.5: no section for [$s]"
done

while read -r section key; do
        documented_in "$section" | grep -qx "$key" || fail "sandbox.unit.5: [$section] $key= is not documented"
done <<<"$items"
for key in $limits; do
        documented_in Resources | grep -qx "$key" || fail "sandbox.unit.5: [Resources] $key= is not documented"
done

for s in $sections; do
        for key in $(documented_in "$s"); do
                grep -qx "$s $key" <<<"$items" || grep -qx "$key" <<<"$limits" ||
                        fail "sandbox.unit.5: documents [$s] $key=, which unit_items does not have"
        done
done
[[ $failures == "$before" ]] && echo "ok: sandbox.unit.5 documents $(wc -l <<<"$items") keys and $(wc -w <<<"$limits") Limit*= keys"

# ---- sandboxctl(1) against the CLI and the JSON reader ----

before=$failures
verbs=$(sed -n '/^static const Verb verbs\[\]/,/^};/p' "$src/src/ctl/sandboxctl.c" |
        sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", verb_.*/\1/p')
[[ -n $verbs ]] || fail "no verbs found in src/ctl/sandboxctl.c"
for v in $verbs; do
        # daemon-reload is written daemon\-reload in roff.
        v_re=${v//-/'\\\{0,1\}-'}
        grep -q "^\.B[IR]\{0,1\} \"\{0,1\}${v_re}[ \"]" "$ctl1" ||
                fail "sandboxctl.1: verb $v is not documented"
        fn=verb_${v//-/_}
        f=$(grep -l "^int $fn(int argc" "$src"/src/ctl/verb-*.c | head -n 1)
        [[ -n $f ]] || { fail "no $fn() in src/ctl/verb-*.c"; continue; }
        # The getopt table in the body of verb_NAME(), wherever that is.
        for o in $(sed -n "/^int $fn(int argc/,/^}/p" "$f" |
                   sed -n '/static const struct option options\[\]/,/^[[:space:]]*};/p' |
                   sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument,.*/\1/p'); do
                grep -qF -- "\\-\\-${o//-/\\-}" "$ctl1" || fail "sandboxctl.1: option --$o of $v is not documented"
        done
done

# Every key list of the reader: static const char *const keys[] = { "format", ... };
fields=$(awk '/static const char \*const [a-z]*keys\[\] = \{/ { on = 1 } on { print } /};/ { on = 0 }' \
         "$src/src/plan/plan-json.c" | grep -o '"[a-z_]*"' | tr -d '"' | sort -u)
[[ -n $fields ]] || fail "no JSON fields found in src/plan/plan-json.c"
# The bold words of the section's .B/.BR lines, quoted text left out.
json_words=$(sed -n '/^\.SH "JSON PLAN FORMAT"/,/^\.SH /p' "$ctl1" | grep '^\.BR\{0,1\} ' |
             sed 's/"[^"]*"/ /g; s/^\.BR\{0,1\} //' | tr ' ,' '\n\n' | sed '/^$/d' | sort -u)
for f in $fields; do
        grep -qx -- "$f" <<<"$json_words" || fail "sandboxctl.1: JSON field \"$f\" is not documented"
done
grep -q "^\.BR format " "$ctl1" && grep -q "PLAN_FORMAT_VERSION 1\$" "$src/src/plan/plan.h" ||
        fail "sandboxctl.1 documents format 1, plan.h says otherwise"
[[ $failures == "$before" ]] && echo "ok: sandboxctl.1 documents $(wc -w <<<"$verbs") verbs and $(wc -w <<<"$fields") JSON fields"

# ---- the examples of sandbox.unit(5) check clean ----

if [[ -n $ctl && -x $ctl ]]; then
        before=$failures
        tmp=$(mktemp -d /tmp/sandboxd-test-man-XXXXXX)
        trap 'rm -rf "$tmp"' EXIT
        mkdir -p "$tmp/image/etc" "$tmp/units"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$tmp/image/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/image/etc/group"
        # What the units expect of a busybox image: the compiler checks ExecStart=
        # binaries, and the mount targets of a read-only root, against it.
        mkdir -p "$tmp/image/bin" "$tmp/image/tmp" "$tmp/image/run" "$tmp/image/var/www" "$tmp/image/srv"
        for b in sh echo true httpd; do
                printf '#!/bin/sh\n' >"$tmp/image/bin/$b" && chmod 755 "$tmp/image/bin/$b"
        done
        # Each .EX block whose first line is "# /etc/sandboxd/units/FILE", roff escapes undone.
        awk -v dir="$tmp/units" -v img="$tmp/image" '
                /^\.EX$/ { ex = 1; out = ""; next }
                /^\.EE$/ { ex = 0; out = ""; next }
                ex {
                        gsub(/\\-/, "-"); gsub(/\\\(dq/, "\""); gsub(/\\\(aq/, "\047"); gsub(/\\e/, "\\")
                        sub(/^\\&/, "")
                }
                ex && out == "" && /^# \/etc\/sandboxd\/units\// {
                        out = dir "/" substr($2, length("/etc/sandboxd/units/") + 1)
                        if (out ~ /\.d\/[^\/]*$/) { d = out; sub(/\/[^\/]*$/, "", d); system("mkdir -p \"" d "\"") }
                        print "#" > out
                        next
                }
                ex && out != "" {
                        gsub(/\/var\/lib\/sandboxd\/images\/busybox/, img)
                        print >> out
                }' "$unit5"
        mapfile -t examples < <(cd "$tmp/units" && ls -- *.unit 2>/dev/null)
        if [[ ${#examples[@]} -eq 0 ]]; then
                fail "sandbox.unit.5: no example units found"
        else
                out=$(SANDBOXD_UNIT_PATH=$tmp/units SANDBOXD_POLICY_PATH=$src/policies "$ctl" check "${examples[@]}" 2>&1) ||
                        fail "sandbox.unit.5: the example units do not check clean: $out"
        fi
        [[ $failures == "$before" ]] && echo "ok: the example units of sandbox.unit.5 check clean (${examples[*]})"
else
        echo "note: no sandboxctl given, the examples of sandbox.unit.5 not checked"
fi

# ---- rendering ----

if command -v groff >/dev/null; then
        before=$failures
        for page in "$src"/man/*.[1-8]; do
                out=$(groff -man -ww -z "$page" 2>&1)
                [[ -z $out ]] || fail "groff warnings in ${page##*/}: $out"
        done
        [[ $failures == "$before" ]] && echo "ok: groff -man -ww renders every page without warnings"
else
        echo "note: groff not installed, rendering not checked"
fi

if [[ $failures -gt 0 ]]; then
        echo "$failures failure(s)"
        exit 1
fi
exit 0
