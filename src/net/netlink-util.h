/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

/* libmnl's walk compares nlmsg_len as an int: a length above INT_MAX
 * passes its check and moves the cursor gigabytes past the buffer (found
 * by fuzz-rtnl). Every header of a buffer read from a netlink socket is
 * checked here first, against what is really left: 0, or -EBADMSG. */
static inline int netlink_buffer_check(const void *buf, size_t len) {
        const uint8_t *p = buf;
        size_t left = len;

        if (len > INT_MAX)
                return -EBADMSG;
        while (left > 0) {
                const struct nlmsghdr *h = (const struct nlmsghdr *) p;
                size_t step;

                if (left < sizeof(struct nlmsghdr) || h->nlmsg_len < sizeof(struct nlmsghdr) || h->nlmsg_len > left)
                        return -EBADMSG;
                step = MNL_ALIGN(h->nlmsg_len);
                if (step >= left)
                        break;
                p += step;
                left -= step;
        }
        return 0;
}
