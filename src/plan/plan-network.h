/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "diag.h"

typedef struct Unit Unit;
typedef struct Policy Policy;
typedef struct Plan Plan;

/* Network=, checked against the policy's AllowNetwork= (AllowHostNetwork=
 * as its alias), and for Network=private the keys that go with it
 * (Address=, DNS=, PublishPort=) into p->net, with the bridge and subnets
 * of sandboxd.conf (config_path NULL: the installed one). Keys that need
 * Network=private are errors without it. p->network must be set.
 * -EINVAL once diagnostics were added. */
int plan_compile_network(const Unit *u, const Policy *pol, const char *config_path, Plan *p, Diagnostics *diags);
