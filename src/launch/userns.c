/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* User namespace id maps. The parent writes them (it holds CAP_SETUID and
 * CAP_SETGID in the parent namespace, so one line may map a whole range,
 * and setgroups(2) stays allowed inside) while the child waits at SYNC 1.
 *
 * /proc/PID is a name, and a pid can be reused: if the child died and the
 * number went to someone else, writing /proc/PID/uid_map would configure a
 * stranger's namespace. So the directory is opened first, and only then is
 * the pidfd asked whether our child is still alive: a /proc/PID directory
 * fd stays bound to the process it was opened for (its files fail with
 * ESRCH once that one is gone), so if the child lived after the open, the
 * fd is the child's. The child cannot have been replaced by an exec of
 * something else either: it is blocked on the socketpair until we are
 * done. */

#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch-internal.h"

/* /proc/PID of our child, and proof that it is still our child: see the
 * top of this file. */
static int open_proc_dir(pid_t pid, int pidfd, int *ret_fd) {
        _cleanup_close_ int dir_fd = -EBADF;
        char path[32];

        snprintf(path, sizeof(path), "/proc/%d", (int) pid);
        dir_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return negative_errno();
        *ret_fd = TAKE_FD(dir_fd);
        return 0;
}

int userns_write_map(pid_t pid, int pidfd, const char *file, const char *line, size_t len) {
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        ssize_t n;
        int r;

        r = open_proc_dir(pid, pidfd, &dir_fd);
        if (r < 0)
                return r;
        fd = openat(dir_fd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return negative_errno();
        /* The kernel takes a map in a single write(2). */
        n = write(fd, line, len);
        if (n < 0)
                return negative_errno();
        if ((size_t) n != len)
                return -EIO;
        return 0;
}

int userns_write_maps(pid_t pid, int pidfd, uint32_t base, uint32_t count) {
        char line[64];
        int len, r;

        if (count == 0)
                return -EINVAL;

        len = snprintf(line, sizeof(line), "0 %" PRIu32 " %" PRIu32 "\n", base, count);
        r = userns_write_map(pid, pidfd, "uid_map", line, (size_t) len);
        if (r < 0)
                return r;
        return userns_write_map(pid, pidfd, "gid_map", line, (size_t) len);
}

int userns_open_root_path(pid_t pid, int pidfd, const char *path, int *ret_fd) {
        _cleanup_close_ int dir_fd = -EBADF, root_fd = -EBADF;
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd, r;

        r = open_proc_dir(pid, pidfd, &dir_fd);
        if (r < 0)
                return r;
        /* The child's root, in its mount namespace: what we open below it
         * is on the child's copy of the mount, not on ours. */
        root_fd = openat(dir_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return negative_errno();
        fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

int userns_open_ns(pid_t pid, int pidfd, int *ret_fd) {
        return launch_open_ns(pid, pidfd, "user", ret_fd);
}

int launch_open_ns(pid_t pid, int pidfd, const char *type, int *ret_fd) {
        _cleanup_close_ int dir_fd = -EBADF;
        char path[32];
        int fd, r;

        r = open_proc_dir(pid, pidfd, &dir_fd);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "ns/%s", type);
        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

/* Child, after SYNC 1: the clone left us with the parent's ids, which
 * mean nothing in the new namespace (they show as the overflow id, and
 * files cannot be created with them). Become the mapped root, with no
 * supplementary groups from the host. */
int userns_become_root(LaunchError *e) {
        if (setgroups(0, NULL) < 0)
                return launch_error(e, negative_errno(), "user-namespace", "drop the host's supplementary groups");
        if (setresgid(0, 0, 0) < 0)
                return launch_error(e, negative_errno(), "user-namespace", "become gid 0 in the user namespace");
        if (setresuid(0, 0, 0) < 0)
                return launch_error(e, negative_errno(), "user-namespace", "become uid 0 in the user namespace");
        return 0;
}

int launch_open_netns(pid_t pid, int pidfd, int *ret_fd) {
        int r;

        r = launch_open_ns(pid, pidfd, "net", ret_fd);
        return r == -ENOENT ? -ESRCH : r;
}
