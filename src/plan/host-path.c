/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host-path.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"

int host_path_open(const char *path, int flags, int *ret_fd) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        if (!path_is_absolute(path))
                return -EINVAL;
        fd = (int) syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

int host_path_canonicalize(const char *path, char **ret) {
        size_t n;

        if (!path_is_absolute(path))
                return -EINVAL;
        n = strlen(path);
        /* Shorten to the longest prefix that exists: "-" sources may be
         * missing, and their canonical form is still wanted, so that the
         * launcher can look for them without following symlinks. */
        for (;;) {
                _cleanup_free_ char *prefix = strndup(path, n), *resolved = NULL;
                char *j;

                if (!prefix)
                        return -ENOMEM;
                resolved = realpath(n > 0 ? prefix : "/", NULL);
                if (resolved) {
                        j = strjoin(streq(resolved, "/") && path[n] ? "" : resolved, path + n);
                        if (!j)
                                return -ENOMEM;
                        *ret = j;
                        return 0;
                }
                if (errno != ENOENT || n == 0)
                        return negative_errno();
                while (n > 0 && path[n - 1] != '/')
                        n--;
                if (n > 0)
                        n--;
        }
}

int host_path_pin(const char *canonical, PlanFileId *ret_id, mode_t *ret_mode) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        r = host_path_open(canonical, O_PATH, &fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        *ret_id = plan_file_id_of(&st);
        if (ret_mode)
                *ret_mode = st.st_mode;
        return 0;
}

bool host_path_is_tarball_name(const char *path) {
        static const char *const suffixes[] = { ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst" };

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (endswith(path, suffixes[i]))
                        return true;
        return false;
}
