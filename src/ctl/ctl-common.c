/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <unistd.h>

#include "config.h"

#include "ctl-common.h"
#include "diag.h"
#include "log.h"
#include "plan-compile.h"
#include "plan-seccomp.h"

int ctl_compile_unit(const char *arg, Plan **ret) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        int r;

        /* Only root's cache: a filter is part of what confines a service. */
        if (geteuid() == 0 && plan_seccomp_set_cache_dir(SANDBOXD_CACHE_DIR "/seccomp") < 0)
                return log_oom();

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
        /* A cache miss compiled the filter: keep it for the next run. */
        r = plan_seccomp_cache_store(*ret);
        if (r < 0)
                log_debug_errno(r, "Failed to store the seccomp filter in the cache: %m");
        return 0;
}
