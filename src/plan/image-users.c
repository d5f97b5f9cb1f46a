/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <limits.h>
#include <stdio.h>

#include "dlopen-archive.h"
#include "fs-util.h"
#include "image-users.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"
#include "tarball-cache.h"

#define DB_MAX (4u * 1024u * 1024u)

void image_user_done(ImageUser *u) {
        u->name = mfree(u->name);
        u->home = mfree(u->home);
        u->shell = mfree(u->shell);
}

static int read_from_dir(const char *dir, const char *rel, char **ret) {
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct open_how how = {
                .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        struct stat st;
        size_t n = 0;
        int r;

        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        /* RESOLVE_IN_ROOT: a symlinked etc/passwd in the image must resolve
         * inside the image, never to the host's file. */
        fd = (int) syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
        if (fd < 0)
                return negative_errno();
        r = fd_stat_regular(fd, &st);
        if (r < 0)
                return r;
        if ((uint64_t) st.st_size > DB_MAX)
                return -EFBIG;
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int read_from_tarball(const char *path, const char *rel, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        struct archive *a;
        struct archive_entry *e;
        _cleanup_free_ char *found = NULL;
        struct stat st;
        int r;

        r = dlopen_libarchive(NULL);
        if (r < 0)
                return r;
        /* Opened here, not by libarchive: the compiler stat()ed the path a
         * moment ago, and a FIFO put there since must not block sandboxd. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                /* -ENOENT would tell read_db() "not in this layer". */
                return errno == ENOENT ? -EIO : negative_errno();
        r = fd_stat_regular(fd, &st);
        if (r < 0)
                return r;
        r = -ENOENT;
        a = archive_tar_reader_new();
        if (!a)
                return -ENOMEM;
        if (sym_archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
                sym_archive_read_free(a);
                return -EIO;
        }
        while (sym_archive_read_next_header(a, &e) == ARCHIVE_OK) {
                const char *n = sym_archive_entry_pathname(e);
                la_int64_t size;

                if (!n)
                        continue;
                if (n[0] == '.' && n[1] == '/')
                        n += 2;
                else if (n[0] == '/')
                        n++;
                if (!streq(n, rel) || sym_archive_entry_filetype(e) != AE_IFREG)
                        continue;
                size = sym_archive_entry_size(e);
                if (size < 0 || size > (la_int64_t) DB_MAX) {
                        r = -EFBIG;
                        break;
                }
                free(found);
                found = calloc(1, (size_t) size + 1);
                if (!found) {
                        r = -ENOMEM;
                        break;
                }
                if (sym_archive_read_data(a, found, (size_t) size) != (la_ssize_t) size) {
                        r = -EIO;
                        break;
                }
                r = 0; /* a later entry of the same name wins, as when unpacking */
        }
        sym_archive_read_free(a);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(found);
        return 0;
}

typedef enum Shadow {
        SHADOW_NONE,
        SHADOW_WHITEOUT,        /* rel or a directory above it is deleted in this layer */
        SHADOW_OPAQUE,          /* a directory above it is opaque here: lower layers do not count */
} Shadow;

/* How a directory layer (an OCI layer of the store, in overlayfs form)
 * shadows rel for the layers below it. Components are not followed. */
static Shadow layer_shadow(const char *dir, const char *rel) {
        _cleanup_close_ int dfd = -EBADF;
        char prefix[PATH_MAX], xpath[PATH_MAX + 32];
        Shadow s = SHADOW_NONE;
        size_t n = strlen(rel);

        if (n >= sizeof(prefix))
                return SHADOW_NONE;
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return SHADOW_NONE;
        for (size_t i = 0; i <= n; i++) {
                struct stat st;
                char v;

                if (rel[i] != '/' && rel[i] != '\0')
                        continue;
                memcpy(prefix, rel, i);
                prefix[i] = '\0';
                if (fstatat(dfd, prefix, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        break;
                if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
                        return SHADOW_WHITEOUT;
                if (!S_ISDIR(st.st_mode) || i == n)
                        break;
                snprintf(xpath, sizeof(xpath), "%s/%s", dir, prefix);
                if (lgetxattr(xpath, "trusted.overlay.opaque", &v, 1) == 1 && v == 'y')
                        s = SHADOW_OPAQUE;
        }
        return s;
}

static int read_db(const PlanLayer *layers, size_t n_layers, const char *rel, char **ret) {
        for (size_t i = n_layers; i > 0; i--) {
                const PlanLayer *l = &layers[i - 1];
                Shadow s = l->diff_id ? layer_shadow(l->path, rel) : SHADOW_NONE;
                int r;

                if (s == SHADOW_WHITEOUT)
                        return -ENODATA;
                if (l->type == LAYER_TARBALL) {
                        _cleanup_free_ char *tree = NULL;

                        /* Decompressing a large tarball takes seconds: its
                         * tree in the cache, once a start has unpacked it. */
                        r = tarball_cache_find(NULL, l->path, &tree);
                        if (r == -ENOMEM)
                                return r;
                        r = r >= 0 ? read_from_dir(tree, rel, ret) : read_from_tarball(l->path, rel, ret);
                } else
                        r = read_from_dir(l->path, rel, ret);
                if (r == -ENOENT && s == SHADOW_OPAQUE)
                        return -ENODATA;
                if (r == -ENOENT)
                        continue;
                return r;
        }
        return -ENODATA;
}

int image_find_program(const PlanLayer *layers, size_t n_layers, const char *path, const char *name, char **ret) {
        _cleanup_free_ char *copy = strdup(path);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *rel = NULL;

                if (d[0] != '/')
                        continue;
                rel = strjoin(d + 1, d[1] ? "/" : "", name);
                if (!rel)
                        return -ENOMEM;
                for (size_t i = n_layers; i > 0; i--) {
                        const PlanLayer *l = &layers[i - 1];
                        Shadow s = l->diff_id ? layer_shadow(l->path, rel) : SHADOW_NONE;
                        _cleanup_close_ int dfd = -EBADF;
                        struct stat st;

                        if (s == SHADOW_WHITEOUT || l->type != LAYER_DIRECTORY)
                                break;
                        dfd = open(l->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (dfd >= 0 && fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW) >= 0) {
                                char *p = strjoin("/", rel);

                                if (!p)
                                        return -ENOMEM;
                                *ret = p;
                                return 0;
                        }
                        if (s == SHADOW_OPAQUE)
                                break;
                }
        }
        return -ENOENT;
}

/* Splits a passwd/group line into its first n fields (in place). */
static int split_fields(char *line, char **f, size_t n) {
        size_t k = 0;

        f[k++] = line;
        for (char *p = line; *p && k < n; p++)
                if (*p == ':') {
                        *p = 0;
                        f[k++] = p + 1;
                }
        return k == n ? 0 : -EINVAL;
}

int image_find_user(const PlanLayer *layers, size_t n_layers, const char *name, uid_t uid, ImageUser *ret) {
        _cleanup_free_ char *db = NULL;
        char *save = NULL;
        int r;

        r = read_db(layers, n_layers, "etc/passwd", &db);
        if (r < 0)
                return r;
        for (char *line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[7];
                uid_t u;
                gid_t g;

                if (split_fields(line, f, 7) < 0)
                        continue;
                if (parse_uid(f[2], &u) < 0 || parse_uid(f[3], &g) < 0)
                        continue;
                if (name ? !streq(f[0], name) : u != uid)
                        continue;
                *ret = (ImageUser) {
                        .uid = u,
                        .gid = g,
                        .name = strdup(f[0]),
                        .home = strdup(f[5]),
                        .shell = strdup(f[6]),
                };
                if (!ret->name || !ret->home || !ret->shell) {
                        image_user_done(ret);
                        return -ENOMEM;
                }
                return 0;
        }
        return -ENOENT;
}

int image_find_group(const PlanLayer *layers, size_t n_layers, const char *name, gid_t *ret) {
        _cleanup_free_ char *db = NULL;
        char *save = NULL;
        int r;

        r = read_db(layers, n_layers, "etc/group", &db);
        if (r < 0)
                return r;
        for (char *line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[4];
                gid_t g;

                if (split_fields(line, f, 4) < 0)
                        continue;
                if (!streq(f[0], name) || parse_uid(f[2], &g) < 0)
                        continue;
                *ret = g;
                return 0;
        }
        return -ENOENT;
}
