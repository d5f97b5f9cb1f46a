/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

int base64_encode(const void *data, size_t size, char **ret);
/* Strict: standard alphabet, '=' padding, no whitespace. */
int base64_decode(const char *s, void **ret, size_t *ret_size);
