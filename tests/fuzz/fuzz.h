/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parsers read files; a memfd gives them one without touching disk.
 * Returns a "/proc/self/fd/N" path in buf, the fd in *ret_fd. */
int fuzz_memfd_path(const uint8_t *data, size_t size, char buf[static 64], int *ret_fd);
