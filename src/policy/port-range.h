/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Sets of TCP/UDP ports as a policy writes them: "80 443 8000-8999".
 * [Network] AllowPublishPorts= bounds the ports a unit may listen on
 * (ListenStream= and friends) and publish. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct PortRange {
        uint16_t first, last;   /* 1..65535, first <= last */
} PortRange;

/* Append the words of s ("80", "8000-8999", separated by spaces) to
 * *ranges. -EINVAL for a word that is not a port or a range (*ret_bad,
 * if non-NULL, is set to a copy of it), -ERANGE for a port outside
 * 1..65535 or a range whose end is below its start (*ret_bad likewise);
 * nothing is appended then. */
int port_ranges_parse(const char *s, PortRange **ranges, size_t *n, char **ret_bad);
bool port_ranges_contain(const PortRange *ranges, size_t n, uint16_t port);
/* "80 443 8000-8999", or "" for none. */
int port_ranges_to_string(const PortRange *ranges, size_t n, char **ret);
