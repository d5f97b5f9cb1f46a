/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The plan's mounts, executed in plan order inside the child's own mount
 * namespace, and the switch to the new root.
 *
 * Nothing here can reach the host's mount table: the child was cloned with
 * CLONE_NEWNS and the first step makes every mount private, so no mount
 * propagates back, and all of them die with the namespace. That is also
 * why there is nothing to undo on failure.
 *
 * Targets are paths inside the sandbox, resolved below the root with
 * openat2(RESOLVE_IN_ROOT): an image's symlink (/run -> /host/run, or
 * /tmp -> ../../..) is followed as if the root were "/", never out of it.
 * The result is an O_PATH fd, and mount(2) is given "/proc/self/fd/N",
 * which the kernel follows to exactly that file: there is no second
 * lookup by name to race with. Bind sources are host paths, opened as the
 * compiler pinned them (host-open.c). Read-only binds are made with open_tree +
 * mount_setattr + move_mount, so the mount is read-only (recursively)
 * before it is visible at all.
 *
 * libmount parses the option strings of TemporaryFileSystem= in the
 * parent, before the clone: "ro,noexec,size=10m,mode=0755" is split into
 * MS_* flags and the data string the file system wants. */

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dlopen-mount.h"
#include "launch-internal.h"
#include "log.h"
#include "plan.h"

const char *fd_path(int fd, char buf[static FD_PATH_MAX]) {
        snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
        return buf;
}

/* ---- parent side: options ---- */

static int tmpfs_options(const PlanMount *m, MountPrep *ret) {
        _cleanup_free_ char *vfs = NULL, *fs = NULL;
        unsigned long flags = MS_NOSUID | MS_NODEV;

        if (m->options) {
                int r = dlopen_libmount();
                if (r < 0)
                        return log_error_errno(r, "libmount (libmount.so.1, Debian package libmount1) is needed for "
                                               "the options of TemporaryFileSystem=%s, and is not installed or "
                                               "lacks a function sandboxd needs.", m->target);
                /* vfs: generic mount flags (ro, noexec, ...); fs: what goes to tmpfs. */
                if (sym_mnt_split_optstr(m->options, NULL, &vfs, &fs, 0, 0) < 0)
                        return -EINVAL;
                if (vfs && sym_mnt_optstr_get_flags(vfs, &flags, sym_mnt_get_builtin_optmap(MNT_LINUX_MAP)) < 0)
                        return -EINVAL;
        }
        if (m->read_only)
                flags |= MS_RDONLY;
        /* Whatever the options say ("dev" is refused in units, but a plan
         * is read back from /run): nothing the sandbox writes holds devices. */
        ret->flags = flags | MS_NODEV;
        ret->data = TAKE_PTR(fs);
        return 0;
}

int mount_prepare(const Plan *p, MountPrep **ret) {
        MountPrep *prep;
        int r;

        prep = calloc(p->n_mounts ?: 1, sizeof(MountPrep));
        if (!prep)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_mounts; i++) {
                const PlanMount *m = &p->mounts[i];

                if (m->type != MOUNT_TMPFS)
                        continue;
                r = tmpfs_options(m, &prep[i]);
                if (r < 0) {
                        mount_prep_free(prep, p->n_mounts);
                        return r;
                }
        }
        *ret = prep;
        return 0;
}

MountPrep *mount_prep_free(MountPrep *m, size_t n) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < n; i++)
                free(m[i].data);
        free(m);
        return NULL;
}

/* ---- child side ---- */

