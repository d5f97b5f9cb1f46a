/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Idmapped mounts: the image's files keep their owners inside the user
 * namespace, without a chown-copy of the image.
 *
 * The image's files are owned by host ids 0..65535 (root, mostly). Seen
 * from a user namespace that maps 0..65535 to BASE.., those ids are not
 * mapped: every file would show as nobody, root inside could not write
 * into an overlay (copy-up needs an owner it may create), and setuid
 * helpers would not work. An idmapped mount (mount_setattr(2),
 * MOUNT_ATTR_IDMAP) shows the same files through the sandbox's own
 * mapping: on-disk uid K reads as host BASE+K, which is K inside. The
 * disk is never written.
 *
 * Who does what. Setting an idmap needs CAP_SYS_ADMIN in the user
 * namespace that owns the file system's superblock (the host's, for ext4
 * or xfs): the child has no such privilege, so the parent makes the
 * mounts, as detached trees (open_tree(OPEN_TREE_CLONE)), once the id maps
 * are written, with the child's user namespace (/proc/PID/ns/user, opened
 * under the same pidfd check as the maps). The trees travel to the child
 * with the SYNC 1 byte as SCM_RIGHTS; the child attaches each one on top
 * of its layer's path in its own mount namespace (move_mount(2)), where
 * image.c finds it as before, and the host's mount table never sees them.
 *
 * A file system that cannot be idmapped (EINVAL: 9p, NFS, an old tmpfs)
 * is not an error: the layers are used as they are, their files then show
 * as nobody inside (logged once at debug level).
 *
 * BindPaths=SRC:DST:rootidmap is the same mechanism with another mapping:
 * the owner of SRC becomes root inside (systemd-nspawn's rootidmap). That
 * mapping is a user namespace of its own, "OWNER BASE 1", made by a
 * short-lived child that exists only to hold it while the mount is made. */

#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host-path.h"
#include "launch-internal.h"
#include "log.h"
#include "missing-wait.h"
#include "plan.h"

/* ---- parent ---- */

/* src_fd: the pinned directory or file (host-open.c), never a path that
 * could have changed since it was checked. */
static int idmapped_tree(int src_fd, int userns_fd, uint64_t attr_set, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        struct mount_attr attr = {
                .attr_set = (userns_fd >= 0 ? MOUNT_ATTR_IDMAP : 0) | attr_set,
                .userns_fd = (uint64_t) (userns_fd >= 0 ? userns_fd : 0),
                /* A clone of a shared mount (a systemd host's) joins its
                 * peer group: it would propagate, and pivot_root refuses a
                 * shared root (EINVAL). */
                .propagation = MS_PRIVATE,
        };

        /* Not recursive: the layer is the directory, not what the host
         * happens to have mounted below it (as the plain bind was). */
        fd = open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (fd < 0)
                return negative_errno();
        if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return negative_errno();
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int idmap_prepare_layers(const LaunchContext *c, int userns_fd, int **ret_fds) {
        const Plan *p = c->plan;
        _cleanup_free_ int *fds = NULL;
        /* One read-only layer is the root itself: read-only and nodev from
         * the start. Overlay layers are only read by overlayfs, which has
         * its own flags. */
        uint64_t attrs = p->n_layers == 1 && p->read_only ? MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV : MOUNT_ATTR_NODEV;
        int r = 0;

        fds = calloc(p->n_layers, sizeof(int));
        if (!fds)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_layers; i++)
                fds[i] = -EBADF;

        for (size_t i = 0; i < p->n_layers; i++) {
                const PlanLayer *l = &p->layers[i];
                _cleanup_close_ int src_fd = -EBADF;
                char why[128] = "";

                /* A tarball's directory is our own cache; a directory
                 * layer is checked against what the compiler pinned. */
                if (l->type == LAYER_DIRECTORY)
                        r = launch_open_pinned(c->layer_dirs[i], O_PATH | O_DIRECTORY, &l->id, false, &src_fd, why,
                                               sizeof(why));
                else
                        r = host_path_open(c->layer_dirs[i], O_PATH | O_DIRECTORY, &src_fd);
                if (r == -ELOOP || r == -ESTALE) {
                        close_many(fds, i);
                        return log_error_errno(r, "Image= %s changed since the unit was compiled (%s); refusing.",
                                               c->layer_dirs[i], r == -ELOOP ? "a symlink is on its path now" : why);
                }
                if (r >= 0) {
                        r = idmapped_tree(src_fd, userns_fd, attrs, &fds[i]);
                        /* A file system that takes no idmap (9p, NFS):
                         * the plain tree, whose files show as nobody. */
                        if (r == -EINVAL || r == -EOPNOTSUPP) {
                                log_debug_errno(r, "Image layer %s of %s cannot be idmapped, its files show as nobody inside: %m",
                                                c->layer_dirs[i], strna(p->name));
                                r = idmapped_tree(src_fd, -EBADF, attrs, &fds[i]);
                        }
                }
                if (r < 0)
                        break;
        }
        if (r < 0) {
                close_many(fds, p->n_layers);
                return log_error_errno(r, "Failed to make the mounts of the image of %s: %m", strna(p->name));
        }
        *ret_fds = TAKE_PTR(fds);
        return 0;
}

/* A user namespace that maps host id OWNER (uid and gid alike: the
 * owner's uid and group of SRC) onto the sandbox's root. Made by a child
 * that waits, without running anything, until we have its namespace fd. */
static int userns_for_owner(uid_t owner_uid, gid_t owner_gid, uint32_t base, int *ret_fd) {
        _cleanup_close_ int pidfd = -EBADF, fd = -EBADF;
        char line[64];
        int len, r;
        pid_t pid;

        pid = launch_clone(CLONE_NEWUSER, -EBADF, &pidfd, NULL);
        if (pid < 0)
                return pid;
        if (pid == 0) {
                /* Nothing to do but exist until killed. */
                for (;;)
                        pause();
        }

        len = snprintf(line, sizeof(line), "%" PRIu32 " %" PRIu32 " 1\n", (uint32_t) owner_uid, base);
        r = userns_write_map(pid, pidfd, "uid_map", line, (size_t) len);
        if (r >= 0) {
                len = snprintf(line, sizeof(line), "%" PRIu32 " %" PRIu32 " 1\n", (uint32_t) owner_gid, base);
                r = userns_write_map(pid, pidfd, "gid_map", line, (size_t) len);
        }
        if (r >= 0)
                r = userns_open_ns(pid, pidfd, &fd);

        (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        while (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &(siginfo_t) {}, WEXITED) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* The pinned source, its owner's user namespace, the tree. Logs. */
static int idmap_prepare_bind(const PlanMount *m, uint32_t base, int *ret_fd) {
        _cleanup_close_ int src_fd = -EBADF, userns_fd = -EBADF;
        const char *key = m->read_only ? "BindReadOnlyPaths=" : "BindPaths=";
        char why[128] = "";
        struct stat st;
        int r;

        r = launch_open_pinned(m->source, O_PATH, &m->source_id, m->source_missing, &src_fd, why, sizeof(why));
        if (r == -ELOOP || r == -ESTALE)
                return log_error_errno(r, "%s source %s changed since the unit was compiled (%s); refusing.", key, m->source,
                                       r == -ELOOP ? "a symlink is on its path now" : why);
        if (r < 0)
                return log_error_errno(r, "Failed to open %s source %s: %m", key, m->source);
        if (fstat(src_fd, &st) < 0)
                return log_error_errno(negative_errno(), "Failed to stat %s source %s: %m", key, m->source);
        r = userns_for_owner(st.st_uid, st.st_gid, base, &userns_fd);
        if (r >= 0)
                r = idmapped_tree(src_fd, userns_fd, m->read_only ? MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV : MOUNT_ATTR_NODEV,
                                  ret_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to make the rootidmap mount of %s: %m", m->source);
        return 0;
}

/* Everything the child gets at SYNC 1: the layer trees (if the file
 * systems take an idmap), then one tree per rootidmap bind, in plan
 * order. *ret_what is the byte that goes with them: 'i' when the layers
 * are among them, 'g' when not. On failure nothing is left open. */
int idmap_prepare(const LaunchContext *c, pid_t pid, int pidfd, int fds[static LAUNCH_MAX_PASSED_FDS], size_t *ret_n,
                  char *ret_what) {
        const Plan *p = c->plan;
        _cleanup_close_ int userns_fd = -EBADF;
        _cleanup_free_ int *layer_fds = NULL;
        size_t n = 0, n_binds = 0;
        int r;

        for (size_t i = 0; i < p->n_mounts; i++)
                n_binds += p->mounts[i].root_idmap;

        if (p->n_layers + 1 + n_binds > LAUNCH_MAX_PASSED_FDS)
                return log_error_errno(SYNTHETIC_ERRNO(E2BIG), "The plan of %s has more than %d image layers and rootidmap binds.",
                                       strna(p->name), LAUNCH_MAX_PASSED_FDS - 1);
        r = userns_open_ns(pid, pidfd, &userns_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open the user namespace of the sandbox: %m");
        r = idmap_prepare_layers(c, userns_fd, &layer_fds);
        if (r < 0)
                return r;
        memcpy(fds, layer_fds, sizeof(int) * p->n_layers);
        n = p->n_layers;
        /* Where the root goes: the lowest layer's path, as the child's
         * mount namespace has it. The child could not open it by name: as
         * root of its user namespace it cannot search a directory such as
         * the 0700 image cache. */
        r = userns_open_root_path(pid, pidfd, c->layer_dirs[0], &fds[n]);
        if (r < 0) {
                close_many(fds, n);
                return log_error_errno(r, "Failed to open %s in the sandbox's mount namespace: %m", c->layer_dirs[0]);
        }
        n++;
        for (size_t i = 0; i < p->n_mounts; i++) {
                /* A "-" source that was missing when compiled is skipped
                 * by the child; it must still be missing. */
                if (!p->mounts[i].root_idmap)
                        continue;
                if (p->mounts[i].source_missing && access(p->mounts[i].source, F_OK) < 0 && errno == ENOENT)
                        continue;
                r = idmap_prepare_bind(&p->mounts[i], p->uid_map_base, &fds[n]);
                if (r < 0) {
                        close_many(fds, n);
                        return r;
                }
                n++;
        }
        *ret_n = n;
        *ret_what = 'i';
        return 0;
}

/* SYNC 1 with the trees: one byte, and the fds as SCM_RIGHTS. */
int idmap_send(int sock, char what, const int *fds, size_t n) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * LAUNCH_MAX_PASSED_FDS)];
        } control = {};
        struct iovec iov = { .iov_base = &what, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (n > LAUNCH_MAX_PASSED_FDS)
                return -E2BIG;
        if (n > 0) {
                struct cmsghdr *cm;

                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
                cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
                memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
        }
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                return negative_errno();
        return 0;
}

/* ---- child ---- */

/* Returns the byte (0 on EOF), the fds in c->passed_fds. */
int idmap_recv(LaunchContext *c, char *ret_what) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * LAUNCH_MAX_PASSED_FDS)];
        } control = {};
        struct iovec iov = { .iov_base = ret_what, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
        ssize_t n;

        do
                n = recvmsg(c->sync_fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if (n == 0)
                return -ESRCH;  /* EOF: the parent gave up on us */
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                        size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                        memcpy(c->passed_fds, CMSG_DATA(cm), sizeof(int) * k);
                        c->n_passed_fds = k;
                }
        if (mh.msg_flags & MSG_CTRUNC)
                return -EMSGSIZE;
        return 0;
}

