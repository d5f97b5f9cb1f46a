/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Host paths of the plan (bind sources, image layers), opened as the
 * compiler pinned them: the canonical path, no symlink followed anywhere
 * on it, and the same file (st_dev, st_ino) the compiler found there.
 * Automatic restarts reuse a plan, and by then a service that owns a
 * directory on such a path may have swapped what is below it; whatever it
 * put there is refused, not mounted. Runs in the parent and in the child
 * (before pivot_root, where "/" is still the host's): no allocation. */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "host-path.h"
#include "launch-internal.h"

int launch_open_pinned(const char *path, int flags, const PlanFileId *id, bool missing, int *ret_fd, char *why,
                       size_t why_size) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        r = host_path_open(path, flags, &fd);
        if (r == -ELOOP) {
                snprintf(why, why_size, "a symlink is on its path now");
                return r;
        }
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (missing) {
                snprintf(why, why_size, "was missing, now inode %" PRIu64, (uint64_t) st.st_ino);
                return -ESTALE;
        }
        if (!plan_file_id_matches(id, &st)) {
                if (id->dev != (uint64_t) st.st_dev)
                        snprintf(why, why_size, "was inode %" PRIu64 " on device %u:%u, now inode %" PRIu64 " on %u:%u",
                                 id->ino, major((dev_t) id->dev), minor((dev_t) id->dev), (uint64_t) st.st_ino,
                                 major(st.st_dev), minor(st.st_dev));
                else
                        snprintf(why, why_size, "was inode %" PRIu64 ", now %" PRIu64, id->ino, (uint64_t) st.st_ino);
                return -ESTALE;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}
