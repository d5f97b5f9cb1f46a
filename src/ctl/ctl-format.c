/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl-format.h"
#include "macro.h"

char *ctl_format_bytes(char buf[static CTL_FORMAT_MAX], uint64_t v) {
        static const char suffixes[] = "KMGTPE";
        uint64_t unit = 1024;
        size_t i = 0;

        if (v < 1024) {
                (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 "B", v);
                return buf;
        }
        while (i + 1 < strlen(suffixes) && v / unit >= 1024) {
                unit *= 1024;
                i++;
        }
        (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 ".%" PRIu64 "%c", v / unit, (v % unit) * 10 / unit, suffixes[i]);
        return buf;
}

char *ctl_format_timestamp(char buf[static CTL_FORMAT_MAX], uint64_t usec) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, CTL_FORMAT_MAX, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                (void) snprintf(buf, CTL_FORMAT_MAX, "@%" PRIu64, usec / USEC_PER_SEC);
        return buf;
}

char *ctl_format_ago(char buf[static CTL_FORMAT_MAX], uint64_t usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { " days", 24 * 3600 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "s", USEC_PER_SEC },
        };
        struct timespec ts;
        uint64_t now, d;

        clock_gettime(CLOCK_REALTIME, &ts);
        now = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
        if (usec > now) {
                /* A clock that was set back. */
                (void) snprintf(buf, CTL_FORMAT_MAX, "in the future");
                return buf;
        }
        d = now - usec;
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                uint64_t a = d / units[i].usec, rest = d % units[i].usec;

                if (a == 0)
                        continue;
                if (i + 1 < ELEMENTSOF(units) && rest >= units[i + 1].usec)
                        (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 "%s %" PRIu64 "%s ago", a,
                                        a == 1 && i == 0 ? " day" : units[i].suffix, rest / units[i + 1].usec,
                                        units[i + 1].suffix);
                else
                        (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 "%s ago", a, a == 1 && i == 0 ? " day" : units[i].suffix);
                return buf;
        }
        (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 "ms ago", d / USEC_PER_MSEC);
        return buf;
}

char *ctl_format_timespan(char buf[static CTL_FORMAT_MAX], uint64_t usec) {
        uint64_t h = usec / (3600 * USEC_PER_SEC), min = usec / (60 * USEC_PER_SEC) % 60;
        uint64_t s = usec / USEC_PER_SEC % 60, ms = usec / USEC_PER_MSEC % 1000;

        if (h > 0)
                (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 "h %" PRIu64 "min", h, min);
        else if (min > 0)
                (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 "min %" PRIu64 ".%03" PRIu64 "s", min, s, ms);
        else if (s > 0)
                (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 ".%03" PRIu64 "s", s, ms);
        else if (ms > 0)
                (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 "ms", ms);
        else
                (void) snprintf(buf, CTL_FORMAT_MAX, "%" PRIu64 "us", usec);
        return buf;
}

bool ctl_use_color(void) {
        const char *term = getenv("TERM");

        return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && !streq(term, "dumb");
}

bool ctl_locale_is_utf8(void) {
        static const char *const keys[] = { "LC_ALL", "LC_CTYPE", "LANG" };
        const char *v = NULL;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                v = getenv(keys[i]);
                if (v && *v)
                        break;
        }
        return v && (strcasestr(v, "utf-8") || strcasestr(v, "utf8"));
}

char *ctl_format_denials(const CtlDenial *d, size_t n, size_t max) {
        const char *times = ctl_locale_is_utf8() ? "×" : "x";
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        for (size_t i = 0; i < n && i < max; i++)
                fprintf(f, "%s%s %s%" PRIu64 " (%s)", i > 0 ? ", " : "", d[i].name, times, d[i].count, d[i].action);
        if (n > max)
                fprintf(f, ", and %zu more", n - max);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
