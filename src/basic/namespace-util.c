/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sched.h>

#include "namespace-util.h"
#include "mask-util.h"

static const char *const namespace_type_table[_NAMESPACE_TYPE_MAX] = {
        [NAMESPACE_PID] = "pid",
        [NAMESPACE_MOUNT] = "mount",
        [NAMESPACE_UTS] = "uts",
        [NAMESPACE_IPC] = "ipc",
        [NAMESPACE_NET] = "net",
        [NAMESPACE_CGROUP] = "cgroup",
        [NAMESPACE_USER] = "user",
        [NAMESPACE_TIME] = "time",
};
DEFINE_STRING_TABLE_LOOKUP(namespace_type, NamespaceType);

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

unsigned long namespace_type_to_clone_flag(NamespaceType t) {
        static const unsigned long flags[_NAMESPACE_TYPE_MAX] = {
                [NAMESPACE_PID] = CLONE_NEWPID,   [NAMESPACE_MOUNT] = CLONE_NEWNS,
                [NAMESPACE_UTS] = CLONE_NEWUTS,   [NAMESPACE_IPC] = CLONE_NEWIPC,
                [NAMESPACE_NET] = CLONE_NEWNET,   [NAMESPACE_CGROUP] = CLONE_NEWCGROUP,
                [NAMESPACE_USER] = CLONE_NEWUSER, [NAMESPACE_TIME] = CLONE_NEWTIME,
        };
        if (t < 0 || t >= _NAMESPACE_TYPE_MAX)
                return 0;
        return flags[t];
}

unsigned long namespace_mask_to_clone_flags(uint64_t mask) {
        unsigned long f = 0;
        for (NamespaceType t = 0; t < _NAMESPACE_TYPE_MAX; t++)
                if (mask & NAMESPACE_MASK(t))
                        f |= namespace_type_to_clone_flag(t);
        return f;
}

static int namespace_bit_from_name(const char *name) {
        return namespace_type_from_string(name);
}

static const char *namespace_bit_name(unsigned bit, char buf[static 64]) {
        return namespace_type_to_string((NamespaceType) bit);
}

int namespace_mask_from_string(const char *s, uint64_t *ret, char **reterr_word) {
        return mask_from_words(s, namespace_bit_from_name, ret, reterr_word);
}

int namespace_mask_to_string(uint64_t mask, char **ret) {
        return mask_to_words(mask, _NAMESPACE_TYPE_MAX, namespace_bit_name, ret);
}
