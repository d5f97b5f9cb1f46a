#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pack a root directory into a one-layer OCI image archive (oci-archive).

    tools/mkimage-oci-archive.py ROOTFS OUT.tar [TAG]

The quick start uses it to show `sandboxctl image import` and
`Image=oci-archive:` on a machine without skopeo or umoci: what
`skopeo copy dir:... oci-archive:OUT.tar:TAG` would give for the same
tree (an OCI image layout in a tar: oci-layout, index.json and the
blobs, the layer gzip-compressed, its diff_id in the config). Ownership
in the layer is root's, as in any image.
"""

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def blob(blobs, data):
    digest = hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return "sha256:" + digest, len(data)


def layer_tar(rootfs):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for top, dirs, files in os.walk(rootfs):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(top, name)
                info = t.gettarinfo(path, os.path.relpath(path, rootfs))
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                info.mtime = 0
                if info.isreg():
                    with open(path, "rb") as f:
                        t.addfile(info, f)
                else:
                    t.addfile(info)
    return raw.getvalue()


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[2].strip())
    rootfs, out = sys.argv[1], sys.argv[2]
    tag = sys.argv[3] if len(sys.argv) == 4 else "latest"
    blobs = {}

    uncompressed = layer_tar(rootfs)
    diff_id = "sha256:" + hashlib.sha256(uncompressed).hexdigest()
    layer, layer_size = blob(blobs, gzip.compress(uncompressed, mtime=0))
    config = {
        "architecture": {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine),
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    cfg, cfg_size = blob(blobs, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": cfg_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer,
                    "size": layer_size}],
    }
    man, man_size = blob(blobs, json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": man, "size": man_size,
                       "annotations": {"org.opencontainers.image.ref.name": tag}}],
    }

    def add(t, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        t.addfile(info, io.BytesIO(data))

    tmp = out + ".tmp"
    with tarfile.open(tmp, "w") as t:
        add(t, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        add(t, "index.json", json.dumps(index).encode())
        for digest, data in blobs.items():
            add(t, "blobs/sha256/" + digest, data)
    os.rename(tmp, out)


main()
