/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "tests.h"

static inline char *make_tmpdir(void) {
        char *d = strdup("/tmp/sandboxd-test-XXXXXX");
        ASSERT_TRUE(d && mkdtemp(d));
        return d;
}

static inline char *write_file_n(const char *dir, const char *name, const char *content, size_t n) {
        char *p;
        int fd;

        ASSERT_TRUE(asprintf(&p, "%s/%s", dir, name) > 0);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(write(fd, content, n) == (ssize_t) n);
        close(fd);
        return p;
}

static inline char *write_file(const char *dir, const char *name, const char *content) {
        return write_file_n(dir, name, content, strlen(content));
}

static inline char *diag_string(const Diagnostics *d) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        ASSERT_TRUE(f);
        diagnostics_print(d, f);
        fclose(f);
        return buf;
}

/* The diagnostics contain needle (e.g. "web.unit:7: MemoryMax: "). */
#define ASSERT_DIAG(d, needle)                                                                  \
        do {                                                                                    \
                char *_s_ = diag_string(d);                                                     \
                if (!strstr(_s_, (needle))) {                                                   \
                        fprintf(stderr, "%s:%d: diagnostics lack \"%s\":\n%s", __FILE__, __LINE__, (needle), _s_); \
                        abort();                                                                \
                }                                                                               \
                free(_s_);                                                                      \
        } while (0)

static inline void rm_rf(const char *dir) {
        char *cmd;
        ASSERT_TRUE(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        (void) system(cmd);
        free(cmd);
}
