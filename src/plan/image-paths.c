/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dlopen-archive.h"
#include "image-paths.h"
#include "string-util.h"
#include "tarball-cache.h"

static int openat2_in(int dfd, const char *rel, uint64_t resolve) {
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC,
                .resolve = resolve | RESOLVE_NO_MAGICLINKS,
        };

        return (int) syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
}

static ImagePathState lookup_in_dir(int dfd, const char *rel, bool only_layer, mode_t *ret_type) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        /* RESOLVE_IN_ROOT: the image's symlinks resolve inside it, as the
         * launcher resolves mount targets. */
        fd = openat2_in(dfd, rel, RESOLVE_IN_ROOT);
        if (fd >= 0) {
                *ret_type = fstat(fd, &st) >= 0 ? (st.st_mode & S_IFMT) : 0;
                return IMAGE_PATH_FOUND;
        }
        if (errno != ENOENT && errno != ENOTDIR)
                return IMAGE_PATH_UNKNOWN;
        /* A symlink on the way that leads nowhere in this layer may lead
         * into another one: only a single layer knows it is missing. */
        fd = openat2_in(dfd, rel, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
        if (fd < 0 && errno == ELOOP && !only_layer)
                return IMAGE_PATH_UNKNOWN;
        return IMAGE_PATH_MISSING;
}

static void lookup_dir_layer(const PlanLayer *l, bool only_layer, ImagePathQuery *q, size_t n_q, ImagePathState *st,
                             mode_t *types) {
        _cleanup_close_ int dfd = open(l->path, O_PATH | O_DIRECTORY | O_CLOEXEC);

        for (size_t i = 0; i < n_q; i++)
                st[i] = dfd < 0 ? IMAGE_PATH_UNKNOWN : lookup_in_dir(dfd, q[i].path + 1, only_layer, &types[i]);
}

/* "./usr/bin/", "/usr/bin" -> "usr/bin" (in place). */
static char *entry_name(char *n) {
        size_t len;

        while (n[0] == '.' && n[1] == '/')
                n += 2;
        while (n[0] == '/')
                n++;
        len = strlen(n);
        while (len > 0 && n[len - 1] == '/')
                n[--len] = 0;
        return n;
}

static mode_t type_of_entry(mode_t ae) {
        switch (ae) {
        case AE_IFREG: return S_IFREG;
        case AE_IFDIR: return S_IFDIR;
        case AE_IFCHR: return S_IFCHR;
        case AE_IFBLK: return S_IFBLK;
        case AE_IFIFO: return S_IFIFO;
        case AE_IFSOCK: return S_IFSOCK;
        default: return 0; /* a symlink: what it points to is not known here */
        }
}

static void lookup_tar_layer(const PlanLayer *l, ImagePathQuery *q, size_t n_q, ImagePathState *st, mode_t *types) {
        _cleanup_close_ int fd = -EBADF;
        struct archive_entry *e;
        struct archive *a = NULL;
        struct stat s;
        int r;

        for (size_t i = 0; i < n_q; i++)
                st[i] = IMAGE_PATH_UNKNOWN;
        if (dlopen_libarchive(NULL) < 0)
                return;
        /* As image-users.c: opened here, O_NONBLOCK, and checked to be a file. */
        fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &s) < 0 || !S_ISREG(s.st_mode))
                return;
        a = archive_tar_reader_new();
        if (!a)
                return;
        if (sym_archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
                sym_archive_read_free(a);
                return;
        }
        for (size_t i = 0; i < n_q; i++)
                st[i] = IMAGE_PATH_MISSING;
        while ((r = sym_archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                const char *raw = sym_archive_entry_pathname(e);
                mode_t ae = sym_archive_entry_filetype(e);
                _cleanup_free_ char *copy = NULL;
                const char *n;
                size_t len;

                if (!raw || !(copy = strdup(raw)))
                        continue;
                n = entry_name(copy);
                len = strlen(n);
                for (size_t i = 0; i < n_q; i++) {
                        const char *rel = q[i].path + 1, *rest;

                        if (streq(n, rel)) {
                                /* A later entry of the same name wins, as when unpacking. */
                                st[i] = IMAGE_PATH_FOUND;
                                types[i] = type_of_entry(ae);
                        } else if (len > 0 && (rest = startswith(rel, n)) && rest[0] == '/' && ae == AE_IFLNK) {
                                /* A symlinked directory on the way: it may lead anywhere. */
                                if (st[i] == IMAGE_PATH_MISSING)
                                        st[i] = IMAGE_PATH_UNKNOWN;
                        } else if (st[i] != IMAGE_PATH_FOUND && (rest = startswith(n, rel)) && rest[0] == '/') {
                                /* Something below it: a directory, listed or not. */
                                st[i] = IMAGE_PATH_FOUND;
                                types[i] = S_IFDIR;
                        }
                }
        }
        if (r != ARCHIVE_EOF)
                /* A damaged tarball: the launcher will say so at start. */
                for (size_t i = 0; i < n_q; i++)
                        if (st[i] == IMAGE_PATH_MISSING)
                                st[i] = IMAGE_PATH_UNKNOWN;
        sym_archive_read_free(a);
}

int image_paths_lookup(const PlanLayer *layers, size_t n_layers, ImagePathQuery *q, size_t n_q) {
        _cleanup_free_ ImagePathState *st = NULL;
        _cleanup_free_ mode_t *types = NULL;
        _cleanup_free_ bool *unknown = NULL;

        if (n_q == 0)
                return 0;
        st = calloc(n_q, sizeof(ImagePathState));
        types = calloc(n_q, sizeof(mode_t));
        unknown = calloc(n_q, sizeof(bool));
        if (!st || !types || !unknown)
                return -ENOMEM;
        for (size_t i = 0; i < n_q; i++)
                q[i] = (ImagePathQuery) { .path = q[i].path, .state = IMAGE_PATH_MISSING };

        /* Top layer first, as overlayfs shows them (whiteouts aside). */
        for (size_t k = n_layers; k > 0; k--) {
                const PlanLayer *l = &layers[k - 1];

                for (size_t i = 0; i < n_q; i++)
                        types[i] = 0;
                if (l->type == LAYER_TARBALL) {
                        _cleanup_free_ char *tree = NULL;

                        /* Its unpacked tree, as image-users.c reads it. */
                        if (tarball_cache_find(NULL, l->path, &tree) >= 0)
                                lookup_dir_layer(&(PlanLayer) { .type = LAYER_DIRECTORY, .path = tree },
                                                 n_layers == 1, q, n_q, st, types);
                        else
                                lookup_tar_layer(l, q, n_q, st, types);
                } else
                        lookup_dir_layer(l, n_layers == 1, q, n_q, st, types);
                for (size_t i = 0; i < n_q; i++) {
                        if (q[i].state == IMAGE_PATH_FOUND)
                                continue;
                        if (st[i] == IMAGE_PATH_FOUND)
                                q[i] = (ImagePathQuery) { .path = q[i].path, .state = IMAGE_PATH_FOUND, .type = types[i] };
                        else if (st[i] == IMAGE_PATH_UNKNOWN)
                                unknown[i] = true;
                }
        }
        for (size_t i = 0; i < n_q; i++)
                if (q[i].state != IMAGE_PATH_FOUND && unknown[i])
                        q[i].state = IMAGE_PATH_UNKNOWN;
        return 0;
}
