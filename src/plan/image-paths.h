/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Does a path exist in the image, as the sandbox's root would show it?
 * For `sandboxctl check`: a bind or tmpfs target missing from a read-only
 * image, or an ExecStart= binary missing from any, fails only at start
 * otherwise. Reading only, as image-users.c: directory layers through
 * openat2(RESOLVE_IN_ROOT), tarball layers listed with libarchive, each
 * tarball once for all the paths asked about. */

#include <stddef.h>
#include <sys/types.h>

#include "plan.h"

typedef enum ImagePathState {
        IMAGE_PATH_UNKNOWN,     /* could not tell (unreadable layer, a symlink across layers): say nothing */
        IMAGE_PATH_MISSING,
        IMAGE_PATH_FOUND,
} ImagePathState;

typedef struct ImagePathQuery {
        const char *path;       /* absolute, normalized, inside the root */
        ImagePathState state;   /* out */
        mode_t type;            /* out, FOUND: S_IFMT bits of what is there (symlinks followed), 0 if not known */
} ImagePathQuery;

/* Answers every query; 0, or -ENOMEM. A layer that cannot be read leaves
 * its queries UNKNOWN unless another layer has the path. */
int image_paths_lookup(const PlanLayer *layers, size_t n_layers, ImagePathQuery *q, size_t n_q);
