/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The kernel's answer to a route dump (src/net/rtnl.c), as sandboxd reads
 * it before it makes the bridge: whatever the bytes, the parser stays
 * within them and says overlap or not, or fails. */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct in_addr net = { .s_addr = htonl(0x0a590000) };
        bool overlap = false;
        int r;

        /* libmnl reads headers in place: give it an aligned copy, as the
         * socket's buffer is. */
        void *buf = malloc(size ?: 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        r = rtnl_route_parse(buf, size, 0, net, 16, 0, &overlap);
        if (r > 1)
                abort();
        free(buf);
        return 0;
}
