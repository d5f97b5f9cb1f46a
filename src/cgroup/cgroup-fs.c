/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The cgroupfs driver: the service's cgroup made by hand in /sys/fs/cgroup.
 *
 * Every service gets one cgroup v2 directory, sandbox-NAME-<id>: in the
 * unified layout (/sys/fs/cgroup is cgroup2) it carries the limits; in the
 * hybrid layout (/sys/fs/cgroup/unified is cgroup2, the controllers are v1
 * hierarchies beside it) it only tracks membership, which is still what
 * gives CLONE_INTO_CGROUP a target, cgroup.kill and cgroup.events. A limit
 * whose controller is bound to a v1 hierarchy is applied in a directory of
 * the same name in that hierarchy, and the launcher moves the child there
 * with attach() while it waits at its sync point. Each controller is used
 * where the kernel has it: cgroup v2 if the v2 root lists it, else its v1
 * hierarchy, else the unit's limit cannot be had and create() fails.
 *
 * The device list is the exception: cgroup v2 has no devices controller
 * to enable, so it goes to the v1 devices hierarchy where one is mounted,
 * else into a BPF program attached to the v2 directory (cgroup-devices.h).
 *
 * Pure cgroup v1 without any cgroup2 mount is not supported: there is
 * nothing to track membership with but a name=systemd hierarchy. */

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include "cgroup-limits.h"
#include "cgroup-util.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "config.h"
#include "log.h"
#include "parse-util.h"
#include "path-util.h"
#include "plan.h"
#include "string-util.h"

/* The leaf this process moves itself into when its own cgroup must hand
 * controllers down (see make_room_for_controllers()). */
#define SUPERVISOR_LEAF "sandboxd-supervisor"

#define DESTROY_TIMEOUT_USEC (10 * USEC_PER_SEC)

typedef struct FsDir {
        char *path;             /* the directory */
        char *parent_path;      /* its parent, to remove it from */
        char *rel;              /* as /proc/PID/cgroup shows it */
        char *proc_key;         /* the hierarchy's /proc/PID/cgroup key; "" for v2 */
        int fd;                 /* O_PATH|O_DIRECTORY */
        unsigned mask;          /* controllers whose limits live here */
        bool v2;
} FsDir;

typedef struct FsCgroup {
        FsDir dirs[1 + _CGROUP_CONTROLLER_MAX];   /* dirs[0] is the v2 one */
        size_t n_dirs;
} FsCgroup;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

static FsCgroup *fs(Cgroup *c) {
        return c->driver_data;
}

static FsDir *dir_for(Cgroup *c, CgroupController ctl) {
        for (size_t i = 0; i < fs(c)->n_dirs; i++)
                if (fs(c)->dirs[i].mask & CGROUP_MASK(ctl))
                        return &fs(c)->dirs[i];
        return NULL;
}

/* Whether path lies strictly below dir. */
static bool path_startswith_dir(const char *path, const char *dir) {
        const char *t = startswith(path, dir);

        return t && t[0] == '/' && t[1] != 0;
}

static char *rel_join(const char *rel, const char *name) {
        return streq(rel, "/") ? strjoin("/", name) : strjoin(rel, "/", name);
}

/* The caller's own v2 cgroup, as the parent of services: if we moved
 * ourselves into the supervisor leaf earlier, the cgroup we came from. */
static int own_v2_parent(const CgroupHierarchy *h, char **ret) {
        const char *own = h->own_path;
        const char *leaf = endswith(own, "/" SUPERVISOR_LEAF);
        char *s;

        s = leaf ? strndup(own, leaf == own ? 1 : (size_t) (leaf - own)) : strdup(own);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* mkdir -p for a configured parent; it is the site's, and stays. */
static int make_parents(const CgroupHierarchy *h, const char *rel, char **reterr_message) {
        _cleanup_free_ char *copy = strdup(rel);
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *p = copy + 1;; p++) {
                if (*p == '/' || *p == 0) {
                        _cleanup_free_ char *d = NULL;
                        char save = *p;

                        *p = 0;
                        r = cgroup_hierarchy_dir(h, copy, &d);
                        *p = save;
                        if (r == -EXDEV)
                                goto next;      /* above the part that is mounted */
                        if (r < 0)
                                return r;
                        if (mkdir(d, 0755) < 0 && errno != EEXIST)
                                return cg_error(reterr_message, negative_errno(), true, "Failed to create cgroup %s", d);
                }
        next:
                if (*p == 0)
                        break;
        }
        return 0;
}

