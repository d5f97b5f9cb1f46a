/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Who could have written a file that feeds a root service: in the spirit
 * of sshd's StrictModes, the file and every directory above it must be
 * owned by root or by the caller and not be writable by group or others.
 * A sticky directory (/tmp) is accepted above a file, since there only an
 * entry's owner can rename or remove it; the file itself, or a directory
 * whose entries are read (a drop-in directory), gets no such exception. */

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "diag.h"

typedef enum TrustProblem {
        TRUST_OK,
        TRUST_BAD_OWNER,        /* owned by neither root nor the caller */
        TRUST_GROUP_WRITABLE,
        TRUST_OTHER_WRITABLE,
} TrustProblem;

typedef struct TrustFailure {
        char *path;             /* what failed: the file, or a directory above it */
        bool above;             /* path is a directory above the file */
        TrustProblem problem;
        uid_t uid;
        gid_t gid;
        mode_t mode;
} TrustFailure;

void trust_failure_done(TrustFailure *f);

/* What is wrong with st for caller; above: st is a directory above the file. */
TrustProblem trust_check_stat(const struct stat *st, uid_t caller, bool above);

/* Open path (O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY plus flags, e.g.
 * O_DIRECTORY) after the checks above. The path is made canonical first,
 * then walked from "/" with O_PATH|O_NOFOLLOW fds, each fstat()ed, and the
 * file opened from its parent's fd: what was checked is what is read.
 * Returns the fd; -EPERM with *ret_failure filled if a check failed; any
 * other negative errno if the path cannot be opened. */
int trust_open(const char *path, uid_t caller, int flags, TrustFailure *ret_failure);

/* "is writable by uid N (its owner, neither root nor the caller); refusing."
 * and the like, for a diagnostic about the file. */
int trust_failure_message(const TrustFailure *f, char **ret);
/* That message as a diagnostic about path: -EINVAL, or -ENOMEM. */
int trust_failure_report(const TrustFailure *f, Diagnostics *diags, const char *path);

/* Could uid (with gid and the supplementary groups) read path: search
 * permission on every directory above it and read permission on it, by
 * the mode bits (a file with an ACL is readable only by its owner here).
 * 1 yes, 0 no, negative errno if path cannot be looked at. Root: always. */
int trust_can_read_as(const char *path, uid_t uid, gid_t gid, const gid_t *gids, size_t n_gids);
