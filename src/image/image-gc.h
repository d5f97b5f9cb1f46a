/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "image-oci.h"
#include "plan.h"
#include "image-ref.h"

/* Who uses what: the services sandboxd knows ($SANDBOXD_RUNTIME_DIR, by
 * default /run/sandboxd, services/NAME/plan.json and state), with the
 * store layers their plans pin. */
typedef struct ImageUse {
        char *service;
        char *state;            /* "running", "auto-restart", ... */
        char **layers;          /* the plan's layer paths */
        char **manifests;       /* the manifests its store layers came from */
} ImageUse;

void image_uses_free(ImageUse *u, size_t n);
int image_uses_load(ImageUse **ret, size_t *ret_n);
/* The service keeps its layers: anything but inactive and failed (an
 * automatic restart runs the pinned layers again). */
bool image_use_active(const ImageUse *u);

typedef struct ImageGcStats {
        uint64_t blobs, layers, trees;  /* counts removed */
        uint64_t bytes;                 /* freed, as du counts */
} ImageGcStats;

/* Removes the names ref has (a tag; a local source), then what no name
 * and no active service references. -EBUSY (message names the service)
 * when an active service runs the image (its plan names the manifest). */
int image_store_rm(const char *store, const ImageRef *ref, ImageGcStats *ret_stats, ImageError *e);

/* Removes blobs and layers that no name and no active service
 * references, and the unpacked trees of the old tarball cache
 * (STATE/images) that no active service uses. */
int image_store_prune(const char *store, const char *legacy_cache, ImageGcStats *ret_stats, ImageError *e);

/* For a service sandboxd does not know (sandboxctl run): a shared lock on
 * STORE/run.lock while it runs, when its plan has store layers; rm and
 * prune refuse to run meanwhile. *ret_fd is -EBADF without store layers. */
int image_store_hold_layers(const char *store, const PlanLayer *layers, size_t n_layers, int *ret_fd);
