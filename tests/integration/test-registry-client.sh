#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The registry client (src/image/registry-client.c) against real registries
# on loopback: Debian's docker-registry, three instances over one storage
# (plain http; auth "silly", whose Bearer challenge a small token server
# answers; https with a test CA), and registry-front.py in front of the
# plain one for what a registry does not do on demand (dropped connections,
# 429, a redirect to another origin). The test program registry-get
# fetches a manifest and its blobs; every blob is checked with sha256sum.
#
# Covered: OCI and Docker v2s2 manifests and an index, by tag and by
# digest; parallel blob downloads; the Bearer flow with and without
# credentials from an auth.json (Basic to the token server only); a blob
# redirected to another origin never gets the registry's Authorization;
# resume with Range after a dropped connection, in the same process and
# across processes; 429 retried; https with certs.d's CA, refused without
# it, and --tls-verify=false; 404, 401 without credentials, a server that
# is not a registry: each a one-line error.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (the suite runs as root)"
REGISTRY_GET=${REGISTRY_GET:-$(dirname "$0")/../../build/tests/integration/registry-get}
[ -x "$REGISTRY_GET" ] || die "no registry-get at $REGISTRY_GET (set REGISTRY_GET)"
command -v docker-registry >/dev/null || skip "docker-registry is not installed (tools/deps.sh --tests)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

TESTDIR=$(mktemp -d /tmp/sbx-registry.XXXXXX)
PIDS=()
cleanup() {
        local rc=$? p
        for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
        if [ -n "${ITEST_KEEP:-}" ] && [ $rc -ne 0 ]; then itest_log "# kept $TESTDIR"; else rm -rf "$TESTDIR"; fi
        exit $rc
}
trap cleanup EXIT

# Free loopback ports, from the kernel.
read -r P_PLAIN P_SILLY P_TLS P_FRONT P_CDN P_TOKEN P_SILLYTOKEN P_WEB < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(8)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')

# ---- the registries ----

STORE=$TESTDIR/regdata
mkdir -p "$STORE"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sandboxd test CA" \
        -keyout "$TESTDIR/ca.key" -out "$TESTDIR/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$TESTDIR/srv.key" -out "$TESTDIR/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$TESTDIR/ext"
openssl x509 -req -in "$TESTDIR/srv.csr" -CA "$TESTDIR/ca.crt" -CAkey "$TESTDIR/ca.key" -CAcreateserial \
        -days 2 -extfile "$TESTDIR/ext" -out "$TESTDIR/srv.crt" 2>/dev/null

start_registry() {  # NAME PORT EXTRA-YAML
        cat >"$TESTDIR/$1.yml" <<EOF
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $STORE }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$2 $3 }
$4
EOF
        docker-registry serve "$TESTDIR/$1.yml" >"$TESTDIR/$1.log" 2>&1 &
        PIDS+=($!)
}
start_registry plain "$P_PLAIN" "" ""
start_registry silly "$P_SILLY" "" "auth: { silly: { realm: \"http://127.0.0.1:$P_SILLYTOKEN/token\", service: silly } }"
start_registry tls "$P_TLS" ", tls: { certificate: $TESTDIR/srv.crt, key: $TESTDIR/srv.key }" ""

# The token server of the silly registry, and the front.
python3 - "$P_SILLYTOKEN" "$TESTDIR/silly-token.log" <<'EOF' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        with open(sys.argv[2], "a") as f:
            f.write(f"{self.path} basic={self.headers.get('Authorization', 'none')}\n")
        b = b'{"token": "silly-token"}'
        self.send_response(200); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
PIDS+=($!)
FRONTLOG=$TESTDIR/front.log
python3 "$(dirname "$0")/registry-front.py" "http://127.0.0.1:$P_PLAIN" "$P_FRONT" "$P_CDN" "$P_TOKEN" "$FRONTLOG" &
PIDS+=($!)