/* cgroup v2's "no internal processes" rule: a non-root cgroup that hands
 * controllers down to children (cgroup.subtree_control) may not hold
 * processes itself; writing subtree_control fails with EBUSY while it does.
 * When the cgroup is the caller's own (sandboxd started in a delegated
 * cgroup, sandboxctl run from a shell's), the caller moves itself into a
 * leaf below it, as systemd's delegation rules ask of a delegated manager
 * (systemd --user lives in init.scope for this reason) and as moby's dind
 * entrypoint does with its "init" group. Processes that are not ours we
 * never move: that cgroup is somebody else's to arrange. */
static int make_room_for_controllers(int level_fd, const char *level_path, const char *level_rel,
                                     const char *own_rel, const char *what, char **reterr_message) {
        _cleanup_free_ char *procs = NULL;
        _cleanup_close_ int leaf_fd = -EBADF;
        int r;

        if (!cg_file_exists(level_fd, "cgroup.type"))
                return 0;       /* the root cgroup is exempt from the rule */

        r = cg_read(level_fd, "cgroup.procs", &procs);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to read %s/cgroup.procs", level_path);
        if (isempty(procs))
                return 0;

        if (streq(level_rel, own_rel)) {
                if (mkdirat(level_fd, SUPERVISOR_LEAF, 0755) < 0 && errno != EEXIST)
                        return cg_error(reterr_message, negative_errno(), true, "Failed to create cgroup %s/%s",
                                        level_path, SUPERVISOR_LEAF);
                leaf_fd = openat(level_fd, SUPERVISOR_LEAF, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (leaf_fd < 0)
                        return cg_error(reterr_message, negative_errno(), true, "Failed to open cgroup %s/%s",
                                        level_path, SUPERVISOR_LEAF);
                /* "0" is the writing process, with all its threads. */
                r = cg_write(leaf_fd, "cgroup.procs", "0");
                if (r < 0)
                        return cg_error(reterr_message, r, true, "Failed to move this process into %s/%s",
                                        level_path, SUPERVISOR_LEAF);
                log_debug("Moved this process into %s/%s to free %s for controllers.", level_path, SUPERVISOR_LEAF, level_path);

                procs = mfree(procs);
                r = cg_read(level_fd, "cgroup.procs", &procs);
                if (r < 0)
                        return cg_error(reterr_message, r, true, "Failed to read %s/cgroup.procs", level_path);
                if (isempty(procs))
                        return 0;
        }
        return cg_error(reterr_message, -EBUSY, false,
                        "%s cannot be enabled in %s: other processes live in that cgroup, and cgroup v2 hands "
                        "controllers down only from cgroups without processes (configure an empty parent "
                        "with -Dcgroup_parent=)", what, level_path);
}

/* Make the controllers in mask available to children of parent_rel: each
 * level from the top of the mounted tree down must list them in its
 * cgroup.subtree_control. Levels that already do are not written, so this
 * works below a delegation boundary we may not write above. */
static int enable_v2_controllers(const CgroupHierarchy *h, const char *parent_rel, unsigned mask, const CgroupSpec *s,
                                 char **reterr_message) {
        _cleanup_free_ char *own = NULL, *level = strdup(h->mount_root);
        const char *rest;
        int r;

        if (!level)
                return -ENOMEM;
        r = own_v2_parent(h, &own);
        if (r < 0)
                return r;

        rest = streq(h->mount_root, "/") ? parent_rel : startswith(parent_rel, h->mount_root);
        if (!rest || (*rest != 0 && *rest != '/'))
                return cg_error(reterr_message, -EXDEV, false, "The cgroup %s is not below the mounted %s",
                                parent_rel, h->mount_point);

        for (;;) {
                _cleanup_free_ char *path = NULL, *subtree = NULL, *available = NULL;
                _cleanup_close_ int fd = -EBADF;
                size_t k;

                r = cgroup_hierarchy_dir(h, level, &path);
                if (r < 0)
                        return r;
                fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return cg_error(reterr_message, negative_errno(), true, "Failed to open cgroup %s", path);
                r = cg_read(fd, "cgroup.subtree_control", &subtree);
                if (r < 0)
                        return cg_error(reterr_message, r, true, "Failed to read %s/cgroup.subtree_control", path);
                r = cg_read(fd, "cgroup.controllers", &available);
                if (r < 0)
                        return cg_error(reterr_message, r, true, "Failed to read %s/cgroup.controllers", path);

                for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
                        const char *name = cgroup_controller_to_string(c);
                        _cleanup_free_ char *what = NULL, *plus = NULL;

                        if (!(mask & CGROUP_MASK(c)) || cg_word_in_list(subtree, name))
                                continue;
                        if (asprintf(&what, "%s needs the %s controller, which", cgroup_limits_reason(s, c), name) < 0)
                                return -ENOMEM;
                        if (!cg_word_in_list(available, name))
                                return cg_error(reterr_message, -EOPNOTSUPP, false,
                                                "%s is not available in %s", what, path);

                        r = make_room_for_controllers(fd, path, level, own, what, reterr_message);
                        if (r < 0)
                                return r;

                        plus = strjoin("+", name);
                        if (!plus)
                                return -ENOMEM;
                        r = cg_write(fd, "cgroup.subtree_control", plus);
                        if (r < 0)
                                return cg_error(reterr_message, r, true, "%s could not be enabled in %s/cgroup.subtree_control",
                                                what, path);
                }

                /* Down one level, towards parent_rel. */
                rest += strspn(rest, "/");
                if (*rest == 0)
                        return 0;
                k = strcspn(rest, "/");
                {
                        _cleanup_free_ char *comp = strndup(rest, k);
                        char *next;

                        if (!comp)
                                return -ENOMEM;
                        next = rel_join(level, comp);
                        if (!next)
                                return -ENOMEM;
                        free(level);
                        level = next;
                }
                rest += k;
        }
}

