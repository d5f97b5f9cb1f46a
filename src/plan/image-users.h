/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "plan.h"

/* User and group names are resolved in the image, not on the host: the
 * service's /etc/passwd is the one it will see. Layers are searched top
 * down, as overlayfs would show them. Reading only; nothing is unpacked. */

typedef struct ImageUser {
        uid_t uid;
        gid_t gid;
        char *name;
        char *home;
        char *shell;
} ImageUser;

void image_user_done(ImageUser *u);

/* -ENOENT: no such user; -ENODATA: the image has no /etc/passwd. */
int image_find_user(const PlanLayer *layers, size_t n_layers, const char *name, uid_t uid, ImageUser *ret);
/* The first PATH directory whose NAME exists in the image (layers top
 * down, whiteouts honoured): "/bin/sh". -ENOENT if none. */
int image_find_program(const PlanLayer *layers, size_t n_layers, const char *path, const char *name, char **ret);
int image_find_group(const PlanLayer *layers, size_t n_layers, const char *name, gid_t *ret);
