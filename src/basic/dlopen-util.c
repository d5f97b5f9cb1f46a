/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dlfcn.h>
#include <errno.h>

#include "dlopen-util.h"

int dlopen_symbols(const char *soname, const DlSym *table, size_t n, bool *loaded) {
        void *dl;

        if (*loaded)
                return 0;
        /* RTLD_NODELETE: the pointers stay valid whatever happens to the
         * handle. RTLD_NOW: a missing symbol fails here, not at a call. */
        dl = dlopen(soname, RTLD_NOW | RTLD_NODELETE | RTLD_LOCAL);
        if (!dl)
                return -EOPNOTSUPP;
        for (size_t i = 0; i < n; i++) {
                *table[i].ptr = dlsym(dl, table[i].name);
                if (!*table[i].ptr)
                        return -EOPNOTSUPP;
        }
        *loaded = true;
        return 0;
}