/* Create name under parent_rel in h and register it in c before anything
 * can fail, so that the teardown on failure finds it. */
static int make_dir(Cgroup *c, const CgroupHierarchy *h, bool v2, const char *parent_rel, unsigned mask,
                    FsDir **ret, char **reterr_message) {
        FsCgroup *f = fs(c);
        FsDir *d = &f->dirs[f->n_dirs];
        _cleanup_free_ char *parent = NULL, *path = NULL, *rel = NULL, *key = NULL;
        int r;

        r = cgroup_hierarchy_dir(h, parent_rel, &parent);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Cannot place a cgroup below %s in %s", parent_rel, h->mount_point);
        path = strjoin(parent, "/", c->name);
        rel = rel_join(parent_rel, c->name);
        key = strdup(h->proc_key);
        if (!path || !rel || !key)
                return -ENOMEM;

        if (mkdir(path, 0755) < 0)
                return cg_error(reterr_message, negative_errno(), true, "Failed to create cgroup %s", path);

        *d = (FsDir) {
                .path = TAKE_PTR(path),
                .parent_path = TAKE_PTR(parent),
                .rel = TAKE_PTR(rel),
                .proc_key = TAKE_PTR(key),
                .fd = -EBADF,
                .mask = mask,
                .v2 = v2,
        };
        f->n_dirs++;

        d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (d->fd < 0)
                return cg_error(reterr_message, negative_errno(), true, "Failed to open cgroup %s", d->path);
        *ret = d;
        return 0;
}