up() { python3 -c "import urllib.request, sys
try: urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError: pass" "$1" 2>/dev/null; }
for url in "http://127.0.0.1:$P_PLAIN/v2/" "http://127.0.0.1:$P_SILLY/v2/" "http://127.0.0.1:$P_FRONT/v2/"; do
        wait_for 15 up "$url" || die "no answer from $url: $(cat "$TESTDIR"/*.log | tail -5)"
done

# ---- images, pushed through the API ----

# Two layers (one of 3 MiB of noise, so that a half-sent one is really
# half), a config, an OCI manifest, a Docker v2s2 manifest of the same
# blobs, and an OCI index with an amd64 and an arm64 entry.
python3 - "http://127.0.0.1:$P_PLAIN" "$TESTDIR" <<'EOF' || die "pushing the test images failed"
import gzip, hashlib, io, json, os, sys, tarfile, urllib.request
base, out = sys.argv[1], sys.argv[2]
repo = "t/img"
def layer(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for name, data in files:
            i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    raw = b.getvalue()
    return gzip.compress(raw, mtime=0), "sha256:" + hashlib.sha256(raw).hexdigest()
def push(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    r = urllib.request.urlopen(urllib.request.Request(f"{base}/v2/{repo}/blobs/uploads/", method="POST"))
    loc = r.headers["Location"]
    loc = base + loc if loc.startswith("/") else loc
    urllib.request.urlopen(urllib.request.Request(f"{loc}{'&' if '?' in loc else '?'}digest={d}", data=data,
                           method="PUT", headers={"Content-Type": "application/octet-stream"}))
    return {"digest": d, "size": len(data)}
def put_manifest(ref, mt, body):
    urllib.request.urlopen(urllib.request.Request(f"{base}/v2/{repo}/manifests/{ref}", data=body, method="PUT",
                           headers={"Content-Type": mt}))
    return {"mediaType": mt, "digest": "sha256:" + hashlib.sha256(body).hexdigest(), "size": len(body)}
l1, d1 = layer([("hello", b"hello\n")])
l2, d2 = layer([("noise", os.urandom(3 << 20))])
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/hello"]},
                  "rootfs": {"type": "layers", "diff_ids": [d1, d2]}}).encode()
c, b1, b2 = push(cfg), push(l1), push(l2)
oci = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": dict(c, mediaType="application/vnd.oci.image.config.v1+json"),
                  "layers": [dict(b, mediaType="application/vnd.oci.image.layer.v1.tar+gzip") for b in (b1, b2)]}).encode()
dock = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                   "config": dict(c, mediaType="application/vnd.docker.container.image.v1+json"),
                   "layers": [dict(b, mediaType="application/vnd.docker.image.rootfs.diff.tar.gzip") for b in (b1, b2)]}).encode()
m_oci = put_manifest("oci", "application/vnd.oci.image.manifest.v1+json", oci)
m_dock = put_manifest("docker", "application/vnd.docker.distribution.manifest.v2+json", dock)
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    dict(m_oci, platform={"architecture": "amd64", "os": "linux"}),
    dict(m_dock, platform={"architecture": "arm64", "os": "linux"})]}).encode()
put_manifest("multi", "application/vnd.oci.image.index.v1+json", idx)
with open(f"{out}/digests", "w") as f:
    f.write(f"OCI={m_oci['digest']}\nBIG={b2['digest']}\nBIGSIZE={b2['size']}\nCONFIG={c['digest']}\n")
EOF
. "$TESTDIR/digests"

