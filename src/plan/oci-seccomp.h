/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A policy as the "linux.seccomp" object of an OCI runtime config, so that
 * crun/runc (and the benchmarks comparing us with them) run exactly the
 * syscall set a reviewer approved. */

#include "plan.h"

int oci_seccomp_from_plan(const Plan *p, char **ret_json);
