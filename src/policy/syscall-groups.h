/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The project's named syscall sets (@mount, @system-service, ...), written
 * from the man pages. Members are syscall names as libseccomp spells them,
 * or other "@group" names; names unknown to the running libseccomp are
 * skipped on expansion (older kernels/libseccomp lack newer syscalls). */

#include <stddef.h>

typedef struct SyscallGroup {
        const char *name;               /* "@mount" */
        const char *description;        /* one line */
        const char *const *members;     /* NULL-terminated */
} SyscallGroup;

extern const SyscallGroup syscall_groups[];
extern const size_t n_syscall_groups;

/* "@mount" (with the @) -> group, or NULL. */
const SyscallGroup *syscall_group_find(const char *name);

/* Call f for every syscall reachable from the group (recursively, each
 * reported once per path), with the innermost group that named it. Returns
 * the first negative return of f, or 0. */
int syscall_group_foreach(const SyscallGroup *g,
                          int (*f)(const char *syscall, const SyscallGroup *from, void *userdata),
                          void *userdata);
