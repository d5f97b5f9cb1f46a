/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dlopen-systemd.h"

#define LIBSYSTEMD_SONAME "libsystemd.so.0"

bool dlopen_systemd_loaded = false;

/* The value libsystemd gives its own (the format of systemd 242). */
const unsigned dlopen_sd_bus_object_vtable_format = 242;

/* sym_##symbol, not typeof(symbol): the sd_* names are macros here. */
#define DLOPEN_SYSTEMD_DEFINE(symbol) typeof(sym_##symbol) sym_##symbol = NULL;
DLOPEN_SYSTEMD_SYMBOLS(DLOPEN_SYSTEMD_DEFINE)
#undef DLOPEN_SYSTEMD_DEFINE

void dlopen_systemd_load_or_die(void) {
#define DLOPEN_SYSTEMD_ENTRY(symbol) { (void **) &sym_##symbol, #symbol },
        static const DlSym table[] = {
                DLOPEN_SYSTEMD_SYMBOLS(DLOPEN_SYSTEMD_ENTRY)
        };
#undef DLOPEN_SYSTEMD_ENTRY
        void *dl;

        if (dlopen_symbols(LIBSYSTEMD_SONAME, table, ELEMENTSOF(table), &dlopen_systemd_loaded) >= 0)
                return;

        /* A broken install: no caller could go on, and the log may be the
         * journal, which needs the library. Say what is missing, once. */
        dl = dlopen(LIBSYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (dl)
                for (size_t i = 0; i < ELEMENTSOF(table); i++)
                        if (!dlsym(dl, table[i].name)) {
                                (void) fprintf(stderr, "%s: %s (Debian package libsystemd0) lacks %s.\n",
                                               program_invocation_short_name, LIBSYSTEMD_SONAME, table[i].name);
                                exit(EXIT_FAILURE);
                        }
        (void) fprintf(stderr, "%s: Failed to load %s (Debian package libsystemd0): %s\n",
                       program_invocation_short_name, LIBSYSTEMD_SONAME, dl ? "unknown error" : dlerror());
        exit(EXIT_FAILURE);
}
