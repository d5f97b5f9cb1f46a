/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The store, the write side (privileged callers only: sandboxctl as root,
 * sandboxd). Every blob is written under a temporary name, hashed on the
 * way, fsynced and renamed to its digest; every layer is unpacked into
 * STORE/layers/.tmp-XXXXXX, its diff_id checked, synced and renamed; the
 * index is written last, atomically. So an import killed at any point
 * leaves complete blobs and layers, and no name that leads to a half
 * image. Writers hold STORE/lock. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image-oci.h"
#include "image-ref.h"
#include "sha256.h"

typedef struct Unit Unit;

/* Opens (making it if needed) STORE as root's 0700 directory with blobs/
 * and layers/, and takes its lock: held while ret_lock_fd is open. */
int image_store_open_locked(const char *store, int *ret_fd, int *ret_lock_fd, ImageError *e);

/* Imports a local-form reference (oci:, oci-archive:, docker-archive:)
 * unless the same version of its file is in the store already. With
 * name (a registry-form NAME[:TAG], normalised), tags the image so.
 * A docker-archive's own RepoTags are tagged too. */
int image_import(const char *store, const ImageRef *ref, const char *name, char **ret_digest, ImageError *e);

/* Which local form the file or directory at path is: a directory is an
 * OCI layout; a tar with manifest.json is docker save output, one with
 * only index.json an OCI archive. -EMEDIUMTYPE: neither. */
int image_import_guess(const char *path, ImageRefType *ret);

/* Every local-form Image= of the unit, before it is compiled, for caller
 * (whose file the archive must be, or readable by all). Fills
 * reterr_text with "FILE:LINE: Image: REF: what failed". */
int image_import_unit(const char *store, const Unit *u, uid_t caller, char **reterr_text);

typedef struct ImageStoreIndex ImageStoreIndex;

/* Writes the index atomically (synced). */
int image_store_index_save(int store_fd, const ImageStoreIndex *x);

/* Writes the index with tag name -> digest added (digest NULL: removed). */
int image_store_set_tag(int store_fd, const char *store, const char *name, const char *digest, ImageError *e);

/* Where blobs being downloaded wait, under blobs/sha256/, named by the
 * digest they must have, so that a pull killed half-way resumes. */
#define IMAGE_STORE_PARTIAL ".partial"

/* One blob being written into blobs/sha256 (the directory blobs_fd), hashed
 * on the way: under a temporary name, or with keep_partial under
 * .partial/HEX, whose bytes from an earlier attempt are hashed first (size
 * says how many: the offset to resume from). Commit checks the digest,
 * fsyncs and renames; a mismatch removes the file. Abort removes a
 * temporary file and keeps a partial one. */
typedef struct ImageBlobWriter {
        int blobs_fd;
        int fd;
        bool partial;
        char tmp[sizeof(IMAGE_STORE_PARTIAL "/") + SHA256_HEX_SIZE];
        char expect_hex[SHA256_HEX_SIZE];       /* "": any */
        Sha256 hash;
        uint64_t size;
} ImageBlobWriter;

int image_store_blob_begin(int blobs_fd, const char *expect_hex, bool keep_partial, ImageBlobWriter *ret,
                           ImageError *e);
int image_store_blob_write(ImageBlobWriter *w, const void *data, size_t size);
/* Drops what was written (a server that ignored the Range). */
int image_store_blob_rewind(ImageBlobWriter *w);
/* ret_hex: NULL, or SHA256_HEX_SIZE bytes for the digest. */
int image_store_blob_commit(ImageBlobWriter *w, char *ret_hex, ImageError *e);
void image_store_blob_abort(ImageBlobWriter *w);

/* Unpacks each layer blob (in blobs_fd) into layers_fd/HEX of its diff_id,
 * unless it is there; the uncompressed tar must hash to the diff_id.
 * Several layers unpack at once; prepare (NULL: none) is called for layer
 * i before it starts, to bring its blob into the store. The trees are
 * synced once and renamed into place only when all are good. */
typedef int (*ImageLayerPrepare)(void *userdata, size_t i, ImageError *e);
int image_store_add_layers(int blobs_fd, int layers_fd, const OciDescriptor *layers, char *const *diff_ids, size_t n,
                           ImageLayerPrepare prepare, void *userdata, ImageError *e);

/* The same in steps, for a pull that starts a layer's unpacking as soon as
 * its blob is complete: start unpacks layer i (if it is not there, and
 * not started yet), waiting for the oldest running one when as many run
 * as there are CPUs; finish starts the layers not started (their blobs
 * must be in the store), waits for all, syncs and renames. Free kills
 * what still runs and removes every tree not renamed. */
typedef struct ImageLayerBatch ImageLayerBatch;
int image_layer_batch_new(int blobs_fd, int layers_fd, const OciDescriptor *layers, char *const *diff_ids, size_t n,
                          ImageLayerBatch **ret, ImageError *e);
int image_layer_batch_start(ImageLayerBatch *b, size_t i, ImageError *e);
int image_layer_batch_finish(ImageLayerBatch *b, ImageError *e);
ImageLayerBatch *image_layer_batch_free(ImageLayerBatch *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageLayerBatch *, image_layer_batch_free);
