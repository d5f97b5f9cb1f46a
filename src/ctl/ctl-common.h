/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

typedef struct Plan Plan;

/* Compile a unit given as a path (contains '/') or a name looked up in the
 * unit search path, with its drop-ins and policy, into a plan. Diagnostics
 * are printed to stderr as FILE:LINE: Key: message; returns < 0 on any. */
int ctl_compile_unit(const char *arg, Plan **ret);

/* Every verb: argc/argv start at the verb's own name (argv[0] = "run"). */
int verb_check(int argc, char *argv[]);
int verb_plan(int argc, char *argv[]);
int verb_policy(int argc, char *argv[]);
int verb_run(int argc, char *argv[]);