static int fs_create(const CgroupSpec *s, Cgroup **ret, char **reterr_message) {
        _cleanup_(cgroup_layout_freep) CgroupLayout *l = NULL;
        _cleanup_(cgroup_freep) Cgroup *c = NULL;
        _cleanup_free_ char *v2_available = NULL, *v2_parent = NULL;
        const char *configured = SANDBOXD_CGROUP_PARENT;
        unsigned mask, v2_mask = 0, v1_mask;
        FsDir *d;
        int r;

        r = cgroup_layout_load(&l);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to read the cgroup layout from /proc/self/mountinfo and /proc/self/cgroup");
        if (!l->v2)
                return cg_error(reterr_message, -EOPNOTSUPP, false,
                                "No cgroup2 hierarchy at " CGROUP_FS_ROOT " or " CGROUP_FS_ROOT "/unified: the cgroupfs "
                                "driver needs one to hold the service");
        if (!isempty(configured) && !path_is_normalized_absolute(configured))
                return cg_error(reterr_message, -EINVAL, false,
                                "The configured cgroup parent \"%s\" is not a normalized absolute path", configured);

        /* Where each needed controller is: v2 if the v2 root offers it. */
        mask = cgroup_limits_mask(s);
        {
                _cleanup_close_ int fd = open(l->v2->mount_point, O_PATH | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0)
                        return cg_error(reterr_message, negative_errno(), true, "Failed to open %s", l->v2->mount_point);
                r = cg_read(fd, "cgroup.controllers", &v2_available);
                if (r < 0)
                        return cg_error(reterr_message, r, true, "Failed to read %s/cgroup.controllers", l->v2->mount_point);
        }
        for (CgroupController ctl = 0; ctl < _CGROUP_CONTROLLER_MAX; ctl++) {
                if (!(mask & CGROUP_MASK(ctl)))
                        continue;
                if (cg_word_in_list(v2_available, cgroup_controller_to_string(ctl)))
                        v2_mask |= CGROUP_MASK(ctl);
                else if (ctl == CGROUP_CONTROLLER_DEVICES && !cgroup_layout_v1(l, "devices"))
                        /* cgroup v2 has no devices controller to enable:
                         * a BPF program on the cgroup does its work. */
                        v2_mask |= CGROUP_MASK(ctl);
                else if (!cgroup_layout_v1(l, cgroup_controller_v1_name(ctl)))
                        return cg_error(reterr_message, -EOPNOTSUPP, false,
                                        "%s needs the %s controller, which is not available in %s%s",
                                        cgroup_limits_reason(s, ctl), cgroup_controller_to_string(ctl),
                                        l->v2->mount_point,
                                        l->unified ? "" : " nor mounted as a cgroup v1 hierarchy under " CGROUP_FS_ROOT);
        }

        /* Memory use is shown by status and list whatever the limits. On v1
         * that takes a directory in the memory hierarchy, which costs
         * nothing to make. On v2 it is read from the service's cgroup
         * wherever its parent hands memory down (fs_stats()): enabling it
         * there could mean moving this process (make_room_for_controllers()),
         * which only a limit is worth. */
        v1_mask = mask & ~v2_mask;
        if (!(mask & CGROUP_MASK(CGROUP_CONTROLLER_MEMORY)) &&
            !cg_word_in_list(v2_available, cgroup_controller_to_string(CGROUP_CONTROLLER_MEMORY)) &&
            cgroup_layout_v1(l, cgroup_controller_v1_name(CGROUP_CONTROLLER_MEMORY)))
                v1_mask |= CGROUP_MASK(CGROUP_CONTROLLER_MEMORY);

        c = calloc(1, sizeof(Cgroup));
        if (!c)
                return -ENOMEM;
        c->driver = &cgroup_driver_cgroupfs;
        c->v2_fd = -EBADF;
        c->driver_data = calloc(1, sizeof(FsCgroup));
        if (!c->driver_data) {
                c = mfree(c);
                return -ENOMEM;
        }
        r = cgroup_make_name(s->name, &c->name);
        if (r < 0)
                return cg_error(reterr_message, r, true, "Failed to make a cgroup name");

        /* From here on, a failure returns through cgroup_free(), which
         * removes every directory registered so far. */

        /* 1. The v2 cgroup. */
        if (!isempty(configured)) {
                v2_parent = strdup(configured);
                if (!v2_parent)
                        return -ENOMEM;
                r = make_parents(l->v2, v2_parent, reterr_message);
        } else
                r = own_v2_parent(l->v2, &v2_parent);
        if (r < 0)
                return r;
        if ((v2_mask & ~CGROUP_MASK(CGROUP_CONTROLLER_DEVICES)) != 0) {
                r = enable_v2_controllers(l->v2, v2_parent, v2_mask & ~CGROUP_MASK(CGROUP_CONTROLLER_DEVICES), s,
                                          reterr_message);
                if (r < 0)
                        return r;
        }
        r = make_dir(c, l->v2, true, v2_parent, v2_mask, &d, reterr_message);
        if (r < 0)
                return r;
        c->v2_fd = d->fd;
        c->v2_path = strdup(d->path);
        c->control_group = strdup(d->rel);
        if (!c->v2_path || !c->control_group)
                return -ENOMEM;
        for (CgroupController ctl = 0; ctl < _CGROUP_CONTROLLER_MAX; ctl++)
                if (v2_mask & CGROUP_MASK(ctl)) {
                        r = cgroup_limits_apply_v2(d->fd, d->path, ctl, s, reterr_message);
                        if (r < 0)
                                return r;
                }
        /* With a user and a cgroup namespace, the sandbox's root owns its
         * cgroup, as a delegated systemd unit's user does: it is the root
         * of the sandbox's cgroup namespace. */
        if (s->delegate_to != CGROUP_DELEGATE_NONE) {
                r = cg_delegate(d->fd, s->delegate_to, (gid_t) s->delegate_to);
                if (r < 0)
                        return cg_error(reterr_message, r, true, "Failed to delegate %s to the sandbox's root", d->path);
        }

        /* 2. A directory per v1 hierarchy that carries a needed controller,
         * below the caller's own cgroup there (or the configured parent).
         * v1 has no rule against processes in inner cgroups. See
         * cgroup-limits.c on release_agent: we never write it. */
        for (CgroupController ctl = 0; ctl < _CGROUP_CONTROLLER_MAX; ctl++) {
                const CgroupHierarchy *h;
                FsDir *found = NULL;

                if (!(v1_mask & CGROUP_MASK(ctl)))
                        continue;
                h = cgroup_layout_v1(l, cgroup_controller_v1_name(ctl));
                for (size_t i = 1; i < fs(c)->n_dirs; i++)
                        if (streq(fs(c)->dirs[i].proc_key, h->proc_key))
                                found = &fs(c)->dirs[i];
                if (found)
                        found->mask |= CGROUP_MASK(ctl);     /* co-mounted, e.g. "cpu,cpuacct" */
                else {
                        const char *parent = isempty(configured) ? h->own_path : configured;

                        if (!isempty(configured)) {
                                r = make_parents(h, configured, reterr_message);
                                if (r < 0)
                                        return r;
                        }
                        r = make_dir(c, h, false, parent, CGROUP_MASK(ctl), &found, reterr_message);
                        if (r < 0)
                                return r;
                }
                r = cgroup_limits_apply_v1(found->fd, found->path, ctl, s, reterr_message);
                if (r < 0)
                        return r;
        }

        log_debug("Created cgroup %s (%zu directories).", c->v2_path, fs(c)->n_dirs);
        *ret = TAKE_PTR(c);
        return 0;
}

