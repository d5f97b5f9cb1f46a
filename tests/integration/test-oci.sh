#!/bin/bash
# OCI images: built offline with umoci from busybox-static (a second layer
# deletes a file, a third makes a directory opaque), converted with skopeo
# to an OCI archive and a docker-archive, and by hand to Docker 25's
# OCI-layout-in-tar. Each form runs; from inside the sandbox the deleted
# file is gone, no .wh. name shows, the opaque directory hides what was
# below it; the image's Entrypoint/Cmd/Env/WorkingDir/User are the
# defaults; the plan pins the manifest and every diff_id. Then the store's
# verbs (rm refused while a service runs the image, prune frees) and bad
# input (a corrupt blob, a truncated archive, another architecture, an
# unknown media type, hostile layers): one line naming the image, exit 1,
# and nothing in the store but complete blobs.
#
# The store is $TESTDIR/store (SANDBOXD_STORE_DIR), removed with TESTDIR.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
itest_init

command -v umoci >/dev/null || skip "umoci is not installed (Debian package umoci)"
command -v skopeo >/dev/null || skip "skopeo is not installed (Debian package skopeo)"
command -v python3 >/dev/null || skip "python3 is needed to write hostile layers"

export SANDBOXD_STORE_DIR=$TESTDIR/store
# A runtime directory of our own: rm and prune read which services run
# from SERVICES/NAME/{plan.json,state}, as sandboxd writes them.
export SANDBOXD_RUNTIME_DIR=$TESTDIR/run
mkdir -p "$SANDBOXD_RUNTIME_DIR/services"
# umoci and skopeo keep state under $HOME.
export HOME=$TESTDIR/home
mkdir -p "$HOME"
O=$TESTDIR/oci
ctl() { "$SANDBOXCTL" "$@"; }

leftovers_snapshot "$TESTDIR/before"

# ---- the image ----
(
        cd "$TESTDIR"
        umoci init --layout oci
        umoci new --image oci:img
        umoci unpack --image oci:img b >/dev/null
        r=b/rootfs
        mkdir -p $r/bin $r/etc $r/data $r/opq
        cp /bin/busybox $r/bin/
        for c in sh cat ls id echo env pwd find stat; do ln -s busybox $r/bin/$c; done
        printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >$r/etc/passwd
        printf 'root:x:0:\napp:x:1000:\n' >$r/etc/group
        echo gone >$r/data/deleted
        echo stays >$r/data/kept
        echo lower >$r/opq/lowerfile
        umoci repack --image oci:img b
        rm -rf b
        umoci unpack --image oci:img b >/dev/null
        rm b/rootfs/data/deleted
        umoci repack --image oci:img b
        # The opaque directory, as docker and buildah write it: umoci does
        # not make one, so the layer is written by hand.
        mkdir -p l3/opq
        touch l3/opq/.wh..wh..opq
        echo top >l3/opq/top
        tar -C l3 --owner=0 --group=0 -cf l3.tar opq
        umoci raw add-layer --image oci:img l3.tar
        umoci config --image oci:img --config.env FOO=1 --config.entrypoint /bin/echo --config.cmd from-cmd \
                --config.workingdir /data --config.user app --config.exposedports 8080/tcp \
                --os linux --architecture amd64
        skopeo --insecure-policy copy -q oci:oci:img oci-archive:img-oci.tar:img
        skopeo --insecure-policy copy -q oci:oci:img docker-archive:img-docker.tar:t/img:1
) >"$TESTDIR/build.log" 2>&1 || { cat "$TESTDIR/build.log"; die "building the test images failed"; }

# Docker 25+'s docker save: an OCI layout plus manifest.json in one tar.
python3 - "$O" "$TESTDIR/img-docker25.tar" <<'EOF'
import json, os, sys, tarfile
lay, out = sys.argv[1], sys.argv[2]
idx = json.load(open(os.path.join(lay, "index.json")))
m = json.load(open(os.path.join(lay, "blobs/sha256", idx["manifests"][0]["digest"][7:])))
mj = [{"Config": "blobs/sha256/" + m["config"]["digest"][7:], "RepoTags": ["t/new:25"],
       "Layers": ["blobs/sha256/" + l["digest"][7:] for l in m["layers"]]}]
with open(os.path.join(lay, "manifest.json"), "w") as f:
    json.dump(mj, f)
with tarfile.open(out, "w") as t:
    for n in ("oci-layout", "index.json", "manifest.json", "blobs"):
        t.add(os.path.join(lay, n), n)
