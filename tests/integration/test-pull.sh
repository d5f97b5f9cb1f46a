#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sandboxctl image pull against Debian's docker-registry on loopback
# (plain http, --tls-verify=false), filled with skopeo from an image built
# offline with umoci from busybox-static. Covered: pull by tag and by
# digest, an index with arm64 and amd64 entries (amd64 is picked; the
# arm64 entry names a manifest the registry does not have), a unit with
# Image=HOST:PORT/REPO:TAG run after the pull, a blob corrupted in the
# registry's storage (fails naming the digest, nothing of it in the store),
# an unknown tag (one line), and a pull resumed from the bytes a killed
# pull left in blobs/sha256/.partial/. Then registries.conf (insecure =
# true, and a bad file naming FILE:LINE), Pull= at `sandboxctl run`
# (missing, never, always, newer: a moved tag, an unreachable registry),
# and sandboxd pulling in a worker behind a slow registry-front.py while
# `sandboxctl list` answers and `status` shows the job.
#
# The store is $TESTDIR/store (SANDBOXD_STORE_DIR), removed with TESTDIR.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

command -v docker-registry >/dev/null || skip "docker-registry is not installed (tools/deps.sh --tests)"
command -v umoci >/dev/null || skip "umoci is not installed (Debian package umoci)"
command -v skopeo >/dev/null || skip "skopeo is not installed (Debian package skopeo)"
command -v python3 >/dev/null || skip "python3 is not installed"
[ "$(uname -m)" = x86_64 ] || skip "the test images are amd64"

export SANDBOXD_STORE_DIR=$TESTDIR/store
export SANDBOXD_RUNTIME_DIR=$TESTDIR/run
mkdir -p "$SANDBOXD_RUNTIME_DIR/services"
export HOME=$TESTDIR/home
mkdir -p "$HOME"
ctl() { "$SANDBOXCTL" "$@"; }

leftovers_snapshot "$TESTDIR/before"

