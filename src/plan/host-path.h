/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Host paths that a plan names (bind sources, image layers) and files the
 * compiler reads (EnvironmentFile=). The compiler resolves each to its
 * canonical path once, so that a symlink an admin wrote (/var/run ->
 * /run) still works, and pins the file it found there; from then on the
 * path is only ever opened without following symlinks, and the launcher
 * refuses any other file at it. A service that owns a directory on such a
 * path can then neither point it elsewhere with a symlink nor put another
 * file in its place between the compile and a later (re)start. */

#include <stdbool.h>
#include <sys/stat.h>

#include "plan.h"

/* openat2(AT_FDCWD, path, flags | O_CLOEXEC) with RESOLVE_NO_SYMLINKS and
 * RESOLVE_NO_MAGICLINKS: -ELOOP if any component is a symlink. path must
 * be absolute. */
int host_path_open(const char *path, int flags, int *ret_fd);

/* path with every symlink resolved; where a component does not exist, the
 * existing part is resolved and the rest appended as it is. */
int host_path_canonicalize(const char *path, char **ret);

/* Open canonical with host_path_open(O_PATH) and return what it is:
 * -ENOENT if it does not exist, -ELOOP if a symlink is on it. */
int host_path_pin(const char *canonical, PlanFileId *ret_id, mode_t *ret_mode);

/* Whether a regular file at path is a tarball layer, by its name (.tar,
 * .tar.gz, .tgz, .tar.xz, .txz, .tar.zst, .tzst): libarchive detects the
 * compression, the suffix says the file is meant as an image. */
bool host_path_is_tarball_name(const char *path);

static inline PlanFileId plan_file_id_of(const struct stat *st) {
        return (PlanFileId) { .dev = (uint64_t) st->st_dev, .ino = (uint64_t) st->st_ino };
}

static inline bool plan_file_id_matches(const PlanFileId *id, const struct stat *st) {
        return id->ino != 0 && id->dev == (uint64_t) st->st_dev && id->ino == (uint64_t) st->st_ino;
}