os.unlink(os.path.join(lay, "manifest.json"))
EOF

# ---- oci: ----
write_unit layout <<EOF
[Sandbox]
Image=oci:$O:img
[Service]
ExecStart=/bin/sh -c 'echo deleted=\$(cat /data/deleted 2>&1 >/dev/null | wc -l); echo kept=\$(cat /data/kept); echo opq=\$(ls /opq | tr "\\n" " "); echo wh=\$(find / -xdev -name ".wh.*" | wc -l); echo user=\$(id -u); echo pwd=\$(pwd); echo FOO=\$FOO'
EOF
sbx_run layout
expect_rc 0 "oci: layout runs"
expect_line "$OUT" "deleted=1" "the file a layer deleted is gone"
expect_line "$OUT" "kept=stays" "lower layer content shows"
expect_line "$OUT" "opq=top" "the opaque directory hides the lower layers' files"
expect_line "$OUT" "wh=0" "no .wh. names inside"
expect_line "$OUT" "user=1000" "the image's User (app) is the default"
expect_line "$OUT" "pwd=/data" "the image's WorkingDir is the default"
expect_line "$OUT" "FOO=1" "the image's Env is the base environment"
[ "$RC" = 0 ] || show_run

# Whiteouts in the store are overlayfs's: 0/0 character devices and the
# opaque xattr, never .wh. files.
n=$(find "$SANDBOXD_STORE_DIR/layers" -name '.wh.*' | wc -l)
check "no .wh. files in the store's layers" [ "$n" = 0 ]
n=$(find "$SANDBOXD_STORE_DIR/layers" -type c -path '*/data/deleted' | wc -l)
check "the deletion is a character device in the layer tree" [ "$n" = 1 ]
opq=$(find "$SANDBOXD_STORE_DIR/layers" -path '*/opq/top' -printf '%h\n')
check "the opaque directory has trusted.overlay.opaque" python3 -c \
        'import os, sys; sys.exit(os.getxattr(sys.argv[1], "trusted.overlay.opaque") != b"y")' "$opq"

# ---- defaults and overrides ----
write_unit defaults <<EOF
[Sandbox]
Image=oci:$O:img
EOF
sbx_run defaults
expect_rc 0 "without ExecStart=, Entrypoint and Cmd run"
expect_line "$OUT" "from-cmd" "Entrypoint /bin/echo with Cmd from-cmd"
write_unit override <<EOF
[Sandbox]
Image=oci:$O:img
WorkingDirectory=/
Environment=FOO=2
[Service]
User=root
ExecStart=/bin/sh -c 'echo user=\$(id -u) pwd=\$(pwd) FOO=\$FOO'
EOF
sbx_run override
expect_line "$OUT" "user=0 pwd=/ FOO=2" "the unit's User=, WorkingDirectory=, Environment=, ExecStart= win"
[ "$RC" = 0 ] || show_run

ctl plan "$UNITDIR/layout.unit" >"$TESTDIR/plan.txt" 2>&1 || true
ctl plan --json "$UNITDIR/layout.unit" >"$TESTDIR/plan.json" 2>&1 || true
manifest=$(python3 -c 'import json; print(json.load(open("'"$O"'/index.json"))["manifests"][0]["digest"])')
expect_match "$TESTDIR/plan.txt" "manifest $manifest" "plan shows the manifest digest"
n=$(grep -c 'diff_id sha256:' "$TESTDIR/plan.txt" || true)
check "plan shows the three diff_ids" [ "$n" = 3 ]
expect_match "$TESTDIR/plan.txt" "Ports: +8080/tcp" "plan shows ExposedPorts"
ctl plan --from-json "$TESTDIR/plan.json" >"$TESTDIR/plan-back.txt" 2>&1 || true
expect_match "$TESTDIR/plan-back.txt" "manifest $manifest" "the JSON plan reads back with its pins"
check "plan --json pins diff_id and manifest" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
img = [l for l in p["layers"] if l.get("diff_id")]
sys.exit(not (len(img) == 3 and all(l["manifest"] == sys.argv[2] for l in img)))' "$TESTDIR/plan.json" "$manifest"

# ---- archives ----
for form in "oci-archive:$TESTDIR/img-oci.tar:img" "docker-archive:$TESTDIR/img-docker.tar" \
        "docker-archive:$TESTDIR/img-docker25.tar:t/new:25"; do
        write_unit archive <<EOF
