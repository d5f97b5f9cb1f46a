/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The compiler's rules for [Socket] (socket activation). Pure: it reads
 * the host's user and group databases for SocketUser=/SocketGroup=, and
 * opens no socket; the caller of the launcher does that. */

#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "unit.h"

/* u's listening sockets into p->sockets, each port checked against pol's
 * [Network] AllowPublishPorts=. 0, -ENOMEM, or -EINVAL with diagnostics
 * added. */
int plan_compile_sockets(const Unit *u, const Policy *pol, Plan *p, Diagnostics *diags);
