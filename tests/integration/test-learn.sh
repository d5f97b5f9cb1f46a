#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sandboxctl policy learn, as an operator uses it (sandbox.policy(5),
# "Writing a policy"): a run under the learning variant of a policy, the
# policy written from it, then the same workload under that policy with
# zero denials, while what the run did not need stays denied:
#   - a program that needs @keyring under `default` (which denies it by
#     group): keyctl and add_key allowed by name, flagged for review, the
#     rest of @keyring still denied, mount still denied;
#   - a busybox shell script under `strict` (whose default kills), with
#     httpd, wget and a file: learned, then clean under the learned policy;
#   - a python asyncio server under `strict`, from an image that binds the
#     host's /usr read-only: learned, then clean, mount still denied;
#   - --duration stops a service that would run forever; --diff prints the
#     change against the unit's own policy; bad arguments fail clearly.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

mkdir -p "$TESTDIR/policies"
chmod 0755 "$TESTDIR/policies"
export SANDBOXD_POLICY_PATH=$TESTDIR/policies:$SANDBOXD_POLICY_PATH

# learn UNIT ARGS...: sets OUT, ERR, RC.
learn() {
        local unit=$1
        shift
        OUT=$TESTDIR/learn.$unit.out ERR=$TESTDIR/learn.$unit.err RC=0
        env SBX_CALLER_CANARY="caller-$ID" timeout -s KILL 60 "$SANDBOXCTL" policy learn -T "$@" \
                "$UNITDIR/$unit.unit" </dev/null >"$OUT" 2>"$ERR" || RC=$?
}
# not_allow_all POLICY-FILE
not_allow_all() {
        local pol=$1
        check "$(basename "$pol"): DefaultAction is not allow" \
                bash -c "grep -q '^DefaultAction=' '$pol' && ! grep -q '^DefaultAction=allow' '$pol'"
        check "$(basename "$pol"): policy show's default is not allow" \
                bash -c "'$SANDBOXCTL' policy show '$pol' >'$TESTDIR/show.out' && grep -q '^default-action ' '$TESTDIR/show.out' && ! grep -q '^default-action allow' '$TESTDIR/show.out'"
}

# ---- @keyring under default ----
write_unit keys <<'UNIT'
[Sandbox]
Image=@IMAGE@
[Security]
Policy=default
[Service]
ExecStart=/bin/sh -c '/usr/bin/sandbox-probe deny keyctl 3 && /usr/bin/sandbox-probe deny add_key 2'
UNIT
sbx_run keys
check "default: keyctl is denied before learning" grep -q '^deny.keyctl=EPERM' "$OUT"

learn keys -o "$TESTDIR/policies/keys-learned.policy"
expect_rc 0 "learn keys: exit 0"
[ "$RC" = 0 ] || show_run
P=$TESTDIR/policies/keys-learned.policy
check "learn keys: says the run is unconfined" grep -q 'not confined by seccomp' "$ERR"
check "learn keys: the calls went through while learning" bash -c "! grep -q '^deny.keyctl=EPERM' '$OUT'"
check "learn keys: policy written" test -s "$P"
check "learn keys: keyctl allowed by name, flagged" \
        bash -c "grep -B1 -x 'Allow=keyctl' '$P' | grep -qx '# needed by the learning run: review'"
check "learn keys: add_key allowed by name, flagged" \
        bash -c "grep -B1 -x 'Allow=add_key' '$P' | grep -qx '# needed by the learning run: review'"
check "learn keys: not the whole @keyring" bash -c "! grep -q '^Allow=.*@keyring' '$P'"
check "learn keys: request_key stays denied" grep -qx 'Deny=request_key' "$P"
check "learn keys: Deny=@mount kept" grep -qx 'Deny=@mount' "$P"
check "learn keys: the default's DefaultAction kept" grep -qx 'DefaultAction=errno:EPERM' "$P"
not_allow_all "$P"

