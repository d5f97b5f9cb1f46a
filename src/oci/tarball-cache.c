/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fs-util.h"
#include "macro.h"
#include "string-util.h"
#include "tarball-cache.h"

void tarball_cache_key(const char *path, const struct stat *st, char ret[static SHA256_HEX_SIZE]) {
        /* ctime as well as mtime: user space can set mtime back, not ctime. */
        uint64_t v[] = {
                (uint64_t) st->st_dev, (uint64_t) st->st_ino, (uint64_t) st->st_size,
                (uint64_t) st->st_mtim.tv_sec, (uint64_t) st->st_mtim.tv_nsec,
                (uint64_t) st->st_ctim.tv_sec, (uint64_t) st->st_ctim.tv_nsec,
        };
        uint8_t digest[SHA256_DIGEST_SIZE];
        Sha256 s;

        sha256_init(&s);
        sha256_update(&s, path, strlen(path) + 1);
        sha256_update(&s, v, sizeof(v));
        sha256_finish(&s, digest);
        sha256_to_hex(digest, ret);
}

int tarball_cache_find(const char *state_dir, const char *canonical, char **ret_tree) {
        char key[SHA256_HEX_SIZE], link[SHA256_HEX_SIZE + 1];
        _cleanup_free_ char *memo = NULL, *tree = NULL;
        struct stat st;
        ssize_t n;

        state_dir = state_dir ?: SANDBOXD_STATE_DIR;
        /* Not followed: a canonical path has no symlink, and the launcher
         * refuses one there. */
        if (fstatat(AT_FDCWD, canonical, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -ENOENT;
        tarball_cache_key(canonical, &st, key);
        memo = strjoin(state_dir, "/images/" TARBALL_CACHE_MEMO_DIR "/", key);
        if (!memo)
                return -ENOMEM;
        n = readlink(memo, link, sizeof(link));
        if (n < 0)
                return errno == EINVAL ? -ENOENT : -errno;
        if (n != SHA256_HEX_SIZE - 1)
                return -ENOENT;
        link[n] = '\0';
        if (!sha256_hex_valid(link))
                return -ENOENT;
        tree = strjoin(state_dir, "/images/", link);
        if (!tree)
                return -ENOMEM;
        if (fstatat(AT_FDCWD, tree, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOENT;
        *ret_tree = TAKE_PTR(tree);
        return 0;
}