int mount_make_private(LaunchError *e) {
        /* Our copy of the host's mounts may be shared with the host's (on a
         * systemd host "/" is MS_SHARED): make every one private before
         * the first mount, or mounts would propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return launch_error(e, negative_errno(), "mount-propagation", "make the mounts of the sandbox private");
        return 0;
}

static void close_and_replace(int *fdp, int fd) {
        safe_close(*fdp);
        *fdp = fd;
}

static int open_in_root(int root_fd, const char *path, int *ret_fd) {
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

/* Open path below root_fd; with create, make what is missing: parents as
 * directories, the last component as a directory or an empty file. In a
 * read-only root that fails with EROFS, which is the right answer: we
 * never write into an image. */
int mount_open_target(int root_fd, const char *path, MountCreate create, int *ret_fd) {
        _cleanup_close_ int parent_fd = -EBADF;
        size_t len = strlen(path), i = 0;
        char prefix[PATH_MAX];
        int fd, r;

        r = open_in_root(root_fd, path, &fd);
        if (r >= 0) {
                *ret_fd = fd;
                return 0;
        }
        if (r != -ENOENT || create == MOUNT_CREATE_NONE)
                return r;
        if (len >= sizeof(prefix))
                return -ENAMETOOLONG;

        /* Walk down from the root, each prefix resolved in the root again,
         * making what is missing in the directory the previous one gave. */
        parent_fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (parent_fd < 0)
                return negative_errno();
        for (;;) {
                size_t start;
                bool last;

                while (i < len && path[i] == '/')
                        i++;
                if (i == len)
                        break;
                start = i;
                while (i < len && path[i] != '/')
                        i++;
                last = strspn(path + i, "/") == len - i;

                /* prefix is path up to this component, and prefix + start the component. */
                memcpy(prefix, path, i);
                prefix[i] = '\0';

                r = open_in_root(root_fd, prefix, &fd);
                if (r == -ENOENT) {
                        if (!last || create == MOUNT_CREATE_DIR)
                                r = RET_NERRNO(mkdirat(parent_fd, prefix + start, 0755));
                        else
                                r = RET_NERRNO(mknodat(parent_fd, prefix + start, S_IFREG | 0644, 0));
                        if (r < 0 && r != -EEXIST)
                                return r;
                        r = open_in_root(root_fd, prefix, &fd);
                }
                if (r < 0)
                        return r;
                close_and_replace(&parent_fd, fd);
        }
        *ret_fd = TAKE_FD(parent_fd);
        return 0;
}

/* A copy of the mount tree at (dir_fd, path) with attributes set, attached
 * on top of target_fd: read-only binds, masks, /proc/sys. */
int mount_clone_onto(int dir_fd, const char *path, int target_fd, bool recursive, uint64_t attr_set) {
        _cleanup_close_ int tree_fd = -EBADF;
        struct mount_attr attr = { .attr_set = attr_set };
        unsigned rec = recursive ? AT_RECURSIVE : 0;

        tree_fd = open_tree(dir_fd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
        if (tree_fd < 0)
                return negative_errno();
        if (attr_set != 0 && mount_setattr(tree_fd, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0)
                return negative_errno();
        if (move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}

/* The mount point of a bind, made (a directory or an empty file, as the
 * source is) where the root is writable. */
static int open_bind_target(int root_fd, const PlanMount *m, const struct stat *source, int *ret_fd, LaunchError *e) {
        int r;

        r = mount_open_target(root_fd, m->target, S_ISDIR(source->st_mode) ? MOUNT_CREATE_DIR : MOUNT_CREATE_FILE, ret_fd);
        if (r == -EROFS)
                return launch_error_sentence(e, r, "mount-bind", "Bind target %s does not exist in the image, "
                                             "and the read-only root cannot get one", m->target);
        if (r < 0)
                return launch_error(e, r, "mount-bind", "open bind target %s", m->target);
        return 0;
}

/* BindPaths=...:rootidmap: the tree the parent idmapped (idmap.c) goes
 * where the bind would. */
static int mount_bind_idmapped(LaunchContext *c, int root_fd, const PlanMount *m, LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF;
        struct stat st;
        int tree_fd, r;

        /* Skipped by the parent too (idmap.c). */
        if (m->source_missing && access(m->source, F_OK) < 0 && errno == ENOENT)
                return 0;
        if (c->next_passed_fd >= c->n_passed_fds)
                return launch_error(e, -EBADMSG, "mount-bind", "receive the idmapped tree of %s", m->source);
        tree_fd = c->passed_fds[c->next_passed_fd++];
        if (fstat(tree_fd, &st) < 0)
                return launch_error(e, negative_errno(), "mount-bind", "stat the idmapped tree of %s", m->source);
        r = open_bind_target(root_fd, m, &st, &target_fd, e);
        if (r < 0)
                return r;
        if (move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return launch_error(e, negative_errno(), "mount-bind", "bind-mount %s on %s (rootidmap)", m->source, m->target);
        return 0;
}

static int mount_bind(int root_fd, const PlanMount *m, LaunchError *e) {
        _cleanup_close_ int src_fd = -EBADF, target_fd = -EBADF;
        const char *key = m->read_only ? "BindReadOnlyPaths=" : "BindPaths=";
        char src[FD_PATH_MAX], dst[FD_PATH_MAX], why[128];
        struct stat st;
        int r;

        if (!m->source_missing && m->source_id.ino == 0)
                return launch_error_sentence(e, -ESTALE, "mount-bind",
                                             "The plan records no inode for %s source %s (compiled by an older "
                                             "sandboxd); recompile it with a new start or sandboxctl daemon-reload; "
                                             "refusing", key, m->source);
        r = launch_open_pinned(m->source, O_PATH, &m->source_id, m->source_missing, &src_fd, why, sizeof(why));
        if (r == -ENOENT && m->ignore_missing)
                return 0;
        if (r == -ELOOP || r == -ESTALE)
                return launch_error_sentence(e, r, "mount-bind", "%s source %s changed since the unit was compiled "
                                             "(%s); refusing", key, m->source, why);
        if (r < 0)
                return launch_error(e, r, "mount-bind", "open bind source %s", m->source);
        if (fstat(src_fd, &st) < 0)
                return launch_error(e, negative_errno(), "mount-bind", "stat bind source %s", m->source);

        r = open_bind_target(root_fd, m, &st, &target_fd, e);
        if (r < 0)
                return r;

        /* A writable bind is nodev, recursively: the sandbox could make
         * device nodes in it. A bind of a device node itself (BindPaths=
         * /dev/fuse, with DeviceAllow=) is that one node and cannot gain
         * others; the device controller decides whether it opens. */
        if (m->read_only)
                r = mount_clone_onto(src_fd, "", target_fd, m->recursive, MOUNT_ATTR_RDONLY);
        else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                r = RET_NERRNO(mount(fd_path(src_fd, src), fd_path(target_fd, dst), NULL, MS_BIND, NULL));
        else
                r = mount_clone_onto(src_fd, "", target_fd, m->recursive, MOUNT_ATTR_NODEV);
        if (r < 0)
                return launch_error(e, r, "mount-bind", "bind-mount %s on %s", m->source, m->target);
        return 0;
}

static int mount_new(int root_fd, const PlanMount *m, const char *fstype, unsigned long flags, const char *data,
                     LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF;
        char step[32], dst[FD_PATH_MAX];
        int r;

        snprintf(step, sizeof(step), "mount-%s", mount_type_to_string(m->type));
        r = mount_open_target(root_fd, m->target, MOUNT_CREATE_DIR, &target_fd);
        if (r < 0)
                return launch_error(e, r, step, "set up %s (open the mount point)", m->target);
        if (mount(fstype, fd_path(target_fd, dst), fstype, flags, data) < 0)
                return launch_error(e, negative_errno(), step, "set up %s", m->target);
        return 0;
}

static int mount_sysfs(int root_fd, const PlanMount *m, const LaunchContext *c, LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF;
        char dst[FD_PATH_MAX];
        int r;

        r = mount_open_target(root_fd, m->target, MOUNT_CREATE_DIR, &target_fd);
        if (r < 0)
                return launch_error(e, r, "mount-sysfs", "set up %s (open the mount point)", m->target);
        r = RET_NERRNO(mount("sysfs", fd_path(target_fd, dst), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
        /* A new sysfs needs a network namespace owned by our user namespace:
         * with a user namespace and Network=host, show the host's, read-only.
         * With Network=service:NAME the namespace is NAME's, and the host's
         * /sys would show the host's interfaces: an empty one then. */
        if (r == -EPERM && c->userns && c->plan->network == NETWORK_SERVICE)
                r = RET_NERRNO(mount("tmpfs", fd_path(target_fd, dst), "tmpfs",
                                     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,size=4k"));
        else if (r == -EPERM && c->userns)
                r = mount_clone_onto(AT_FDCWD, "/sys", target_fd, true,
                                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (r < 0)
                return launch_error(e, r, "mount-sysfs", "set up %s", m->target);
        return 0;
}

/* A new procfs needs a pid namespace owned by our user namespace: with a
 * user namespace and no pid namespace of its own the sandbox sees the
 * host's processes anyway, so it gets the host's /proc (recursive, for
 * the mounts the kernel locked below it), nosuid, nodev, noexec; the
 * plan's masks and read-only paths come after and apply to it. */
static int mount_proc(int root_fd, const PlanMount *m, const LaunchContext *c, LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF;
        char dst[FD_PATH_MAX];
        int r;

        r = mount_open_target(root_fd, m->target, MOUNT_CREATE_DIR, &target_fd);
        if (r < 0)
                return launch_error(e, r, "mount-proc", "set up %s (open the mount point)", m->target);
        r = RET_NERRNO(mount("proc", fd_path(target_fd, dst), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
        if (r == -EPERM && c->userns && !c->pidns)
                r = mount_clone_onto(AT_FDCWD, "/proc", target_fd, true,
                                     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (r < 0)
                return launch_error(e, r, "mount-proc", "set up %s", m->target);
        return 0;
}

static int mount_mask(int root_fd, const PlanMount *m, LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF;
        char dst[FD_PATH_MAX];
        struct stat st;
        int r;

        r = mount_open_target(root_fd, m->target, MOUNT_CREATE_NONE, &target_fd);
        if (r == -ENOENT && m->ignore_missing)
                return 0;
        if (r < 0)
                return launch_error(e, r, "mount-mask", "open %s to hide it", m->target);
        if (fstat(target_fd, &st) < 0)
                return launch_error(e, negative_errno(), "mount-mask", "stat %s", m->target);

        if (S_ISDIR(st.st_mode))
                r = RET_NERRNO(mount("tmpfs", fd_path(target_fd, dst), "tmpfs",
                                     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,nr_inodes=1"));
        else
                /* The host's /dev/null: the sandbox's own may not exist. */
                r = mount_clone_onto(AT_FDCWD, "/dev/null", target_fd, false,
                                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (r < 0)
                return launch_error(e, r, "mount-mask", "hide %s", m->target);
        return 0;
}

static int mount_read_only(int root_fd, const PlanMount *m, LaunchError *e) {
        _cleanup_close_ int target_fd = -EBADF;
        int r;

        r = mount_open_target(root_fd, m->target, MOUNT_CREATE_NONE, &target_fd);
        if (r == -ENOENT && m->ignore_missing)
                return 0;
        if (r < 0)
                return launch_error(e, r, "mount-read-only", "open %s to make it read-only", m->target);
        r = mount_clone_onto(target_fd, "", target_fd, true, MOUNT_ATTR_RDONLY);
        if (r < 0)
                return launch_error(e, r, "mount-read-only", "make %s read-only", m->target);
        return 0;
}

/* The closed list of mount steps: a type this launcher does not know is
 * refused, never skipped. */
int mount_plan(LaunchContext *c, int root_fd, LaunchError *e) {
        const Plan *p = c->plan;
        int r;

        for (size_t i = 0; i < p->n_mounts; i++) {
                const PlanMount *m = &p->mounts[i];
                const MountPrep *prep = &c->mount_prep[i];

                switch (m->type) {
                case MOUNT_BIND:
                        r = m->root_idmap ? mount_bind_idmapped(c, root_fd, m, e) : mount_bind(root_fd, m, e);
                        break;
                case MOUNT_TMPFS:
                        r = mount_new(root_fd, m, "tmpfs", prep->flags, prep->data, e);
                        break;
                case MOUNT_PROC:
                        r = mount_proc(root_fd, m, c, e);
                        break;
                case MOUNT_SYSFS:
                        r = mount_sysfs(root_fd, m, c, e);
                        break;
                case MOUNT_DEV:
                case MOUNT_DEVPTS:
                case MOUNT_SHM:
                case MOUNT_MQUEUE:
                        r = dev_mount(c, root_fd, m, prep, e);
                        break;
                case MOUNT_MASK:
                        r = mount_mask(root_fd, m, e);
                        break;
                case MOUNT_READ_ONLY:
                        r = mount_read_only(root_fd, m, e);
                        break;
                default:
                        return launch_error(e, -EINVAL, "mount", "perform mount step %zu of unknown type %d", i, (int) m->type);
                }
                if (r < 0)
                        return r;
        }
        if (c->resolv_conf) {
                r = net_mount_resolv_conf(c, root_fd, e);
                if (r < 0)
                        return r;
        }
        return dev_seal(c, e);
}

/* pivot_root(".", ".") stacks the old root on top of the new one at "/",
 * and the umount takes it away, host mounts and all: no directory for it
 * is needed inside the image (which may be read-only), and afterwards no
 * path leads to the host. chdir("/") then leaves nothing pointing outside
 * (CVE-2024-21626 was a cwd left on a host directory). */
int mount_pivot_root(int root_fd, LaunchError *e) {
        if (fchdir(root_fd) < 0)
                return launch_error(e, negative_errno(), "pivot-root", "change into the new root");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return launch_error(e, negative_errno(), "pivot-root", "pivot_root into the new root");
        if (umount2(".", MNT_DETACH) < 0)
                return launch_error(e, negative_errno(), "pivot-root", "detach the host's root");
        if (chdir("/") < 0)
                return launch_error(e, negative_errno(), "pivot-root", "change to the new /");
        return 0;
}
