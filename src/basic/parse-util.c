/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>
#include <sys/resource.h>

#include "macro.h"
#include "parse-util.h"
#include "string-util.h"

int parse_boolean(const char *v) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!v)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcaseeq(v, yes[i]))
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcaseeq(v, no[i]))
                        return 0;
        return -EINVAL;
}

int safe_atou64(const char *s, uint64_t *ret) {
        uint64_t v = 0;

        if (isempty(s))
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        *ret = v;
        return 0;
}

int safe_atou32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r;

        r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int safe_atou(const char *s, unsigned *ret) {
        uint32_t v;
        int r;

        r = safe_atou32(s, &v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

int parse_ip_port(const char *s, uint16_t *ret) {
        unsigned v;

        if (safe_atou(s, &v) < 0)
                return -EINVAL;
        if (v == 0 || v > 65535)
                return -ERANGE;
        *ret = (uint16_t) v;
        return 0;
}

/* Splits "12.5M" into integer, fraction (as digits) and suffix. */
static int split_number(const char **p, uint64_t *ret_int, uint64_t *ret_frac, uint64_t *ret_frac_div) {
        uint64_t v = 0, f = 0, d = 1;
        const char *s = *p;
        bool any = false;

        while (*s >= '0' && *s <= '9') {
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*s - '0');
                s++;
                any = true;
        }
        if (*s == '.') {
                s++;
                while (*s >= '0' && *s <= '9') {
                        if (d < UINT64_C(1000000000000)) {
                                f = f * 10 + (uint64_t) (*s - '0');
                                d *= 10;
                        }
                        s++;
                        any = true;
                }
        }
        if (!any)
                return -EINVAL;
        *p = s;
        *ret_int = v;
        *ret_frac = f;
        *ret_frac_div = d;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct {
                char c;
                unsigned shift;
        } suffixes[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 }, { 'E', 60 } };
        uint64_t v, f, d, mult = 1;
        const char *p = s;
        int r;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }

        r = split_number(&p, &v, &f, &d);
        if (r < 0)
                return r;

        if (*p) {
                bool found = false;

                for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                        if (toupper((unsigned char) *p) == suffixes[i].c) {
                                mult = UINT64_C(1) << suffixes[i].shift;
                                found = true;
                                break;
                        }
                if (!found)
                        return -EINVAL;
                p++;
                /* Accept "64M", "64MB", "64MiB"? systemd takes only the
                 * single letter (and "B" for bytes); so do we. */
                if (*p)
                        return -EINVAL;
        } else if (f != 0)
                return -EINVAL; /* fractional bytes */

        if (v > UINT64_MAX / mult)
                return -ERANGE;
        v *= mult;
        if (f != 0) {
                uint64_t extra = (uint64_t) ((long double) f / (long double) d * (long double) mult);
                if (v > UINT64_MAX - extra)
                        return -ERANGE;
                v += extra;
        }
        /* Kept within int64: JSON readers and the kernel's cgroup files take
         * signed 64-bit numbers; UINT64_MAX stays reserved for infinity. */
        if (v > (uint64_t) INT64_MAX)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_time_usec(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                /* Longest first, so "ms" is not read as "m" + "s". */
                { "usec", 1 },
                { "msec", USEC_PER_MSEC },
                { "seconds", USEC_PER_SEC },
                { "second", USEC_PER_SEC },
                { "minutes", 60 * USEC_PER_SEC },
                { "minute", 60 * USEC_PER_SEC },
                { "hours", 3600 * USEC_PER_SEC },
                { "hour", 3600 * USEC_PER_SEC },
                { "days", 86400 * USEC_PER_SEC },
                { "day", 86400 * USEC_PER_SEC },
                { "sec", USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "hr", 3600 * USEC_PER_SEC },
                { "us", 1 },
                { "µs", 1 },
                { "ms", USEC_PER_MSEC },
                { "s", USEC_PER_SEC },
                { "m", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
                { "d", 86400 * USEC_PER_SEC },
        };
        uint64_t total = 0;
        const char *p = s;
        bool any = false;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret = USEC_INFINITY;
                return 0;
        }

        for (;;) {
                uint64_t v, f, d, mult = USEC_PER_SEC, add;
                int r;

                while (*p == ' ')
                        p++;
                if (!*p)
                        break;

                r = split_number(&p, &v, &f, &d);
                if (r < 0)
                        return r;
                while (*p == ' ')
                        p++;
                if (*p && !(*p >= '0' && *p <= '9')) {
                        bool found = false;
                        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                                const char *e = startswith(p, units[i].suffix);
                                if (e && (!*e || *e == ' ' || (*e >= '0' && *e <= '9'))) {
                                        mult = units[i].usec;
                                        p = e;
                                        found = true;
                                        break;
                                }
                        }
                        if (!found)
                                return -EINVAL;
                }

                if (v > UINT64_MAX / mult)
                        return -ERANGE;
                add = v * mult + (uint64_t) ((long double) f / (long double) d * (long double) mult);
                if (total > UINT64_MAX - 1 - add)
                        return -ERANGE;
                total += add;
                any = true;
        }
        if (!any)
                return -EINVAL;
        if (total > (uint64_t) INT64_MAX)
                return -ERANGE;
        *ret = total;
        return 0;
}

