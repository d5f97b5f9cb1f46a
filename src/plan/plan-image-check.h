/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the compiler can tell from the image that the launcher would only
 * find out at start: a bind or tmpfs target missing from a read-only
 * root (the launcher creates targets only where the root is writable),
 * an ExecStart= binary missing from the image. Reads the image (through
 * image-paths.h), nothing else. */

#include "diag.h"
#include "plan.h"
#include "unit.h"

/* Diagnostics as FILE:LINE: Key: for each; 0, -EINVAL when some were
 * added, or -ENOMEM. p is u compiled (its binds and tmpfs in unit order). */
int plan_check_image(const Unit *u, const Plan *p, Diagnostics *diags);

/* What is allowed but likely wrong, for `sandboxctl check`: a
 * TemporaryFileSystem= for /tmp or /var/tmp that the service's non-root
 * user cannot write (mode 0755, owned by root). 0 or -ENOMEM. */
int plan_check_warnings(const Unit *u, const Plan *p, Diagnostics *warnings);
