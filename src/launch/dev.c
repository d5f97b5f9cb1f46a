/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A minimal /dev: a fresh tmpfs with the six character devices every
 * program may expect (null zero full random urandom tty), the standard
 * symlinks into /proc/self/fd, a private devpts instance with /dev/ptmx
 * pointing into it, a tmpfs for /dev/shm and an mqueue for /dev/mqueue.
 * No disks, no /dev/mem, no /dev/kmsg: nothing that reaches the host.
 *
 * The nodes are made with mknod(2) where we may (real root: one syscall
 * each, the cheapest way). In a user namespace mknod fails with EPERM;
 * then each node is an empty file with the host's device bind-mounted on
 * it. The tmpfs is nosuid and noexec, but not nodev: it holds the nodes.
 * Once every mount of the plan is made (a unit may bind a device node or
 * mount something below /dev), the /dev tmpfs itself becomes read-only:
 * no node can be added to it, not even with CAP_MKNOD. /dev/pts, /dev/shm
 * and /dev/mqueue are mounts of their own and stay writable; they, the
 * root and every other writable mount are nodev, so a device node made or
 * shipped anywhere else opens nothing. The cgroup device controller
 * (src/cgroup) is the second fence: it refuses every device outside the
 * plan's list, wherever its node is. */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "launch-internal.h"
#include "plan.h"
#include "path-util.h"

static const struct {
        const char *name;
        unsigned major, minor;
} devices[] = {
        { "null", 1, 3 },
        { "zero", 1, 5 },
        { "full", 1, 7 },
        { "random", 1, 8 },
        { "urandom", 1, 9 },
        { "tty", 5, 0 },
};

static const struct {
        const char *name, *target;
} links[] = {
        { "fd", "/proc/self/fd" },
        { "stdin", "/proc/self/fd/0" },
        { "stdout", "/proc/self/fd/1" },
        { "stderr", "/proc/self/fd/2" },
};

static int make_device(LaunchContext *c, int dev_fd, const char *name, dev_t devnum) {
        _cleanup_close_ int fd = -EBADF;
        char host[32], dst[FD_PATH_MAX];

        if (!c->mknod_denied) {
                if (mknodat(dev_fd, name, S_IFCHR | 0666, devnum) >= 0)
                        return 0;
                if (errno != EPERM)
                        return negative_errno();
                c->mknod_denied = true;
        }

        fd = openat(dev_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0)
                return negative_errno();
        snprintf(host, sizeof(host), "/dev/%s", name);
        if (mount(host, fd_path(fd, dst), NULL, MS_BIND, NULL) < 0)
                return negative_errno();
        return 0;
}

static int mount_dev(LaunchContext *c, int root_fd, const PlanMount *m, LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF, dev_fd = -EBADF;
        char dst[FD_PATH_MAX];
        int r;

        r = mount_open_target(root_fd, m->target, MOUNT_CREATE_DIR, &target_fd);
        if (r < 0)
                return launch_error(e, r, "mount-dev", "set up %s (open the mount point)", m->target);
        if (mount("tmpfs", fd_path(target_fd, dst), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=4m,nr_inodes=64k") < 0)
                return launch_error(e, negative_errno(), "mount-dev", "set up %s", m->target);

        /* Opened again: the fd we had is the directory under the tmpfs. */
        r = mount_open_target(root_fd, m->target, MOUNT_CREATE_NONE, &dev_fd);
        if (r < 0)
                return launch_error(e, r, "mount-dev", "open the new %s", m->target);
        safe_close(c->dev_fd);
        c->dev_fd = fcntl(dev_fd, F_DUPFD_CLOEXEC, 3);
        if (c->dev_fd < 0)
                return launch_error(e, negative_errno(), "mount-dev", "keep %s open", m->target);

        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                r = make_device(c, dev_fd, devices[i].name, makedev(devices[i].major, devices[i].minor));
                if (r < 0)
                        return launch_error(e, r, "mount-dev", "create %s/%s", m->target, devices[i].name);
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i].target, dev_fd, links[i].name) < 0)
                        return launch_error(e, negative_errno(), "mount-dev", "create %s/%s", m->target, links[i].name);
        return 0;
}

