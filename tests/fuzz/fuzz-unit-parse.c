/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <unistd.h>

#include "diag.h"
#include "fuzz.h"
#include "unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Diagnostics d = {};
        char path[64];
        Unit *u;
        int fd;

        if (fuzz_memfd_path(data, size, path, &fd) < 0)
                return 0;
        u = unit_new("fuzz");
        if (u) {
                (void) unit_parse_file(u, path, &d);
                unit_free(u);
        }
        diagnostics_done(&d);
        close(fd);
        return 0;
}