# get NAME ARGS...: registry-get into $TESTDIR/NAME; its output in
# $TESTDIR/NAME.out and .err, the status in $RC.
get() {
        local name=$1
        shift
        mkdir -p "$TESTDIR/$name"
        RC=0
        timeout -s KILL 120 "$REGISTRY_GET" "$@" "$TESTDIR/$name" >"$TESTDIR/$name.out" 2>"$TESTDIR/$name.err" || RC=$?
}
# blobs_verified NAME: every blob it listed is there and hashes to its digest.
blobs_verified() {
        local d size from res n=0
        while read -r _ d size from res; do
                [ "$res" = 0 ] || return 1
                [ "$(stat -c %s "$TESTDIR/$1/${d#sha256:}")" = "$size" ] || return 1
                [ "sha256:$(sha256sum <"$TESTDIR/$1/${d#sha256:}" | cut -d' ' -f1)" = "$d" ] || return 1
                n=$((n + 1))
        done < <(grep '^blob: ' "$TESTDIR/$1.out")
        [ $n = 3 ]
}
err_line() { tr '\n' ' ' <"$TESTDIR/$1.err"; }

# ---- plain http ----

get oci --insecure "127.0.0.1:$P_PLAIN" t/img oci
check "OCI manifest by tag over plain http with --insecure (exit $RC: $(err_line oci))" [ "$RC" = 0 ]
expect_match "$TESTDIR/oci.out" '^media-type: application/vnd.oci.image.manifest.v1\+json$' "its media type is OCI's"
expect_match "$TESTDIR/oci.out" '^scheme: http$' "https failed, plain http was used"
check "the config and both layers arrived and hash to their digests" blobs_verified oci
check "the manifest's bytes hash to the digest the registry stored" \
        [ "sha256:$(sha256sum <"$TESTDIR/oci/manifest" | cut -d' ' -f1)" = "$OCI" ]

get bydigest --insecure --parallel 1 "127.0.0.1:$P_PLAIN" t/img "$OCI"
check "the same manifest by digest, blobs one at a time (exit $RC: $(err_line bydigest))" \
        eval '[ "$RC" = 0 ] && blobs_verified bydigest'

get docker --insecure "127.0.0.1:$P_PLAIN" t/img docker
check "Docker v2s2 manifest (exit $RC)" eval '[ "$RC" = 0 ] && blobs_verified docker'
expect_match "$TESTDIR/docker.out" '^media-type: application/vnd.docker.distribution.manifest.v2\+json$' "its media type is Docker's"

get multi --insecure "127.0.0.1:$P_PLAIN" t/img multi
check "an index comes back as an index (exit $RC)" [ "$RC" = 0 ]
expect_match "$TESTDIR/multi.out" '^media-type: application/vnd.oci.image.index.v1\+json$' "media type of an OCI index"

get verified "127.0.0.1:$P_PLAIN" t/img oci
check "with TLS verification on, a plain-http registry is refused (exit $RC)" [ "$RC" = 1 ]
expect_match "$TESTDIR/verified.err" '^error: .*SSL|TLS|ssl' "the error names TLS: $(err_line verified)"

get missing --insecure "127.0.0.1:$P_PLAIN" t/img nosuchtag
check "an unknown tag fails (exit $RC)" [ "$RC" = 1 ]
expect_match "$TESTDIR/missing.err" '^error: manifest unknown to the registry \(HTTP 404\)' "one line naming the 404: $(err_line missing)"

get badref --insecure "127.0.0.1:$P_PLAIN" t/img 'x/../../v2'
check "a reference that is not a tag or digest is refused before any request (exit $RC)" [ "$RC" = 1 ]
expect_match "$TESTDIR/badref.err" 'invalid tag or digest' "... saying so"

# Not a registry: an http server that answers 404 for /v2/.
(cd "$TESTDIR" && exec python3 -m http.server --bind 127.0.0.1 "$P_WEB" >/dev/null 2>&1) &
PIDS+=($!)
wait_for 10 up "http://127.0.0.1:$P_WEB/" || die "the plain web server does not answer"
get notreg --insecure "127.0.0.1:$P_WEB" t/img oci
check "a web server that is not a registry (exit $RC)" [ "$RC" = 1 ]
expect_match "$TESTDIR/notreg.err" 'answered HTTP 404: not a registry\?' "one line saying so: $(err_line notreg)"

# ---- the Bearer flow: the silly registry and its token server ----

get silly --insecure "127.0.0.1:$P_SILLY" t/img oci
check "anonymous Bearer flow (exit $RC: $(err_line silly))" eval '[ "$RC" = 0 ] && blobs_verified silly'
expect_match "$TESTDIR/silly-token.log" 'scope=repository%3At%2Fimg%3Apull&service=silly basic=none' \
        "the token was asked for repository:t/img:pull, service silly, without credentials"

printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$P_SILLY" "$(printf 'alice:s3cret' | base64)" >"$TESTDIR/auth.json"
: >"$TESTDIR/silly-token.log"
get sillyauth --insecure --auth "$TESTDIR/auth.json" "127.0.0.1:$P_SILLY" t/img docker
check "Bearer flow with credentials from auth.json (exit $RC)" eval '[ "$RC" = 0 ] && blobs_verified sillyauth'
expect_match "$TESTDIR/silly-token.log" "basic=Basic $(printf 'alice:s3cret' | base64)" "the token server got them as Basic"

# ---- the front: token server, redirects, drops, 429 ----

: >"$FRONTLOG"
echo redirect >"$FRONTLOG.mode"
get redirect --insecure "127.0.0.1:$P_FRONT" t/img oci
check "blobs redirected to another origin (exit $RC: $(err_line redirect))" eval '[ "$RC" = 0 ] && blobs_verified redirect'
check "the CDN served all three blobs" [ "$(grep -c '^cdn /v2/t/img/blobs/' "$FRONTLOG")" = 3 ]
expect_no_match "$FRONTLOG" '^cdn .* auth=yes' "the registry's Authorization never went to the other origin"
expect_match "$FRONTLOG" '^front /v2/t/img/manifests/oci auth=bearer' "... while the registry got its token"

: >"$FRONTLOG"
echo drop >"$FRONTLOG.mode"
get drop --insecure "127.0.0.1:$P_FRONT" t/img oci
check "connections dropped half-way through each blob: resumed (exit $RC: $(err_line drop))" \
        eval '[ "$RC" = 0 ] && blobs_verified drop'
expect_match "$FRONTLOG" "^front /v2/t/img/blobs/$BIG auth=bearer range=bytes=[1-9][0-9]*-$" \
        "the big layer was asked again with a Range from where it stopped"

: >"$FRONTLOG"
echo 429 >"$FRONTLOG.mode"
get busy --insecure "127.0.0.1:$P_FRONT" t/img oci
check "429 on the first GET of each blob: retried (exit $RC: $(err_line busy))" eval '[ "$RC" = 0 ] && blobs_verified busy'
check "... each blob was asked twice" [ "$(grep -c "^front /v2/t/img/blobs/$CONFIG " "$FRONTLOG")" = 2 ]

# A download killed half-way, resumed by the next process from what is on disk.
echo "" >"$FRONTLOG.mode"
mkdir -p "$TESTDIR/resume"
head -c $((BIGSIZE / 3)) "$TESTDIR/oci/${BIG#sha256:}" >"$TESTDIR/resume/${BIG#sha256:}"
: >"$FRONTLOG"
get resume --insecure "127.0.0.1:$P_FRONT" t/img oci
check "a partial blob left by an earlier process is completed (exit $RC)" eval '[ "$RC" = 0 ] && blobs_verified resume'
expect_match "$FRONTLOG" "^front /v2/t/img/blobs/$BIG auth=bearer range=bytes=$((BIGSIZE / 3))-$" \
        "... from its size on, with a Range"

# ---- https ----

wait_for 15 eval "timeout 2 openssl s_client -connect 127.0.0.1:$P_TLS </dev/null >/dev/null 2>&1" ||
        die "the TLS registry does not answer"
get tlsnoca "127.0.0.1:$P_TLS" t/img oci
check "https with a CA we do not trust: refused (exit $RC)" [ "$RC" = 1 ]
expect_match "$TESTDIR/tlsnoca.err" 'certificate' "the error names the certificate: $(err_line tlsnoca)"
mkdir -p "$TESTDIR/certs.d/127.0.0.1:$P_TLS"
cp "$TESTDIR/ca.crt" "$TESTDIR/certs.d/127.0.0.1:$P_TLS/ca.crt"
get tls --certs "$TESTDIR/certs.d" "127.0.0.1:$P_TLS" t/img oci
check "https with certs.d/HOST:PORT/ca.crt (exit $RC: $(err_line tls))" eval '[ "$RC" = 0 ] && blobs_verified tls'
expect_match "$TESTDIR/tls.out" '^scheme: https$' "over https"
get tlsinsecure --insecure "127.0.0.1:$P_TLS" t/img oci
check "https with --insecure and no CA (exit $RC)" eval '[ "$RC" = 0 ] && blobs_verified tlsinsecure'
expect_match "$TESTDIR/tlsinsecure.out" '^scheme: https$' "still https, unverified"

itest_finish