int parse_percent(const char *s, bool allow_over_100, uint64_t *ret) {
        const char *pct;
        char buf[32];
        uint64_t v;
        int r;

        if (isempty(s))
                return -EINVAL;
        pct = endswith(s, "%");
        if (!pct || (size_t) (pct - s) >= sizeof(buf) || pct == s)
                return -EINVAL;
        memcpy(buf, s, (size_t) (pct - s));
        buf[pct - s] = 0;
        r = safe_atou64(buf, &v);
        if (r < 0)
                return r;
        if (!allow_over_100 && v > 100)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_uid(const char *s, uid_t *ret) {
        uint32_t v;
        int r;

        r = safe_atou32(s, &v);
        if (r < 0)
                return r;
        /* (uid_t) -1 means "no change" to setresuid(); 65535 was the old
         * 16-bit -1 and is refused by systemd too. */
        if (v == UINT32_MAX || v == 65535)
                return -ERANGE;
        *ret = (uid_t) v;
        return 0;
}

static const char *const signal_names[] = {
        [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
        [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",     [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
        [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
        [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
        [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",     [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
        [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
        [SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
        [SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",       [SIGSYS] = "SIGSYS",
};

const char *signal_to_name(int sig) {
        if (sig <= 0 || (size_t) sig >= ELEMENTSOF(signal_names))
                return NULL;
        return signal_names[sig];
}

int parse_signal(const char *s, int *ret) {
        unsigned n;

        if (isempty(s))
                return -EINVAL;
        if (safe_atou(s, &n) >= 0) {
                if (n == 0 || n > (unsigned) SIGRTMAX)
                        return -ERANGE;
                *ret = (int) n;
                return 0;
        }
        for (size_t i = 1; i < ELEMENTSOF(signal_names); i++) {
                if (!signal_names[i])
                        continue;
                if (streq(s, signal_names[i]) || streq(s, signal_names[i] + 3)) {
                        *ret = (int) i;
                        return 0;
                }
        }
        return -EINVAL;
}

/* The one table of Limit*= keys: the parser, the plan's JSON, the launcher's
 * messages and the man page test read it. */
#define RLIMIT_ENTRY(n, kind) { #n, "Limit" #n, RLIMIT_##n, kind }
static const struct {
        const char *name;
        const char *key;
        int resource;
        RlimitValueKind kind;
} rlimits[] = {
        RLIMIT_ENTRY(CPU, RLIMIT_VALUE_SECONDS),
        RLIMIT_ENTRY(FSIZE, RLIMIT_VALUE_BYTES),
        RLIMIT_ENTRY(DATA, RLIMIT_VALUE_BYTES),
        RLIMIT_ENTRY(STACK, RLIMIT_VALUE_BYTES),
        RLIMIT_ENTRY(CORE, RLIMIT_VALUE_BYTES),
        RLIMIT_ENTRY(RSS, RLIMIT_VALUE_BYTES),
        RLIMIT_ENTRY(NOFILE, RLIMIT_VALUE_NUMBER),
        RLIMIT_ENTRY(AS, RLIMIT_VALUE_BYTES),
        RLIMIT_ENTRY(NPROC, RLIMIT_VALUE_NUMBER),
        RLIMIT_ENTRY(MEMLOCK, RLIMIT_VALUE_BYTES),
        RLIMIT_ENTRY(LOCKS, RLIMIT_VALUE_NUMBER),
        RLIMIT_ENTRY(SIGPENDING, RLIMIT_VALUE_NUMBER),
        RLIMIT_ENTRY(MSGQUEUE, RLIMIT_VALUE_BYTES),
        RLIMIT_ENTRY(NICE, RLIMIT_VALUE_NUMBER),
        RLIMIT_ENTRY(RTPRIO, RLIMIT_VALUE_NUMBER),
        RLIMIT_ENTRY(RTTIME, RLIMIT_VALUE_USEC),
};

int rlimit_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(rlimits); i++)
                if (streq(rlimits[i].name, name))
                        return rlimits[i].resource;
        return -EINVAL;
}

int rlimit_from_key(const char *key) {
        const char *n = startswith(key, "Limit");
        return n ? rlimit_from_name(n) : -EINVAL;
}

const char *rlimit_to_name(int resource) {
        for (size_t i = 0; i < ELEMENTSOF(rlimits); i++)
                if (rlimits[i].resource == resource)
                        return rlimits[i].name;
        return NULL;
}

const char *rlimit_to_key(int resource) {
        for (size_t i = 0; i < ELEMENTSOF(rlimits); i++)
                if (rlimits[i].resource == resource)
                        return rlimits[i].key;
        return NULL;
}

RlimitValueKind rlimit_value_kind(int resource) {
        for (size_t i = 0; i < ELEMENTSOF(rlimits); i++)
                if (rlimits[i].resource == resource)
                        return rlimits[i].kind;
        return RLIMIT_VALUE_NUMBER;
}

static int parse_rlimit_one(const char *s, RlimitValueKind kind, uint64_t *ret) {
        uint64_t v;
        int r;

        if (streq(s, "infinity")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        switch (kind) {
        case RLIMIT_VALUE_BYTES:
                r = parse_size(s, &v);
                break;
        case RLIMIT_VALUE_SECONDS:
                r = parse_time_usec(s, &v);
                if (r >= 0)
                        v = DIV_ROUND_UP(v, USEC_PER_SEC);
                break;
        case RLIMIT_VALUE_USEC:
                r = parse_time_usec(s, &v);
                break;
        default:
                r = safe_atou64(s, &v);
        }
        if (r < 0)
                return r;
        if (v == RLIM_INFINITY)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_rlimit(const char *s, RlimitValueKind kind, uint64_t *ret_soft, uint64_t *ret_hard) {
        _cleanup_free_ char *c = NULL;
        uint64_t soft, hard;
        char *colon;
        int r;

        if (isempty(s))
                return -EINVAL;
        c = strdup(s);
        if (!c)
                return -ENOMEM;
        colon = strchr(c, ':');
        if (colon)
                *colon = 0;

        r = parse_rlimit_one(c, kind, &soft);
        if (r < 0)
                return r;
        if (colon) {
                r = parse_rlimit_one(colon + 1, kind, &hard);
                if (r < 0)
                        return r;
                if (soft > hard)
                        return -EILSEQ; /* soft above hard: the kernel would refuse */
        } else
                hard = soft;

        *ret_soft = soft;
        *ret_hard = hard;
        return 0;
}

char *format_bytes(char *buf, size_t l, uint64_t v) {
        static const char suffixes[] = "EPTGMK";

        if (v == UINT64_MAX) {
                (void) snprintf(buf, l, "infinity");
                return buf;
        }
        for (size_t i = 0; i < strlen(suffixes); i++) {
                unsigned shift = 10 * (unsigned) (strlen(suffixes) - i);
                uint64_t unit = UINT64_C(1) << shift;
                if (v >= unit && v % unit == 0) {
                        (void) snprintf(buf, l, "%" PRIu64 "%c", v / unit, suffixes[i]);
                        return buf;
                }
        }
        (void) snprintf(buf, l, "%" PRIu64, v);
        return buf;
}

char *format_usec(char *buf, size_t l, uint64_t v) {
        if (v == USEC_INFINITY)
                (void) snprintf(buf, l, "infinity");
        else if (v == 0)
                (void) snprintf(buf, l, "0");
        else if (v % (3600 * USEC_PER_SEC) == 0)
                (void) snprintf(buf, l, "%" PRIu64 "h", v / (3600 * USEC_PER_SEC));
        else if (v % (60 * USEC_PER_SEC) == 0)
                (void) snprintf(buf, l, "%" PRIu64 "min", v / (60 * USEC_PER_SEC));
        else if (v % USEC_PER_SEC == 0)
                (void) snprintf(buf, l, "%" PRIu64 "s", v / USEC_PER_SEC);
        else if (v % USEC_PER_MSEC == 0)
                (void) snprintf(buf, l, "%" PRIu64 "ms", v / USEC_PER_MSEC);
        else
                (void) snprintf(buf, l, "%" PRIu64 "us", v);
        return buf;
}
