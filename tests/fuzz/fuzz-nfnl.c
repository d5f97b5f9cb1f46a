/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The kernel's answer to a rule dump of one chain of table inet sandboxd
 * (src/net/nfnl.c), as every Network=private start reads it to tell
 * whether the table is whole: whatever the bytes, the parser stays within
 * them and finds the mark or not, or fails. When the first byte is 0xfe,
 * the second picks the chain asked for (published, prerouting, output,
 * postrouting); else it is postrouting. The rest is the answer. */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nfnl.h"

#define MARK "sandboxd-rules-1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const chains[] = { "published", "prerouting", "output", "postrouting" };
        const char *chain = chains[3];
        bool found = false;
        int r;

        if (size >= 2 && data[0] == 0xfe) {
                chain = chains[data[1] % 4];
                data += 2;
                size -= 2;
        }
        /* libmnl reads headers in place: give it an aligned copy, as the
         * socket's buffer is. */
        void *buf = malloc(size ?: 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        r = nfnl_rules_parse(buf, size, 0, "sandboxd", chain, MARK, &found);
        if (r > 1)
                abort();
        /* A mark it found is in the answer, and so is the chain's name. */
        if (found && (!memmem(data, size, MARK, strlen(MARK)) || !memmem(data, size, chain, strlen(chain))))
                abort();
        free(buf);
        return 0;
}
