/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "file-trust.h"
#include "macro.h"
#include "string-util.h"

void trust_failure_done(TrustFailure *f) {
        if (!f)
                return;
        f->path = mfree(f->path);
}

TrustProblem trust_check_stat(const struct stat *st, uid_t caller, bool above) {
        if (st->st_uid != 0 && st->st_uid != caller)
                return TRUST_BAD_OWNER;
        /* Others may add entries to a sticky directory, but not rename or
         * remove ours: fine above a file, never for the file itself. */
        if (above && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
                return TRUST_OK;
        if (st->st_mode & S_IWOTH)
                return TRUST_OTHER_WRITABLE;
        if (st->st_mode & S_IWGRP)
                return TRUST_GROUP_WRITABLE;
        return TRUST_OK;
}

static int fail(TrustFailure *ret, const char *path, size_t len, bool above, TrustProblem problem,
                const struct stat *st) {
        char *p = len > 0 ? strndup(path, len) : strdup("/");

        if (!p)
                return -ENOMEM;
        *ret = (TrustFailure) {
                .path = p,
                .above = above,
                .problem = problem,
                .uid = st->st_uid,
                .gid = st->st_gid,
                .mode = st->st_mode & 07777,
        };
        return -EPERM;
}

int trust_open(const char *path, uid_t caller, int flags, TrustFailure *ret_failure) {
        _cleanup_free_ char *canon = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        struct stat st;
        TrustProblem t;
        char *p;

        /* Resolve symlinks once, then walk without following any: a link
         * swapped in after this point fails the walk instead of being
         * followed. Where a link pointed from does not matter, only what
         * is read, and every directory above it. */
        canon = realpath(path, NULL);
        if (!canon)
                return negative_errno();

        dir_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        if (fstat(dir_fd, &st) < 0)
                return negative_errno();
        if (streq(canon, "/"))
                return -EISDIR;
        t = trust_check_stat(&st, caller, true);
        if (t != TRUST_OK)
                return fail(ret_failure, canon, 0, true, t, &st);

        for (p = canon + 1;;) {
                char *slash = strchr(p, '/');
                _cleanup_close_ int fd = -EBADF;

                if (!slash) {
                        fd = openat(dir_fd, p, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | flags);
                        if (fd < 0)
                                return negative_errno();
                        if (fstat(fd, &st) < 0)
                                return negative_errno();
                        t = trust_check_stat(&st, caller, false);
                        if (t != TRUST_OK)
                                return fail(ret_failure, canon, strlen(canon), false, t, &st);
                        return TAKE_FD(fd);
                }

                /* The branch above always returns (TAKE_FD is a statement
                 * expression cppcheck does not follow): slash is set here. */
                // cppcheck-suppress nullPointerRedundantCheck
                *slash = 0;
                fd = openat(dir_fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return negative_errno();
                if (fstat(fd, &st) < 0)
                        return negative_errno();
                t = trust_check_stat(&st, caller, true);
                if (t != TRUST_OK)
                        return fail(ret_failure, canon, strlen(canon), true, t, &st);
                *slash = '/';
                safe_close(dir_fd);
                dir_fd = TAKE_FD(fd);
                p = slash + 1;
        }
}

int trust_failure_message(const TrustFailure *f, char **ret) {
        _cleanup_free_ char *where = NULL;
        int r;

        if (f->above)
                r = asprintf_safe(&where, "directory %s above it is", f->path);
        else
                r = asprintf_safe(&where, "is");
        if (r < 0)
                return -ENOMEM;

        switch (f->problem) {
        case TRUST_BAD_OWNER:
                r = asprintf_safe(ret, "%s writable by uid %u (its owner, neither root nor the caller); refusing.",
                                  where, (unsigned) f->uid);
                break;
        case TRUST_GROUP_WRITABLE:
                r = asprintf_safe(ret, "%s writable by group %u (mode %04o); refusing.", where, (unsigned) f->gid,
                                  (unsigned) f->mode);
                break;
        case TRUST_OTHER_WRITABLE:
                r = asprintf_safe(ret, "%s writable by anyone (mode %04o); refusing.", where, (unsigned) f->mode);
                break;
        default:
                return -EINVAL;
        }
        return r < 0 ? -ENOMEM : 0;
}

int trust_failure_report(const TrustFailure *f, Diagnostics *diags, const char *path) {
        _cleanup_free_ char *m = NULL;

        if (trust_failure_message(f, &m) < 0)
                return -ENOMEM;
        return diag_add(diags, path, 0, NULL, "%s", m);
}

static bool may(const struct stat *st, uid_t uid, gid_t gid, const gid_t *gids, size_t n_gids, mode_t bit) {
        /* Owner, then group, then other: the first class that matches
         * decides, as the kernel does. */
        if (st->st_uid == uid)
                return st->st_mode & (bit << 6);
        if (st->st_gid == gid)
                return st->st_mode & (bit << 3);
        for (size_t i = 0; i < n_gids; i++)
                if (gids[i] == st->st_gid)
                        return st->st_mode & (bit << 3);
        return st->st_mode & bit;
}

int trust_can_read_as(const char *path, uid_t uid, gid_t gid, const gid_t *gids, size_t n_gids) {
        _cleanup_free_ char *canon = NULL;
        struct stat st;

        if (uid == 0)
                return 1;
        canon = realpath(path, NULL);
        if (!canon)
                return negative_errno();
        for (char *slash = strchr(canon + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = 0;
                if (stat(canon, &st) < 0)
                        return negative_errno();
                *slash = '/';
                if (!may(&st, uid, gid, gids, n_gids, S_IXOTH))
                        return 0;
        }
        if (stat("/", &st) < 0)
                return negative_errno();
        if (!may(&st, uid, gid, gids, n_gids, S_IXOTH))
                return 0;
        if (stat(canon, &st) < 0)
                return negative_errno();
        /* The mode's group bits are only the mask of an ACL, which may grant
         * or refuse named users: say no rather than guess. */
        if (st.st_uid != uid && getxattr(canon, "system.posix_acl_access", NULL, 0) >= 0)
                return 0;
        return may(&st, uid, gid, gids, n_gids, S_IROTH);
}