sed -i 's/^Policy=default/Policy=keys-learned/' "$UNITDIR/keys.unit"
RC=0
"$SANDBOXCTL" check "$UNITDIR/keys.unit" >"$TESTDIR/check.out" 2>&1 || RC=$?
check "learned keys: sandboxctl check accepts the unit" test "$RC" = 0
LANG=C.UTF-8 sbx_run keys
expect_rc 0 "learned keys: runs"
check "learned keys: keyctl is not denied" bash -c "grep -q '^deny.keyctl=' '$OUT' && ! grep -q '^deny.keyctl=EPERM' '$OUT'"
check "learned keys: add_key is not denied" bash -c "grep -q '^deny.add_key=' '$OUT' && ! grep -q '^deny.add_key=EPERM' '$OUT'"
check "learned keys: zero denials" bash -c "! grep -q 'Denied:' '$ERR'"
[ "$ITEST_FAILS" = 0 ] || show_run

write_unit keysmount <<'UNIT'
[Sandbox]
Image=@IMAGE@
[Security]
Policy=keys-learned
[Service]
ExecStart=/usr/bin/sandbox-probe escape --only mount-tmpfs
UNIT
LANG=C.UTF-8 sbx_run keysmount
check "learned keys: mount is still refused" grep -q '^test mount-tmpfs: blocked' "$OUT"
check "learned keys: mount reported as denied" grep -q 'Denied: mount' "$ERR"
[ "$ITEST_FAILS" = 0 ] || show_run

# ---- a busybox script under strict ----
write_unit web <<'UNIT'
[Sandbox]
Image=@IMAGE@
TemporaryFileSystem=/tmp
[Security]
Policy=strict
[Service]
ExecStart=/bin/sh -c 'mkdir -p /tmp/www && echo learned-page >/tmp/www/index.html && httpd -p 127.0.0.1:8080 -h /tmp/www && sleep 0.5 && wget -q -O - http://127.0.0.1:8080/ && kill $(pidof httpd)'
UNIT
learn web --diff -o "$TESTDIR/policies/web-learned.policy"
expect_rc 0 "learn web: exit 0"
[ "$RC" = 0 ] || show_run
P=$TESTDIR/policies/web-learned.policy
check "learn web: the page was served while learning" grep -q learned-page "$OUT"
check "learn web: --diff shows syscalls added" grep -qE '^\+ syscall (bind|listen|accept4?|connect) ' "$OUT"
check "learn web: --diff shows no capability added" bash -c "! grep -q '^+ capability' '$OUT'"
check "learn web: a group for the network calls" grep -qx 'Allow=@network-io' "$P"
check "learn web: socket (denied by strict by name) flagged" \
        bash -c "grep -B1 -x 'Allow=socket' '$P' | grep -qx '# needed by the learning run: review'"
check "learn web: strict's kill default kept" grep -qx 'DefaultAction=kill-process' "$P"
not_allow_all "$P"
sed -i 's/^Policy=strict/Policy=web-learned/' "$UNITDIR/web.unit"
RC=0
"$SANDBOXCTL" check "$UNITDIR/web.unit" >"$TESTDIR/check.out" 2>&1 || RC=$?
check "learned web: sandboxctl check accepts the unit" test "$RC" = 0
LANG=C.UTF-8 sbx_run web
expect_rc 0 "learned web: runs"
check "learned web: the page is served" grep -q learned-page "$OUT"
check "learned web: zero denials" bash -c "! grep -q 'Denied:' '$ERR'"
[ "$ITEST_FAILS" = 0 ] || show_run
sed -i 's/^Policy=keys-learned/Policy=web-learned/' "$UNITDIR/keysmount.unit"
LANG=C.UTF-8 sbx_run keysmount
check "learned web: mount still denied (kill-process)" grep -q "Denied: mount .*(kill-process)" "$ERR"

# ---- a python asyncio server under strict ----
# An image of the host's python: an empty root whose /usr is the host's,
# bound read-only (Debian's merged /usr: /bin and /lib are symlinks into
# it), and the server as the image's own file. asyncio needs socketpair
# (its self-pipe), epoll, and a socket served and connected to on the
# sandbox's loopback; strict kills for each of them.
# Debian's python3, not whatever PATH finds first (a pyenv shim is a
# script under $HOME).
[ -x /usr/bin/python3 ] || die "no /usr/bin/python3 (tools/deps.sh --tests installs python3)"
PY=$(readlink -f /usr/bin/python3)
PYIMAGE=$TESTDIR/pyimage
mkdir -p "$PYIMAGE"/{etc,proc,dev,sys,tmp,run,usr,srv}
chmod 1777 "$PYIMAGE/tmp"
for l in bin lib lib64 sbin; do
        [ -L "/$l" ] && ln -s "usr/$l" "$PYIMAGE/$l"
