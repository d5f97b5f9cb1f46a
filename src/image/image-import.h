/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The store, the write side (privileged callers only: sandboxctl as root,
 * sandboxd). Every blob is written under a temporary name, hashed on the
 * way, fsynced and renamed to its digest; every layer is unpacked into
 * STORE/layers/.tmp-XXXXXX, its diff_id checked, synced and renamed; the
 * index is written last, atomically. So an import killed at any point
 * leaves complete blobs and layers, and no name that leads to a half
 * image. Writers hold STORE/lock. */

#include <sys/types.h>

#include "image-oci.h"
#include "image-ref.h"

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
