/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Overridable for static analysers that do not know the attribute
 * (tools/cppcheck/sandboxd.cfg). */
#ifndef _cleanup_
#define _cleanup_(f) __attribute__((cleanup(f)))
#endif
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_ __attribute__((pure))
#define _const_ __attribute__((const))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)
#define _fallthrough_ __attribute__((fallthrough))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define strcaseeq(a, b) (strcasecmp((a), (b)) == 0)
#define isempty(s) (!(s) || (s)[0] == '\0')
#define strempty(s) ((s) ?: "")
#define strna(s) ((s) ?: "n/a")
#define yes_no(b) ((b) ? "yes" : "no")

/* Hand ownership of a pointer or fd on: the variable is reset so its
 * _cleanup_ handler becomes a no-op. */
#define TAKE_GENERIC(var, type, nullvalue)                      \
        ({                                                      \
                type *_pvar_ = &(var);                          \
                type _var_ = *_pvar_;                           \
                type _nullvalue_ = nullvalue;                   \
                *_pvar_ = _nullvalue_;                          \
                _var_;                                          \
        })
#define TAKE_PTR_TYPE(ptr, type) TAKE_GENERIC(ptr, type, NULL)
#define TAKE_PTR(ptr) TAKE_PTR_TYPE(ptr, typeof(ptr))
#define TAKE_FD(fd) TAKE_GENERIC(fd, int, -EBADF)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p) {                   \
                if (*p)                                         \
                        func(*p);                               \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

/* Room for at least need elements of size in *p, growing by doubling (from
 * 64) so that appending one at a time is linear: 0, or -ENOMEM with *p
 * untouched. */
static inline int greedy_realloc(void **p, size_t *allocated, size_t need, size_t size) {
        size_t a;
        void *n;

        if (need <= *allocated)
                return 0;
        a = *allocated * 2 > need ? *allocated * 2 : need;
        if (a < 64)
                a = 64;
        n = reallocarray(*p, a, size);
        if (!n)
                return -ENOMEM;
        *p = n;
        *allocated = a;
        return 0;
}

/* Close and return -EBADF, so "fd = safe_close(fd);" is one line; errno is
 * preserved because cleanup paths run between a failure and its report. */
static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void close_many(const int *fds, size_t n) {
        for (size_t i = 0; i < n; i++)
                (void) safe_close(fds[i]);
}
static inline void closep(int *fd) {
        (void) safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void close_pairp(int (*p)[2]) {
        (void) safe_close((*p)[0]);
        (void) safe_close((*p)[1]);
}
#define _cleanup_close_pair_ _cleanup_(close_pairp)

/* errno values are positive; our functions return them negated. Never let a
 * zero errno turn a failure into success. */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

#define RET_NERRNO(expr)                                        \
        ({                                                      \
                int _r_ = (expr);                               \
                _r_ < 0 ? negative_errno() : _r_;               \
        })

#define ERRNO_IS_NEG_NOT_SUPPORTED(r) ((r) == -EOPNOTSUPP || (r) == -ENOSYS || (r) == -ENOTTY)

#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)

#define DIV_ROUND_UP(x, y) (((x) + (y) - 1) / (y))

#define USEC_PER_SEC ((uint64_t) 1000000ULL)
#define USEC_PER_MSEC ((uint64_t) 1000ULL)
#define NSEC_PER_USEC ((uint64_t) 1000ULL)
#define NSEC_PER_SEC ((uint64_t) 1000000000ULL)
#define USEC_INFINITY ((uint64_t) UINT64_MAX)

/* Limits read from unit files; a cgroup limit of CGROUP_LIMIT_MAX means
 * "infinity", which is also the value of a key that was never set. */
#define CGROUP_LIMIT_MAX ((uint64_t) UINT64_MAX)
