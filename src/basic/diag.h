/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdio.h>

#include "macro.h"

/* Problems found in unit and policy files, as data: the parsers and the
 * compiler collect them (they never print), the CLI prints them as
 *     FILE:LINE: Key: message
 * (LINE and Key omitted where they do not apply). */

typedef struct Diagnostic {
        char *file;
        unsigned line;          /* 0: the file as a whole */
        char *key;              /* NULL: not about one key */
        char *message;
} Diagnostic;

typedef struct Diagnostics {
        Diagnostic *items;
        size_t n;
        size_t limit;           /* 0: default; past it, further ones are counted, not stored */
        size_t dropped;
} Diagnostics;

void diagnostics_done(Diagnostics *d);
/* Returns -EINVAL (so a parser can "return diag_add(...)"), or -ENOMEM. */
int diag_add(Diagnostics *d, const char *file, unsigned line, const char *key, const char *fmt, ...) _printf_(5, 6);
int diag_addv(Diagnostics *d, const char *file, unsigned line, const char *key, const char *fmt, va_list ap) _printf_(5, 0);
void diagnostics_print(const Diagnostics *d, FILE *f);
static inline size_t diagnostics_count(const Diagnostics *d) {
        return d->n + d->dropped;
}