[Sandbox]
Image=$form
[Service]
ExecStart=/bin/sh -c 'echo opq=\$(ls /opq | tr "\\n" " ") deleted=\$(ls /data | tr "\\n" " ")'
EOF
        sbx_run archive
        expect_rc 0 "${form%%:*} runs (${form##*/})"
        expect_line "$OUT" "opq=top deleted=kept" "${form##*/}: whiteouts and the opaque directory"
done
ctl image list >"$TESTDIR/list.txt" 2>&1
expect_match "$TESTDIR/list.txt" '^docker\.io/t/img +1 ' "a docker-archive's RepoTags name the image"
expect_match "$TESTDIR/list.txt" '^docker\.io/t/new +25 ' "Docker 25's manifest.json tags too"

# ---- registry references resolve against the store only ----
write_unit reg <<EOF
[Sandbox]
Image=t/missing
[Service]
ExecStart=/bin/true
EOF
ctl check "$UNITDIR/reg.unit" >"$TESTDIR/reg.out" 2>&1 && RC=0 || RC=$?
check "a registry reference not in the store does not compile" [ "$RC" != 0 ]
expect_match "$TESTDIR/reg.out" "reg\.unit:2: Image: docker\.io/t/missing:latest is not in the local store; run sandboxctl image pull docker\.io/t/missing:latest" \
        "the error names FILE:LINE and the pull command"
printf '[Sandbox]\nImage=t/img:1\n[Service]\nExecStart=/bin/cat /data/kept\n' >"$UNITDIR/reg.unit"
sbx_run reg
expect_line "$OUT" "stays" "a tag of the store runs (Image=t/img:1)"

# ---- a sandboxctl run holds the store's layers ----
printf '[Sandbox]\nImage=t/img:1\n[Service]\nExecStart=/bin/sh -c "echo up; exec /bin/busybox sleep 60"\n' >"$UNITDIR/fg.unit"
sbx_start fg
wait_for 20 grep -q up "$OUT" || fail "the foreground run did not start"
ctl image prune >"$TESTDIR/busy.out" 2>&1 && RC=0 || RC=$?
check "prune is refused while a sandboxctl run runs a store image" [ "$RC" != 0 ]
expect_match "$TESTDIR/busy.out" "a sandboxctl run is running an image of the store" "prune says why"
kill -TERM "$SBX_PID" 2>/dev/null || true
sbx_wait "$SBX_PID" 20

# ---- the quick start's archive maker: its archive imports and runs ----
python3 "$SRC_DIR/tools/mkimage-oci-archive.py" "$IMAGE" "$TESTDIR/qs.tar" demo >"$TESTDIR/qs.out" 2>&1 && RC=0 || RC=$?
check "tools/mkimage-oci-archive.py packs the busybox image" [ "$RC" = 0 ]
ctl image import "$TESTDIR/qs.tar" t/quickstart:1 >"$TESTDIR/qs.out" 2>&1 && RC=0 || RC=$?
check "its archive imports (digests and diff_id verified)" [ "$RC" = 0 ]
printf '[Sandbox]\nImage=oci-archive:%s:demo\n[Service]\nExecStart=/bin/sh -c "echo qs-ok"\n' "$TESTDIR/qs.tar" \
        >"$UNITDIR/qs.unit"
ctl run "$UNITDIR/qs.unit" >"$TESTDIR/qs.out" 2>&1 && RC=0 || RC=$?
check "a unit runs from it by Image=oci-archive:PATH:TAG" [ "$RC" = 0 ]
expect_match "$TESTDIR/qs.out" '^qs-ok$' "the unit's output"
ctl image rm t/quickstart:1 >/dev/null 2>&1 || true
ctl image rm "oci-archive:$TESTDIR/qs.tar:demo" >/dev/null 2>&1 || true
ctl image rm "oci-archive:$TESTDIR/qs.tar" >/dev/null 2>&1 || true

