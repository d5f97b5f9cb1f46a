/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-journal.h>

#include "log.h"

static int max_level = LOG_INFO;
static LogTarget target = LOG_TARGET_STDERR;
static const char *prefix = NULL;
static const char *extra_field = NULL;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_target(LogTarget t) {
        target = t;
}

void log_set_prefix(const char *p) {
        prefix = p;
}

void log_set_field(const char *field) {
        extra_field = field;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        char buf[2048];
        va_list ap;
        int saved = errno;

        if (error < 0)
                error = -error;

        /* "%m" in the format means the error we were handed, not whatever a
         * cleanup path left in errno. */
        errno = error;
        va_start(ap, format);
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        if (target == LOG_TARGET_JOURNAL) {
                char cf[64], cl[32], cfn[128], ce[32];

                (void) snprintf(cf, sizeof(cf), "CODE_FILE=%s", file);
                (void) snprintf(cl, sizeof(cl), "CODE_LINE=%d", line);
                (void) snprintf(cfn, sizeof(cfn), "CODE_FUNC=%s", func);
                (void) snprintf(ce, sizeof(ce), "ERRNO=%d", error);
                (void) sd_journal_send("MESSAGE=%s", buf,
                                       "PRIORITY=%d", level,
                                       cf, cl, cfn,
                                       error > 0 ? ce : "ERRNO=0",
                                       extra_field ?: "SANDBOXD_LOG=1",
                                       NULL);
        } else {
                if (prefix)
                        (void) fprintf(stderr, "%s: %s\n", prefix, buf);
                else
                        (void) fprintf(stderr, "%s\n", buf);
        }

        errno = saved;
        return error > 0 ? -error : -EIO;
}
