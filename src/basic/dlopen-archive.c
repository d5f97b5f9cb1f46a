/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "dlopen-archive.h"
#include "macro.h"

DLSYM_DEFINE(archive_entry_filetype);
DLSYM_DEFINE(archive_entry_hardlink);
DLSYM_DEFINE(archive_entry_rdevmajor);
DLSYM_DEFINE(archive_entry_rdevminor);
DLSYM_DEFINE(archive_entry_xattr_add_entry);
DLSYM_DEFINE(archive_entry_xattr_clear);
DLSYM_DEFINE(archive_entry_xattr_next);
DLSYM_DEFINE(archive_entry_xattr_reset);
DLSYM_DEFINE(archive_read_open);
DLSYM_DEFINE(archive_read_support_format_raw);
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

int dlopen_libarchive(const char **reterr_message) {
        static const DlSym table[] = {
                DLSYM_ENTRY(archive_entry_filetype),
                DLSYM_ENTRY(archive_entry_hardlink),
                DLSYM_ENTRY(archive_entry_rdevmajor),
                DLSYM_ENTRY(archive_entry_rdevminor),
                DLSYM_ENTRY(archive_entry_xattr_add_entry),
                DLSYM_ENTRY(archive_entry_xattr_clear),
                DLSYM_ENTRY(archive_entry_xattr_next),
                DLSYM_ENTRY(archive_entry_xattr_reset),
                DLSYM_ENTRY(archive_read_open),
                DLSYM_ENTRY(archive_read_support_format_raw),
                DLSYM_ENTRY(archive_entry_pathname),
                DLSYM_ENTRY(archive_entry_perm),
                DLSYM_ENTRY(archive_entry_set_perm),
                DLSYM_ENTRY(archive_entry_size),
                DLSYM_ENTRY(archive_error_string),
                DLSYM_ENTRY(archive_read_data),
                DLSYM_ENTRY(archive_read_data_block),
                DLSYM_ENTRY(archive_read_free),
                DLSYM_ENTRY(archive_read_new),
                DLSYM_ENTRY(archive_read_next_header),
                DLSYM_ENTRY(archive_read_open_fd),
                DLSYM_ENTRY(archive_read_open_filename),
                DLSYM_ENTRY(archive_read_support_filter_all),
                DLSYM_ENTRY(archive_read_support_format_tar),
                DLSYM_ENTRY(archive_write_close),
                DLSYM_ENTRY(archive_write_data_block),
                DLSYM_ENTRY(archive_write_disk_new),
                DLSYM_ENTRY(archive_write_disk_set_options),
                DLSYM_ENTRY(archive_write_finish_entry),
                DLSYM_ENTRY(archive_write_free),
                DLSYM_ENTRY(archive_write_header),
        };
        static bool loaded = false;
        int r;

        /* The soname the headers we built against belong to. */
        r = dlopen_symbols("libarchive.so.13", table, ELEMENTSOF(table), &loaded);
        if (r < 0 && reterr_message)
                *reterr_message = "libarchive (libarchive.so.13, Debian package libarchive13) is needed "
                                  "to read tarball images, and is not installed or lacks a function sandboxd needs";
        return r;
}

struct archive *archive_tar_reader_new(void) {
        struct archive *a = sym_archive_read_new();

        if (!a)
                return NULL;
        sym_archive_read_support_filter_all(a);
        sym_archive_read_support_format_tar(a);
        return a;
}
