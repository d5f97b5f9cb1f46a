/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Seccomp rules can compare an argument as (arg & mask) == value. To let
 * every 32-bit value through except a few (TIOCSTI, TIOCLINUX; setns types
 * not allowed), cover the complement with disjoint such cubes. Splitting
 * first on bits where all remaining bad values agree keeps this to about
 * one cube per bit: for two bad values differing in k bits, 32 - k + 2(k - 1).
 * emit is called once per cube; its first negative return stops the walk.
 * At most MASKED_COMPLEMENT_MAX bad values (every socket address family
 * fits). Used for the kernel filter and the OCI export alike. */
#define MASKED_COMPLEMENT_MAX 64

int masked_complement(const uint32_t *bad, size_t n_bad,
                      int (*emit)(uint32_t mask, uint32_t value, void *userdata), void *userdata);
