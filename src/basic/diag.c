/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>

#include "diag.h"

/* A garbage file can produce one diagnostic per line; beyond this many,
 * more help nobody and only cost memory. */
#define DIAGNOSTICS_LIMIT_DEFAULT 100

void diagnostics_done(Diagnostics *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].key);
                free(d->items[i].message);
        }
        d->items = mfree(d->items);
        d->n = 0;
        d->dropped = 0;
}

int diag_add(Diagnostics *d, const char *file, unsigned line, const char *key, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(d, file, line, key, fmt, ap);
        va_end(ap);
        return r;
}

int diag_addv(Diagnostics *d, const char *file, unsigned line, const char *key, const char *fmt, va_list ap) {
        Diagnostic *n, *x;
        int r;

        if (d->n >= (d->limit ?: DIAGNOSTICS_LIMIT_DEFAULT)) {
                d->dropped++;
                return -EINVAL;
        }

        n = reallocarray(d->items, d->n + 1, sizeof(Diagnostic));
        if (!n)
                return -ENOMEM;
        d->items = n;
        x = &d->items[d->n];
        *x = (Diagnostic) { .line = line };

        r = vasprintf(&x->message, fmt, ap);
        if (r < 0)
                return -ENOMEM;
        x->file = file ? strdup(file) : NULL;
        x->key = key ? strdup(key) : NULL;
        if ((file && !x->file) || (key && !x->key)) {
                free(x->file);
                free(x->key);
                free(x->message);
                return -ENOMEM;
        }
        d->n++;
        return -EINVAL;
}

void diagnostics_print(const Diagnostics *d, FILE *f) {
        for (size_t i = 0; i < d->n; i++) {
                const Diagnostic *x = &d->items[i];

                if (x->file)
                        fprintf(f, "%s:", x->file);
                if (x->file && x->line > 0)
                        fprintf(f, "%u:", x->line);
                if (x->file)
                        fputc(' ', f);
                if (x->key)
                        fprintf(f, "%s: ", x->key);
                fprintf(f, "%s\n", x->message);
        }
        if (d->dropped > 0)
                fprintf(f, "... and %zu more problems.\n", d->dropped);
}
