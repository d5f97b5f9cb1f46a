/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fcntl.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole regular file (refusing directories, devices, FIFOs and
 * anything over max_size) into a NUL-terminated buffer. The file may itself
 * contain NUL bytes: *ret_size is the real length. */
int read_full_file_at(int dirfd, const char *name, int open_flags, size_t max_size, char **ret, size_t *ret_size);
/* The same checks and read for a file already open. */
int read_full_regular_fd(int fd, size_t max_size, char **ret, size_t *ret_size);
static inline int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size) {
        return read_full_file_at(AT_FDCWD, path, 0, max_size, ret, ret_size);
}
/* The same from an open fd, whatever it is (cgroup files, pipes): to EOF,
 * -EFBIG past max_size. */
int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size);

/* The one way files and symlinks are replaced: written under a temporary
 * name in the same directory, then renamed over NAME, so that a reader
 * sees the old content or the new, never a part. */
typedef enum WriteAtomicFlags {
        WRITE_ATOMIC_SYNC = 1 << 0,     /* fsync the file and the directory: it must survive a crash */
        /* Other processes may write NAME at the same time (a cache that
         * sandboxctl and sandboxd share): each writes its own
         * .NAME.PID.new, created exclusively. Without it the temporary
         * file is NAME.new, and a stale one (a crash mid-write) is
         * replaced. */
        WRITE_ATOMIC_SHARED = 1 << 1,
} WriteAtomicFlags;

int write_file_atomic_at_full(int dirfd, const char *name, const void *data, size_t size, mode_t mode,
                              WriteAtomicFlags flags);
static inline int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode) {
        return write_file_atomic_at_full(dirfd, name, data, size, mode, 0);
}
/* NAME becomes a symlink to target, owned by owner unless that is
 * (uid_t) -1, replacing whatever NAME was (.NAME.PID.new, renamed). */
int symlink_atomic_at(const char *target, int dirfd, const char *name, uid_t owner);
