/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libarchive, loaded when a tarball image is first read.
 *
 * libarchive pulls in libxml2, ICU, libstdc++, libcrypto and half a dozen
 * compressors: linked at build time, the dynamic loader maps and relocates
 * all of them at every start of sandboxctl and sandboxd (~3 ms), though
 * only units with a tarball Image= ever need them. So the programs link
 * none of it, and the code that reads tarballs calls dlopen_libarchive()
 * first and then the sym_ pointers, which have libarchive's own types. */

#include <archive.h>
#include <archive_entry.h>

#include "dlopen-util.h"

DLSYM_PROTOTYPE(archive_entry_filetype);
DLSYM_PROTOTYPE(archive_entry_hardlink);
DLSYM_PROTOTYPE(archive_entry_rdevmajor);
DLSYM_PROTOTYPE(archive_entry_rdevminor);
DLSYM_PROTOTYPE(archive_entry_xattr_add_entry);
DLSYM_PROTOTYPE(archive_entry_xattr_clear);
DLSYM_PROTOTYPE(archive_entry_xattr_next);
DLSYM_PROTOTYPE(archive_entry_xattr_reset);
DLSYM_PROTOTYPE(archive_read_open);
DLSYM_PROTOTYPE(archive_read_support_format_raw);
DLSYM_PROTOTYPE(archive_entry_pathname);
DLSYM_PROTOTYPE(archive_entry_perm);
DLSYM_PROTOTYPE(archive_entry_set_perm);
DLSYM_PROTOTYPE(archive_entry_size);
DLSYM_PROTOTYPE(archive_error_string);
DLSYM_PROTOTYPE(archive_read_data);
DLSYM_PROTOTYPE(archive_read_data_block);
DLSYM_PROTOTYPE(archive_read_free);
DLSYM_PROTOTYPE(archive_read_new);
DLSYM_PROTOTYPE(archive_read_next_header);
DLSYM_PROTOTYPE(archive_read_open_fd);
DLSYM_PROTOTYPE(archive_read_open_filename);
DLSYM_PROTOTYPE(archive_read_support_filter_all);
DLSYM_PROTOTYPE(archive_read_support_format_tar);
DLSYM_PROTOTYPE(archive_write_close);
DLSYM_PROTOTYPE(archive_write_data_block);
DLSYM_PROTOTYPE(archive_write_disk_new);
DLSYM_PROTOTYPE(archive_write_disk_set_options);
DLSYM_PROTOTYPE(archive_write_finish_entry);
DLSYM_PROTOTYPE(archive_write_free);
DLSYM_PROTOTYPE(archive_write_header);

/* 0 once every symbol is resolved (the library stays loaded), -EOPNOTSUPP
 * if libarchive is not installed or lacks a symbol; *reterr_message (if
 * non-NULL, static) then says which. */
int dlopen_libarchive(const char **reterr_message);

/* A reader for a tar archive, compressed in any way libarchive knows, to
 * be opened by the caller; NULL if out of memory. After
 * dlopen_libarchive(). */
struct archive *archive_tar_reader_new(void);
