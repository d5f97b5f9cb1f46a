/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <seccomp.h>
#include <stdio.h>

#include "parse-util.h"
#include "seccomp-action.h"
#include "string-util.h"

static const char *const seccomp_action_type_table[_SECCOMP_ACTION_TYPE_MAX] = {
        [SECCOMP_ACTION_ALLOW] = "allow",
        [SECCOMP_ACTION_ERRNO] = "errno",
        [SECCOMP_ACTION_KILL_PROCESS] = "kill-process",
        [SECCOMP_ACTION_KILL_THREAD] = "kill-thread",
        [SECCOMP_ACTION_TRAP] = "trap",
        [SECCOMP_ACTION_LOG] = "log",
};
DEFINE_STRING_TABLE_LOOKUP(seccomp_action_type, SeccompActionType);

static const struct {
        const char *name;
        int value;
} errno_names[] = {
#define E(x) { #x, x }
        E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF),
        E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV),
        E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(ETXTBSY),
        E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE),
        E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG),
        E(ENODATA), E(ENOTSUP), E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE), E(ECONNREFUSED),
        E(ENETUNREACH), E(ETIMEDOUT), E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS), E(ENOTSOCK),
        E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EPFNOSUPPORT), E(ENOBUFS), E(EDQUOT), E(ECANCELED),
        E(EOWNERDEAD), E(EUCLEAN), E(EKEYREJECTED), E(ENOKEY),
#undef E
};

int errno_from_name(const char *name) {
        unsigned n;

        for (size_t i = 0; i < ELEMENTSOF(errno_names); i++)
                if (streq(errno_names[i].name, name))
                        return errno_names[i].value;
        if (safe_atou(name, &n) >= 0 && n > 0 && n < 4096)
                return (int) n;
        return -EINVAL;
}

const char *errno_to_name(int e) {
        for (size_t i = 0; i < ELEMENTSOF(errno_names); i++)
                if (errno_names[i].value == e)
                        return errno_names[i].name;
        return NULL;
}

int seccomp_action_from_string(const char *s, SeccompAction *ret) {
        const char *e;
        SeccompActionType t;

        if (isempty(s))
                return -EINVAL;
        e = startswith(s, "errno:");
        if (e) {
                int v = errno_from_name(e);
                if (v < 0)
                        return -EINVAL;
                *ret = (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = v };
                return 0;
        }
        /* A bare errno name ("EPERM") is shorthand for errno:EPERM. */
        if (s[0] == 'E') {
                int v = errno_from_name(s);
                if (v < 0)
                        return -EINVAL;
                *ret = (SeccompAction) { .type = SECCOMP_ACTION_ERRNO, .errno_value = v };
                return 0;
        }
        t = seccomp_action_type_from_string(s);
        if (t < 0 || t == SECCOMP_ACTION_ERRNO)
                return -EINVAL;
        *ret = (SeccompAction) { .type = t };
        return 0;
}

const char *seccomp_action_to_string(SeccompAction a, char buf[static SECCOMP_ACTION_STRING_MAX]) {
        if (a.type == SECCOMP_ACTION_ERRNO) {
                const char *n = errno_to_name(a.errno_value);
                if (n)
                        (void) snprintf(buf, SECCOMP_ACTION_STRING_MAX, "errno:%s", n);
                else
                        (void) snprintf(buf, SECCOMP_ACTION_STRING_MAX, "errno:%d", a.errno_value);
                return buf;
        }
        (void) snprintf(buf, SECCOMP_ACTION_STRING_MAX, "%s", strna(seccomp_action_type_to_string(a.type)));
        return buf;
}

uint32_t seccomp_action_to_scmp(SeccompAction a) {
        switch (a.type) {
        case SECCOMP_ACTION_ALLOW:
                return SCMP_ACT_ALLOW;
        case SECCOMP_ACTION_ERRNO:
                return SCMP_ACT_ERRNO((uint16_t) a.errno_value);
        case SECCOMP_ACTION_KILL_PROCESS:
                return SCMP_ACT_KILL_PROCESS;
        case SECCOMP_ACTION_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case SECCOMP_ACTION_TRAP:
                return SCMP_ACT_TRAP;
        case SECCOMP_ACTION_LOG:
                return SCMP_ACT_LOG;
        default:
                return SCMP_ACT_KILL_PROCESS;
        }
}
