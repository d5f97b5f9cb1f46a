/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sha256.h"

/* The directory name below dir_fd (a symlink there is not followed) as a
 * stream: 1, or 0 with *ret NULL if there is nothing of that name. */
int opendir_at(int dir_fd, const char *name, DIR **ret);

/* fstat() of fd into *ret_st: -EBADFD unless it is a regular file (a FIFO
 * or a device planted where a file belongs). */
int fd_stat_regular(int fd, struct stat *ret_st);

/* mkdir -p, each missing component with mode. */
int mkdir_p(const char *path, mode_t mode);

/* Remove name below dir_fd and everything in it, without following
 * symlinks or crossing into other file systems (-EXDEV, the rest is
 * removed). */
int rm_rf_at(int dir_fd, const char *name);

/* The sha256 of everything fd holds, read with pread() from offset 0, as
 * lower-case hex. */
int sha256_fd(int fd, char ret[static SHA256_HEX_SIZE]);

/* 64 lower-case hex digits, nothing else. */
bool sha256_hex_valid(const char *s);
