/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A registry image into the store (the write side; privileged callers
 * only): the registry client for the transport, image-import.c's blob
 * writer and layer unpacker for the store, so a pull leaves what an import
 * leaves: complete blobs and layers, and a tag written last. */

#include <stdbool.h>
#include <stdint.h>

#include "image-oci.h"
#include "image-ref.h"
#include "registry-client.h"

/* Called once a blob is in the store: downloaded (resumed_from: the bytes
 * a killed pull had left), or there before (present). */
typedef void (*ImagePullProgress)(void *userdata, const char *what, const char *digest, uint64_t size,
                                  uint64_t resumed_from, bool present);

/* Pulls ref (the registry form): its manifest (through an index, the one
 * for linux/this architecture), config and layers, each checked against
 * its digest, each layer unpacked and checked against its diff_id; then
 * tags ref->string. Returns the manifest's digest. Bytes of a blob whose
 * download failed stay in blobs/sha256/.partial/ for the next pull. */
int image_pull(const char *store, const ImageRef *ref, const RegistryOptions *o, ImagePullProgress progress,
               void *userdata, char **ret_digest, ImageError *e);
