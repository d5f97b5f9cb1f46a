/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The read side of the tarball layer cache, STATE/images, which the
 * launcher fills (src/launch/image-unpack.c): each tarball unpacked once
 * into STATE/images/<sha256 of its content>, and STATE/images/.by-stat/KEY
 * a symlink to that hash, KEY standing for one version of one file (its
 * path, device, inode, size, mtime and ctime). The compiler reads a
 * tarball layer's /etc/passwd and /etc/group from its tree when it is
 * there, instead of decompressing the archive. */

#include <sys/stat.h>

#include "sha256.h"

#define TARBALL_CACHE_MEMO_DIR ".by-stat"

/* KEY of the file at path with that stat. */
void tarball_cache_key(const char *path, const struct stat *st, char ret[static SHA256_HEX_SIZE]);

/* The tree unpacked from the tarball now at canonical (an absolute path
 * without symlinks) under state_dir (NULL: SANDBOXD_STATE_DIR): 0 and its
 * path; -ENOENT when that version of the file is not unpacked; another
 * negative errno when the cache cannot be read (not root: it is 0700). */
int tarball_cache_find(const char *state_dir, const char *canonical, char **ret_tree);
