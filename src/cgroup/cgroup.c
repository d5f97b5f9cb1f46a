/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The driver-independent half: picking a driver, and the calls every
 * caller makes whichever driver made the cgroup. */

#include <stdlib.h>

#include "cgroup.h"

const CgroupDriver *cgroup_driver_pick(void) {
        /* Here goes the systemd driver: when systemd is PID 1 and answers on
         * the system bus, return &cgroup_driver_systemd, so that the service
         * lives in sandbox-NAME.scope under sandbox.slice and systemd, which
         * owns the tree, never finds cgroups it did not make. */
        return &cgroup_driver_cgroupfs;
}

int cgroup_attach(Cgroup *c, pid_t pid) {
        if (!c || pid <= 0)
                return -EINVAL;
        if (c->destroyed)
                return -ESTALE;
        return c->driver->attach(c, pid);
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
