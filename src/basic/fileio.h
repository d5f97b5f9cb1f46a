/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fcntl.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole regular file (refusing directories, devices, FIFOs and
 * anything over max_size) into a NUL-terminated buffer. The file may itself
 * contain NUL bytes: *ret_size is the real length. */
int read_full_file_at(int dirfd, const char *name, int open_flags, size_t max_size, char **ret, size_t *ret_size);
static inline int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size) {
        return read_full_file_at(AT_FDCWD, path, 0, max_size, ret, ret_size);
}
/* The same from an open fd, whatever it is (cgroup files, pipes): to EOF,
 * -EFBIG past max_size. */
int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size);

typedef enum WriteAtomicFlags {
        WRITE_ATOMIC_SYNC = 1 << 0,     /* fsync the file and the directory: it must survive a crash */
} WriteAtomicFlags;

/* Writes NAME.new (mode) in dirfd and renames it over NAME: a reader sees
 * the old content or the new, never a part. */
int write_file_atomic_at_full(int dirfd, const char *name, const void *data, size_t size, mode_t mode,
                              WriteAtomicFlags flags);
static inline int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode) {
        return write_file_atomic_at_full(dirfd, name, data, size, mode, 0);
}