# ---- rm refused while in use; restarts keep the pinned layers; prune ----
ctl image import "$O" t/pin:1 >/dev/null
printf '[Sandbox]\nImage=t/pin:1\n[Service]\nExecStart=/bin/echo pinned\n' >"$UNITDIR/pin.unit"
mkdir -p "$SANDBOXD_RUNTIME_DIR/services/pin"
ctl plan --json "$UNITDIR/pin.unit" >"$SANDBOXD_RUNTIME_DIR/services/pin/plan.json"
printf 'state=running\n' >"$SANDBOXD_RUNTIME_DIR/services/pin/state"
ctl image list >"$TESTDIR/list.txt" 2>&1
expect_match "$TESTDIR/list.txt" '^docker\.io/t/pin +1 .* pin$' "list shows the service using the image"
ctl image rm t/pin:1 >"$TESTDIR/rm.out" 2>&1 && RC=0 || RC=$?
check "rm of an image a running service uses is refused" [ "$RC" != 0 ]
expect_match "$TESTDIR/rm.out" "the service pin runs it" "rm names the service"
# A newer image under the same name: the running service's plan still
# names the old layers, and nothing removes them while it may restart.
mkdir -p "$TESTDIR/b2/rootfs/data" && echo newer >"$TESTDIR/b2/rootfs/data/kept"
tar -C "$TESTDIR/b2/rootfs" --owner=0 --group=0 -cf "$TESTDIR/l4.tar" data
cp -a "$O" "$TESTDIR/oci2"
(cd "$TESTDIR" && umoci raw add-layer --image oci2:img l4.tar) >/dev/null 2>&1
ctl image import "$TESTDIR/oci2" t/pin:1 >/dev/null
ctl plan "$UNITDIR/pin.unit" >"$TESTDIR/plan2.txt" 2>&1 || true
n=$(grep -c 'diff_id' "$TESTDIR/plan2.txt" || true)
check "a new compile resolves the newer image (4 layers)" [ "$n" = 4 ]
# Every other name of those layers goes; the service's manifest is still
# named (oci:$O), which rm refuses to remove while it runs.
ctl image rm "oci:$TESTDIR/oci2" t/pin:1 t/img:1 t/new:25 "docker-archive:$TESTDIR/img-docker.tar" \
        "docker-archive:$TESTDIR/img-docker25.tar:t/new:25" >/dev/null 2>&1 || fail "rm of names no service runs"
ctl image prune >"$TESTDIR/prune.out" 2>&1 || true
missing=0
for d in $(python3 -c 'import json,sys; [print(l["path"]) for l in json.load(open(sys.argv[1]))["layers"]]' \
        "$SANDBOXD_RUNTIME_DIR/services/pin/plan.json"); do
        [ -d "$d" ] || missing=$((missing + 1))
done
check "the running service's pinned layers survive a newer import, rm and prune" [ "$missing" = 0 ]
printf 'state=inactive\n' >"$SANDBOXD_RUNTIME_DIR/services/pin/state"
ctl image rm "oci:$O" "oci:$O:img" "oci-archive:$TESTDIR/img-oci.tar:img" >/dev/null 2>&1 ||
        fail "rm once the service is inactive"
ctl image prune >"$TESTDIR/prune.out" 2>&1 || true
expect_match "$TESTDIR/prune.out" "^Pruned: freed " "prune says what it freed"
n=$(find "$SANDBOXD_STORE_DIR/blobs/sha256" "$SANDBOXD_STORE_DIR/layers" -mindepth 1 -maxdepth 1 | wc -l)
check "nothing named, nothing running: the store is empty after prune" [ "$n" = 0 ]
[ "$n" = 0 ] || { ctl image list | sed 's/^/#   /'; cat "$SANDBOXD_STORE_DIR/index.json"; }

