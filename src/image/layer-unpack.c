/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Unpacking a layer: the one place sandboxd writes what an archive says.
 *
 * The defences: a forked child chroot()s into the new, empty tree first,
 * so whatever an entry names (an absolute path, "..", a path through a
 * symlink the archive made, a hard link to a host file) lands in the tree;
 * libarchive refuses absolute and ".." paths on top, and a refused entry
 * fails the whole layer rather than leave a guess.
 *
 * OCI whiteouts are converted to what overlayfs reads in a lower layer:
 * ".wh.NAME" becomes a 0/0 character device NAME, ".wh..wh..opq" the
 * opaque xattr on its directory (trusted.overlay.opaque for an overlay
 * mounted by host root, user.overlay.opaque for one mounted in a user
 * namespace with userxattr). Nothing of the sort may come from the
 * archive itself: an entry that is a 0/0 character device fails the layer,
 * and xattrs in the overlay namespaces are dropped, so a layer cannot hide
 * or make opaque anything but what its whiteout entries say.
 *
 * The diff_id is hashed on the way through: an outer libarchive reader
 * decompresses (raw format), the tar reader reads from it through a
 * callback that hashes each block, and what follows the tar's end marker is
 * read and hashed too. One pass, one decompression. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "dlopen-archive.h"
#include "fs-util.h"
#include "layer-unpack.h"
#include "macro.h"
#include "string-util.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

typedef struct Hashing {
        struct archive *outer;
        Sha256 sha;
        char buf[64 * 1024];
} Hashing;

static la_ssize_t hashing_read(struct archive *a, void *userdata, const void **ret) {
        Hashing *h = userdata;
        la_ssize_t n;

        n = sym_archive_read_data(h->outer, h->buf, sizeof(h->buf));
        if (n < 0)
                return ARCHIVE_FATAL;
        sha256_update(&h->sha, h->buf, (size_t) n);
        *ret = h->buf;
        return n;
}

static int copy_data(struct archive *a, struct archive *w) {
        for (;;) {
                const void *buf;
                size_t n;
                la_int64_t off;
                int r;

                r = sym_archive_read_data_block(a, &buf, &n, &off);
                if (r == ARCHIVE_EOF)
                        return ARCHIVE_OK;
                if (r < ARCHIVE_WARN)
                        return r;
                r = (int) sym_archive_write_data_block(w, buf, n, off);
                if (r < ARCHIVE_WARN)
                        return r;
        }
}

static bool xattr_allowed(const char *name) {
        if (startswith(name, "user.overlay."))
                return false;
        return startswith(name, "user.") || streq(name, "security.capability");
}

/* Keeps only the xattrs an image may bring. */
static int filter_xattrs(struct archive_entry *entry) {
        struct {
                char *name;
                void *value;
                size_t size;
        } keep[64];
        size_t n = 0;
        bool drop = false;
        const char *name;
        const void *value;
        size_t size;
        int r = 0;

        sym_archive_entry_xattr_reset(entry);
        while (sym_archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
                if (!xattr_allowed(name) || n >= ELEMENTSOF(keep)) {
                        drop = true;
                        continue;
                }
                keep[n].name = strdup(name);
                keep[n].value = malloc(size ?: 1);
                if (!keep[n].name || !keep[n].value) {
                        free(keep[n].name);
                        free(keep[n].value);
                        r = -ENOMEM;
                        break;
                }
                memcpy(keep[n].value, value, size);
                keep[n].size = size;
                n++;
        }
        if (r >= 0 && drop) {
                sym_archive_entry_xattr_clear(entry);
                for (size_t i = 0; i < n; i++)
                        sym_archive_entry_xattr_add_entry(entry, keep[i].name, keep[i].value, keep[i].size);
        }
        for (size_t i = 0; i < n; i++) {
                free(keep[i].name);
                free(keep[i].value);
        }
        return r;
}

/* "a/b/.wh.c" -> mknod a/b/c 0/0; "a/b/.wh..wh..opq" -> a/b opaque. In the
 * chroot: the paths cannot leave the tree. The directories on the way are
 * made if this layer did not bring them (overlay shows lower ones anyway). */
static const char *whiteout(char *path, const char *base, char *msg, size_t size) {
        char *slash = strrchr(path, '/');
        const char *dir = ".";

        if (slash) {
                *slash = '\0';
                dir = path;
                if (mkdir_p(dir, 0755) < 0 && errno != EEXIST)
                        goto fail;
        }
        if (streq(base, WH_OPAQUE)) {
                if (lsetxattr(dir, "trusted.overlay.opaque", "y", 1, 0) < 0 ||
                    lsetxattr(dir, "user.overlay.opaque", "y", 1, 0) < 0)
                        goto fail;
                return NULL;
        }
        if (startswith(base, WH_PREFIX WH_PREFIX))
                /* Other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): no meaning here. */
                return NULL;
        {
                char target[4096];

                snprintf(target, sizeof(target), "%s/%s", dir, base + strlen(WH_PREFIX));
                (void) rm_rf_at(AT_FDCWD, target);
                if (mknod(target, S_IFCHR | 0, makedev(0, 0)) < 0)
                        goto fail;
        }
        return NULL;
fail:
        snprintf(msg, size, "%s/%s: cannot make the whiteout: %m", dir, base);
        return msg;
}

