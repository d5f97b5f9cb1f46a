/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The sandbox's root, from the plan's layers (lowest first).
 *
 * Parent side, before the clone: every layer becomes a host directory. A
 * directory layer is used as it is; a tarball is unpacked once into the
 * content-keyed cache (image-unpack.c). Both are opened as the compiler
 * pinned them (host-open.c), and the child opens the layers that way again
 * and mounts from those fds, so nothing swapped in meanwhile is used.
 *
 * Child side, in its private mount namespace: the root is mounted on the
 * lowest layer's own path, which exists and which nothing else needs, so
 * no staging directory has to be made on the host or in the image.
 *
 *   one layer, ReadOnly=yes   a bind mount of the directory, made
 *                             read-only and nodev before it is attached
 *   several, ReadOnly=yes     overlayfs with only lower layers (read-only
 *                             by construction), mounted ro,nodev
 *   ReadOnly=no               overlayfs over the layers with its upper and
 *                             work directories on a tmpfs (nodev, of the
 *                             plan's upper_size): writes land in memory
 *                             and vanish with the mount namespace; the
 *                             image is never written
 *
 * Overlay is given the layers as /proc/self/fd/N of fds opened before
 * anything is mounted on the lowest layer's path (the tmpfs for the upper
 * layer goes there first and would hide it), which also keeps ':' and ','
 * in image paths from being read as option syntax. Overlay keeps its own
 * references to the layers and to the upper tmpfs, so all of them stay
 * alive after pivot_root detached the host's tree, and go with the last
 * process of the sandbox. */

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "host-path.h"
#include "launch-internal.h"
#include "log.h"
#include "plan.h"
#include "strv.h"

/* ---- parent side ---- */

