/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <unistd.h>

#include "diag.h"
#include "fuzz.h"
#include "plan-compile.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Diagnostics d = {};
        char path[64];
        Policy *p;
        int fd;

        if (fuzz_memfd_path(data, size, path, &fd) < 0)
                return 0;
        p = policy_new("fuzz");
        if (p) {
                PlanSyscall *s = NULL;
                size_t n = 0;

                if (policy_parse_file(p, path, &d) >= 0 && policy_expand(p, &s, &n) >= 0)
                        plan_syscalls_free(s, n);
                policy_free(p);
        }
        diagnostics_done(&d);
        close(fd);
        return 0;
}
