/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Sets of named things (capabilities, address families, namespace types)
 * as masks of (1 << bit), written as space-separated names. */

/* Each word of s (separated by spaces and tabs), looked up by from_name (a
 * bit number below 64, or negative), as a mask. -EINVAL for a word that
 * names nothing, and that word in *reterr_word. */
int mask_from_words(const char *s, int (*from_name)(const char *name), uint64_t *ret, char **reterr_word);

/* The names of the bits of mask below n_bits, in bit order, separated by
 * one space; "" for none. to_name may use buf; a bit it names "" is left
 * out, NULL means it could not allocate (-ENOMEM). */
int mask_to_words(uint64_t mask, unsigned n_bits, const char *(*to_name)(unsigned bit, char buf[static 64]),
                  char **ret);
