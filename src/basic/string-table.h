/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <string.h>

#include "macro.h"

/* Every enumerated unit key has a FOO_to_string()/FOO_from_string() pair
 * generated from one table, so the parser, the plan printer and the JSON
 * writer can never disagree on spelling. */

ssize_t string_table_lookup(const char *const *table, size_t len, const char *key);

/* FOO_names() hands out the table itself, so that "did you mean" hints and
 * "expected a, b or c" lists (conf_error_unknown()) never retype it. */
#define DECLARE_STRING_TABLE_LOOKUP(name, type)                 \
        const char *name##_to_string(type i) _const_;           \
        type name##_from_string(const char *s) _pure_;          \
        const char *const *name##_names(size_t *ret_n)

#define DEFINE_STRING_TABLE_LOOKUP(name, type)                                  \
        const char *name##_to_string(type i) {                                  \
                if (i < 0 || (size_t) i >= ELEMENTSOF(name##_table))            \
                        return NULL;                                            \
                return name##_table[i];                                         \
        }                                                                       \
        type name##_from_string(const char *s) {                                \
                return (type) string_table_lookup(name##_table, ELEMENTSOF(name##_table), s); \
        }                                                                       \
        const char *const *name##_names(size_t *ret_n) {                        \
                *ret_n = ELEMENTSOF(name##_table);                              \
                return name##_table;                                            \
        }
