/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The launcher: runs a Plan and nothing else. */

#include <stdbool.h>
#include <sys/types.h>

typedef struct Plan Plan;
typedef struct Cgroup Cgroup;

/* Exit statuses for a service that never ran (launch_start failed), in
 * the shells' convention: 127 the ExecStart= binary is not in the image,
 * 126 it is there but cannot be executed, 125 the sandbox itself could not
 * be set up. */
#define LAUNCH_EXIT_SETUP 125
#define LAUNCH_EXIT_CANNOT_EXECUTE 126
#define LAUNCH_EXIT_NOT_FOUND 127

typedef struct LaunchParams {
        int stdin_fd;           /* fds the service gets as 0, 1, 2; -1: /dev/null */
        int stdout_fd;
        int stderr_fd;
        Cgroup *cgroup;         /* may be NULL: no cgroup (tests only) */
        /* Additions by the launcher: */
        const char *state_dir;  /* where tarball layers are unpacked; NULL: SANDBOXD_STATE_DIR */
        bool die_with_parent;   /* the sandbox gets SIGKILL when the caller's thread exits
                                 * (sandboxctl run); sandboxd leaves it off so that it can
                                 * re-adopt running services after a restart */
        int *reterr_exit_status; /* if non-NULL, set on failure to one of LAUNCH_EXIT_* */
} LaunchParams;

typedef struct Launched {
        pid_t pid;              /* host pid of the sandbox's PID 1 (init) or of the service */
        int pidfd;              /* pidfd of that process; the caller owns it */
        bool has_init;          /* pid is our init: it exits with the service's status, and
                                 * 128+N when the service was killed by signal N */
} Launched;

/* Start the sandbox described by p: returns once the service has been
 * exec'd (or with the errno and failed step logged, nothing left behind:
 * no process, no mount, no fd; the cgroup is the caller's to destroy).
 * Call it from a single-threaded process: the child is made with a raw
 * clone3() and runs ordinary libc code until it execs. */
int launch_start(const Plan *p, const LaunchParams *params, Launched *ret);