read -r PORT < <(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REG=127.0.0.1:$PORT
REGDATA=$TESTDIR/regdata
mkdir -p "$REGDATA"
cat >"$TESTDIR/registry.yml" <<EOF
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $REGDATA }, delete: { enabled: true } }
http: { addr: $REG }
EOF
docker-registry serve "$TESTDIR/registry.yml" >"$TESTDIR/registry.log" 2>&1 &
bg_track $!
up() { python3 -c "import urllib.request, sys
try: urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError: pass" "$1" 2>/dev/null; }
wait_for 15 up "http://$REG/v2/" || die "no answer from the registry: $(tail -5 "$TESTDIR/registry.log")"

# ---- the images: busybox plus 4 MiB of noise (so that a resume has
# something to resume), and a copy with a layer of its own to corrupt ----
(
        cd "$TESTDIR"
        umoci init --layout oci
        umoci new --image oci:img
        umoci unpack --image oci:img b >/dev/null
        r=b/rootfs
        mkdir -p $r/bin $r/etc $r/data
        cp /bin/busybox $r/bin/
        for c in sh cat ls echo; do ln -s busybox $r/bin/$c; done
        echo pulled >$r/data/hello
        umoci repack --image oci:img b
        rm -rf b
        mkdir -p n && head -c $((4 << 20)) /dev/urandom >n/noise
        tar -C n --owner=0 --group=0 -cf noise.tar noise
        umoci raw add-layer --image oci:img noise.tar
        umoci config --image oci:img --os linux --architecture amd64
        cp -a oci bad
        mkdir -p u && head -c 4096 /dev/urandom >u/own
        tar -C u --owner=0 --group=0 -cf own.tar own
        umoci raw add-layer --image bad:img own.tar
        skopeo --insecure-policy copy -q --dest-tls-verify=false oci:oci:img "docker://$REG/t/img:1"
        skopeo --insecure-policy copy -q --dest-tls-verify=false oci:bad:img "docker://$REG/t/bad:1"
        skopeo --insecure-policy copy -q --dest-tls-verify=false oci:bad:img "docker://$REG/t/img:other"
) >"$TESTDIR/build.log" 2>&1 || { cat "$TESTDIR/build.log"; die "building or pushing the test images failed"; }

# The manifest digests as the registry has them, an index with an arm64
# entry first (t/bad's manifest: picking it pulls another digest) and the
# amd64 one, and the digest of the noise layer and t/bad's own layer.
python3 - "http://$REG" "$TESTDIR/digests" <<'EOF' || die "reading the registry failed"
import hashlib, json, sys, urllib.request
base, out = sys.argv[1], sys.argv[2]
def manifest(repo, ref):
    r = urllib.request.urlopen(urllib.request.Request(f"{base}/v2/{repo}/manifests/{ref}", headers={"Accept":
        "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"}))
    body = r.read()
    return body, r.headers["Content-Type"], "sha256:" + hashlib.sha256(body).hexdigest()
body, mt, dg = manifest("t/img", "1")
noise = json.loads(body)["layers"][-1]
bbody, _, bdg = manifest("t/img", "other")
bad = json.loads(bbody)["layers"][-1]["digest"]
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    {"mediaType": mt, "digest": bdg, "size": len(bbody), "platform": {"architecture": "arm64", "os": "linux"}},
    {"mediaType": mt, "digest": dg, "size": len(body), "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
urllib.request.urlopen(urllib.request.Request(f"{base}/v2/t/img/manifests/multi", data=idx, method="PUT",
                       headers={"Content-Type": "application/vnd.oci.image.index.v1+json"}))
with open(out, "w") as f:
    f.write(f"MANIFEST={dg}\nNOISE={noise['digest']}\nNOISESIZE={noise['size']}\nBAD={bad}\n"
            f"INDEX=sha256:{hashlib.sha256(idx).hexdigest()}\n")
EOF
. "$TESTDIR/digests"
BLOBS=$SANDBOXD_STORE_DIR/blobs/sha256

pull() {  # NAME REF...: output in $TESTDIR/NAME.out, .err; status in $RC
        local name=$1
        shift
        RC=0
        timeout -s KILL 120 "$SANDBOXCTL" image pull "$@" >"$TESTDIR/$name.out" 2>"$TESTDIR/$name.err" || RC=$?
}
only_complete_blobs() {
        local f
        for f in "$BLOBS"/*; do
                [ -f "$f" ] || continue
                [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || return 1
        done
        [ -z "$(find "$BLOBS" -maxdepth 1 -name '.tmp-*')" ]
}

# ---- a partial blob, as a pull killed half-way leaves it: resumed ----
mkdir -p "$BLOBS/.partial"
chmod 0700 "$SANDBOXD_STORE_DIR" "$SANDBOXD_STORE_DIR/blobs" "$BLOBS"
python3 - "http://$REG/v2/t/img/blobs/$NOISE" "$BLOBS/.partial/${NOISE#sha256:}" "$((NOISESIZE / 2))" <<'EOF'
import sys, urllib.request
data = urllib.request.urlopen(sys.argv[1]).read()
open(sys.argv[2], "wb").write(data[:int(sys.argv[3])])
EOF

pull tag --tls-verify=false "$REG/t/img:1"
check "pull by tag (exit $RC: $(cat "$TESTDIR/tag.err"))" [ "$RC" = 0 ]
expect_match "$TESTDIR/tag.out" "^Copying blob ${NOISE:0:19}\.\.\. .* \(resumed at " \
        "the half-downloaded layer is resumed from .partial/"
expect_match "$TESTDIR/tag.out" "^$MANIFEST $REG/t/img:1\$" "the manifest digest and the name are printed"
plain_lines() {
        [ "$(grep -c '^Copying blob sha256:[0-9a-f]\{12\}\.\.\. ' "$TESTDIR/tag.out")" = 2 ] &&
                [ "$(grep -c '^Copying config ' "$TESTDIR/tag.out")" = 1 ] &&
                ! grep -q $'\033' "$TESTDIR/tag.out"
}
check "not on a terminal: a plain line per layer and one for the config, no escapes" plain_lines
check "the resumed layer is complete and hashes to its digest" \
        [ "$(sha256sum <"$BLOBS/${NOISE#sha256:}" | cut -d' ' -f1)" = "${NOISE#sha256:}" ]
check "no partial blob is left" [ -z "$(ls -A "$BLOBS/.partial" 2>/dev/null)" ]
check "only complete blobs in the store" only_complete_blobs

printf '[Sandbox]\nImage=%s/t/img:1\n[Service]\nExecStart=/bin/cat /data/hello\n' "$REG" >"$UNITDIR/reg.unit"
sbx_run reg
expect_rc 0 "a unit with Image=$REG/t/img:1 runs after the pull"
expect_line "$OUT" "pulled" "it sees the image's files"
[ "$RC" = 0 ] || show_run

pull again --tls-verify=false "$REG/t/img:1"
check "a second pull succeeds (exit $RC)" [ "$RC" = 0 ]
expect_match "$TESTDIR/again.out" "skipped: already in the store" "and downloads nothing again"

# ---- by digest, and an index ----
rm -rf "$SANDBOXD_STORE_DIR"
pull digest --tls-verify=false "$REG/t/img@$MANIFEST"
check "pull by digest (exit $RC: $(cat "$TESTDIR/digest.err"))" [ "$RC" = 0 ]
printf '[Sandbox]\nImage=%s/t/img@%s\n[Service]\nExecStart=/bin/cat /data/hello\n' "$REG" "$MANIFEST" >"$UNITDIR/dig.unit"
sbx_run dig
expect_line "$OUT" "pulled" "a unit naming the digest runs"

pull multi --tls-verify=false "$REG/t/img:multi"
check "an index with arm64 and amd64 entries pulls (exit $RC: $(cat "$TESTDIR/multi.err"))" [ "$RC" = 0 ]
expect_match "$TESTDIR/multi.out" "^$MANIFEST $REG/t/img:multi\$" "the amd64 manifest was picked"
pull multidigest --tls-verify=false "$REG/t/img@$INDEX"
check "the index by its digest (exit $RC: $(cat "$TESTDIR/multidigest.err"))" [ "$RC" = 0 ]
printf '[Sandbox]\nImage=%s/t/img@%s\n[Service]\nExecStart=/bin/cat /data/hello\n' "$REG" "$INDEX" >"$UNITDIR/idx.unit"
sbx_run idx
expect_line "$OUT" "pulled" "a unit naming the index's digest runs the image picked from it"

# ---- registries.conf: insecure = true instead of --tls-verify=false ----
export SANDBOXD_CONFIG_DIR=$TESTDIR/etc
mkdir -p "$SANDBOXD_CONFIG_DIR"
CONF=$SANDBOXD_CONFIG_DIR/registries.conf
printf '[[registry]]\nlocation = "%s"\ninsecure = yes\n' "$REG" >"$CONF"
pull badconf "$REG/t/img:1"
check "a bad registries.conf fails the pull (exit $RC)" [ "$RC" = 1 ]
expect_match "$TESTDIR/badconf.err" "registries.conf:3: insecure: expected true or false" \
        "naming FILE:LINE: $(cat "$TESTDIR/badconf.err")"
printf '# the test registry\n[[registry]]\nlocation = "%s"  # plain http\ninsecure = true\n' "$REG" >"$CONF"
rm -rf "$SANDBOXD_STORE_DIR"
pull conf "$REG/t/img:1"
check "with insecure = true for it, the plain-http registry pulls without --tls-verify (exit $RC: $(cat "$TESTDIR/conf.err"))" \
        [ "$RC" = 0 ]

# ---- Pull= at start (sandboxctl run) ----
rm -rf "$SANDBOXD_STORE_DIR"
pull_unit() {  # NAME POLICY REF
        printf '[Sandbox]\nImage=%s\n%s[Service]\nExecStart=/bin/cat /data/hello\n' "$3" \
                "${2:+Pull=$2
}" >"$UNITDIR/$1.unit"
}
pull_unit pmissing "" "$REG/t/img:1"
sbx_run pmissing
expect_rc 0 "Pull=missing (the default): run pulls what the store does not have"
expect_line "$OUT" "pulled" "and runs it"
expect_match "$ERR" "^Copying blob ${NOISE:0:19}\.\.\. " "the pull's lines go to stderr"
sbx_run pmissing
expect_no_match "$ERR" "^Copying" "a second run pulls nothing"

pull_unit pnever never "$REG/t/img:multi"
sbx_run pnever
check "Pull=never with the image absent fails (exit $RC)" [ "$RC" != 0 ]
expect_match "$ERR" "pnever.unit:2: Image: .*not in the local store, and Pull=never" "naming FILE:LINE: $(cat "$ERR")"

pull_unit palways always "$REG/t/img:1"
sbx_run palways
expect_rc 0 "Pull=always runs"
expect_match "$ERR" "^Copying blob .* skipped: already in the store" "after asking the registry again"

skopeo --insecure-policy copy -q --src-tls-verify=false --dest-tls-verify=false \
        "docker://$REG/t/img:1" "docker://$REG/t/img:moving" >/dev/null 2>&1 || die "skopeo copy to t/img:moving failed"
pull_unit pnewer newer "$REG/t/img:moving"
sbx_run pnewer
expect_rc 0 "Pull=newer pulls an image the store does not have"
sbx_run pnewer
expect_rc 0 "Pull=newer runs again"
expect_no_match "$ERR" "^Copying" "the registry has the same digest: nothing pulled"
skopeo --insecure-policy copy -q --src-tls-verify=false --dest-tls-verify=false \
        "docker://$REG/t/img:other" "docker://$REG/t/img:moving" >/dev/null 2>&1 || die "skopeo copy to t/img:moving failed"
sbx_run pnewer
expect_rc 0 "Pull=newer runs after the tag moved"
expect_match "$ERR" "^Copying blob " "and pulled the new image"
ctl image inspect "$REG/t/img:moving" >"$TESTDIR/moving.out" 2>&1
expect_no_match "$TESTDIR/moving.out" "Digest: +$MANIFEST" "the store's tag moved with the registry's"

ctl image import "oci:$TESTDIR/oci:img" 127.0.0.1:1/t/img:1 >/dev/null 2>&1 || fail "image import as 127.0.0.1:1/t/img:1"
pull_unit pdown newer 127.0.0.1:1/t/img:1
sbx_run pdown
expect_rc 0 "Pull=newer with the registry unreachable runs the stored image"
expect_match "$ERR" "cannot ask the registry for a newer image" "with a warning: $(head -c 300 "$ERR")"

# ---- sandboxd pulls in a worker: its loop answers meanwhile ----
daemon_init
read -r P_FRONT P_CDN P_TOKEN < <(python3 -c '
import socket
l = [socket.socket() for _ in range(3)]
for s in l: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in l])')
FRONTLOG=$TESTDIR/front.log
echo slow >"$FRONTLOG.mode"
python3 "$(dirname "$0")/registry-front.py" "http://$REG" "$P_FRONT" "$P_CDN" "$P_TOKEN" "$FRONTLOG" \
        >"$TESTDIR/front.out" 2>&1 &
bg_track $!
wait_for 15 up "http://127.0.0.1:$P_FRONT/v2/" || die "no answer from registry-front.py"
printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$P_FRONT" >"$CONF"
rm -rf "$SANDBOXD_STORE_DIR"
write_unit slow <<UNIT
[Sandbox]
Image=127.0.0.1:$P_FRONT/t/img:1
[Service]
ExecStart=/bin/busybox sleep 1000
UNIT
at_exit 'daemon_cleanup slow'
start_daemon
timeout -s KILL 90 "$SANDBOXCTL" start "$UNITDIR/slow.unit" >"$TESTDIR/start.out" 2>"$TESTDIR/start.err" &
START_PID=$!
bg_track $START_PID
# status exits 3 for a service that is not running, as systemctl does.
pulling() {
        timeout 5 "$SANDBOXCTL" status slow >"$TESTDIR/status-slow.out" 2>&1 || true
        grep -q "Job: *start: pulling" "$TESTDIR/status-slow.out"
}
if wait_for 20 pulling; then
        t0=$(date +%s%N)
        timeout 5 "$SANDBOXCTL" list >"$TESTDIR/list-during.out" 2>&1 || true
        ms=$((($(date +%s%N) - t0) / 1000000))
        check "sandboxctl list answers in ${ms} ms (< 1000) while sandboxd pulls" [ "$ms" -lt 1000 ]
        expect_match "$TESTDIR/list-during.out" "slow" "and lists the service being pulled for"
        check "the pull was still running then" pulling
else
        fail "sandboxctl status never showed the pull: $("$SANDBOXCTL" status slow 2>&1 | head -5 | tr '\n' ' ')"
fi
RC=0
wait "$START_PID" || RC=$?
check "the start completes once the image is pulled (exit $RC: $(cat "$TESTDIR/start.err"))" [ "$RC" = 0 ]
sc status slow
expect_match "$TESTDIR/sc.out" "Active: .*running" "the service runs"
expect_no_match "$TESTDIR/sc.out" "Job:" "and no job is shown any more"
sc stop slow
check "it stops (exit $RC)" [ "$RC" = 0 ]

# A start whose pull fails leaves nothing: no service, no worker.
printf '[Sandbox]\nImage=127.0.0.1:%s/t/img:nosuchtag\n[Service]\nExecStart=/bin/busybox true\n' "$P_FRONT" \
        >"$UNITDIR/nopull.unit"
echo "" >"$FRONTLOG.mode"
sc start "$UNITDIR/nopull.unit"
check "a start whose pull fails fails (exit $RC)" [ "$RC" != 0 ]
expect_match "$TESTDIR/sc.err" "nopull.unit:2: Image: 127.0.0.1:$P_FRONT/t/img:nosuchtag: " "naming FILE:LINE: $SC_ERR"
sc list
expect_no_match "$TESTDIR/sc.out" "nopull" "and leaves no service behind"
stop_daemon
rm -f "$CONF"
# t/img:other shares the layer the next section corrupts in the registry.
rm -rf "$SANDBOXD_STORE_DIR"

# ---- bad input ----
pull verify "$REG/t/img:1"
check "with TLS verification on, a plain-http registry is refused (exit $RC)" [ "$RC" = 1 ]

pull missing --tls-verify=false "$REG/t/img:nosuchtag"
check "an unknown tag fails with exit 1 (exit $RC)" [ "$RC" = 1 ]
check "with one line" [ "$(wc -l <"$TESTDIR/missing.err")" = 1 ]
expect_match "$TESTDIR/missing.err" "^(sandboxctl: )?$REG/t/img:nosuchtag: .*(404|unknown)" "naming the reference and the 404"

f=$REGDATA/docker/registry/v2/blobs/sha256/${BAD:7:2}/${BAD#sha256:}/data
[ -f "$f" ] || die "no blob $BAD in the registry's storage"
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); b = f.read(1); f.seek(0); f.write(bytes([b[0] ^ 0xff]))' "$f"
pull corrupt --tls-verify=false "$REG/t/bad:1"
check "a corrupted blob fails the pull (exit $RC)" [ "$RC" = 1 ]
check "with one line" [ "$(wc -l <"$TESTDIR/corrupt.err")" = 1 ]
expect_match "$TESTDIR/corrupt.err" "^(sandboxctl: )?$REG/t/bad:1: .*$BAD does not match its digest" "naming the blob: $(cat "$TESTDIR/corrupt.err")"
check "nothing of that blob is in the store" \
        [ -z "$(find "$SANDBOXD_STORE_DIR" -name "*${BAD#sha256:}*")" ]
check "only complete blobs in the store" only_complete_blobs
ctl image list >"$TESTDIR/list.out" 2>&1
expect_no_match "$TESTDIR/list.out" "t/bad" "the failed image has no name in the store"

leftovers_check "$TESTDIR/before" "registry pulls"
itest_finish
