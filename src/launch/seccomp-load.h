/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/filter.h>
#include <stddef.h>

typedef struct Plan Plan;

/* Load the plan's precompiled BPF program with seccomp(2): the last step
 * before execve. No rule is compiled here (the plan did that), so this is
 * one system call. -ENODATA without a program, -EINVAL for a malformed one. */
int launch_seccomp_load(const Plan *p);

/* Load prog (the plan's notify variant, seccomp-bpf.h) with a listener:
 * returns the listener's fd (close-on-exec). Where the kernel has it, a
 * call the supervisor has read waits for the answer killably only
 * (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, Linux 5.19): a signal does not
 * restart it, so it is neither counted twice nor answered twice. */
int launch_seccomp_load_listener(const struct sock_filter *prog, size_t n);
