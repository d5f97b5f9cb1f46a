/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "dlopen-systemd.h"
#include "log.h"

static int max_level = LOG_INFO;
static LogTarget target = LOG_TARGET_STDERR;
static const char *prefix = NULL;
static const char *extra_field = NULL;
static const char *context_subject = NULL;
static const char *const *context_fields = NULL;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

int log_level_from_string(const char *s) {
        static const char *const names[] = {
                [LOG_EMERG] = "emerg",   [LOG_ALERT] = "alert", [LOG_CRIT] = "crit", [LOG_ERR] = "err",
                [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
        };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return (int) i;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';
        return -EINVAL;
}

int log_set_max_level_from_env(void) {
        const char *e = getenv("SANDBOXD_LOG_LEVEL");
        int l;

        if (!e)
                return 0;
        l = log_level_from_string(e);
        if (l < 0)
                return l;
        max_level = l;
        return 0;
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

void log_set_context(const char *subject, const char *const *fields) {
        context_subject = subject;
        context_fields = fields;
}

/* One entry, to the journal or stderr; buf is the formatted message. */
static int log_dispatch(int level, int error, const char *file, int line, const char *func, const char *subject,
                        const char *const *fields, const char *buf) {
        if (target == LOG_TARGET_JOURNAL) {
                char m[2100], pr[32], cf[64], cl[32], cfn[128], ce[32];
                struct iovec iov[16];
                size_t n = 0;

                (void) snprintf(m, sizeof(m), "MESSAGE=%s", buf);
                (void) snprintf(pr, sizeof(pr), "PRIORITY=%d", level);
                (void) snprintf(cf, sizeof(cf), "CODE_FILE=%s", file);
                (void) snprintf(cl, sizeof(cl), "CODE_LINE=%d", line);
                (void) snprintf(cfn, sizeof(cfn), "CODE_FUNC=%s", func);
                (void) snprintf(ce, sizeof(ce), "ERRNO=%d", error);
                iov[n++] = (struct iovec) { m, strlen(m) };
                iov[n++] = (struct iovec) { pr, strlen(pr) };
                iov[n++] = (struct iovec) { cf, strlen(cf) };
                iov[n++] = (struct iovec) { cl, strlen(cl) };
                iov[n++] = (struct iovec) { cfn, strlen(cfn) };
                iov[n++] = (struct iovec) { ce, strlen(ce) };
                if (extra_field)
                        iov[n++] = (struct iovec) { (void *) extra_field, strlen(extra_field) };
                else
                        iov[n++] = (struct iovec) { (void *) "SANDBOXD_LOG=1", strlen("SANDBOXD_LOG=1") };
                /* The rest of the array is for the caller's fields. */
                for (size_t i = 0; fields && fields[i] && n < ELEMENTSOF(iov); i++)
                        iov[n++] = (struct iovec) { (void *) fields[i], strlen(fields[i]) };
                (void) sd_journal_sendv(iov, (int) n);
        } else {
                (void) fprintf(stderr, "%s%s%s%s%s\n", prefix ?: "", prefix ? ": " : "", subject ?: "",
                               subject ? ": " : "", buf);
        }

        return error > 0 ? -error : -EIO;
}

_printf_(8, 0)
static int log_internalv(int level, int error, const char *file, int line, const char *func, const char *subject,
                         const char *const *fields, const char *format, va_list ap) {
        char buf[2048];
        int saved = errno, r;

        if (error < 0)
                error = -error;
        if (!subject) {
                subject = context_subject;
                fields = context_fields;
        }

        /* "%m" in the format means the error we were handed, not whatever a
         * cleanup path left in errno. */
        errno = error;
        (void) vsnprintf(buf, sizeof(buf), format, ap);

        r = log_dispatch(level, error, file, line, func, subject, fields, buf);
        errno = saved;
        return r;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_internalv(level, error, file, line, func, NULL, NULL, format, ap);
        va_end(ap);
        return r;
}

int log_internal_fields(int level, int error, const char *file, int line, const char *func, const char *subject,
                        const char *const *fields, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_internalv(level, error, file, line, func, subject, fields, format, ap);
        va_end(ap);
        return r;
}
