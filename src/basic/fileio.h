/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Read a whole regular file (refusing directories, devices, FIFOs and
 * anything over max_size) into a NUL-terminated buffer. The file may itself
 * contain NUL bytes: *ret_size is the real length. */
int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