/* The root from the trees the parent made, by fd alone: no path on the
 * host is looked up here, so nothing above the layers has to be
 * searchable by the sandbox's root. One read-only layer is its tree (made
 * read-only and nodev by the parent); several, or a writable root, are an
 * overlay made with the new mount API (fsopen/fsmount: the result is a
 * mount fd, where mount(2) would leave it to be found by name) over the
 * trees, with its upper and work directories on a detached tmpfs. The
 * root is attached on the lowest layer's path in our mount namespace
 * (the fd the parent opened there), where pivot_root finds it. */
static int append_fd_path(char *buf, size_t size, size_t *pos, const char *prefix, int fd) {
        int n = snprintf(buf + *pos, size - *pos, "%s/proc/self/fd/%d", prefix, fd);

        if (n < 0 || (size_t) n >= size - *pos)
                return -E2BIG;
        *pos += (size_t) n;
        return 0;
}

static int fsconfig_fd_path(int fs_fd, const char *key, int fd) {
        char path[FD_PATH_MAX];

        if (fsconfig(fs_fd, FSCONFIG_SET_STRING, key, fd_path(fd, path), 0) < 0)
                return negative_errno();
        return 0;
}

static int overlay_from_trees(const LaunchContext *c, int target, int *ret_fd, LaunchError *e) {
        const Plan *p = c->plan;
        _cleanup_close_ int tmp_fs = -EBADF, tmp_mnt = -EBADF, upper_fd = -EBADF, work_fd = -EBADF, ov_fs = -EBADF;
        char lower[4096];
        size_t pos = 0;
        int fd, r = 0;

        /* overlayfs takes a private clone of each layer, which it may
         * only do of a mount in our own namespace (the trees' anonymous
         * one is the host's): attach them first, stacked on the root's
         * mount point, under where the overlay goes. */
        for (size_t i = 0; i < p->n_layers; i++)
                if (move_mount(c->passed_fds[i], "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return launch_error(e, negative_errno(), "root", "attach the image layer %s", c->layer_dirs[i]);

        ov_fs = fsopen("overlay", FSOPEN_CLOEXEC);
        if (ov_fs < 0)
                return launch_error(e, negative_errno(), "root", "open an overlay file system");
        /* overlayfs lists lower layers uppermost first. */
        for (size_t i = p->n_layers; r >= 0 && i > 0; i--)
                r = append_fd_path(lower, sizeof(lower), &pos, i < p->n_layers ? ":" : "", c->passed_fds[i - 1]);
        if (r < 0)
                return launch_error(e, r, "root", "build the overlay options for %zu layers", p->n_layers);
        if (fsconfig(ov_fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
                return launch_error(e, negative_errno(), "root", "give the overlay its %zu image layers", p->n_layers);
        /* In a user namespace, overlay cannot use trusted.* xattrs: the
         * store marks opaque directories with user.overlay.opaque too. */
        if (fsconfig(ov_fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
                return launch_error(e, negative_errno(), "root", "give the overlay the userxattr option");

        if (!p->read_only) {
                char size[32];

                /* Bounded, as every tmpfs of the sandbox (plan-compile.c). */
                snprintf(size, sizeof(size), "%" PRIu64, p->upper_size);
                tmp_fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
                if (tmp_fs < 0 || fsconfig(tmp_fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
                    (p->upper_size > 0 && fsconfig(tmp_fs, FSCONFIG_SET_STRING, "size", size, 0) < 0) ||
                    fsconfig(tmp_fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                        return launch_error(e, negative_errno(), "root", "make the tmpfs for the writable layer");
                tmp_mnt = fsmount(tmp_fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
                if (tmp_mnt < 0)
                        return launch_error(e, negative_errno(), "root", "mount the tmpfs for the writable layer");
                if (mkdirat(tmp_mnt, "upper", 0755) < 0 || mkdirat(tmp_mnt, "work", 0755) < 0)
                        return launch_error(e, negative_errno(), "root", "make the overlay's upper and work directories");
                /* Attached too: before Linux 6.x overlayfs clones no layer
                 * from a detached mount, its own namespace's or not. */
                if (move_mount(tmp_mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return launch_error(e, negative_errno(), "root", "attach the tmpfs for the writable layer");
                upper_fd = openat(tmp_mnt, "upper", O_PATH | O_DIRECTORY | O_CLOEXEC);
                work_fd = openat(tmp_mnt, "work", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (upper_fd < 0 || work_fd < 0)
                        return launch_error(e, negative_errno(), "root", "open the overlay's upper and work directories");
                r = fsconfig_fd_path(ov_fs, "upperdir", upper_fd);
                if (r >= 0)
                        r = fsconfig_fd_path(ov_fs, "workdir", work_fd);
                if (r < 0)
                        return launch_error(e, r, "root", "give the overlay its writable layer");
        }
        if (fsconfig(ov_fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return launch_error(e, negative_errno(), "root", "mount the image layers (%s%s) as an overlay",
                                    c->layer_dirs[0], p->n_layers > 1 ? " ..." : "");
        fd = fsmount(ov_fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | (p->read_only ? MOUNT_ATTR_RDONLY : 0));
        if (fd < 0)
                return launch_error(e, negative_errno(), "root", "mount the overlay of %s", c->layer_dirs[0]);
        *ret_fd = fd;
        return 0;
}

int idmap_mount_root(const LaunchContext *c, int *ret_root_fd, LaunchError *e) {
        const Plan *p = c->plan;
        _cleanup_close_ int root = -EBADF;
        int target;
        int r;

        if (c->n_passed_fds < p->n_layers + 1)
                return launch_error(e, -EBADMSG, "root", "receive the image layers from the launcher");
        target = c->passed_fds[p->n_layers];

        if (p->n_layers == 1 && p->read_only) {
                root = fcntl(c->passed_fds[0], F_DUPFD_CLOEXEC, 3);
                if (root < 0)
                        return launch_error(e, negative_errno(), "root", "duplicate the image's tree");
        } else {
                r = overlay_from_trees(c, target, &root, e);
                if (r < 0)
                        return r;
        }
        if (move_mount(root, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return launch_error(e, negative_errno(), "root", "attach the root on %s", c->layer_dirs[0]);
        *ret_root_fd = TAKE_FD(root);
        return 0;
}
