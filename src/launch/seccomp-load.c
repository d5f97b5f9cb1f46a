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

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

int launch_seccomp_load_listener(const struct sock_filter *prog, size_t n) {
        struct sock_fprog fprog = {
                .len = (unsigned short) n,
                .filter = (struct sock_filter *) prog,
        };
        int fd;

        if (!prog || n == 0 || n > BPF_MAXINSNS)
                return -EINVAL;
        fd = (int) syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
                           SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &fprog);
        if (fd < 0 && errno == EINVAL)
                fd = (int) syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
        if (fd < 0)
                return negative_errno();
        return fd;
}
