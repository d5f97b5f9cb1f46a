/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tarball layers (.tar, .tar.gz, .tar.xz, .tar.zst: libarchive detects the
 * compression), unpacked once into STATE/images/<sha256 of the tarball>.
 *
 * Keyed by content, so two paths to the same tarball share one tree and a
 * changed tarball never reuses a stale one. Hashing a large tarball at
 * every start would be slow, so STATE/images/.by-stat/<key> remembers the
 * content hash for one version of one file: the key hashes the path with
 * st_dev, st_ino, st_size, st_mtime and st_ctime (ctime cannot be set back
 * from user space), and the entry is a symlink whose target is the content
 * hash. A hit costs one fstat and one readlink.
 *
 * Atomic: the tree is unpacked into images/.tmp-XXXXXX, synced, and
 * renamed to its final name; a reader sees all of it or nothing. Two
 * launchers racing both unpack and the loser of the rename removes its
 * copy.
 *
 * Safe: the unpacking runs in a forked child that first chroot()s into the
 * temporary directory, so whatever a hostile archive names (absolute
 * paths, "..", a symlink followed by a file through it, a hard link to a
 * host file) it can only reach the new tree. On top, libarchive refuses
 * absolute and ".." paths (we fail the whole layer rather than guess), and
 * we drop what an image must not bring: device nodes (the sandbox gets its
 * own /dev), setuid and setgid bits, extended attributes (no file
 * capabilities) and ACLs. Owners are restored numerically, as the image
 * says (the child never reads a passwd file).
 *
 * Private: since files keep the owners the tarball gives them, a local
 * user whose uid owns a file in some image could rewrite it in the cache,
 * and the next start would run it as root. So STATE/images is root's and
 * 0700, and STATE above it root's and writable by root alone: nobody else
 * can reach a tree. A cache found group- or world-accessible is made 0700
 * and its unpacked trees are thrown away (they were open to change); one
 * owned by another user is refused. */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "dlopen-archive.h"
#include "config.h"
#include "fileio.h"
#include "launch-internal.h"
#include "layer-unpack.h"
#include "log.h"
#include "path-util.h"
#include "fs-util.h"
#include "host-path.h"
#include "image-ref.h"
#include "string-util.h"
#include "tarball-cache.h"
#include "unit.h"

#define BY_STAT_DIR TARBALL_CACHE_MEMO_DIR

/* The unpacked trees and the memo of an image cache that was open to
 * others; whatever else is in it (an image directory an administrator put
 * there) stays. */
static void cache_discard_trees(int images_fd) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;

        (void) rm_rf_at(images_fd, BY_STAT_DIR);
        fd = openat(images_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        TAKE_FD(fd);
        for (struct dirent *de; (de = readdir(d)); )
                if (sha256_hex_valid(de->d_name) || startswith(de->d_name, ".tmp-"))
                        (void) rm_rf_at(images_fd, de->d_name);
        closedir(d);
}

/* STATE and STATE/images as the top comment says; creates what is not
 * there. Logs. */
