/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The registries that sandboxctl and sandboxd share under STATE_DIR
 * (userns/ranges, net/leases): a directory of root's with a lock file,
 * and one line per unit name, rewritten whole under the lock. */

/* PARENT/NAME, made 0700 on first use (PARENT 0755), and refused
 * (-EPERM) unless it is a directory of ours that nobody else can write:
 * the registry in it decides whose ids and addresses are whose. */
int locked_dir_open(const char *parent, const char *name, int *ret_dir_fd);

/* An exclusive flock(2) of DIR_FD/lock, held until the fd is closed. */
int locked_dir_lock(int dir_fd, int *ret_lock_fd);

/* DIR_FD/NAME, at most MAX bytes; a file that does not exist yet reads
 * as "". */
int locked_file_read(int dir_fd, const char *name, size_t max, char **ret_text);

/* DIR_FD/NAME replaced by N lines, line i written by LINE: through a new
 * file, fsync()ed and renamed over the old one, so that a crash leaves
 * either registry, never a torn one. */
typedef void (*locked_file_line_t)(FILE *f, size_t i, const void *userdata);
int locked_file_write(int dir_fd, const char *name, size_t n, locked_file_line_t line, const void *userdata);

/* A name a registry line can end with: 1..255 bytes, no blank, no
 * control character. */
bool locked_file_name_is_valid(const char *name);
