/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "string-util.h"

int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated = 0, first = 4096;
        struct stat st;

        /* The size may change while we read (cgroup files say 4096 or 0,
         * init writes `exit` whenever the service ends): read to EOF, never
         * beyond max_size + 1. */
        if (fstat(fd, &st) >= 0 && S_ISREG(st.st_mode) && (uint64_t) st.st_size + 2 > first)
                first = (size_t) MIN((uint64_t) st.st_size + 2, (uint64_t) max_size + 2);

        for (;;) {
                ssize_t k;

                if (n + 1 >= allocated) {
                        size_t na = allocated ? allocated * 2 : first;
                        char *nb;

                        if (na > max_size + 2)
                                na = max_size + 2;
                        if (na <= n + 1)
                                return -EFBIG;
                        nb = realloc(buf, na);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        allocated = na;
                }
                k = read(fd, buf + n, allocated - n - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > max_size)
                        return -EFBIG;
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = n;
        return 0;
}

int read_full_file_at(int dirfd, const char *name, int open_flags, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;

        /* O_NONBLOCK so that a FIFO (given as a unit, or planted in a state
         * directory) cannot hang us before fstat() tells us it is not a
         * regular file. */
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | open_flags);
        if (fd < 0)
                return negative_errno();
        return read_full_regular_fd(fd, max_size, ret, ret_size);
}

int read_full_regular_fd(int fd, size_t max_size, char **ret, size_t *ret_size) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > max_size)
                return -EFBIG;
        return read_full_fd(fd, max_size, ret, ret_size);
}

/* "DIR/.BASE.PID.new" for "DIR/BASE": the same directory, a name of this
 * process alone, hidden from a listing. */
static char *tmp_name_private(const char *name) {
        const char *slash = strrchr(name, '/');
        char *t;

        if (asprintf(&t, "%.*s.%s.%d.new", slash ? (int) (slash - name + 1) : 0, name, slash ? slash + 1 : name,
                     (int) getpid()) < 0)
                return NULL;
        return t;
}

int write_file_atomic_at_full(int dirfd, const char *name, const void *data, size_t size, mode_t mode, WriteAtomicFlags flags) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *tmp = NULL;
        const char *p = data;
        int r;

        tmp = (flags & WRITE_ATOMIC_SHARED) ? tmp_name_private(name) : strjoin(name, ".new");
        if (!tmp)
                return -ENOMEM;

        fd = openat(dirfd, tmp,
                    O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
                            ((flags & WRITE_ATOMIC_SHARED) ? O_EXCL : O_TRUNC),
                    mode);
        if (fd < 0)
                return negative_errno();
        if (fchmod(fd, mode) < 0) {
                r = negative_errno();
                goto fail;
        }
        while (size > 0) {
                ssize_t k = write(fd, p, size);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = negative_errno();
                        goto fail;
                }
                p += k;
                size -= (size_t) k;
        }
        /* Only for state that outlives a reboot: /run is a tmpfs. */
        if ((flags & WRITE_ATOMIC_SYNC) && fsync(fd) < 0) {
                r = negative_errno();
                goto fail;
        }
        if (close(TAKE_FD(fd)) < 0) {
                r = negative_errno();
                goto fail;
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                r = negative_errno();
                goto fail;
        }
        if ((flags & WRITE_ATOMIC_SYNC) && fsync(dirfd) < 0)
                return negative_errno();
        return 0;

fail:
        (void) unlinkat(dirfd, tmp, 0);
        return r;
}

int symlink_atomic_at(const char *target, int dirfd, const char *name, uid_t owner) {
        _cleanup_free_ char *tmp = tmp_name_private(name);
        int r;

        if (!tmp)
                return -ENOMEM;
        (void) unlinkat(dirfd, tmp, 0);
        if (symlinkat(target, dirfd, tmp) < 0)
                return negative_errno();
        if (owner != (uid_t) -1 && fchownat(dirfd, tmp, owner, (gid_t) -1, AT_SYMLINK_NOFOLLOW) < 0) {
                r = negative_errno();
                goto fail;
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                r = negative_errno();
                goto fail;
        }
        return 0;

fail:
        (void) unlinkat(dirfd, tmp, 0);
        return r;
}
