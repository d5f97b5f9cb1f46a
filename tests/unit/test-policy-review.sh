#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The review tools of sandboxctl, through the CLI:
#  - analyze: the shipped units (units/) score what sandboxctl(1) says
#    ("Scores of the shipped units"), compiled against a stand-in image
#    with the shipped policies; a Network=host + CAP_SYS_ADMIN unit ranks
#    worse than the default unit and --threshold fails it; --json;
#  - policy diff: default against strict lists the expected lines, a
#    one-line group change shows each syscall it moves, identical policies
#    give no output and exit 0;
#  - policy show --since REF: the same lines against a file's version in a
#    temporary git repository.
#
#   test-policy-review.sh SOURCE_ROOT SANDBOXCTL
set -u

src=${1:?usage: test-policy-review.sh SOURCE_ROOT SANDBOXCTL}
ctl=${2:?usage: test-policy-review.sh SOURCE_ROOT SANDBOXCTL}
failures=0

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

expect_line() {  # what output line
        grep -qxF -- "$3" <<<"$2" || fail "$1: no line \"$3\" in:"$'\n'"$2"
}

tmp=$(mktemp -d /tmp/sandboxd-test-review-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# The files a unit is made of must not be group- or world-writable.
umask 022
mkdir -p "$tmp/image/etc" "$tmp/units" "$tmp/policies"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$tmp/image/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/image/etc/group"
# What the units expect of a busybox image: the compiler checks ExecStart=
# binaries, and the mount targets of a read-only root, against it.
mkdir -p "$tmp/image/bin" "$tmp/image/tmp" "$tmp/image/run" "$tmp/image/var/www" "$tmp/image/srv"
mkdir -p "$tmp/image/usr/bin"
for b in bin/sh bin/echo bin/true bin/httpd usr/bin/sandbox-probe; do
        printf '#!/bin/sh\n' >"$tmp/image/$b" && chmod 755 "$tmp/image/$b"
done
for u in "$src"/units/*.unit; do
        sed "s#/var/lib/sandboxd/images/busybox#$tmp/image#" "$u" >"$tmp/units/${u##*/}"
done
cp "$src"/policies/*.policy "$tmp/policies/"
export SANDBOXD_UNIT_PATH=$tmp/units SANDBOXD_POLICY_PATH=$tmp/policies

# ---- analyze: the shipped units score as documented ----

before=$failures
# .TP / .B units/NAME.unit / SCORE: ...
documented=$(sed -n '/^\.SS "Scores of the shipped units"/,/^\.S[HS] /p' "$src/man/sandboxctl.1" |
             awk '/^\.B units\// { u = $2; sub(/^units\//, "", u); getline; split($1, s, ":"); print u, s[1] }')
shipped=$(cd "$src/units" && ls -- *.unit)
[[ -n $documented ]] || fail "sandboxctl.1 lists no scores of the shipped units"
for u in $shipped; do
        want=$(awk -v u="$u" '$1 == u { print $2 }' <<<"$documented")
        [[ -n $want ]] || { fail "sandboxctl.1 gives no score for units/$u"; continue; }
        out=$("$ctl" analyze --json "$tmp/units/$u" 2>&1) || { fail "analyze $u failed: $out"; continue; }
        got=$(sed -n 's/.*"Exposure":\([0-9.]*\),.*/\1/p' <<<"$out")
        [[ $got == "$want" ]] || fail "units/$u scores $got, sandboxctl.1 says $want"
done
for u in $(awk '{ print $1 }' <<<"$documented"); do
        [[ -f $src/units/$u ]] || fail "sandboxctl.1 gives a score for units/$u, which does not exist"
done
[[ $failures == "$before" ]] && echo "ok: the shipped units score as documented ($(tr '\n' ' ' <<<"$documented"))"

# ---- analyze: ranking, threshold, JSON, bad input ----

before=$failures
cat >"$tmp/policies/admin.policy" <<'EOF'
[Seccomp]
DefaultAction=errno:EPERM
Allow=@system-service
[Capabilities]
Allow=CAP_SYS_ADMIN
[Sandbox]
RequireNamespaces=mount pid user
AllowHostNetwork=yes
EOF
cat >"$tmp/units/admin.unit" <<EOF
[Sandbox]
Image=$tmp/image
Network=host
[Security]
Capabilities=CAP_SYS_ADMIN
Policy=admin
[Service]
ExecStart=/bin/sh
EOF
cat >"$tmp/units/plain.unit" <<EOF
[Sandbox]
Image=$tmp/image
[Service]
ExecStart=/bin/sh
EOF
score() { "$ctl" analyze --json "$1" | sed -n 's/.*"Exposure":\([0-9.]*\),.*/\1/p'; }
admin=$(score admin) plain=$(score plain)
[[ -n $admin && -n $plain ]] || fail "analyze --json gave no Exposure (admin \"$admin\", plain \"$plain\")"
awk -v a="$admin" -v p="$plain" 'BEGIN { exit !(a > p) }' ||
        fail "Network=host + CAP_SYS_ADMIN ($admin) does not rank worse than the default unit ($plain)"
