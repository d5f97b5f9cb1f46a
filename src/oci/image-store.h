/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The image store, the read side: what the compiler may use (it reads
 * files and changes nothing). Writers are in image-import.c and
 * image-gc.c.
 *
 *   STORE/blobs/sha256/HEX   manifests, configs and layers as they came,
 *                            each checked against its digest as it was written
 *   STORE/layers/HEX/        one tree per layer, keyed by its diff_id (the
 *                            sha256 of the uncompressed tar), shared by every
 *                            image that has it; whiteouts in overlayfs form
 *   STORE/index.json         {"tags": {"NAME:TAG": "sha256:..."},
 *                             "sources": {KEY: {"source": REF, "manifest": "sha256:..."}}}
 *   STORE/skeleton/          empty mount points (dev proc sys run tmp), the
 *                            layer below every store image
 *   STORE/lock               flock(2) of every writer
 *
 * STORE is STATE_DIR/store, root's and 0700, or $SANDBOXD_STORE_DIR.
 * A "source" is a local form (oci:, oci-archive:, docker-archive:) as it
 * was when imported: KEY hashes the reference with the device, inode,
 * size, mtime and ctime of the file (the layout's index.json), so a
 * changed archive is a different source and has to be imported again. */

#include <stddef.h>
#include <stdint.h>

#include "image-oci.h"
#include "image-ref.h"
#include "sha256.h"

#define IMAGE_JSON_MAX (4u * 1024u * 1024u)
#define IMAGE_STORE_SKELETON "skeleton"

const char *image_store_dir(void);

typedef struct ImageStoreTag {
        char *name;             /* "docker.io/library/busybox:latest" */
        char *manifest;         /* "sha256:..." */
} ImageStoreTag;

typedef struct ImageStoreSource {
        char *key;
        char *source;           /* "oci-archive:/srv/img.tar:1" */
        char *manifest;
} ImageStoreSource;

typedef struct ImageStoreIndex {
        ImageStoreTag *tags;
        size_t n_tags;
        ImageStoreSource *sources;
        size_t n_sources;
} ImageStoreIndex;

void image_store_index_done(ImageStoreIndex *x);
/* An absent index is an empty one. */
int image_store_index_load(const char *store, ImageStoreIndex *ret, ImageError *e);

typedef struct ImageInfo {
        char *digest;           /* the manifest's */
        OciManifest manifest;
        OciConfig config;
        uint64_t size;          /* manifest + config + compressed layers */
} ImageInfo;

ImageInfo *image_info_free(ImageInfo *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageInfo *, image_info_free);

/* KEY of a local-form reference as its file is now (stat()s it). */
int image_store_source_key(const ImageRef *ref, char ret[static SHA256_HEX_SIZE]);

/* The manifest digest ref names in the store; -ENOENT when it is not
 * there (a local source not imported, or imported from an older version of
 * the file; a registry reference never pulled). */
int image_store_resolve(const char *store, const ImageRef *ref, char **ret_digest, ImageError *e);

/* Reads and checks the manifest and its config. */
int image_store_load(const char *store, const char *digest, ImageInfo **ret, ImageError *e);

/* A blob, read whole and checked against its digest (max bytes at most). */
int image_store_read_blob(const char *store, const char *digest, size_t max, char **ret, size_t *ret_size,
                          ImageError *e);

/* STORE/layers/HEX of a diff_id. */
char *image_store_layer_path(const char *store, const char *diff_id);
