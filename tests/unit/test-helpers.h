/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
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

/* What the units of the tests expect in a directory image, beside its
 * /etc: the compiler checks ExecStart= binaries, and mount targets of a
 * read-only root, against the image. */
static inline void make_stand_in_image(const char *img) {
        static const char *const dirs[] = { "bin", "tmp", "run", "srv", "data", "d", "x", "y", "var", "var/www" };
        static const char *const programs[] = { "bin/sh", "bin/true", "bin/httpd", "bin/x" };

        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                char *p;

                ASSERT_TRUE(asprintf(&p, "%s/%s", img, dirs[i]) > 0);
                ASSERT_TRUE(mkdir(p, 0755) == 0 || errno == EEXIST);
                free(p);
        }
        for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
                char *p = write_file(img, programs[i], "#!/bin/sh\n");

                ASSERT_TRUE(chmod(p, 0755) == 0);
                free(p);
        }
}

static inline void rm_rf(const char *dir) {
        char *cmd;
        ASSERT_TRUE(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        (void) system(cmd);
        free(cmd);
}
