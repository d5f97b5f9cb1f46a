/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "ctl-common.h"
#include "diag.h"
#include "log.h"
#include "plan-compile.h"

int ctl_compile_unit(const char *arg, Plan **ret) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        int r;

        r = plan_compile_unit(arg, ret, &d);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0 || d.n > 0) {
                diagnostics_print(&d, stderr);
                if (r >= 0) {
                        /* Diagnostics without failure cannot happen today;
                         * refuse rather than run a half-understood unit. */
                        *ret = plan_free(*ret);
                        r = -EINVAL;
                }
                return r;
        }
        return 0;
}
