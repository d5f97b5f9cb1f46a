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

#include "launch-internal.h"
#include "log.h"
#include "plan.h"

/* ---- parent ---- */

static int idmapped_tree(const char *path, int userns_fd, uint64_t attr_set, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        struct mount_attr attr = {
                .attr_set = MOUNT_ATTR_IDMAP | attr_set,
                .userns_fd = (uint64_t) userns_fd,
        };

        /* Not recursive: the layer is the directory, not what the host
         * happens to have mounted below it (as the plain bind was). */
        fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
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
                r = idmapped_tree(c->layer_dirs[i], userns_fd, attrs, &fds[i]);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                close_many(fds, p->n_layers);
                if (r == -EINVAL || r == -EOPNOTSUPP) {
                        log_debug_errno(r, "Image layers of %s cannot be idmapped, their files show as nobody inside: %m",
                                        strna(p->name));
                        *ret_fds = NULL;
                        return 0;
                }
                return r;
        }
        *ret_fds = TAKE_PTR(fds);
        return 1;
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
        while (waitid((idtype_t) 3 /* P_PIDFD */, (id_t) pidfd, &(siginfo_t) {}, WEXITED) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int idmap_prepare_bind(const PlanMount *m, uint32_t base, int *ret_fd) {
        _cleanup_close_ int src_fd = -EBADF, userns_fd = -EBADF;
        char src[FD_PATH_MAX];
        struct stat st;
        int r;

        src_fd = open(m->source, O_PATH | O_CLOEXEC);
        if (src_fd < 0)
                return negative_errno();
        if (fstat(src_fd, &st) < 0)
                return negative_errno();
        r = userns_for_owner(st.st_uid, st.st_gid, base, &userns_fd);
        if (r < 0)
                return r;
        return idmapped_tree(fd_path(src_fd, src), userns_fd, m->read_only ? MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV : MOUNT_ATTR_NODEV,
                             ret_fd);
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
        if (p->n_layers + n_binds > LAUNCH_MAX_PASSED_FDS)
                return -E2BIG;

        r = userns_open_ns(pid, pidfd, &userns_fd);
        if (r < 0)
                return r;
        r = idmap_prepare_layers(c, userns_fd, &layer_fds);
        if (r < 0)
                return r;
        if (layer_fds) {
                memcpy(fds, layer_fds, sizeof(int) * p->n_layers);
                n = p->n_layers;
        }
        for (size_t i = 0; i < p->n_mounts; i++) {
                if (!p->mounts[i].root_idmap)
                        continue;
                r = idmap_prepare_bind(&p->mounts[i], p->uid_map_base, &fds[n]);
                if (r < 0) {
                        close_many(fds, n);
                        return log_debug_errno(r, "Failed to make the rootidmap mount of %s: %m", p->mounts[i].source);
                }
                n++;
        }
        *ret_n = n;
        *ret_what = layer_fds ? 'i' : 'g';
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

/* Each layer's tree on top of its own path, in our mount namespace. */
int idmap_attach_layers(const LaunchContext *c, LaunchError *e) {
        const Plan *p = c->plan;

        if (!c->layers_idmapped)
                return 0;
        if (c->n_passed_fds < p->n_layers)
                return launch_error(e, -EBADMSG, "root", "receive the idmapped image layers");
        for (size_t i = 0; i < p->n_layers; i++)
                if (move_mount(c->passed_fds[i], "", AT_FDCWD, c->layer_dirs[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return launch_error(e, negative_errno(), "root", "attach the idmapped image layer %s", c->layer_dirs[i]);
        return 0;
}
