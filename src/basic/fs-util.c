/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "macro.h"
#include "string-util.h"

int fd_stat_regular(int fd, struct stat *ret_st) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        *ret_st = st;
        return 0;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *copy = strdup(path);

        if (!copy)
                return -ENOMEM;
        for (char *p = copy + 1; ; p++) {
                bool end = *p == '\0';

                if (*p != '/' && !end)
                        continue;
                *p = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                if (end)
                        return 0;
                *p = '/';
        }
}

int opendir_at(int dir_fd, const char *name, DIR **ret) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;

        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno != ENOENT)
                        return negative_errno();
                *ret = NULL;
                return 0;
        }
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        TAKE_FD(fd);
        *ret = d;
        return 1;
}

int rm_rf_at(int dir_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        DIR *d;
        int r = 0;

        if (unlinkat(dir_fd, name, 0) >= 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return negative_errno();

        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        fd = -EBADF;    /* owned by d now */
        for (struct dirent *de; (de = readdir(d)); ) {
                struct stat cst;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(cst.st_mode) && cst.st_dev != st.st_dev) {
                        r = -EXDEV;
                        continue;
                }
                if (S_ISDIR(cst.st_mode)) {
                        int q = rm_rf_at(dirfd(d), de->d_name);
                        if (q < 0 && r == 0)
                                r = q;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && r == 0)
                        r = negative_errno();
        }
        closedir(d);
        if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && r == 0)
                r = negative_errno();
        return r;
}

int sha256_fd(int fd, char ret[static SHA256_HEX_SIZE]) {
        uint8_t digest[SHA256_DIGEST_SIZE], buf[128 * 1024];
        Sha256 s;
        off_t off = 0;

        sha256_init(&s);
        for (;;) {
                ssize_t n = pread(fd, buf, sizeof(buf), off);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                sha256_update(&s, buf, (size_t) n);
                off += n;
        }
        sha256_finish(&s, digest);
        sha256_to_hex(digest, ret);
        return 0;
}

bool sha256_hex_valid(const char *s) {
        return strlen(s) == SHA256_HEX_SIZE - 1 && strspn(s, "0123456789abcdef") == SHA256_HEX_SIZE - 1;
}
