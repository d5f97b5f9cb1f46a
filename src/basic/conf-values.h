/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "conf-parser.h"
#include "device-util.h"

/* Values that unit files and policies both take: one parser each, so that
 * both read them alike and say the same thing about a bad one. */

/* Namespace types, capabilities: the names are added to *mask; an empty
 * value clears it. */
int conf_parse_namespace_mask(ConfContext *c, const char *v, uint64_t *mask);
int conf_parse_capability_mask(ConfContext *c, const char *v, uint64_t *mask);

/* Address family names (no "~", no "none": the caller's) as a mask in
 * *ret, nonzero. */
int conf_parse_address_family_mask(ConfContext *c, const char *v, uint64_t *ret);

/* One DeviceAllow=/AllowDevices= entry appended; an empty value clears
 * the list. */
int conf_parse_device_allow(ConfContext *c, const char *v, DeviceAllow **list, size_t *n);

/* Addresses and prefixes (any, localhost, ... as ip_prefix_word_expand()
 * takes them) appended to *l; an empty value clears it. */
int conf_parse_ip_prefixes(ConfContext *c, const char *v, char ***l);
