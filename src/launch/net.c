/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Network=none: the child's new network namespace has only lo, and lo
 * starts down, so even 127.0.0.1 would fail. One SIOCSIFFLAGS on a
 * throw-away socket brings it up: a netlink RTM_NEWLINK would do the same
 * with more code and no gain. Network=host has no namespace and nothing
 * to do here. */

#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "launch-internal.h"

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