out=$("$ctl" analyze admin)
expect_line analyze "$out" "$(printf '  ✗ %-19s %2u/%-2u  %s' network-host 15 15 'Network=host: every host interface, every port the service listens on is the host'"'"'s, and the host'"'"'s loopback-only services are reachable.')"
grep -q '^  ✗ capabilities        15/30  CAP_SYS_ADMIN: ' <<<"$out" || fail "analyze: no capabilities line with CAP_SYS_ADMIN in: $out"
[[ $(grep -c '^  [✓✗] ' <<<"$out") == 15 ]] || fail "analyze: not one line per factor: $out"

"$ctl" analyze --threshold="$plain" plain >/dev/null 2>&1 || fail "analyze --threshold=$plain fails the unit that scores $plain"
out=$("$ctl" analyze --threshold="$plain" plain admin 2>&1 >/dev/null)
rc=$?
[[ $rc == 1 ]] || fail "analyze --threshold=$plain plain admin exits $rc, not 1"
grep -qF "admin scores $admin, above the threshold $plain." <<<"$out" || fail "analyze --threshold: no message naming admin: $out"
grep -qF "plain scores" <<<"$out" && fail "analyze --threshold names plain, which is not above: $out"
"$ctl" analyze --threshold=11 plain >/dev/null 2>&1 && fail "analyze --threshold=11 accepted"
"$ctl" analyze --threshold=abc plain >/dev/null 2>&1 && fail "analyze --threshold=abc accepted"

json=$("$ctl" analyze --json admin)
for k in '"Unit":"admin"' '"Points":' '"Factors":[{"Name":"user-namespace"' '"Name":"network-host","Points":15,"Max":15'; do
        grep -qF -- "$k" <<<"$json" || fail "analyze --json lacks $k: $json"
done

# A unit that does not compile: FILE:LINE: Key:, exit 1, the others still scored.
printf '[Sandbox]\nImage=%s\nNetwork=hots\n[Service]\nExecStart=/bin/sh\n' "$tmp/image" >"$tmp/units/broken.unit"
out=$("$ctl" analyze broken plain 2>&1)
rc=$?
[[ $rc == 1 ]] || fail "analyze of a broken unit exits $rc, not 1"
grep -q "broken.unit:3: Network: " <<<"$out" || fail "analyze of a broken unit: no FILE:LINE: Key: in: $out"
grep -q "^→ Exposure of plain: " <<<"$out" || fail "analyze stopped at the broken unit: $out"
[[ $failures == "$before" ]] && echo "ok: analyze ranks admin ($admin) above plain ($plain), --threshold, --json, bad input"

# ---- policy diff ----

before=$failures
out=$("$ctl" policy diff default strict 2>&1) || fail "policy diff default strict failed: $out"
for l in '- default-action errno:EPERM' '+ default-action kill-process' '+ require-namespace net' \
         '+ require-namespace uts'; do
        expect_line "policy diff default strict" "$out" "$l"
done
for re in '^- syscall bind +allow \(@network-io\)$' '^\+ syscall bind +kill-process \(default\)$' \
          '^- syscall chown +allow \(@chown\)$' '^\+ syscall chown +errno:EPERM \(@chown\)$' \
          '^\+ syscall get_mempolicy +errno:ENOSYS \(named\)$'; do
        grep -qE -- "$re" <<<"$out" || fail "policy diff default strict: nothing matches /$re/"
done
grep -qE '^[^-+]' <<<"$out" && fail "policy diff: a line without - or +: $(grep -E '^[^-+]' <<<"$out" | head -n 3)"
grep -q 'syscall read ' <<<"$out" && fail "policy diff: read is allowed by both, yet listed"

# One line more in a copy of web: every syscall of the group it moves.
cp "$tmp/policies/web.policy" "$tmp/web-new.policy"
printf '[Seccomp]\nDeny=@network-io\n' >>"$tmp/web-new.policy"
printf '[Capabilities]\nAllow=CAP_NET_RAW\n' >>"$tmp/web-new.policy"
out=$("$ctl" policy diff web "$tmp/web-new.policy" 2>&1) || fail "policy diff web FILE failed: $out"
grep -qE '^- syscall accept4 +allow \(@network-io\)$' <<<"$out" &&
        grep -qE '^\+ syscall accept4 +errno:EPERM \(default\)$' <<<"$out" ||
        fail "policy diff: Deny=@network-io does not show accept4 moving: $out"