done
cp "$IMAGE/etc/passwd" "$IMAGE/etc/group" "$PYIMAGE/etc/"
cat >"$PYIMAGE/srv/server.py" <<'PYEOF'
import asyncio

async def handle(reader, writer):
    line = await reader.readline()
    writer.write(b"echo " + line)
    await writer.drain()
    writer.close()
    await writer.wait_closed()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 8081)
    async with server:
        reader, writer = await asyncio.open_connection("127.0.0.1", 8081)
        writer.write(b"asyncio-ok\n")
        await writer.drain()
        print((await reader.readline()).decode().strip(), flush=True)
        writer.close()
        await writer.wait_closed()

asyncio.run(main())
PYEOF
sed -e 's|^AllowBindPaths=.*|AllowBindPaths=/usr|' "$SRC_DIR/policies/strict.policy" >"$TESTDIR/policies/pystrict.policy"
write_unit py <<UNIT
[Sandbox]
Image=$PYIMAGE
BindReadOnlyPaths=/usr:/usr
[Security]
Policy=pystrict
[Service]
ExecStart=$PY /srv/server.py
UNIT
LANG=C.UTF-8 sbx_run py
check "strict: the asyncio server is killed before learning" grep -q 'killed by seccomp' "$ERR"
learn py -o "$TESTDIR/policies/py-learned.policy"
expect_rc 0 "learn py: exit 0"
[ "$RC" = 0 ] || show_run
P=$TESTDIR/policies/py-learned.policy
check "learn py: the server answered while learning" grep -qx 'echo asyncio-ok' "$OUT"
check "learn py: socketpair (asyncio's self-pipe) allowed" grep -qE '^Allow=(socketpair|@network-io)$' "$P"
check "learn py: strict's kill default kept" grep -qx 'DefaultAction=kill-process' "$P"
check "learn py: strict's Deny= lines kept" grep -qx 'Deny=@chown:EPERM' "$P"
check "learn py: neither mount nor @mount allowed" bash -c "! grep -qE '^Allow=(@mount|mount)$' '$P'"
not_allow_all "$P"
sed -i 's/^Policy=pystrict/Policy=py-learned/' "$UNITDIR/py.unit"
LANG=C.UTF-8 sbx_run py
expect_rc 0 "learned py: runs"
check "learned py: the server answers" grep -qx 'echo asyncio-ok' "$OUT"
check "learned py: zero denials" bash -c "! grep -q 'Denied:' '$ERR'"
[ "$ITEST_FAILS" = 0 ] || show_run
sed -i 's/^Policy=web-learned/Policy=py-learned/' "$UNITDIR/keysmount.unit"
LANG=C.UTF-8 sbx_run keysmount
check "learned py: mount still denied (kill-process)" grep -q "Denied: mount .*(kill-process)" "$ERR"

# ---- --duration, bad input ----
write_unit forever <<'UNIT'
[Sandbox]
Image=@IMAGE@
[Security]
Policy=default
[Service]
ExecStart=/bin/sleep 1000
UNIT
start=$SECONDS
learn forever --duration=2
check "learn --duration=2: stopped in time" test $((SECONDS - start)) -lt 20
expect_rc 0 "learn --duration: the policy is written"
check "learn --duration: policy on stdout" grep -q '^\[Seccomp\]' "$OUT"

learn forever --duration=soon
check "learn --duration=soon: refused" bash -c "[ $RC != 0 ] && grep -q -- '--duration=' '$ERR'"
learn forever --base=no-such-policy
check "learn --base=no-such-policy: refused, named" bash -c "[ $RC != 0 ] && grep -q 'no-such-policy' '$ERR'"

itest_finish
