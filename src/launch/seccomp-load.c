/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "plan.h"
#include "seccomp-load.h"

int launch_seccomp_load(const Plan *p) {
        struct sock_fprog prog;

        if (!p || !p->seccomp_bpf || p->seccomp_bpf_size == 0)
                return -ENODATA;
        if (p->seccomp_bpf_size % sizeof(struct sock_filter) != 0 ||
            p->seccomp_bpf_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EINVAL;

        prog = (struct sock_fprog) {
                .len = (unsigned short) (p->seccomp_bpf_size / sizeof(struct sock_filter)),
                .filter = p->seccomp_bpf,
        };

        /* No flags: the launcher's child is single-threaded at this point, so
         * there is nothing to synchronise (TSYNC), and the filter's own
         * actions are all it needs to report (no LOG flag). */
        if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return negative_errno();
        return 0;
}
