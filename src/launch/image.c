/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The sandbox's root, from the plan's layers (lowest first).
 *
 * Parent side, before the clone: every layer becomes a host directory. A
 * directory layer is used as it is; a tarball is unpacked once into the
 * content-keyed cache (image-unpack.c).
 *
 * Child side, in its private mount namespace: the root is mounted on the
 * lowest layer's own path, which exists and which nothing else needs, so
 * no staging directory has to be made on the host or in the image.
 *
 *   one layer, ReadOnly=yes   a bind mount of the directory, then made
 *                             read-only and nodev
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
                struct stat st;

                switch (l->type) {
                case LAYER_DIRECTORY:
                        if (stat(l->path, &st) < 0)
                                return log_error_errno(negative_errno(), "Image %s: %m", l->path);
                        if (!S_ISDIR(st.st_mode))
                                return log_error_errno(SYNTHETIC_ERRNO(ENOTDIR), "Image %s is not a directory.", l->path);
                        if (st.st_dev == host_root.st_dev && st.st_ino == host_root.st_ino)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "The host's / cannot be an image.");
                        dirs[i] = strdup(l->path);
                        if (!dirs[i])
                                return log_oom();
                        break;
                case LAYER_TARBALL:
                        r = image_unpack_tarball(l->path, state_dir, &dirs[i]);
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
                layer_fds[i] = open(c->layer_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (layer_fds[i] < 0) {
                        r = launch_error(e, negative_errno(), "root", "open image layer %s", c->layer_dirs[i]);
                        goto finish;
                }
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
                /* In a user namespace, overlay cannot use trusted.* xattrs. */
                if (r >= 0 && c->userns)
                        r = append(data, sizeof(data), &pos, ",userxattr");
        }
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

        if (p->n_layers == 1 && p->read_only) {
                struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV };

                /* Not recursive: the image is the directory, not what the
                 * host happens to have mounted below it. */
                if (mount(where, where, NULL, MS_BIND, NULL) < 0)
                        return launch_error(e, negative_errno(), "root", "bind-mount the image %s", where);
                /* mount_setattr() only adds these: a remount would have to
                 * repeat flags the kernel locked in a user namespace. */
                if (mount_setattr(AT_FDCWD, where, 0, &attr, sizeof(attr)) < 0)
                        return launch_error(e, negative_errno(), "root", "make the image %s read-only", where);
        } else {
                r = mount_overlay(c, where, e);
                if (r < 0)
                        return r;
        }

        /* Opened by name after the mount: the fd is the new mount's root. */
        fd = open(where, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return launch_error(e, negative_errno(), "root", "open the new root %s", where);
        *ret_root_fd = fd;
        return 0;
}
