/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "dlopen-archive.h"
#include "macro.h"

#define DLSYM_DEFINE(symbol) typeof(symbol) *sym_##symbol = NULL

DLSYM_DEFINE(archive_entry_filetype);
DLSYM_DEFINE(archive_entry_pathname);
DLSYM_DEFINE(archive_entry_perm);
DLSYM_DEFINE(archive_entry_set_perm);
DLSYM_DEFINE(archive_entry_size);
DLSYM_DEFINE(archive_error_string);
DLSYM_DEFINE(archive_read_data);
DLSYM_DEFINE(archive_read_data_block);
DLSYM_DEFINE(archive_read_free);
DLSYM_DEFINE(archive_read_new);
DLSYM_DEFINE(archive_read_next_header);
DLSYM_DEFINE(archive_read_open_fd);
DLSYM_DEFINE(archive_read_open_filename);
DLSYM_DEFINE(archive_read_support_filter_all);
DLSYM_DEFINE(archive_read_support_format_tar);
DLSYM_DEFINE(archive_write_close);
DLSYM_DEFINE(archive_write_data_block);
DLSYM_DEFINE(archive_write_disk_new);
DLSYM_DEFINE(archive_write_disk_set_options);
DLSYM_DEFINE(archive_write_finish_entry);
DLSYM_DEFINE(archive_write_free);
DLSYM_DEFINE(archive_write_header);

#define SYM(symbol) { (void **) &sym_##symbol, #symbol }

int dlopen_libarchive(const char **reterr_message) {
        static const struct {
                void **ptr;
                const char *name;
        } table[] = {
                SYM(archive_entry_filetype),
                SYM(archive_entry_pathname),
                SYM(archive_entry_perm),
                SYM(archive_entry_set_perm),
                SYM(archive_entry_size),
                SYM(archive_error_string),
                SYM(archive_read_data),
                SYM(archive_read_data_block),
                SYM(archive_read_free),
                SYM(archive_read_new),
                SYM(archive_read_next_header),
                SYM(archive_read_open_fd),
                SYM(archive_read_open_filename),
                SYM(archive_read_support_filter_all),
                SYM(archive_read_support_format_tar),
                SYM(archive_write_close),
                SYM(archive_write_data_block),
                SYM(archive_write_disk_new),
                SYM(archive_write_disk_set_options),
                SYM(archive_write_finish_entry),
                SYM(archive_write_free),
                SYM(archive_write_header),
        };
        static bool loaded = false;
        void *dl;

        if (loaded)
                return 0;

        /* The soname the headers we built against belong to. */
        dl = dlopen("libarchive.so.13", RTLD_NOW | RTLD_NODELETE | RTLD_LOCAL);
        if (!dl) {
                if (reterr_message)
                        *reterr_message = "libarchive (libarchive.so.13, Debian package libarchive13) is needed "
                                          "to read tarball images, and is not installed";
                return -EOPNOTSUPP;
        }
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                *table[i].ptr = dlsym(dl, table[i].name);
                if (!*table[i].ptr) {
                        if (reterr_message)
                                *reterr_message = "the installed libarchive lacks a function sandboxd needs";
                        return -EOPNOTSUPP;
                }
        }
        loaded = true;
        return 0;
}
