/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* $services_dir/NAME/state as a restarted sandboxd reads it: anyone who
 * got root once, a crash mid-write or a full disk may have left anything
 * there, and what parses decides which pid is adopted and which cgroup is
 * killed. What is accepted must format, and that text must read back and
 * format the same (the writer never produces what the reader refuses;
 * keys may come in any order, so the input itself need not be canonical).
 * What is refused carries a one-line reason, and the salvage path (the
 * cgroup of a state that did not parse) must not crash either. */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "state-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        StateFile f = {}, g = {};
        char *msg = NULL, *out = NULL, *out2 = NULL, *cg = NULL, driver[16];
        int r;

        /* The reader's own bound comes first in sandboxd (read_file_at):
         * larger inputs are refused there and need no parser. */
        if (size > STATE_FILE_MAX + 1)
                return 0;

        r = state_file_parse(text, size, &f, &msg);
        if (r >= 0) {
                if (msg)
                        abort(); /* no reason on success */
                if (state_file_format(&f, &out) < 0)
                        abort(); /* accepted, so writable */
                if (state_file_parse(out, strlen(out), &g, NULL) < 0 || state_file_format(&g, &out2) < 0 ||
                    strcmp(out, out2) != 0)
                        abort();
        } else {
                if (r != -EBADMSG && r != -ENOMEM)
                        abort();
                if (r == -EBADMSG && (!msg || f.unit || f.cgroup))
                        abort();
                /* A reason goes to the log: one line, no control characters. */
                for (const char *p = msg; p && *p; p++)
                        if ((unsigned char) *p < ' ' || *p == 127)
                                abort();
        }

        r = state_file_salvage_cgroup(text, size, &cg, driver);
        if (r >= 0 && (!cg || strlen(cg) > STATE_CGROUP_MAX || strchr(cg, '\n') || strnlen(driver, sizeof(driver)) >= sizeof(driver)))
                abort();

        free(cg);
        free(out);
        free(out2);
        free(msg);
        state_file_done(&f);
        state_file_done(&g);
        return 0;
}
