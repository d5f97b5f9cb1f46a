/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char * const *l) _pure_;
/* Appends a copy / takes ownership of value. */
int strv_extend(char ***l, const char *value);
int strv_consume(char ***l, char *value);
int strv_extend_strv(char ***a, char * const *b);
char **strv_copy(char * const *l);
bool strv_contains(char * const *l, const char *s) _pure_;
char *strv_join(char * const *l, const char *sep);
/* The n entries of l (NULL ones left out) as "a, b or c", for messages. */
char *strv_join_or(const char *const *l, size_t n);
void strv_sort(char **l);
/* Env: replaces an existing "NAME=" entry or appends. */
int strv_env_set(char ***l, const char *assignment);
const char *strv_env_get(char * const *l, const char *name);
