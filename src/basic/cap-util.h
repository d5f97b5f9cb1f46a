/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Capability sets as masks of (1 << CAP_*), named as in capabilities(7):
 * "CAP_NET_BIND_SERVICE". Names are resolved with libcap. */

/* Highest capability number libcap knows (inclusive). */
unsigned cap_last(void);
int capability_from_name(const char *name);           /* "CAP_CHOWN" -> 0 */
/* NULL when libcap could not allocate. */
const char *capability_to_name(unsigned cap, char buf[static 64]);
/* Space-separated names -> mask; the offending word in *reterr_word. */
int capability_mask_from_string(const char *s, uint64_t *ret, char **reterr_word);
int capability_mask_to_string(uint64_t mask, char **ret);
