/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The /proc files that decide adoption: /proc/PID/stat (its starttime
 * tells a reused pid apart; the comm field in it is whatever the process
 * named itself, parentheses, spaces and newlines included) and
 * /proc/PID/cgroup (a pid is only adopted if it sits in the service's
 * cgroup). The first input byte picks the parser, the rest is the file. */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "state-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text;
        uint64_t t = 0;

        if (size < 1)
                return 0;
        text = (const char *) data + 1;
        size--;

        if (data[0] & 1) {
                /* A process's cgroup lines against a service's cgroup and
                 * against "/", which must never match. */
                (void) proc_cgroup_contains(text, size, "/sandbox.slice/sandbox-web.scope");
                (void) proc_cgroup_contains(text, size, "/process_api/sandbox-web-0123abcd");
                if (proc_cgroup_contains(text, size, "/") || proc_cgroup_contains(text, size, ""))
                        abort();
        } else if (proc_stat_starttime(text, size, &t) >= 0) {
                /* Field 22 follows the last ')': there is one. */
                if (!memchr(text, ')', size))
                        abort();
        }
        return 0;
}
