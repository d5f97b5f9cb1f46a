/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Cgroup as its drivers see it. Only src/cgroup (and tests that check
 * a driver's work from outside) include this; everyone else goes through
 * the functions of cgroup.h. */

#include <stdbool.h>

#include "cgroup.h"

struct Cgroup {
        const CgroupDriver *driver;
        char *name;             /* cgroupfs: "sandbox-web-<id>"; systemd: "sandbox-web.scope" */
        int v2_fd;              /* O_PATH|O_DIRECTORY of the v2 cgroup, for CLONE_INTO_CGROUP; -EBADF if none;
                                 * owned by the Cgroup: do not close it */
        char *v2_path;          /* its path, or NULL */
        void *driver_data;
        bool destroyed;         /* set by cgroup_destroy() once everything is gone */
        char *control_group;    /* for display: "/sandbox.slice/sandbox-web.scope", or the
                                 * cgroupfs v2 path as /proc/PID/cgroup shows it; set by create()
                                 * (cgroupfs), attach() (systemd: the scope's ControlGroup once its
                                 * job is done) and adopt(); may stay NULL (display only) */
        bool born_in_v2;        /* set by cgroup_note_born_in_v2() when CLONE_INTO_CGROUP put the child in
                                 * v2_fd: attach() then skips that cgroup.procs write, which
                                 * costs 8-15 ms on a hybrid host (an RCU grace period) */
        bool self_join;         /* set by open_self_join(): the child joins the v1 hierarchies itself */
};