static int fs_open_self_join(Cgroup *c, int **ret_fds, size_t *ret_n) {
        _cleanup_free_ int *fds = NULL;
        size_t n = 0;
        int r;

        fds = calloc(MAX(fs(c)->n_dirs, 1U), sizeof(int));
        if (!fds)
                return -ENOMEM;
        for (size_t i = 0; i < fs(c)->n_dirs; i++) {
                if (fs(c)->dirs[i].v2)
                        continue;
                /* "tasks", not "cgroup.procs": writing 0 there moves only
                 * the writing thread, which the kernel does without the
                 * threadgroup lock (Linux 5.18+; older kernels take it). */
                fds[n] = openat(fs(c)->dirs[i].fd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fds[n] < 0) {
                        r = log_debug_errno(negative_errno(), "Failed to open %s/tasks: %m", fs(c)->dirs[i].path);
                        close_many(fds, n);
                        return r;
                }
                n++;
        }
        c->self_join = n > 0;
        *ret_n = n;
        *ret_fds = n > 0 ? TAKE_PTR(fds) : NULL;
        return 0;
}

static int fs_attach(Cgroup *c, pid_t pid) {
        char buf[32];
        int r;

        snprintf(buf, sizeof(buf), "%d", (int) pid);
        /* The v2 write is a no-op after CLONE_INTO_CGROUP, and what puts
         * the child in when the launcher could not use it. */
        for (size_t i = 0; i < fs(c)->n_dirs; i++) {
                if (fs(c)->dirs[i].v2 && c->born_in_v2 && fs(c)->dirs[i].fd >= 0 && c->v2_fd >= 0 &&
                    streq(fs(c)->dirs[i].path, strempty(c->v2_path)))
                        continue;
                if (!fs(c)->dirs[i].v2 && c->self_join)
                        continue;
                r = cg_write(fs(c)->dirs[i].fd, "cgroup.procs", buf);
                if (r < 0)
                        return log_debug_errno(r, "Failed to move %d into %s: %m", (int) pid, fs(c)->dirs[i].path);
        }
        return 0;
}

/* One pass over every directory; returns how many processes were found. */
static int signal_all(Cgroup *c, int sig) {
        PidSet done = {};
        int r, n = 0;

        if (sig == SIGKILL && c->v2_fd >= 0 && cg_file_exists(c->v2_fd, "cgroup.kill")) {
                /* Linux 5.14+: kills the whole subtree at once, racing forks included. */
                r = cg_write(c->v2_fd, "cgroup.kill", "1");
                if (r < 0)
                        log_debug_errno(r, "Failed to write %s/cgroup.kill, walking cgroup.procs instead: %m", c->v2_path);
        }
        for (size_t i = 0; i < fs(c)->n_dirs; i++) {
                FsDir *d = &fs(c)->dirs[i];

                r = cg_signal_tree(d->fd, d->proc_key, d->rel, sig, &done);
                if (r < 0) {
                        pid_set_done(&done);
                        return r;
                }
                n += r;
        }
        pid_set_done(&done);
        return n;
}

static int fs_kill(Cgroup *c, int sig) {
        int r;

        r = signal_all(c, sig);
        return r < 0 ? r : 0;
}