static int cache_open(const char *state_dir, const char *images, int *ret_fd) {
        _cleanup_close_ int state_fd = -EBADF, fd = -EBADF;
        struct stat st;
        int r;

        r = mkdir_p(state_dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", state_dir);
        state_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (state_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", state_dir);
        if (fstat(state_fd, &st) < 0)
                return log_error_errno(negative_errno(), "Failed to stat %s: %m", state_dir);
        if (st.st_uid != 0 || (st.st_mode & 0022))
                /* Whoever may rename entries there can put a cache of theirs in place. */
                return log_error_errno(SYNTHETIC_ERRNO(EPERM),
                                       "Refusing to use the image cache in %s: that directory is owned by uid %u "
                                       "with mode %04o; it must be root's and writable by root only "
                                       "(chown root:root %s; chmod go-w %s).",
                                       state_dir, (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777), state_dir,
                                       state_dir);

        if (mkdirat(state_fd, "images", 0700) < 0 && errno != EEXIST)
                return log_error_errno(negative_errno(), "Failed to create the image cache %s: %m", images);
        fd = openat(state_fd, "images", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open the image cache %s: %m", images);
        if (fstat(fd, &st) < 0)
                return log_error_errno(negative_errno(), "Failed to stat the image cache %s: %m", images);
        if (st.st_uid != 0)
                return log_error_errno(SYNTHETIC_ERRNO(EPERM),
                                       "Refusing to use the image cache %s: it is owned by uid %u, not root, so "
                                       "its unpacked trees cannot be trusted; remove it (rm -rf %s) and it is made "
                                       "again.", images, (unsigned) st.st_uid, images);
        if (st.st_mode & 0077) {
                if (fchmod(fd, 0700) < 0)
                        return log_error_errno(negative_errno(), "Failed to make the image cache %s mode 0700: %m",
                                               images);
                cache_discard_trees(fd);
                log_warning("The image cache %s was mode %04o, open to other users: made it 0700 and removed the "
                            "trees unpacked in it, which are unpacked again when needed.", images,
                            (unsigned) (st.st_mode & 07777));
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void remember(int images_fd, const char *key, const char *hex) {
        char final[sizeof(BY_STAT_DIR) + SHA256_HEX_SIZE + 1];

        /* Only a shortcut: failing to write it costs a hash next time. */
        (void) mkdirat(images_fd, BY_STAT_DIR, 0755);
        snprintf(final, sizeof(final), BY_STAT_DIR "/%s", key);
        (void) symlink_atomic_at(hex, images_fd, final, (uid_t) -1);
}

int image_unpack_tarball(const char *path, const PlanFileId *id, const char *state_dir, char **ret_dir) {
        _cleanup_free_ char *images = NULL, *result = NULL, *tmp_path = NULL;
        _cleanup_close_ int fd = -EBADF, images_fd = -EBADF;
        char key[SHA256_HEX_SIZE], hex[SHA256_HEX_SIZE], link[SHA256_HEX_SIZE + 1];
        char memo[sizeof(BY_STAT_DIR) + SHA256_HEX_SIZE + 1], msg[1024], why[128];
        const char *tmp;
        struct stat st;
        ssize_t n;
        int r;

        state_dir = state_dir ?: SANDBOXD_STATE_DIR;
        images = strjoin(state_dir, "/images");
        if (!images)
                return log_oom();

        /* O_NONBLOCK: this runs in sandboxd's event loop, with a plan
         * compiled earlier (a restart does not compile again), so the path
         * may be a FIFO by now; open() of one would wait for a writer. The
         * file must still be the one the compiler pinned, too. */
        r = launch_open_pinned(path, O_RDONLY | O_NOCTTY | O_NONBLOCK, id, false, &fd, why, sizeof(why));
        if (r == -ELOOP || r == -ESTALE)
                return log_error_errno(r, "Image= %s changed since the unit was compiled (%s); refusing.", path, why);
        if (r < 0)
                return log_error_errno(r, "Image %s: %m", path);
        if (fstat(fd, &st) < 0)
                return log_error_errno(negative_errno(), "Image %s: %m", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Image %s is not a regular file.", path);

        r = cache_open(state_dir, images, &images_fd);
        if (r < 0)
                return r;

        tarball_cache_key(path, &st, key);
        snprintf(memo, sizeof(memo), BY_STAT_DIR "/%s", key);
        n = readlinkat(images_fd, memo, link, sizeof(link));
        if (n == SHA256_HEX_SIZE - 1) {
                struct stat tree;

                link[n] = '\0';
                if (sha256_hex_valid(link) && fstatat(images_fd, link, &tree, AT_SYMLINK_NOFOLLOW) >= 0 &&
                    S_ISDIR(tree.st_mode))
                        goto found;
        }

        r = sha256_fd(fd, hex);
        if (r < 0)
                return log_error_errno(r, "Failed to read image %s: %m", path);
        memcpy(link, hex, sizeof(hex));
        if (faccessat(images_fd, hex, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
                tmp_path = strjoin(images, "/.tmp-XXXXXX");
                if (!tmp_path)
                        return log_oom();
                if (!mkdtemp(tmp_path))
                        return log_error_errno(negative_errno(), "Failed to create a directory in %s: %m", images);
                tmp = path_basename(tmp_path);
                (void) chmod(tmp_path, 0755);
                log_debug("Unpacking image %s into %s/%s", path, images, hex);
                r = layer_unpack(fd, images_fd, tmp, 0, NULL, msg, sizeof(msg));
                if (r >= 0)
                        r = RET_NERRNO(syncfs(images_fd));
                if (r >= 0 && renameat(images_fd, tmp, images_fd, hex) < 0) {
                        /* Someone else unpacked the same content meanwhile: use theirs. */
                        if (errno != EEXIST && errno != ENOTEMPTY)
                                r = negative_errno();
                        (void) rm_rf_at(images_fd, tmp);
                } else if (r < 0) {
                        (void) rm_rf_at(images_fd, tmp);
                        if (r == -EBADMSG || r == -EOPNOTSUPP)
                                return log_error_errno(r, "Failed to unpack image %s: %s", path, msg);
                }
                if (r < 0)
                        return log_error_errno(r, "Failed to unpack image %s: %m", path);
        }
        remember(images_fd, key, hex);

found:
        result = strjoin(images, "/", link);
        if (!result)
                return log_oom();
        *ret_dir = TAKE_PTR(result);
        return 0;
}

int image_unpack_unit_tarballs(const Unit *u, const char *state_dir) {
        for (size_t i = 0; i < u->n_images; i++) {
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                _cleanup_free_ char *canonical = NULL, *dir = NULL;
                PlanFileId id;
                mode_t mode;
                int r;

                /* Whatever does not resolve to a tarball is the compiler's
                 * to report. */
                if (image_ref_parse(u->images[i].path, &ref, NULL) < 0 || ref->type != IMAGE_REF_PATH)
                        continue;
                r = host_path_canonicalize(u->images[i].path, &canonical);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0 || host_path_pin(canonical, &id, &mode) < 0 || !S_ISREG(mode) ||
                    !host_path_is_tarball_name(u->images[i].path))
                        continue;
                r = image_unpack_tarball(canonical, &id, state_dir, &dir);
                if (r < 0)
                        return r;
        }
        return 0;
}