expect_line "policy diff web" "$out" "+ capability CAP_NET_RAW"

out=$("$ctl" policy diff web web 2>&1)
rc=$?
[[ $rc == 0 && -z $out ]] || fail "policy diff web web: exit $rc, output: $out"
out=$("$ctl" policy diff web "$tmp/policies/web.policy" 2>&1)
[[ $? == 0 && -z $out ]] || fail "policy diff of a policy and its own file: $out"

out=$("$ctl" policy diff web nosuch 2>&1)
rc=$?
[[ $rc == 1 && -n $out ]] || fail "policy diff with a missing policy: exit $rc, output: $out"
printf '[Seccomp]\nAllow=@nosuchgroup\n' >"$tmp/bad.policy"
out=$("$ctl" policy diff web "$tmp/bad.policy" 2>&1)
[[ $? == 1 ]] && grep -q "bad.policy:2: Allow: " <<<"$out" || fail "policy diff with a bad policy: $out"
[[ $failures == "$before" ]] && echo "ok: policy diff of shipped policies, a one-line change, identical and bad policies"

# ---- policy show --since GIT_REF ----

if command -v git >/dev/null; then
        before=$failures
        repo=$tmp/repo
        mkdir -p "$repo/policies"
        cp "$tmp/policies/web.policy" "$repo/policies/web.policy"
        g() { git -C "$repo" -c user.name=t -c user.email=t@example.invalid "$@" >/dev/null 2>&1; }
        g init -q && g add policies/web.policy && g commit -q -m web || fail "git: cannot make a repository in $repo"
        out=$("$ctl" policy show --since HEAD "$repo/policies/web.policy" 2>&1)
        rc=$?
        [[ $rc == 0 && -z $out ]] || fail "policy show --since HEAD of an unchanged file: exit $rc, output: $out"
        printf '[Seccomp]\nDeny=@network-io\n' >>"$repo/policies/web.policy"
        printf '[Capabilities]\nAllow=CAP_NET_RAW\n' >>"$repo/policies/web.policy"
        want=$("$ctl" policy diff web "$repo/policies/web.policy" 2>&1)
        # From another directory, the ref given as --since=REF.
        out=$(ctl_abs=$(readlink -f "$ctl") && cd / && "$ctl_abs" policy show --since=HEAD "$repo/policies/web.policy" 2>&1) ||
                fail "policy show --since=HEAD failed: $out"
        [[ -n $out && $out == "$want" ]] || fail "policy show --since HEAD differs from policy diff:"$'\n'"$out"$'\n'"---"$'\n'"$want"
        expect_line "policy show --since" "$out" "+ capability CAP_NET_RAW"
        g commit -q -a -m more
        out=$("$ctl" policy show --since HEAD~1 "$repo/policies/web.policy" 2>&1)
        [[ $out == "$want" ]] || fail "policy show --since HEAD~1 after a commit: $out"
        # Bad input: no such revision, a file git does not track, an option for a ref.
        out=$("$ctl" policy show --since nosuchref "$repo/policies/web.policy" 2>&1)
        [[ $? == 1 ]] && grep -q "git show nosuchref" <<<"$out" || fail "policy show --since nosuchref: $out"
        out=$("$ctl" policy show --since HEAD "$tmp/web-new.policy" 2>&1)
        [[ $? == 1 && -n $out ]] || fail "policy show --since of a file outside git: $out"
        out=$("$ctl" policy show --since=--output=/tmp/x "$repo/policies/web.policy" 2>&1)
        [[ $? == 1 ]] && grep -q "invalid git revision" <<<"$out" || fail "policy show --since=--output=...: $out"
        # The old version is named as REF:PATH in its diagnostics.
        printf '[Seccomp]\nAllow=@nosuchgroup\n' >"$repo/policies/bad.policy"
        g add policies/bad.policy && g commit -q -m bad
        cp "$tmp/policies/web.policy" "$repo/policies/bad.policy"
        out=$("$ctl" policy show --since HEAD "$repo/policies/bad.policy" 2>&1)
        [[ $? == 1 ]] && grep -q "HEAD:$repo/policies/bad.policy:2: Allow: " <<<"$out" ||
                fail "policy show --since of a bad old version: $out"
        [[ $failures == "$before" ]] && echo "ok: policy show --since REF: the diff against git's version, bad refs and files"
else
        fail "git is not installed (tools/deps.sh installs it)"
fi

if [[ $failures -gt 0 ]]; then
        echo "$failures failure(s)"
        exit 1
fi
exit 0