static int fs_oom_killed(Cgroup *c) {
        FsDir *d = dir_for(c, CGROUP_CONTROLLER_MEMORY);
        uint64_t n;
        int r;

        if (!d)
                return -ENODATA;
        /* v2: memory.events counts the OOM kills in the subtree. v1 (4.13+)
         * has the same count as memory.oom_control's oom_kill. Older v1
         * kernels only have memory.failcnt, which counts every time usage hit
         * the limit, reclaim that succeeded included: no answer to "was
         * something killed", so we say we cannot tell. */
        r = cg_read_key_u64(d->fd, d->v2 ? "memory.events" : "memory.oom_control", "oom_kill", &n);
        if (r == -ENODATA)
                return -EOPNOTSUPP;
        if (r < 0)
                return r;
        return (int) MIN(n, (uint64_t) INT32_MAX);
}

static int fs_stats(Cgroup *c, CgroupStats *ret) {
        CgroupStats s = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
        FsDir *d;
        uint64_t v;

        /* Without a memory limit on v2, the service's cgroup still has
         * memory.current where its parent enables the controller. */
        d = dir_for(c, CGROUP_CONTROLLER_MEMORY);
        if (d && cg_read_u64(d->fd, d->v2 ? "memory.current" : "memory.usage_in_bytes", &v) >= 0)
                s.memory_current = v;
        else if (!d && c->v2_fd >= 0 && cg_read_u64(c->v2_fd, "memory.current", &v) >= 0)
                s.memory_current = v;

        d = dir_for(c, CGROUP_CONTROLLER_PIDS);
        if (d && cg_read_u64(d->fd, "pids.current", &v) >= 0)
                s.tasks_current = v;

        /* cpu.stat's usage_usec is there in every v2 cgroup, cpu
         * controller or not; v1 only counts with cpuacct co-mounted. */
        if (c->v2_fd >= 0 && cg_read_key_u64(c->v2_fd, "cpu.stat", "usage_usec", &v) >= 0)
                s.cpu_usage_usec = v;
        else if ((d = dir_for(c, CGROUP_CONTROLLER_CPU)) && !d->v2 && cg_read_u64(d->fd, "cpuacct.usage", &v) >= 0)
                s.cpu_usage_usec = v / NSEC_PER_USEC;

        *ret = s;
        return 0;
}

static bool is_empty(Cgroup *c, int found) {
        uint64_t populated;

        /* cgroup.events is exact for the whole v2 subtree; the v1 walk saw
         * none of ours either. */
        if (found > 0)
                return false;
        if (c->v2_fd >= 0 && cg_read_key_u64(c->v2_fd, "cgroup.events", "populated", &populated) >= 0)
                return populated == 0;
        return true;
}

