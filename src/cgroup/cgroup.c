/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The driver-independent half: picking a driver, the calls every caller
 * makes whichever driver made the cgroup, and joining the cgroups of a
 * running process (sandboxctl exec). */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "fileio.h"
#include "path-util.h"
#include "plan.h"
#include "string-util.h"

/* Bounds for what we read of /proc: far above any real system. */
#define PROC_CGROUP_MAX (64U * 1024U)
#define MOUNTINFO_MAX (16U * 1024U * 1024U)

const CgroupDriver *cgroup_driver_pick(void) {
        /* On a systemd host systemd owns the cgroup tree: a cgroup made
         * beside its units is one it does not know, may not account, and
         * on a unified host cannot hand controllers to. So the service goes
         * into a transient scope, like systemd-run --scope. */
        if (cgroup_systemd_available())
                return &cgroup_driver_systemd;
        return &cgroup_driver_cgroupfs;
}

const CgroupDriver *cgroup_driver_by_name(const char *name) {
        if (!name)
                return NULL;
        if (streq(name, cgroup_driver_systemd.name))
                return &cgroup_driver_systemd;
        if (streq(name, cgroup_driver_cgroupfs.name))
                return &cgroup_driver_cgroupfs;
        return NULL;
}

int cgroup_attach(Cgroup *c, pid_t pid) {
        if (!c || pid <= 0)
                return -EINVAL;
        if (c->destroyed)
                return -ESTALE;
        return c->driver->attach(c, pid);
}

int cgroup_open_self_join(Cgroup *c, int **ret_fds, size_t *ret_n) {
        if (!c || !ret_fds || !ret_n)
                return -EINVAL;
        if (c->destroyed)
                return -ESTALE;
        *ret_fds = NULL;
        *ret_n = 0;
        if (!c->driver->open_self_join)
                return 0;
        return c->driver->open_self_join(c, ret_fds, ret_n);
}

int cgroup_join_self(const int *fds, size_t n) {
        for (size_t i = 0; i < n; i++) {
                ssize_t k = write(fds[i], "0", 1);
                if (k < 0)
                        return -errno;
                if (k != 1)
                        return -EIO;
        }
        return 0;
}

static bool serialized_is_sane(const char *s) {
        size_t l;

        if (!s)
                return false;
        l = strnlen(s, CGROUP_SERIALIZED_MAX + 1);
        if (l == 0 || l > CGROUP_SERIALIZED_MAX)
                return false;
        return !string_has_cc(s) && utf8_is_valid(s, l);
}

int cgroup_serialize(Cgroup *c, char **ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        if (!c || !ret)
                return -EINVAL;
        if (c->destroyed)
                return -ESTALE;
        r = c->driver->serialize(c, &s);
        if (r < 0)
                return r;
        /* What adopt() refuses must never be written. */
        if (!serialized_is_sane(s))
                return -EINVAL;
        *ret = TAKE_PTR(s);
        return 0;
}

void cgroup_spec_from_plan(const Plan *p, CgroupSpec *ret) {
        bool userns = p->namespaces & NAMESPACE_MASK(NAMESPACE_USER),
             cgroupns = p->namespaces & NAMESPACE_MASK(NAMESPACE_CGROUP);

        *ret = (CgroupSpec) {
                .name = p->name,
                .description = p->description,
                .limits = p->limits,
                .devices = p->devices,
                .n_devices = p->n_devices,
                /* The range is known by now: the launcher's allocator ran
                 * before. Only a sandbox that sees its own cgroup as its
                 * root (a cgroup namespace) and has a root of its own (a
                 * user namespace) can manage it. */
                .delegate_to = userns && cgroupns && p->uid_map_base > 0 ? (uid_t) p->uid_map_base : CGROUP_DELEGATE_NONE,
        };
}

int cgroup_create_full(const CgroupDriver *d, const Plan *p, Cgroup **ret, char **reterr_message) {
        CgroupSpec s;

        if (!d || !p || !ret)
                return -EINVAL;
        cgroup_spec_from_plan(p, &s);
        return d->create(&s, ret, reterr_message);
}

