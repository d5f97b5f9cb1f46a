/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "dlopen-mount.h"
#include "macro.h"

DLSYM_DEFINE(mnt_get_builtin_optmap);
DLSYM_DEFINE(mnt_optstr_get_flags);
DLSYM_DEFINE(mnt_split_optstr);

int dlopen_libmount(void) {
        static const DlSym table[] = {
                DLSYM_ENTRY(mnt_get_builtin_optmap),
                DLSYM_ENTRY(mnt_optstr_get_flags),
                DLSYM_ENTRY(mnt_split_optstr),
        };
        static bool loaded = false;

        return dlopen_symbols("libmount.so.1", table, ELEMENTSOF(table), &loaded);
}
