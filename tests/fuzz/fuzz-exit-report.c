/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* $services_dir/NAME/exit: written by the sandbox's init with one
 * pwrite(), but the file lives where a crash, a full disk or a doctored
 * runtime directory may leave anything. What parses decides whether the
 * service is restarted: it must be exactly one report that the writer
 * would produce. */

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fuzz.h"
#include "state-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ServiceExit e = {};
        char buf[EXIT_FILE_MAX + 2];
        int r;

        r = exit_report_parse((const char *) data, size, &e);
        if (r == -ENODATA) {
                if (size != 0)
                        abort();
                return 0;
        }
        if (r < 0) {
                if (r != -EBADMSG)
                        abort();
                return 0;
        }

        if (e.code != CLD_EXITED && e.code != CLD_KILLED && e.code != CLD_DUMPED)
                abort();
        if (e.code == CLD_EXITED ? (e.status < 0 || e.status > 255) : (e.status < 1 || e.status > 64))
                abort();
        /* The writer's form (init's, every version) is exactly the input. */
        if (exit_report_format_line(&e, buf, sizeof(buf)) < 0)
                abort();
        if (strlen(buf) != size || memcmp(buf, data, size) != 0)
                abort();
        return 0;
}
