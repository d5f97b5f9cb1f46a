/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The plan's compiled seccomp program read back, without the kernel:
 * what it returns for a given syscall (seccomp_bpf_run), and the variant
 * that hands chosen returns to a supervisor (seccomp_bpf_notify_variant).
 * Pure: no system call, no allocation but the variant's copy.
 *
 * Why both: a denied syscall reaches the supervisor as
 * SECCOMP_RET_USER_NOTIF, which carries no data of the rule that matched.
 * The supervisor holds the original program and runs it on the same
 * struct seccomp_data the kernel saw, so its answer (which errno, or a
 * kill) is exactly the policy's, argument rules included. */

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp-action.h"

/* The kernel's return value for d (SECCOMP_RET_* | data), or -EINVAL for
 * a program the kernel would refuse (a load outside seccomp_data, a jump
 * out of the program, an unknown instruction, no return). */
int seccomp_bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d, uint32_t *ret);

/* Which returns become SECCOMP_RET_USER_NOTIF. */
typedef enum SeccompNotify {
        /* errno (but ENOSYS) and kill-process: the denials. ENOSYS is how the
         * filter says "no such syscall" (above the table, clone3): a libc
         * probes it on every fork, so a round trip for it would cost
         * allowed work, and it is no decision of the policy's. kill-thread
         * and trap stay the kernel's: a supervisor can kill only a whole
         * process, and a trap is the service's own signal to handle. */
        SECCOMP_NOTIFY_DENIALS = 1 << 0,
        /* log: "allow, and tell the supervisor", for recording what a run
         * uses; answered with SECCOMP_USER_NOTIF_FLAG_CONTINUE. */
        SECCOMP_NOTIFY_LOG = 1 << 1,
} SeccompNotify;

/* Whether the return value r is one that `which` hands to the supervisor. */
bool seccomp_ret_notifies(uint32_t r, unsigned which);

/* A copy of prog in which every "ret K" whose K seccomp_ret_notifies()
 * is "ret SECCOMP_RET_USER_NOTIF"; *ret_n_notify counts them (0: the
 * variant is the program itself). */
int seccomp_bpf_notify_variant(const struct sock_filter *prog, size_t n, unsigned which, struct sock_filter **ret,
                               size_t *ret_n_notify);

/* SECCOMP_RET_* | data as the policy's action ("errno:EPERM",
 * "kill-process", ...). -EINVAL for a return no policy action makes
 * (trace, user-notif). */
int seccomp_action_from_ret(uint32_t r, SeccompAction *ret);
