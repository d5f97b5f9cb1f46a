/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "string-table.h"

/* What a seccomp rule does with a matching syscall. errno carries its
 * number separately (SeccompRule.errno_value), so "errno:EPERM" is
 * { SECCOMP_ACTION_ERRNO, EPERM }. */
typedef enum SeccompActionType {
        SECCOMP_ACTION_ALLOW,
        SECCOMP_ACTION_ERRNO,
        SECCOMP_ACTION_KILL_PROCESS,
        SECCOMP_ACTION_KILL_THREAD,
        SECCOMP_ACTION_TRAP,
        SECCOMP_ACTION_LOG,
        _SECCOMP_ACTION_TYPE_MAX,
        _SECCOMP_ACTION_TYPE_INVALID = -EINVAL,
} SeccompActionType;

typedef struct SeccompAction {
        SeccompActionType type;
        int errno_value; /* only for SECCOMP_ACTION_ERRNO */
} SeccompAction;

DECLARE_STRING_TABLE_LOOKUP(seccomp_action_type, SeccompActionType);

/* "errno:EPERM", "errno:38", "kill-process", "allow", ... */
int seccomp_action_from_string(const char *s, SeccompAction *ret);
/* Formats into a caller buffer of at least SECCOMP_ACTION_STRING_MAX. */
#define SECCOMP_ACTION_STRING_MAX 48
const char *seccomp_action_to_string(SeccompAction a, char buf[static SECCOMP_ACTION_STRING_MAX]);
/* The libseccomp SCMP_ACT_* value. */
uint32_t seccomp_action_to_scmp(SeccompAction a) _const_;
static inline int seccomp_action_equal(SeccompAction a, SeccompAction b) {
        return a.type == b.type && (a.type != SECCOMP_ACTION_ERRNO || a.errno_value == b.errno_value);
}

/* errno names: "EPERM" <-> 1. */
int errno_from_name(const char *name);
const char *errno_to_name(int e);