int cgroup_adopt(const CgroupDriver *d, const char *name, const char *serialized, Cgroup **ret) {
        if (!d || !ret)
                return -EINVAL;
        if (!serialized_is_sane(serialized))
                return -EINVAL;
        return d->adopt(name, serialized, ret);
}

int cgroup_kill(Cgroup *c, int sig) {
        if (!c || sig < 0)
                return -EINVAL;
        if (c->destroyed)
                return -ESTALE;
        return c->driver->kill(c, sig);
}

int cgroup_oom_killed(Cgroup *c) {
        if (!c)
                return -EINVAL;
        if (c->destroyed)
                return -ESTALE;
        return c->driver->oom_killed(c);
}

int cgroup_stats(Cgroup *c, CgroupStats *ret) {
        if (!c || !ret)
                return -EINVAL;
        if (c->destroyed)
                return -ESTALE;
        return c->driver->stats(c, ret);
}

int cgroup_destroy(Cgroup *c) {
        int r;

        if (!c)
                return -EINVAL;
        if (c->destroyed)
                return 0;
        r = c->driver->destroy(c);
        if (r < 0)
                return r;
        c->destroyed = true;
        return 0;
}

Cgroup *cgroup_free(Cgroup *c) {
        if (!c)
                return NULL;
        /* Best effort: a caller that cares about a cgroup that will not go
         * away calls cgroup_destroy() itself and sees the error. */
        (void) cgroup_destroy(c);
        c->driver->free(c);
        return NULL;
}

void cgroup_forget(Cgroup *c) {
        if (c)
                c->driver->free(c);
}

const char *cgroup_name(const Cgroup *c) {
        return c ? c->name : NULL;
}

const CgroupDriver *cgroup_driver_of(const Cgroup *c) {
        return c ? c->driver : NULL;
}

const char *cgroup_control_group(const Cgroup *c) {
        return c ? c->control_group : NULL;
}

int cgroup_v2_fd(const Cgroup *c) {
        return c ? c->v2_fd : -EBADF;
}

const char *cgroup_v2_path(const Cgroup *c) {
        return c ? c->v2_path : NULL;
}

bool cgroup_is_destroyed(const Cgroup *c) {
        return c && c->destroyed;
}

void cgroup_note_born_in_v2(Cgroup *c) {
        if (c)
                c->born_in_v2 = true;
}

/* ---- joining another process's cgroups ---- */

static int move_into(const CgroupHierarchy *h, pid_t pid) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[32];
        int r;

        /* The model's path as we see it: normalized, or it lies outside our
         * cgroup namespace ("/.."), where we have no business. */
        if (!path_is_normalized_absolute(h->own_path))
                return -EXDEV;
        r = cgroup_hierarchy_dir(h, h->own_path, &dir);
        if (r < 0)
                return r;
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return negative_errno();
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        return cg_write(fd, "cgroup.procs", buf);
}

int cgroup_attach_like(pid_t model, pid_t pid) {
        _cleanup_(cgroup_layout_freep) CgroupLayout *l = NULL;
        _cleanup_free_ char *mountinfo = NULL, *text = NULL, *path = NULL;
        int r;

        if (model <= 0 || pid <= 0)
                return -EINVAL;
        if (asprintf(&path, "/proc/%d/cgroup", (int) model) < 0)
                return -ENOMEM;
        r = read_full_file(path, PROC_CGROUP_MAX, &text, NULL);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        r = read_full_file("/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, NULL);
        if (r < 0)
                return r;
        /* The layout code maps each /proc/PID/cgroup line to the hierarchy
         * mounted under /sys/fs/cgroup that it belongs to; given the model's
         * lines, "own_path" is the model's cgroup in each. */
        r = cgroup_layout_parse(mountinfo, text, &l);
        if (r < 0)
                return r;
        if (!l->v2 && l->n_v1 == 0)
                return -EOPNOTSUPP;

        /* v2 first: the move the kernel is most likely to refuse (a cgroup
         * that hands controllers down holds no processes), before any other. */
        if (l->v2) {
                r = move_into(l->v2, pid);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < l->n_v1; i++) {
                r = move_into(&l->v1[i], pid);
                if (r < 0)
                        return r;
        }
        return 0;
}
