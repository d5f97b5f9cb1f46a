/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

int fuzz_memfd_path(const uint8_t *data, size_t size, char buf[static 64], int *ret_fd) {
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        size_t n = 0;

        if (fd < 0)
                return -1;
        while (n < size) {
                ssize_t k = write(fd, data + n, size - n);
                if (k <= 0) {
                        close(fd);
                        return -1;
                }
                n += (size_t) k;
        }
        snprintf(buf, 64, "/proc/self/fd/%d", fd);
        *ret_fd = fd;
        return 0;
}
