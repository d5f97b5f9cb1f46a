/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The kernel's answer to a route dump (src/net/rtnl.c), as sandboxd reads
 * it before it makes or uses the bridge: whatever the bytes, the parser
 * stays within them and says overlap or not (naming a route that is one),
 * or fails. The first 9 bytes, when there are that many, choose the
 * subnet, its prefix length and the interface whose routes do not count
 * (the bridge's); the rest is the answer. */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "in-addr-util.h"
#include "rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct in_addr net = { .s_addr = htonl(0x0a590000) };
        unsigned prefixlen = 16, except = 0;
        bool overlap = false;
        RtnlRoute route = { .dst_len = 99 };
        int r;

        if (size >= 9 && data[0] == 0xff) {
                memcpy(&net.s_addr, data + 1, 4);
                prefixlen = data[5] % 33;
                except = (unsigned) data[6] | (unsigned) data[7] << 8 | (unsigned) data[8] << 16;
                data += 9;
                size -= 9;
        }
        /* libmnl reads headers in place: give it an aligned copy, as the
         * socket's buffer is. */
        void *buf = malloc(size ?: 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        r = rtnl_route_parse(buf, size, 0, net, prefixlen, except, &overlap, &route);
        if (r > 1)
                abort();
        /* A route it names is a real one: a prefix, never the default
         * route, not through the excluded interface, and overlapping. */
        if (overlap && (route.dst_len == 0 || route.dst_len > 32 || (route.oif != 0 && route.oif == except) ||
                        !in4_prefix_overlaps(net, prefixlen, route.dst, route.dst_len)))
                abort();
        if (!overlap && route.dst_len != 99)
                abort();
        free(buf);
        return 0;
}
