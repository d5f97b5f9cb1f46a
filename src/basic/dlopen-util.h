/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Libraries that only some units need are dlopen()ed on first use rather
 * than linked: every library linked is mapped and relocated at every start
 * of sandboxctl, which is on the path of `sandboxctl run`. The callers keep
 * one pointer per function, named sym_<function>, with the function's own
 * type (DLSYM_PROTOTYPE / DLSYM_DEFINE), and list them in a DlSym table. */

#include <stdbool.h>
#include <stddef.h>

#define DLSYM_PROTOTYPE(symbol) extern typeof(symbol) *sym_##symbol
#define DLSYM_DEFINE(symbol) typeof(symbol) *sym_##symbol = NULL
#define DLSYM_ENTRY(symbol) { (void **) &sym_##symbol, #symbol }

typedef struct DlSym {
        void **ptr;
        const char *name;
} DlSym;

/* Loads soname (kept loaded for the life of the process) and resolves
 * every entry of table; -EOPNOTSUPP if the library is missing or lacks one
 * of them. Once it succeeded, *loaded is set and later calls return 0 at
 * once. Not thread-safe: our programs are single-threaded. */
int dlopen_symbols(const char *soname, const DlSym *table, size_t n, bool *loaded);