/* A new devpts instance: the host's ptys are not in it. ptmxmode=0666 so
 * that anyone in the sandbox can open a pty, through /dev/ptmx, which is
 * made a symlink into this instance. */
static int mount_devpts(int root_fd, const PlanMount *m, LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF, parent_fd = -EBADF;
        char dst[FD_PATH_MAX], parent[PATH_MAX], link[NAME_MAX + sizeof("/ptmx")];
        const char *base;
        int r;

        r = mount_open_target(root_fd, m->target, MOUNT_CREATE_DIR, &target_fd);
        if (r < 0)
                return launch_error(e, r, "mount-devpts", "set up %s (open the mount point)", m->target);
        if (mount("devpts", fd_path(target_fd, dst), "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620") < 0)
                return launch_error(e, negative_errno(), "mount-devpts", "set up %s", m->target);

        /* ptmx goes beside the mount point: /dev/pts -> /dev/ptmx -> pts/ptmx. */
        base = path_basename(m->target);
        if ((size_t) (base - m->target) >= sizeof(parent) || strlen(base) > NAME_MAX)
                return launch_error(e, -ENAMETOOLONG, "mount-devpts", "create ptmx beside %s", m->target);
        memcpy(parent, m->target, (size_t) (base - m->target));
        parent[base - m->target] = '\0';
        snprintf(link, sizeof(link), "%s/ptmx", base);
        r = mount_open_target(root_fd, parent[0] ? parent : "/", MOUNT_CREATE_NONE, &parent_fd);
        if (r < 0)
                return launch_error(e, r, "mount-devpts", "open %s", parent);
        if (symlinkat(link, parent_fd, "ptmx") < 0 && errno != EEXIST)
                return launch_error(e, negative_errno(), "mount-devpts", "create %sptmx", parent);
        return 0;
}

int dev_seal(LaunchContext *c, LaunchError *e) {
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
        int r = 0;

        if (c->dev_fd < 0)
                return 0;
        /* Not recursive: the mounts below /dev keep their own flags. */
        if (mount_setattr(c->dev_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                r = launch_error(e, negative_errno(), "mount-dev", "make /dev read-only");
        c->dev_fd = safe_close(c->dev_fd);
        return r;
}

int dev_mount(LaunchContext *c, int root_fd, const PlanMount *m, const MountPrep *prep, LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF;
        char dst[FD_PATH_MAX];
        int r;

        switch (m->type) {
        case MOUNT_DEV:
                return mount_dev(c, root_fd, m, e);
        case MOUNT_DEVPTS:
                return mount_devpts(root_fd, m, e);
        case MOUNT_SHM:
                r = mount_open_target(root_fd, m->target, MOUNT_CREATE_DIR, &target_fd);
                if (r < 0)
                        return launch_error(e, r, "mount-shm", "set up %s (open the mount point)", m->target);
                /* The plan's options carry the size (64M by default); an
                 * older plan has none. */
                if (mount("tmpfs", fd_path(target_fd, dst), "tmpfs", MS_NOSUID | MS_NODEV, m->options ?: "mode=1777") < 0)
                        return launch_error(e, negative_errno(), "mount-shm", "set up %s", m->target);
                return 0;
        case MOUNT_MQUEUE:
                r = mount_open_target(root_fd, m->target, MOUNT_CREATE_DIR, &target_fd);
                if (r < 0)
                        return launch_error(e, r, "mount-mqueue", "set up %s (open the mount point)", m->target);
                if (mount("mqueue", fd_path(target_fd, dst), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                        return launch_error(e, negative_errno(), "mount-mqueue", "set up %s", m->target);
                return 0;
        default:
                return launch_error(e, -EINVAL, "mount", "set up %s: not a device mount", m->target);
        }
}
