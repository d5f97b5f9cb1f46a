/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "policy.h"

/* `policy diff` of two loaded policies: one "- ..." / "+ ..." line per
 * syscall, capability, namespace and ceiling that differs; nothing if
 * they agree. */
int ctl_policy_diff(const Policy *old, const Policy *new);

/* sandboxctl policy learn (argv[0] = "learn"). */
int verb_policy_learn(int argc, char *argv[]);
