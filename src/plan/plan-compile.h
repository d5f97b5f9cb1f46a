/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* unit + drop-ins + policy -> launch plan. Pure: it reads the unit, its
 * policy, the image's user database and EnvironmentFile=s, and nothing
 * else; no privileges, no side effects. Every problem becomes a
 * diagnostic naming file:line and key. */

#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "unit.h"

int plan_compile(const Unit *u, const Policy *pol, Plan **ret, Diagnostics *diags);
/* Loads the unit (name or path), its policy (Policy=, or "default"), compiles. */
int plan_compile_unit(const char *name_or_path, Plan **ret, Diagnostics *diags);
/* The same for caller (plan_compile_unit(): geteuid()): the unit's files
 * are checked as unit_load_as() and policy_load_as() say for that uid. */
int plan_compile_unit_as(const char *name_or_path, uid_t caller, Plan **ret, Diagnostics *diags);
/* The same, with what is allowed but likely wrong (plan-image-check.h)
 * added to warnings (NULL: not looked for); warnings never fail it. */
int plan_compile_full(const Unit *u, const Policy *pol, Plan **ret, Diagnostics *diags, Diagnostics *warnings);
int plan_compile_unit_full(const char *name_or_path, uid_t caller, Plan **ret, Diagnostics *diags,
                           Diagnostics *warnings);
/* The policy's final syscall list: sorted by name, deny over allow, each
 * with the group it came from ("" when named directly). */
int policy_expand(const Policy *pol, PlanSyscall **ret, size_t *ret_n);
void plan_syscalls_free(PlanSyscall *s, size_t n);
/* "native" and names -> libseccomp arch names, native first, no duplicates. */
int policy_resolve_architectures(char * const *archs, char ***ret);
