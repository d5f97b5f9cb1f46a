/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "string-table.h"

/* The namespace types a unit can ask for. Sets of them are bit masks of
 * (1 << NamespaceType), not CLONE_NEW* flags, so they serialise as names. */
typedef enum NamespaceType {
        NAMESPACE_PID,
        NAMESPACE_MOUNT,
        NAMESPACE_UTS,
        NAMESPACE_IPC,
        NAMESPACE_NET,
        NAMESPACE_CGROUP,
        NAMESPACE_USER,
        NAMESPACE_TIME,
        _NAMESPACE_TYPE_MAX,
        _NAMESPACE_TYPE_INVALID = -EINVAL,
} NamespaceType;

#define NAMESPACE_MASK(t) (UINT64_C(1) << (t))
#define NAMESPACE_MASK_ALL ((UINT64_C(1) << _NAMESPACE_TYPE_MAX) - 1)
/* What a unit gets without Namespaces=: everything but time (rarely
 * wanted). The user namespace is on by default: root inside is an
 * unprivileged id range on the host, never the host's root. */
#define NAMESPACE_MASK_DEFAULT                                                  \
        (NAMESPACE_MASK(NAMESPACE_PID) | NAMESPACE_MASK(NAMESPACE_MOUNT) |      \
         NAMESPACE_MASK(NAMESPACE_UTS) | NAMESPACE_MASK(NAMESPACE_IPC) |        \
         NAMESPACE_MASK(NAMESPACE_NET) | NAMESPACE_MASK(NAMESPACE_CGROUP) |     \
         NAMESPACE_MASK(NAMESPACE_USER))

DECLARE_STRING_TABLE_LOOKUP(namespace_type, NamespaceType);

/* CLONE_NEW* flag of one type / of a mask. */
unsigned long namespace_type_to_clone_flag(NamespaceType t) _const_;
unsigned long namespace_mask_to_clone_flags(uint64_t mask) _const_;

/* "pid mount net" -> mask; returns the offending word in *reterr_word. */
int namespace_mask_from_string(const char *s, uint64_t *ret, char **reterr_word);
/* mask -> "pid mount net" in table order (never NULL on success). */
int namespace_mask_to_string(uint64_t mask, char **ret);