int image_prepare_layers(const Plan *p, const char *state_dir, char ***ret_dirs) {
        _cleanup_strv_free_ char **dirs = NULL;
        struct stat host_root;
        int r;

        if (p->n_layers == 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The plan of %s has no image layer.", strna(p->name));

        dirs = calloc(p->n_layers + 1, sizeof(char *));
        if (!dirs)
                return log_oom();
        if (stat("/", &host_root) < 0)
                return log_error_errno(negative_errno(), "Failed to stat /: %m");

        for (size_t i = 0; i < p->n_layers; i++) {
                const PlanLayer *l = &p->layers[i];
                _cleanup_close_ int fd = -EBADF;
                char why[128];
                struct stat st;

                if (l->id.ino == 0)
                        return log_error_errno(SYNTHETIC_ERRNO(ESTALE),
                                               "The plan records no inode for Image= %s (compiled by an older sandboxd); "
                                               "recompile it with a new start or sandboxctl daemon-reload; refusing.",
                                               l->path);
                switch (l->type) {
                case LAYER_DIRECTORY:
                        r = launch_open_pinned(l->path, O_PATH | O_DIRECTORY, &l->id, false, &fd, why, sizeof(why));
                        if (r == -ELOOP || r == -ESTALE)
                                return log_error_errno(r, "Image= %s changed since the unit was compiled (%s); refusing.",
                                                       l->path, why);
                        if (r < 0)
                                return log_error_errno(r, "Image %s: %m", l->path);
                        if (fstat(fd, &st) < 0)
                                return log_error_errno(negative_errno(), "Image %s: %m", l->path);
                        if (st.st_dev == host_root.st_dev && st.st_ino == host_root.st_ino)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The host's / cannot be an image.");
                        dirs[i] = strdup(l->path);
                        if (!dirs[i])
                                return log_oom();
                        break;
                case LAYER_TARBALL:
                        r = image_unpack_tarball(l->path, &l->id, state_dir, &dirs[i]);
                        if (r < 0)
                                return r;
                        break;
                default:
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Image layer %s has an unknown type.", l->path);
                }
        }
        *ret_dirs = TAKE_PTR(dirs);
        return 0;
}

/* ---- child side ---- */

static int append(char *buf, size_t size, size_t *pos, const char *s) {
        size_t n = strlen(s);

        if (*pos + n >= size)
                return -E2BIG;
        memcpy(buf + *pos, s, n + 1);
        *pos += n;
        return 0;
}

/* Again in the child: the parent checked the layers, and the path could
 * have changed since. A tarball's directory is the launcher's own cache
 * (no pin, but no symlink either). */
static int open_layer(const LaunchContext *c, size_t i, int *ret_fd, LaunchError *e) {
        const PlanLayer *l = &c->plan->layers[i];
        char why[128];
        int r;

        if (l->type == LAYER_DIRECTORY)
                r = launch_open_pinned(c->layer_dirs[i], O_PATH | O_DIRECTORY, &l->id, false, ret_fd, why, sizeof(why));
        else
                r = host_path_open(c->layer_dirs[i], O_PATH | O_DIRECTORY, ret_fd);
        if (r == -ELOOP || r == -ESTALE)
                return launch_error_sentence(e, r, "root", "Image= %s changed since the unit was compiled (%s); refusing",
                                             c->layer_dirs[i], r == -ELOOP ? "a symlink is on its path now" : why);
        if (r < 0)
                return launch_error(e, r, "root", "open image layer %s", c->layer_dirs[i]);
        return 0;
}

static int mount_overlay(const LaunchContext *c, const char *where, LaunchError *e) {
        const Plan *p = c->plan;
        int layer_fds[p->n_layers];
        _cleanup_close_ int upper_fd = -EBADF, work_fd = -EBADF;
        char data[4096], path[PATH_MAX], fdp[FD_PATH_MAX];
        size_t pos = 0;
        int r;

        for (size_t i = 0; i < p->n_layers; i++)
                layer_fds[i] = -EBADF;

        for (size_t i = 0; i < p->n_layers; i++) {
                r = open_layer(c, i, &layer_fds[i], e);
                if (r < 0)
                        goto finish;
        }

        /* overlayfs lists lower layers uppermost first. */
        r = append(data, sizeof(data), &pos, "lowerdir=");
        for (size_t i = p->n_layers; r >= 0 && i > 0; i--) {
                r = append(data, sizeof(data), &pos, fd_path(layer_fds[i - 1], fdp));
                if (r >= 0 && i > 1)
                        r = append(data, sizeof(data), &pos, ":");
        }

        if (r >= 0 && !p->read_only) {
                char opts[64] = "mode=0755";

                /* Sized by the compiler (MemoryMax=, else 1 GiB): the service's
                 * writes to its root are memory nobody else can reclaim. */
                if (p->upper_size > 0)
                        snprintf(opts, sizeof(opts), "mode=0755,size=%" PRIu64, p->upper_size);
                if (mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
                        r = launch_error(e, negative_errno(), "root", "mount the tmpfs for the writable layer on %s", where);
                        goto finish;
                }
                snprintf(path, sizeof(path), "%s/upper", where);
                if (mkdir(path, 0755) < 0 || (upper_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
                        r = launch_error(e, negative_errno(), "root", "make the writable layer %s", path);
                        goto finish;
                }
                snprintf(path, sizeof(path), "%s/work", where);
                if (mkdir(path, 0755) < 0 || (work_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
                        r = launch_error(e, negative_errno(), "root", "make the overlay work directory %s", path);
                        goto finish;
                }
                r = append(data, sizeof(data), &pos, ",upperdir=");
                if (r >= 0)
                        r = append(data, sizeof(data), &pos, fd_path(upper_fd, fdp));
                if (r >= 0)
                        r = append(data, sizeof(data), &pos, ",workdir=");
                if (r >= 0)
                        r = append(data, sizeof(data), &pos, fd_path(work_fd, fdp));
        }
        /* In a user namespace, overlay cannot use trusted.* xattrs (the
         * store's opaque directories carry user.overlay.opaque too). */
        if (r >= 0 && c->userns)
                r = append(data, sizeof(data), &pos, ",userxattr");
        if (r < 0) {
                r = launch_error(e, r, "root", "build the overlay options for %zu layers", p->n_layers);
                goto finish;
        }

        if (mount("overlay", where, "overlay", MS_NODEV | (p->read_only ? MS_RDONLY : 0), data) < 0)
                r = launch_error(e, negative_errno(), "root", "mount the image layers (%s%s) as an overlay",
                                 c->layer_dirs[0], p->n_layers > 1 ? " ..." : "");
        else
                r = 0;
finish:
        for (size_t i = 0; i < p->n_layers; i++)
                safe_close(layer_fds[i]);
        return r;
}

int image_mount_root(const LaunchContext *c, int *ret_root_fd, LaunchError *e) {
        const Plan *p = c->plan;
        const char *where = c->layer_dirs[0];
        int fd, r;

        /* With a user namespace, from the trees the parent made of the
         * pinned layers (idmap.c). */
        if (c->layers_idmapped)
                return idmap_mount_root(c, ret_root_fd, e);

        if (p->n_layers == 1 && p->read_only) {
                _cleanup_close_ int layer_fd = -EBADF, tree_fd = -EBADF;
                struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV };

                r = open_layer(c, 0, &layer_fd, e);
                if (r < 0)
                        return r;
                /* A copy of exactly the checked directory, not recursive
                 * (the image is the directory, not what the host happens to
                 * have mounted below it), made read-only before it is
                 * attached on top of itself; mount_setattr() only adds
                 * these, where a remount would have to repeat flags the
                 * kernel locked in a user namespace. The tree's fd is then
                 * the new root. */
                tree_fd = open_tree(layer_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
                if (tree_fd < 0)
                        return launch_error(e, negative_errno(), "root", "bind-mount the image %s", where);
                if (mount_setattr(tree_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                        return launch_error(e, negative_errno(), "root", "make the image %s read-only", where);
                if (move_mount(tree_fd, "", layer_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return launch_error(e, negative_errno(), "root", "bind-mount the image %s", where);
                *ret_root_fd = TAKE_FD(tree_fd);
                return 0;
        }

        r = mount_overlay(c, where, e);
        if (r < 0)
                return r;
        /* Opened by name after the mount, without following symlinks: the
         * fd is the new mount's root. What it shows are the layers the
         * overlay was given as checked fds, wherever it ended up. */
        r = host_path_open(where, O_PATH | O_DIRECTORY, &fd);
        if (r < 0)
                return launch_error(e, r, "root", "open the new root %s", where);
        *ret_root_fd = fd;
        return 0;
}