# ---- bad input ----
# bad_import WHAT REF ERE: the import fails with one line naming REF and
# matching ERE, and the store has only complete blobs afterwards.
bad_import() {
        local what=$1 ref=$2 re=$3 out=$TESTDIR/bad.out
        ctl image import "$ref" >"$out" 2>&1 && RC=0 || RC=$?
        check "$what: refused" [ "$RC" = 1 ]
        check "$what: one line" [ "$(wc -l <"$out")" = 1 ]
        expect_match "$out" "${ref//./\\.}.*$re" "$what: names the image and what failed"
        local b bad=0
        for b in "$SANDBOXD_STORE_DIR"/blobs/sha256/*; do
                [ -e "$b" ] || continue
                [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || bad=$((bad + 1))
        done
        check "$what: only complete blobs in the store" [ "$bad" = 0 ]
        n=$(find "$SANDBOXD_STORE_DIR" -name '.tmp-*' | wc -l)
        check "$what: no temporary files left" [ "$n" = 0 ]
}

cp -a "$O" "$TESTDIR/corrupt"
top=$(python3 -c '
import json, sys
i = json.load(open(sys.argv[1] + "/index.json"))
m = json.load(open(sys.argv[1] + "/blobs/sha256/" + i["manifests"][0]["digest"][7:]))
print(m["layers"][0]["digest"][7:])' "$TESTDIR/corrupt")
printf 'X' | dd of="$TESTDIR/corrupt/blobs/sha256/$top" bs=1 seek=100 conv=notrunc status=none
bad_import "corrupt blob" "oci:$TESTDIR/corrupt" "does not match its digest"

head -c 600000 "$TESTDIR/img-oci.tar" >"$TESTDIR/truncated.tar"
bad_import "truncated archive" "oci-archive:$TESTDIR/truncated.tar" "truncated or corrupt"

cp -a "$O" "$TESTDIR/arm"
(cd "$TESTDIR" && umoci config --image arm:img --architecture arm64) >/dev/null 2>&1
bad_import "another architecture only" "oci:$TESTDIR/arm" "for linux/arm64"

cp -a "$O" "$TESTDIR/media"
python3 - "$TESTDIR/media" <<'EOF'
import hashlib, json, os, sys
d = sys.argv[1]
i = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + i["manifests"][0]["digest"][7:]))
m["layers"][0]["mediaType"] = "application/vnd.example.unknown"
b = json.dumps(m).encode()
h = hashlib.sha256(b).hexdigest()
open(d + "/blobs/sha256/" + h, "wb").write(b)
i["manifests"][0]["digest"] = "sha256:" + h
i["manifests"][0]["size"] = len(b)
json.dump(i, open(d + "/index.json", "w"))
EOF
bad_import "unknown media type" "oci:$TESTDIR/media" "unknown layer media type application/vnd\.example\.unknown"

# Hostile layers: a path escaping the root, a real 0/0 character device
# (a whiteout the archive made itself), an overlay xattr of its own.
hostile() {
        local name=$1 kind=$2
        cp -a "$O" "$TESTDIR/$name"
        python3 - "$TESTDIR/$name.tar" "$kind" <<'EOF'
import io, sys, tarfile
out, kind = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    if kind == "escape":
        i = tarfile.TarInfo("../../escaped-sbx"); i.size = 1
        t.addfile(i, io.BytesIO(b"x"))
    elif kind == "chardev":
        i = tarfile.TarInfo("data/kept"); i.type = tarfile.CHRTYPE; i.devmajor = 0; i.devminor = 0
        t.addfile(i)
    elif kind == "xattr":
        i = tarfile.TarInfo("data"); i.type = tarfile.DIRTYPE; i.mode = 0o755
        i.pax_headers = {"SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.user.overlay.opaque": "y",
                         "SCHILY.xattr.user.note": "kept"}
        t.addfile(i)
EOF
        (cd "$TESTDIR" && umoci raw add-layer --image "$name:img" "$name.tar") >/dev/null 2>&1
}
hostile escape escape
bad_import "a layer path escaping the root" "oci:$TESTDIR/escape" "escaped-sbx"
check "nothing was written outside the layer" [ ! -e "$SANDBOXD_STORE_DIR/escaped-sbx" ] && [ ! -e "$TESTDIR/escaped-sbx" ]
hostile chardev chardev
bad_import "a 0/0 character device in the archive" "oci:$TESTDIR/chardev" "0/0 character device"
hostile xattr xattr
ctl image import "oci:$TESTDIR/xattr" >"$TESTDIR/x.out" 2>&1 && RC=0 || RC=$?
check "a layer with overlay xattrs imports" [ "$RC" = 0 ]
check "its overlay xattrs are dropped, others kept" python3 - "$SANDBOXD_STORE_DIR/layers" <<'EOF'
import os, sys
# The one layer whose data/ carries the archive's user.note.
found = []
for d in os.listdir(sys.argv[1]):
    p = os.path.join(sys.argv[1], d, "data")
    if os.path.isdir(p) and not os.path.islink(p) and "user.note" in os.listxattr(p):
        found.append(os.listxattr(p))
sys.exit(not (len(found) == 1 and not any(a.endswith("overlay.opaque") for a in found[0])))
EOF
printf '[Sandbox]\nImage=oci:%s\n[Service]\nExecStart=/bin/cat /data/kept\n' "$TESTDIR/xattr" >"$UNITDIR/xattr.unit"
sbx_run xattr
expect_line "$OUT" "stays" "the layer's own opaque xattr hides nothing"

ctl image prune >/dev/null 2>&1 || true
leftovers_check "$TESTDIR/before" "OCI images"
itest_finish