/* Returns NULL, or what failed (in msg) for an entry of the OCI layer. */
static const char *oci_entry(struct archive_entry *entry, bool *ret_skip, char *msg, size_t size) {
        const char *path = sym_archive_entry_pathname(entry), *base;
        unsigned type = sym_archive_entry_filetype(entry);
        char copy[4096];

        *ret_skip = false;
        if (!path)
                return NULL;
        if (type == AE_IFCHR && sym_archive_entry_rdevmajor(entry) == 0 && sym_archive_entry_rdevminor(entry) == 0) {
                snprintf(msg, size, "%s: a 0/0 character device (an overlayfs whiteout) in the archive itself", path);
                return msg;
        }
        if (filter_xattrs(entry) < 0) {
                snprintf(msg, size, "out of memory");
                return msg;
        }
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (!startswith(base, WH_PREFIX))
                return NULL;
        *ret_skip = true;
        if (strlen(path) >= sizeof(copy)) {
                snprintf(msg, size, "%.64s...: path too long", path);
                return msg;
        }
        /* Hard links only within the layer, and never to a whiteout. */
        strcpy(copy, path);
        if (copy[0] == '/' || strstr(copy, "../") || streq(base, "..")) {
                snprintf(msg, size, "%.256s: whiteout outside the layer", path);
                return msg;
        }
        return whiteout(copy, base, msg, size);
}

/* In the forked child, chroot()ed into the new tree. Returns a message
 * for the parent, or NULL. */
