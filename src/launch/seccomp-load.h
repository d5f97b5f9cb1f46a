/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

typedef struct Plan Plan;

/* Load the plan's precompiled BPF program with seccomp(2): the last step
 * before execve. No rule is compiled here (the plan did that), so this is
 * one system call. -ENODATA without a program, -EINVAL for a malformed one. */
int launch_seccomp_load(const Plan *p);
