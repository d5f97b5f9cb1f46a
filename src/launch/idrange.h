/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The host id range registered for a unit name under STATE_DIR/userns
 * (state_dir NULL: SANDBOXD_STATE_DIR), registered now if the name has
 * none: see idrange.c. count is at most 65536. -ENOSPC when every slot is
 * taken, -EBADMSG for a registry that does not parse, -EPERM for a
 * registry directory someone else could write. */
int idrange_acquire(const char *state_dir, const char *name, uint32_t count, uint32_t *ret_base);
bool idrange_name_is_valid(const char *name);
