/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* File descriptors of the child. It is a copy of the caller, so it holds
 * every fd the caller had, close-on-exec or not (a leaked directory fd of
 * the host is a way out of any root: CVE-2016-9962, CVE-2024-21626). The
 * first thing the child does is to keep only the service's stdio as 0, 1,
 * 2 and the sync socket as 3 (close-on-exec), and close everything else;
 * the last thing before seccomp is to do that again, for whatever the
 * setup opened since. */

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch-internal.h"

#define SYNC_FD 3

static int close_from(unsigned first) {
        if (syscall(SYS_close_range, first, ~0U, 0) < 0)
                return negative_errno();
        return 0;
}

/* Returns the sync socket's new fd number. */
int fd_setup_stdio(int stdin_fd, int stdout_fd, int stderr_fd, int sync_fd, LaunchError *e) {
        int src[4] = { stdin_fd, stdout_fd, stderr_fd, sync_fd }, tmp[4];
        int null_fd = -EBADF, r;

        /* A missing fd (-1, or a caller started with 1 closed) is /dev/null:
         * the service must not find 0, 1 or 2 free for its first open(). */
        for (size_t i = 0; i < 3; i++)
                if (src[i] < 0 || (fcntl(src[i], F_GETFD) < 0 && errno == EBADF)) {
                        if (null_fd < 0) {
                                null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
                                if (null_fd < 0)
                                        return launch_error(e, negative_errno(), "stdio", "open /dev/null for the service's stdio");
                        }
                        src[i] = null_fd;
                }

        /* Copies above 3 first, so that moving one into place cannot
         * overwrite another that is still to be moved. */
        for (size_t i = 0; i < 4; i++) {
                tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, SYNC_FD + 1);
                if (tmp[i] < 0)
                        return launch_error(e, negative_errno(), "stdio", "duplicate fd %d", src[i]);
        }
        for (int i = 0; i < 3; i++)
                if (dup3(tmp[i], i, 0) < 0)
                        return launch_error(e, negative_errno(), "stdio", "set up fd %d of the service", i);
        if (dup3(tmp[3], SYNC_FD, O_CLOEXEC) < 0)
                return launch_error(e, negative_errno(), "stdio", "move the sync socket to fd %d", SYNC_FD);

        r = fd_close_others(e);
        if (r < 0)
                return r;
        return SYNC_FD;
}

int fd_close_others(LaunchError *e) {
        int r;

        r = close_from(SYNC_FD + 1);
        if (r < 0)
                return launch_error(e, r, "close-fds", "close the launcher's file descriptors");
        return 0;
}
