/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "sha256.h"

typedef enum LayerUnpackFlags {
        /* An OCI layer: whiteouts become overlayfs whiteouts, device nodes,
         * setuid bits and xattrs (user.*, security.capability) are kept, and
         * the sha256 of the uncompressed tar (the diff_id) is computed.
         * Without it, a plain image tarball: devices, setuid/setgid bits and
         * xattrs are dropped, whiteouts mean nothing. */
        LAYER_UNPACK_OCI = 1 << 0,
} LayerUnpackFlags;

/* Unpacks the archive read from archive_fd (any compression libarchive
 * knows) into dir_fd/name, an empty directory. The work is done by a
 * forked child chroot()ed into that directory, so no entry of a hostile
 * archive can reach anything outside it. -EBADMSG with a one-line reason
 * in msg for a bad archive. ret_diff_id (OCI only) gets the hex digest. */
int layer_unpack(int archive_fd, int dir_fd, const char *name, LayerUnpackFlags flags,
                 char ret_diff_id[SHA256_HEX_SIZE], char *msg, size_t size);

/* The same in two steps, so that several layers unpack at once: start
 * forks the child and returns; finish waits for it (and closes what start
 * opened, whatever the result); abort kills and reaps it. */
typedef struct LayerUnpack {
        pid_t pid;
        int fd;         /* the child's report */
} LayerUnpack;

int layer_unpack_start(int archive_fd, int dir_fd, const char *name, LayerUnpackFlags flags, LayerUnpack *ret,
                       char *msg, size_t size);
int layer_unpack_finish(LayerUnpack *u, char ret_diff_id[SHA256_HEX_SIZE], char *msg, size_t size);
void layer_unpack_abort(LayerUnpack *u);
