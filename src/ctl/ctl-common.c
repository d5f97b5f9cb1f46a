/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <unistd.h>

#include "config.h"

#include "ctl-common.h"
#include "ctl-format.h"
#include "diag.h"
#include "image-import.h"
#include "image-pull.h"
#include "image-store.h"
#include "launch.h"
#include "unit.h"
#include "log.h"
#include "plan-compile.h"
#include "plan-seccomp.h"

void ctl_pull_progress(void *userdata, const char *what, const char *digest, uint64_t size, uint64_t resumed_from,
                       bool present) {
        FILE *f = userdata;
        char b[CTL_FORMAT_MAX], rb[CTL_FORMAT_MAX];

        if (present)
                fprintf(f, "Copying %s %.19s... skipped: already in the store\n", what, digest);
        else if (resumed_from > 0)
                fprintf(f, "Copying %s %.19s... %s (resumed at %s)\n", what, digest, ctl_format_bytes(b, size),
                        ctl_format_bytes(rb, resumed_from));
        else
                fprintf(f, "Copying %s %.19s... %s\n", what, digest, ctl_format_bytes(b, size));
        fflush(f);
}

static void pull_warning(void *userdata, const char *text) {
        log_warning("%s", text);
}

int ctl_import_unit_images(const char *arg) {
        _cleanup_(image_pull_config_done) ImagePullConfig c = {};
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        /* The store is root's; without root the compile says what is missing. */
        if (geteuid() != 0)
                return 0;
        /* A unit that does not load is the compiler's to report. */
        if (unit_load(arg, &u, &d) < 0)
                return 0;
        /* Before the compile, which then reads a User='s entry from the
         * unpacked tree. */
        r = image_unpack_unit_tarballs(u, NULL);
        if (r < 0)
                return r;
        r = image_import_unit(image_store_dir(), u, 0, &text);
        if (r >= 0 && image_unit_needs_fetch(image_store_dir(), u)) {
                /* Pull= (the registry references): stdout is the service's. */
                r = image_pull_config_load(NULL, &c, &text);
                if (r >= 0)
                        r = image_pull_unit(image_store_dir(), u, &c, ctl_pull_progress, pull_warning, stderr, &text);
        }
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                fprintf(stderr, "%s\n", text ?: "Failed to import an image.");
                return r;
        }
        return 0;
}

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
