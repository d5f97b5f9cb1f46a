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

/* Call f once for every syscall reachable from the group (recursively;
 * each group is walked once, so cycles end), in table order, with the
 * innermost group that named it: a subgroup that lists it wins over g
 * itself. Names unknown to libseccomp are reported too; expansion into
 * rules skips them. Returns the first negative return of f, -EINVAL for a
 * member naming no group, or 0. */
int syscall_group_foreach(const SyscallGroup *g,
                          int (*f)(const char *syscall, const SyscallGroup *from, void *userdata),
                          void *userdata);
