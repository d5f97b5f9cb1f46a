/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* What a unit may be called: one rule for the unit loader, sandboxctl and
 * sandboxd, since the name becomes a file name under /run/sandboxd, a
 * cgroup and a systemd scope (sandbox-NAME.scope, within systemd's 255),
 * a log file name and a word on a command line. */
#define UNIT_NAME_MAX 128

/* The rule in words, for error messages and --help. */
#define UNIT_NAME_RULE "1 to 128 characters of A-Z a-z 0-9 _ . @ -, not starting with . or -"

bool unit_name_is_valid(const char *name);