static const char *extract(int archive_fd, LayerUnpackFlags flags, char diff_id[static SHA256_HEX_SIZE], char *msg,
                           size_t size) {
        struct archive *outer = NULL, *a = NULL, *w = NULL;
        struct archive_entry *entry;
        bool oci = flags & LAYER_UNPACK_OCI;
        static Hashing h;
        const char *err = NULL;
        int r, opts;

        if (dlopen_libarchive(&err) < 0)
                goto finish;
        a = sym_archive_read_new();
        w = sym_archive_write_disk_new();
        if (!a || !w) {
                err = "out of memory";
                goto finish;
        }
        sym_archive_read_support_format_tar(a);
        opts = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
               ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
        if (oci)
                opts |= ARCHIVE_EXTRACT_XATTR;
        sym_archive_write_disk_set_options(w, opts);

        if (oci) {
                struct archive_entry *raw;

                outer = sym_archive_read_new();
                if (!outer) {
                        err = "out of memory";
                        goto finish;
                }
                sym_archive_read_support_filter_all(outer);
                sym_archive_read_support_format_raw(outer);
                if (sym_archive_read_open_fd(outer, archive_fd, 64 * 1024) != ARCHIVE_OK ||
                    sym_archive_read_next_header(outer, &raw) != ARCHIVE_OK) {
                        snprintf(msg, size, "%s", sym_archive_error_string(outer) ?: "cannot read the layer");
                        err = msg;
                        goto finish;
                }
                h.outer = outer;
                sha256_init(&h.sha);
                r = sym_archive_read_open(a, &h, NULL, hashing_read, NULL);
        } else {
                sym_archive_read_support_filter_all(a);
                r = sym_archive_read_open_fd(a, archive_fd, 64 * 1024);
        }
        if (r != ARCHIVE_OK) {
                snprintf(msg, size, "%s", sym_archive_error_string(a) ?: "cannot read the archive");
                err = msg;
                goto finish;
        }
        while ((r = sym_archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
                unsigned type = sym_archive_entry_filetype(entry);

                if (oci) {
                        bool skip;

                        err = oci_entry(entry, &skip, msg, size);
                        if (err)
                                goto finish;
                        if (skip)
                                continue;
                } else {
                        if (type == AE_IFCHR || type == AE_IFBLK)
                                continue;
                        sym_archive_entry_set_perm(entry, sym_archive_entry_perm(entry) & ~(mode_t) (S_ISUID | S_ISGID));
                }
                /* Not archive_read_extract2(): it turns a refused header
                 * (an absolute or ".." path) into a warning and goes on. */
                r = sym_archive_write_header(w, entry);
                if (r >= ARCHIVE_WARN)
                        r = copy_data(a, w);
                if (r >= ARCHIVE_WARN)
                        r = sym_archive_write_finish_entry(w);
                if (r < ARCHIVE_WARN) {
                        snprintf(msg, size, "%s: %s", sym_archive_entry_pathname(entry) ?: "?",
                                 sym_archive_error_string(w) ?: sym_archive_error_string(a) ?: "cannot extract");
                        err = msg;
                        goto finish;
                }
        }
        if (r != ARCHIVE_EOF) {
                snprintf(msg, size, "%s", sym_archive_error_string(a) ?: "cannot read the archive");
                err = msg;
                goto finish;
        }
        /* Directory permissions and times are applied at close. */
        if (sym_archive_write_close(w) != ARCHIVE_OK) {
                snprintf(msg, size, "%s", sym_archive_error_string(w) ?: "cannot finish the extraction");
                err = msg;
                goto finish;
        }
        if (oci) {
                uint8_t d[SHA256_DIGEST_SIZE];
                la_ssize_t n;

                /* The zero blocks and padding after the tar's end are part of
                 * the diff_id. */
                while ((n = sym_archive_read_data(outer, h.buf, sizeof(h.buf))) > 0)
                        sha256_update(&h.sha, h.buf, (size_t) n);
                if (n < 0) {
                        snprintf(msg, size, "%s", sym_archive_error_string(outer) ?: "cannot read the layer");
                        err = msg;
                        goto finish;
                }
                sha256_finish(&h.sha, d);
                sha256_to_hex(d, diff_id);
        }
finish:
        if (w)
                sym_archive_write_free(w);
        if (a)
                sym_archive_read_free(a);
        if (outer)
                sym_archive_read_free(outer);
        return err;
}

int layer_unpack_start(int archive_fd, int dir_fd, const char *name, LayerUnpackFlags flags, LayerUnpack *ret,
                       char *msg, size_t size) {
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        const char *why;
        pid_t pid;
        int r;

        /* Here, not in the child: it chroot()s into the new tree, where no
         * library can be found. */
        r = dlopen_libarchive(&why);
        if (r < 0) {
                snprintf(msg, size, "%s", why);
                return r;
        }

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return negative_errno();

        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                char diff_id[SHA256_HEX_SIZE] = "", m[1024];
                const char *err;

                pipe_fds[0] = safe_close(pipe_fds[0]);
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
                if (fchdir(dir_fd) < 0 || chdir(name) < 0 || chroot(".") < 0 || chdir("/") < 0) {
                        snprintf(m, sizeof(m), "cannot enter %s: %m", name);
                        err = m;
                } else {
                        umask(0);
                        err = extract(archive_fd, flags, diff_id, m, sizeof(m));
                }
                /* "E" and a message, or "H" and the diff_id. */
                if (err)
                        (void) dprintf(pipe_fds[1], "E%s", err);
                else
                        (void) dprintf(pipe_fds[1], "H%s", diff_id);
                _exit(err ? 1 : 0);
        }

        *ret = (LayerUnpack) { .pid = pid, .fd = TAKE_FD(pipe_fds[0]) };
        return 0;
}

int layer_unpack_finish(LayerUnpack *u, char ret_diff_id[SHA256_HEX_SIZE], char *msg, size_t size) {
        char buf[1024 + SHA256_HEX_SIZE];
        int wstatus;
        ssize_t n;

        n = read(u->fd, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        u->fd = safe_close(u->fd);
        while (waitpid(u->pid, &wstatus, 0) < 0)
                if (errno != EINTR) {
                        u->pid = 0;
                        return negative_errno();
                }
        u->pid = 0;
        if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || buf[0] != 'H') {
                snprintf(msg, size, "%s", buf[0] == 'E' ? buf + 1 : "the unpacking process failed");
                return -EBADMSG;
        }
        if (ret_diff_id) {
                memcpy(ret_diff_id, buf + 1, SHA256_HEX_SIZE - 1);
                ret_diff_id[SHA256_HEX_SIZE - 1] = '\0';
        }
        return 0;
}

void layer_unpack_abort(LayerUnpack *u) {
        if (u->pid > 0) {
                (void) kill(u->pid, SIGKILL);
                while (waitpid(u->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        u->pid = 0;
        u->fd = safe_close(u->fd);
}

int layer_unpack(int archive_fd, int dir_fd, const char *name, LayerUnpackFlags flags,
                 char ret_diff_id[SHA256_HEX_SIZE], char *msg, size_t size) {
        LayerUnpack u;
        int r;

        r = layer_unpack_start(archive_fd, dir_fd, name, flags, &u, msg, size);
        if (r < 0)
                return r;
        return layer_unpack_finish(&u, ret_diff_id, msg, size);
}