static int fs_destroy(Cgroup *c) {
        uint64_t deadline = now_usec() + DESTROY_TIMEOUT_USEC;
        _cleanup_close_ int events_fd = -EBADF;
        int r;

        if (c->v2_fd >= 0)
                events_fd = openat(c->v2_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);

        /* Kill until empty: a process may fork between a read of
         * cgroup.procs and our signal, so go round until a pass finds
         * nobody, waking on cgroup.events (POLLPRI on change) or every 10 ms. */
        for (;;) {
                r = signal_all(c, SIGKILL);
                if (r < 0)
                        return log_debug_errno(r, "Failed to kill the processes of %s: %m", strna(c->v2_path));
                if (is_empty(c, r))
                        break;
                if (now_usec() > deadline)
                        return log_debug_errno(SYNTHETIC_ERRNO(EBUSY), "Processes of %s did not go away in time.", strna(c->v2_path));
                if (events_fd >= 0) {
                        struct pollfd pfd = { .fd = events_fd, .events = POLLPRI };
                        char buf[256];

                        (void) poll(&pfd, 1, 10);
                        (void) pread(events_fd, buf, sizeof(buf), 0);   /* re-arm */
                } else
                        (void) poll(NULL, 0, 10);
        }

        /* v1 directories first, the v2 one last (registered first); each
         * with whatever the service made below it, deepest first. */
        for (size_t i = fs(c)->n_dirs; i > 0; i--) {
                FsDir *d = &fs(c)->dirs[i - 1];
                _cleanup_close_ int parent_fd = -EBADF;

                if (!d->path)
                        continue;
                parent_fd = open(d->parent_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (parent_fd < 0)
                        return log_debug_errno(negative_errno(), "Failed to open %s: %m", d->parent_path);
                for (;;) {
                        r = cg_remove_tree(parent_fd, path_basename(d->path));
                        /* A cgroup whose last process just died can stay
                         * busy for a moment while the kernel tears it down. */
                        if (r != -EBUSY || now_usec() > deadline)
                                break;
                        (void) poll(NULL, 0, 10);
                }
                if (r < 0)
                        return log_debug_errno(r, "Failed to remove cgroup %s: %m", d->path);
        }
        return 0;
}

static void fs_free(Cgroup *c) {
        FsCgroup *f = fs(c);

        if (f)
                for (size_t i = 0; i < f->n_dirs; i++) {
                        safe_close(f->dirs[i].fd);
                        free(f->dirs[i].path);
                        free(f->dirs[i].parent_path);
                        free(f->dirs[i].rel);
                        free(f->dirs[i].proc_key);
                }
        free(f);
        free(c->name);
        free(c->v2_path);
        free(c->control_group);
        free(c);
}

/* ---- serialize, adopt ----
 *
 * The string names every directory with the controllers whose limits live
 * there, v2 first:
 *
 *     v2:0:/sys/fs/cgroup/unified/sandbox-web-0123456789ab v1:2:/sys/fs/cgroup/memory/sandbox-web-0123456789ab
 *
 * (MASK in decimal, bits of CGROUP_MASK()). Paths are absolute, so that
 * adopt() does not depend on where the adopting process itself sits; the
 * rest (the hierarchy, its /proc/PID/cgroup key, the path as that file
 * shows it) comes from the mounts, as at create(). A state file can be
 * edited by anyone who got root once, or be cut short by a crash: adopt()
 * accepts only directories of the service's own name in a cgroup
 * filesystem below /sys/fs/cgroup, so that a doctored string can never
 * make a later destroy() kill and remove somebody else's cgroup. */

static bool dir_path_ok(const char *path) {
        return strlen(path) < PATH_MAX && path_is_normalized_absolute(path) && startswith(path, CGROUP_FS_ROOT "/") &&
               !strpbrk(path, " \t");
}

static int fs_serialize(Cgroup *c, char **ret) {
        _cleanup_free_ char *s = NULL;

        for (size_t i = 0; i < fs(c)->n_dirs; i++) {
                FsDir *d = &fs(c)->dirs[i];
                char *t;

                if (!dir_path_ok(d->path) || d->v2 != (i == 0))
                        return -EINVAL;
                if (asprintf(&t, "%s%s%s:%u:%s", strempty(s), s ? " " : "", d->v2 ? "v2" : "v1", d->mask, d->path) < 0)
                        return -ENOMEM;
                free(s);
                s = t;
        }
        if (!s)
                return -EINVAL;
        if (strlen(s) > CGROUP_SERIALIZED_MAX)
                return -E2BIG;
        *ret = TAKE_PTR(s);
        return 0;
}

static void fs_freep(Cgroup **c) {
        if (*c)
                fs_free(*c);
}

/* One "KIND:MASK:PATH" token into d (path and mask only). */
static int parse_token(const char *token, bool want_v2, FsDir *d) {
        const char *rest, *colon;
        _cleanup_free_ char *num = NULL;
        unsigned mask;
        int r;

        rest = startswith(token, want_v2 ? "v2:" : "v1:");
        if (!rest)
                return -EINVAL;
        colon = strchr(rest, ':');
        if (!colon || colon == rest || colon - rest > 3)
                return -EINVAL;
        num = strndup(rest, (size_t) (colon - rest));
        if (!num)
                return -ENOMEM;
        r = safe_atou(num, &mask);
        if (r < 0 || mask >= CGROUP_MASK(_CGROUP_CONTROLLER_MAX) || (!want_v2 && mask == 0))
                return -EINVAL;
        if (!dir_path_ok(colon + 1))
                return -EINVAL;
        d->path = strdup(colon + 1);
        if (!d->path)
                return -ENOMEM;
        d->mask = mask;
        d->v2 = want_v2;
        return 0;
}

static const CgroupHierarchy *hierarchy_of(const CgroupLayout *l, const FsDir *d) {
        if (d->v2) {
                if (l->v2 && path_startswith_dir(d->path, l->v2->mount_point))
                        return l->v2;
                return NULL;
        }
        for (size_t i = 0; i < l->n_v1; i++)
                if (path_startswith_dir(d->path, l->v1[i].mount_point))
                        return &l->v1[i];
        return NULL;
}

/* Fills in the rest of d from its hierarchy h. */
static int complete_dir(const CgroupHierarchy *h, FsDir *d) {
        const char *tail = d->path + strlen(h->mount_point);
        const char *base = path_basename(d->path);

        d->rel = streq(h->mount_root, "/") ? strdup(tail) : strjoin(h->mount_root, tail);
        d->parent_path = strndup(d->path, (size_t) (base - d->path - 1));
        d->proc_key = strdup(h->proc_key);
        if (!d->rel || !d->parent_path || !d->proc_key)
                return -ENOMEM;
        return 0;
}

static int open_dir(FsDir *d) {
        struct statfs sfs;

        d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (d->fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                if (errno == ENOTDIR || errno == ELOOP)
                        return -EINVAL;
                return negative_errno();
        }
        if (fstatfs(d->fd, &sfs) < 0)
                return negative_errno();
        if ((uint64_t) sfs.f_type != (d->v2 ? (uint64_t) CGROUP2_SUPER_MAGIC : (uint64_t) CGROUP_SUPER_MAGIC))
                return -EINVAL;
        return 0;
}

static int fs_adopt(const char *service_name, const char *serialized, Cgroup **ret) {
        _cleanup_(cgroup_layout_freep) CgroupLayout *l = NULL;
        _cleanup_(fs_freep) Cgroup *c = NULL;
        const char *name = NULL;
        unsigned seen = 0;
        FsCgroup *f;
        int r;

        c = calloc(1, sizeof(Cgroup));
        if (!c)
                return -ENOMEM;
        c->driver = &cgroup_driver_cgroupfs;
        c->v2_fd = -EBADF;
        c->driver_data = f = calloc(1, sizeof(FsCgroup));
        if (!f)
                return -ENOMEM;

        /* 1. Syntax, every token, before anything is opened. */
        for (const char *s = serialized;;) {
                size_t k = strcspn(s, " ");
                _cleanup_free_ char *token = NULL;
                FsDir *d;

                if (k == 0 || f->n_dirs >= ELEMENTSOF(f->dirs))
                        return -EINVAL;
                token = strndup(s, k);
                if (!token)
                        return -ENOMEM;
                d = &f->dirs[f->n_dirs];
                *d = (FsDir) { .fd = -EBADF };
                f->n_dirs++;
                r = parse_token(token, f->n_dirs == 1, d);
                if (r < 0)
                        return r;
                if (seen & d->mask)
                        return -EINVAL;         /* a controller in two places */
                seen |= d->mask;
                if (name && !streq(name, path_basename(d->path)))
                        return -EINVAL;
                name = path_basename(d->path);

                s += k;
                if (*s == 0)
                        break;
                s++;
        }
        if (!cgroup_name_is_ours(service_name, name))
                return -EINVAL;

        /* 2. Each directory in the hierarchy mounted where its path says,
         * holding the controllers its mask says. */
        r = cgroup_layout_load(&l);
        if (r < 0)
                return r;
        for (size_t i = 0; i < f->n_dirs; i++) {
                FsDir *d = &f->dirs[i];
                const CgroupHierarchy *h = hierarchy_of(l, d);

                if (!h)
                        return -EINVAL;
                for (size_t j = 1; j < i; j++)
                        if (streq(f->dirs[j].proc_key, h->proc_key))
                                return -EINVAL;
                for (CgroupController ctl = 0; !d->v2 && ctl < _CGROUP_CONTROLLER_MAX; ctl++)
                        if ((d->mask & CGROUP_MASK(ctl)) && cgroup_layout_v1(l, cgroup_controller_v1_name(ctl)) != h)
                                return -EINVAL;
                r = complete_dir(h, d);
                if (r < 0)
                        return r;
        }

        /* 3. Still there? */
        for (size_t i = 0; i < f->n_dirs; i++) {
                r = open_dir(&f->dirs[i]);
                if (r < 0)
                        return r;
        }

        c->name = strdup(name);
        c->v2_path = strdup(f->dirs[0].path);
        c->control_group = strdup(f->dirs[0].rel);
        if (!c->name || !c->v2_path || !c->control_group)
                return -ENOMEM;
        c->v2_fd = f->dirs[0].fd;
        log_debug("Adopted cgroup %s (%zu directories).", c->v2_path, f->n_dirs);
        *ret = TAKE_PTR(c);
        return 0;
}

const CgroupDriver cgroup_driver_cgroupfs = {
        .name = "cgroupfs",
        .create = fs_create,
        .attach = fs_attach,
        .open_self_join = fs_open_self_join,
        .kill = fs_kill,
        .oom_killed = fs_oom_killed,
        .stats = fs_stats,
        .destroy = fs_destroy,
        .free = fs_free,
        .serialize = fs_serialize,
        .adopt = fs_adopt,
};
