/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* The order to start n units in: names' order, but a unit after the one
 * its owners[] entry (NULL: none) names, also through a chain; a cycle
 * in names' order. *ret: n indices into names; -ENOMEM only. */
int pod_start_order(const char *const *names, const char *const *owners, size_t n, size_t **ret);
