/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Socket address families as masks of (1 << AF_*), named as in
 * <sys/socket.h>: "AF_UNIX". Only families below 64 have names (the
 * kernel has 46); a mask has room for all of them. AF_LOCAL and AF_FILE
 * are read as AF_UNIX, AF_ROUTE as AF_NETLINK; names are always written
 * in their main spelling. */

#define AF_MASK_BITS 64

/* "AF_INET" -> 2, -EINVAL when unknown. */
int af_from_name(const char *name);
/* 2 -> "AF_INET", NULL when the number has no name. */
const char *af_to_name(int af);
/* Every named family. */
uint64_t af_mask_all(void);
/* The known name closest to a misspelt one, or NULL. */
const char *af_closest_name(const char *name);
/* Space-separated names -> mask; the offending word in *reterr_word. */
int af_mask_from_string(const char *s, uint64_t *ret, char **reterr_word);
/* "AF_UNIX AF_INET", "" for an empty mask. */
int af_mask_to_string(uint64_t mask, char **ret);
