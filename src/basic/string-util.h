/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char *strjoin_real(const char *x, ...) __attribute__((sentinel));
#define strjoin(a, ...) strjoin_real((a), __VA_ARGS__, NULL)

char *strstrip(char *s);
bool string_has_cc(const char *s);
bool utf8_is_valid(const char *s, size_t len);
bool startswith_no_case(const char *s, const char *prefix);
const char *startswith(const char *s, const char *prefix);
const char *endswith(const char *s, const char *suffix);
int asprintf_safe(char **ret, const char *fmt, ...) _printf_(2, 3);

/* Damerau-free Levenshtein distance, for "did you mean" hints. */
unsigned levenshtein(const char *a, const char *b);
/* The closest candidate within a small distance, or NULL. */
const char *closest_match(const char *s, const char *const *candidates, size_t n);
