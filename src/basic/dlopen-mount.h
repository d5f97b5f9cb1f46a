/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libmount, loaded when a TemporaryFileSystem= with options is first
 * prepared: linked, it and what it pulls in (libblkid, libselinux, whose
 * constructor probes for selinuxfs, libpcre2) cost ~0.4 ms at every start
 * of sandboxctl, and most units never need it. */

#include <libmount.h>

#include "dlopen-util.h"

DLSYM_PROTOTYPE(mnt_get_builtin_optmap);
DLSYM_PROTOTYPE(mnt_optstr_get_flags);
DLSYM_PROTOTYPE(mnt_split_optstr);

/* 0 once loaded; -EOPNOTSUPP if libmount.so.1 (Debian package libmount1)
 * is missing or lacks one of them. */
int dlopen_libmount(void);
