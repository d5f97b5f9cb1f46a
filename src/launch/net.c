/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Network=none: the child's new network namespace has only lo, and lo
 * starts down, so even 127.0.0.1 would fail. One SIOCSIFFLAGS on a
 * throw-away socket brings it up: a netlink RTM_NEWLINK would do the same
 * with more code and no gain. Network=host has no namespace and nothing
 * to do here. */

#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launch-internal.h"
#include "net.h"
#include "plan.h"

int net_loopback_up(LaunchError *e) {
        _cleanup_close_ int fd = -EBADF;
        struct ifreq ifr = {};

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return launch_error(e, negative_errno(), "network", "open a socket to configure lo");

        strncpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name) - 1);
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return launch_error(e, negative_errno(), "network", "read the flags of lo");
        if (ifr.ifr_flags & IFF_UP)
                return 0;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return launch_error(e, negative_errno(), "network", "bring lo up");
        return 0;
}

int net_configure(const Plan *p, LaunchError *e) {
        const char *step = NULL;
        int r;

        r = net_inside_configure(&p->net, &step);
        if (r < 0)
                return launch_error(e, r, "network", "%s", step ?: "configure the network");
        return 0;
}

/* The text is written into the /dev tmpfs (ours, not yet read-only),
 * bound read-only over the image's /etc/resolv.conf, and unlinked there:
 * no file on the host, and the service cannot change it. An image
 * without /etc/resolv.conf and a read-only root has nowhere to put it:
 * then the sandbox has none, as the image says. */
int net_mount_resolv_conf(LaunchContext *c, int root_fd, LaunchError *e) {
        _cleanup_close_ int fd = -EBADF, target_fd = -EBADF;
        size_t n = strlen(c->resolv_conf);
        int r;

        if (c->dev_fd < 0)
                return 0;
        r = mount_open_target(root_fd, "/etc/resolv.conf", MOUNT_CREATE_FILE, &target_fd);
        if (r == -ENOENT || r == -EROFS)
                return 0;
        if (r < 0)
                return launch_error(e, r, "network", "open /etc/resolv.conf in the image");
        fd = openat(c->dev_fd, ".resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return launch_error(e, negative_errno(), "network", "create resolv.conf");
        if (write(fd, c->resolv_conf, n) != (ssize_t) n)
                return launch_error(e, negative_errno(), "network", "write resolv.conf");
        r = mount_clone_onto(c->dev_fd, ".resolv.conf", target_fd, false,
                             MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        (void) unlinkat(c->dev_fd, ".resolv.conf", 0);
        if (r < 0)
                return launch_error(e, r, "network", "mount /etc/resolv.conf");
        return 0;
}
