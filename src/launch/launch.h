/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The launcher: runs a Plan and nothing else. */

#include <sys/types.h>

typedef struct Plan Plan;
typedef struct Cgroup Cgroup;

typedef struct LaunchParams {
        int stdin_fd;           /* fds the service gets as 0, 1, 2 */
        int stdout_fd;
        int stderr_fd;
        Cgroup *cgroup;         /* may be NULL: no cgroup (tests only) */
} LaunchParams;

typedef struct Launched {
        pid_t pid;              /* host pid of the sandbox's PID 1 (init) or of the service */
        int pidfd;              /* pidfd of that process */
} Launched;

/* Start the sandbox described by p: returns once the service has been
 * exec'd (or with the errno and failed step logged, nothing left behind). */
int launch_start(const Plan *p, const LaunchParams *params, Launched *ret);
