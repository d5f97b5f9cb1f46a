/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

static inline bool path_is_absolute(const char *p) {
        return p && p[0] == '/';
}
/* Absolute, no "." or ".." components, no "//", no trailing slash (except
 * "/"), no control characters: a path we can show and reason about. */
bool path_is_normalized_absolute(const char *p);
/* In place: collapse "//", drop "/./" and a trailing "/". Does not touch "..". */
char *path_simplify(char *p);
/* The last component ("web.unit" of "/a/web.unit"), pointer into p. */
const char *path_basename(const char *p);
char *path_join(const char *a, const char *b);
/* A file name: non-empty, no '/', not "." or "..". */
bool filename_is_valid(const char *s);
