#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write a many-layer OCI image layout for bench/image.sh.

    bench/mkimage-layers.py [--random N:MIB] [--files N] [--flat] BASE OUT TAG

Layer 1 is the tree BASE (owned by root, as in any image); then N layers
of MIB MiB of random bytes each (/data/noise-K: incompressible, so the
transfer and the hashing see every byte), then N layers of one small file
each (/data/layer-K). --flat puts all of it in one layer, for a one-layer
image with the same files. Layers are tar+gzip (level 1: random data does
not shrink, and a higher level only slows the set-up). OUT is an OCI
image layout (oci-layout, index.json, blobs/sha256/) holding TAG; it is
what `skopeo copy oci:OUT:TAG ...` reads.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile


class HashingWriter:
    """A file object that hashes and counts what passes to the next one."""

    def __init__(self, out):
        self.out = out
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.hash.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self):
        self.out.flush()


class RandomReader:
    def __init__(self, size):
        self.left = size

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return os.urandom(n)


def add_tree(t, root):
    for top, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(top, name)
            info = t.gettarinfo(path, os.path.relpath(path, root))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = 0
            if info.isreg():
                with open(path, "rb") as f:
                    t.addfile(info, f)
            else:
                t.addfile(info)


def add_dir(t, name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    t.addfile(info)


def add_file(t, name, size, reader):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    t.addfile(info, reader)


def write_layer(blobs, fill):
    """Streams one layer to blobs/; returns (digest, size, diff_id)."""
    with tempfile.NamedTemporaryFile(dir=blobs, delete=False) as f:
        compressed = HashingWriter(f)
        with gzip.GzipFile(fileobj=compressed, mode="wb", compresslevel=1, mtime=0) as gz:
            raw = HashingWriter(gz)
            with tarfile.open(fileobj=raw, mode="w|", format=tarfile.PAX_FORMAT) as t:
                fill(t)
        hexdigest = compressed.hash.hexdigest()
    os.chmod(f.name, 0o644)
    os.rename(f.name, os.path.join(blobs, hexdigest))
    return "sha256:" + hexdigest, compressed.size, "sha256:" + raw.hash.hexdigest()


def write_blob(blobs, data):
    hexdigest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, hexdigest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + hexdigest, "size": len(data)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--random", default="0:0", help="N:MIB, N layers of MIB MiB of random bytes")
    ap.add_argument("--files", type=int, default=0, help="N layers of one small file each")
    ap.add_argument("--flat", action="store_true", help="everything in one layer")
    ap.add_argument("base")
    ap.add_argument("out")
    ap.add_argument("tag")
    a = ap.parse_args()
    n_random, mib = (int(x) for x in a.random.split(":"))

    # Each element fills one layer's tar.
    parts = [lambda t: add_tree(t, a.base)]
    if n_random or a.files:
        parts.append(lambda t: add_dir(t, "data"))
    for k in range(n_random):
        parts.append(lambda t, k=k: add_file(t, f"data/noise-{k}", mib << 20, RandomReader(mib << 20)))
    for k in range(a.files):
        body = f"layer {k}\n".encode()
        parts.append(lambda t, k=k, body=body: add_file(t, f"data/layer-{k}", len(body), io.BytesIO(body)))
    if a.flat:
        layers = [lambda t: [p(t) for p in parts]]
    else:
        # The data directory goes with the first layer that has a file in it.
        layers = [parts[0]] + ([lambda t: (parts[1](t), parts[2](t))] + parts[3:] if len(parts) > 2 else [])

    blobs = os.path.join(a.out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    descs, diff_ids = [], []
    for fill in layers:
        digest, size, diff_id = write_layer(blobs, fill)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
        diff_ids.append(diff_id)

    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    config = {
        "architecture": arch,
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "bench/mkimage-layers.py"} for _ in diff_ids],
    }
    cdesc = write_blob(blobs, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **cdesc},
        "layers": descs,
    }
    mdesc = write_blob(blobs, json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **mdesc,
                       "annotations": {"org.opencontainers.image.ref.name": a.tag}}],
    }
    with open(os.path.join(a.out, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(a.out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main()
